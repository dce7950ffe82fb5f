"""Status history in the state store: bounded per job, kept by a new reader, never in the way of delivery."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from adapters.model import JobRecord, JobStatus, NativeKey, Source
from gateway.events import InProcessEventBus, JobRef
from gateway.history import StatusHistory
from gateway.state import StateUnavailable, open_store
from gateway.state.memory import MemoryStore

AT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
REF = JobRef(Source.SCALE, NativeKey("", "42"))


def job(status: JobStatus) -> JobRecord:
    return JobRecord(Source.SCALE, "42", "", status, status.value.lower(), updated_at=AT)


async def test_published_events_are_kept_for_a_later_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    first = open_store(url)
    await first.open()
    bus = InProcessEventBus(recorder=StatusHistory(first, per_job=3).record)
    statuses = [JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED, JobStatus.QUEUED, JobStatus.RUNNING]
    previous = None
    for status in statuses:
        await bus.publish(REF, job(status), previous, status, AT)
        previous = status
    await first.aclose()

    later = open_store(url)
    await later.open()
    try:
        kept = await StatusHistory(later).of(REF)
    finally:
        await later.aclose()
    assert [e.status for e in kept] == statuses[-3:], "the newest per_job transitions"
    assert kept[-1].previous_status is JobStatus.QUEUED and kept[-1].job.native_id == "42" and kept[-1].at == AT


class BrokenStore(MemoryStore):
    async def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None:
        raise StateUnavailable("state store memory:// failed: disk full")


async def test_a_store_failure_loses_the_record_but_not_the_event() -> None:
    bus = InProcessEventBus(recorder=StatusHistory(BrokenStore()).record)
    subscription = bus.subscribe({REF})
    event = await bus.publish(REF, job(JobStatus.RUNNING), None, JobStatus.RUNNING, AT)
    assert await anext(subscription) == event
    subscription.close()
