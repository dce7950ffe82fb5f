"""Jobs per status for one source: ``Query.jobCounts``.

Where the upstream filters by status and tells a total (Scale's ``count``, Leia's
``Content-Range``), each status is one list read of a single record and the count is
exact. Elsewhere the source's filtered list is read (at most ``READ_CAP`` jobs, in pages
of ``PAGE``) and tallied here: exact when the list ended within the cap, else a lower
bound marked ``exact = False``. UNKNOWN is counted only when asked for.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from adapters.base import Adapter, JobQuery
from adapters.model import JobStatus, Source

READ_CAP = 2000
"""Most jobs read to count one source that cannot count by status itself."""
PAGE = 200

_COUNTED: tuple[JobStatus, ...] = tuple(s for s in JobStatus if s is not JobStatus.UNKNOWN)


@dataclass(frozen=True, slots=True)
class JobCount:
    source: Source
    status: JobStatus
    count: int
    exact: bool
    """False: at least ``count`` (the source could not count them all within the read cap)."""


async def count_jobs(adapter: Adapter, query: JobQuery) -> list[JobCount]:
    statuses = sorted(query.statuses, key=list(JobStatus).index) if query.statuses is not None else list(_COUNTED)
    if adapter.capabilities.filter_status and adapter.capabilities.total_count:
        totals = await asyncio.gather(
            *(adapter.list_jobs(replace(query, statuses=frozenset({s})), None, 1) for s in statuses)
        )
        if all(page.total is not None for page in totals):
            return [
                JobCount(adapter.source, s, page.total or 0, True) for s, page in zip(statuses, totals, strict=True)
            ]
    return await _tally(adapter, query, statuses)


async def _tally(adapter: Adapter, query: JobQuery, statuses: list[JobStatus]) -> list[JobCount]:
    tally = dict.fromkeys(statuses, 0)
    after: str | None = None
    read = 0
    ended = False
    while read < READ_CAP:
        page = await adapter.list_jobs(query, after, min(PAGE, READ_CAP - read))
        for entry in page.entries:
            if entry.record.status in tally:
                tally[entry.record.status] += 1
        read += len(page.entries)
        if not page.has_more or not page.entries:
            ended = not page.has_more
            break
        after = page.entries[-1].position
    return [JobCount(adapter.source, s, n, ended) for s, n in tally.items()]
