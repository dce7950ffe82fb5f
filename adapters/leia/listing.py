"""Turns a ``JobQuery`` into the ``GET /job`` calls that answer it with the least local filtering.

Pushed down: the application (``application_id``), ``parent_id``
(``parent_job_id``), one job type (``job_type``, when it is one of the four
``JobTypes``), creation times (``created_after``/``created_before``, whole
seconds: a finer bound is widened and re-checked locally), and statuses.
A status set that maps to at most ``MAX_STATUS_STREAMS`` native words is read
as one stream per word (merged by ``paging``); a wider set (or one containing
UNKNOWN) is filtered locally over the unfiltered stream instead, which costs
fewer calls than four or more streams. Everything is re-checked locally with
``JobQuery.matches``; ``exact`` says whether the server alone applied every
filter, so that its ``Content-Range`` total is the answer's total.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.base import JobQuery
from adapters.leia.translate import JOB_TYPES, NATIVE_STATUSES, query_time
from adapters.model import JobStatus

MAX_STATUS_STREAMS = 3
SORT = "-creation_time"


@dataclass(frozen=True, slots=True)
class ListPlan:
    streams: tuple[dict[str, str], ...]
    exact: bool


def plan(query: JobQuery, application_id: str) -> ListPlan | None:
    """The streams to read; ``None`` when nothing can match."""
    if query.scopes is not None and application_id not in query.scopes:
        return None
    base = {"application_id": application_id, "sort": SORT}
    exact = query.updated_after is None and query.updated_before is None
    if query.parent_id is not None:
        base["parent_job_id"] = query.parent_id
    if query.job_type_ids is not None:
        if not query.job_type_ids:
            return None
        (only, *rest) = sorted(query.job_type_ids)
        if not rest and only in JOB_TYPES:
            base["job_type"] = only
        elif not any(t in JOB_TYPES for t in query.job_type_ids):
            return None  # every Leia job type id is one of JOB_TYPES; other words match nothing
        else:
            exact = False
    if query.created_after is not None:
        base["created_after"], whole = query_time(query.created_after)
        exact = exact and whole
    if query.created_before is not None:
        base["created_before"], whole = query_time(query.created_before, round_up=True)
        exact = exact and whole
    if query.statuses is None:
        return ListPlan((base,), exact)
    words = sorted({w for s in query.statuses for w in NATIVE_STATUSES[s]})
    if JobStatus.UNKNOWN in query.statuses or len(words) > MAX_STATUS_STREAMS:
        return ListPlan((base,), False)
    if not words:
        return None
    return ListPlan(tuple({**base, "status": w} for w in words), exact)
