"""Fakes shared by the event tests: records, a clock, and an upstream with a batch status call."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from adapters.errors import ErrorKind, UpstreamError
from adapters.model import JobRecord, JobStatus, NativeKey, Source
from gateway.events import JobRef, StatusEvent, Subscription
from gateway.events.bus import LocalSubscription

AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def make_job(native_id: str, status: JobStatus = JobStatus.QUEUED, source: Source = Source.SCALE) -> JobRecord:
    return JobRecord(source=source, native_id=native_id, scope="s", status=status, native_status=status.value)


def make_ref(native_id: str, source: Source = Source.SCALE) -> JobRef:
    return JobRef(source, NativeKey("s", native_id))


class FakeClock:
    """A monotonic clock that only moves when told; ``sleep`` advances it and yields once."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


class FakeSource:
    """One upstream's batch status endpoint: holds job states, logs every call, can fail or hang."""

    def __init__(self, source: Source = Source.SCALE) -> None:
        self.source = source
        self.jobs: dict[NativeKey, JobRecord] = {}
        self.calls: list[tuple[str, ...]] = []
        self.error: Exception | None = None
        self.gate: asyncio.Event | None = None

    def set(self, native_id: str, status: JobStatus) -> JobRecord:
        job = make_job(native_id, status, self.source)
        self.jobs[job.key] = job
        return job

    def ref(self, native_id: str) -> JobRef:
        return make_ref(native_id, self.source)

    async def __call__(self, keys: Sequence[NativeKey]) -> Mapping[NativeKey, JobRecord | UpstreamError]:
        self.calls.append(tuple(key.native_id for key in keys))
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error
        missing = UpstreamError(ErrorKind.NOT_FOUND, self.source, "no such job")
        return {key: self.jobs.get(key, missing) for key in keys}


async def drain(subscription: Subscription) -> list[StatusEvent]:
    """Everything already queued for an in-process subscription, without waiting for more."""
    assert isinstance(subscription, LocalSubscription)
    events = []
    while subscription.pending:
        events.append(await anext(subscription))
    return events
