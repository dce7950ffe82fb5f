"""``gateway.counts``: exact where the source counts by status, tallied and marked where it cannot."""

from __future__ import annotations

import pytest

from adapters.base import Capabilities, JobQuery
from adapters.model import JobRecord, JobStatus, Source
from gateway import counts
from gateway.counts import JobCount, count_jobs
from tests.support.memory_adapter import MemoryAdapter

S = Source.SCALE


def _jobs(n: int) -> list[JobRecord]:
    cycle = [JobStatus.FAILED, JobStatus.RUNNING, JobStatus.SUCCEEDED]
    return [JobRecord(S, str(i), "s1", cycle[i % 3], cycle[i % 3].value) for i in range(n)]


async def test_a_source_that_counts_by_status_is_asked_once_per_status() -> None:
    caps = Capabilities(filter_status=True, total_count=True)
    adapter = MemoryAdapter(S, jobs=_jobs(10), capabilities=caps)
    got = await count_jobs(adapter, JobQuery(statuses=frozenset({JobStatus.FAILED, JobStatus.RUNNING})))
    assert got == [JobCount(S, JobStatus.RUNNING, 3, True), JobCount(S, JobStatus.FAILED, 4, True)]
    assert adapter.calls == ["list_jobs", "list_jobs"]


async def test_a_source_without_status_counts_is_tallied_exactly_when_it_ends() -> None:
    adapter = MemoryAdapter(S, jobs=_jobs(10), capabilities=Capabilities())
    got = {c.status: c for c in await count_jobs(adapter, JobQuery())}
    assert (got[JobStatus.FAILED].count, got[JobStatus.SUCCEEDED].count, got[JobStatus.QUEUED].count) == (4, 3, 0)
    assert all(c.exact for c in got.values()) and JobStatus.UNKNOWN not in got


async def test_past_the_read_cap_counts_are_lower_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(counts, "READ_CAP", 6)
    monkeypatch.setattr(counts, "PAGE", 4)
    adapter = MemoryAdapter(S, jobs=_jobs(10), capabilities=Capabilities())
    got = {c.status: c for c in await count_jobs(adapter, JobQuery())}
    assert [got[s].count for s in (JobStatus.FAILED, JobStatus.RUNNING, JobStatus.SUCCEEDED)] == [2, 2, 2]
    assert not any(c.exact for c in got.values()), "6 of 10 read: at least so many"
