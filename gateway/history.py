"""Each job's status transitions, kept in the state store: ``Job.statusHistory`` outlives a restart.

The event bus keeps its own bounded history for resuming streams (``since``); this
is what clients read as a job's history. Every event the bus publishes is appended
here (at most ``per_job`` per job, each job's list expiring ``ttl_s`` after its
last change), so a gateway that restarts, or another one on the same store,
shows what was observed before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime

from adapters.model import JobRecord, JobStatus
from gateway.events import BusStats, EventBus, JobRef, Predicate, StatusEvent, Subscription
from gateway.events.bus import DEFAULT_MAX_QUEUE
from gateway.state import StateStore, StateUnavailable, codec

log = logging.getLogger("job_gateway.history")

DEFAULT_PER_JOB = 100
DEFAULT_TTL_S = 24 * 3600.0


class StatusHistory:
    def __init__(self, store: StateStore, *, per_job: int = DEFAULT_PER_JOB, ttl_s: float = DEFAULT_TTL_S) -> None:
        self._store = store
        self._per_job = per_job
        self._ttl_s = ttl_s

    async def append(self, event: StatusEvent) -> None:
        key = _key(event.ref)
        found = await self._store.get(key)
        events: list[str] = json.loads(found) if found is not None else []
        events.append(codec.dumps(event).decode())
        await self._store.set(key, json.dumps(events[-self._per_job :]).encode(), ttl_s=self._ttl_s)

    async def of(self, ref: JobRef) -> list[StatusEvent]:
        found = await self._store.get(_key(ref))
        if found is None:
            return []
        return [codec.loads(StatusEvent, item.encode()) for item in json.loads(found)]


def _key(ref: JobRef) -> str:
    return f"history:{ref.source.value}:{ref.key.scope}:{ref.key.native_id}"


class RecordingBus:
    """An ``EventBus`` that also appends every event it publishes to a ``StatusHistory``.

    The history is a record, not the delivery: when the store cannot take an event,
    subscribers still get it and the loss is logged.
    """

    def __init__(self, bus: EventBus, history: StatusHistory) -> None:
        self._bus = bus
        self.statuses = history

    async def publish(
        self, ref: JobRef, job: JobRecord, previous_status: JobStatus | None, status: JobStatus, at: datetime
    ) -> StatusEvent:
        event = await self._bus.publish(ref, job, previous_status, status, at)
        try:
            await self.statuses.append(event)
        except StateUnavailable as exc:
            log.warning("status history not kept for %s %s: %s", ref.source.value, ref.key.native_id, exc)
        return event

    def subscribe(
        self,
        refs: Iterable[JobRef] | None = None,
        predicate: Predicate | None = None,
        since_id: int | None = None,
        max_queue: int = DEFAULT_MAX_QUEUE,
    ) -> Subscription:
        return self._bus.subscribe(refs, predicate, since_id, max_queue)

    async def history(self, ref: JobRef) -> list[StatusEvent]:
        return await self._bus.history(ref)

    def stats(self) -> BusStats:
        return self._bus.stats()

    @property
    def last_id(self) -> int:
        return self._bus.last_id
