"""Each job's status transitions, kept in the state store: ``Job.statusHistory`` outlives a restart.

The event bus keeps its own bounded history for resuming streams (``since``); this
is what clients read as a job's history. Every event the bus publishes is appended
here, by the bus's recorder (at most ``per_job`` per job, each job's list expiring ``ttl_s`` after its
last change), so a gateway that restarts, or another one on the same store,
shows what was observed before.
"""

from __future__ import annotations

import json
import logging

from gateway.events import JobRef, StatusEvent
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

    async def record(self, event: StatusEvent) -> None:
        """The bus's recorder: the history is a record, not the delivery; a store failure loses the record only."""
        try:
            await self.append(event)
        except StateUnavailable as exc:
            log.warning("status history not kept for %s %s: %s", event.ref.source.value, event.ref.key.native_id, exc)

    async def of(self, ref: JobRef) -> list[StatusEvent]:
        found = await self._store.get(_key(ref))
        if found is None:
            return []
        return [codec.loads(StatusEvent, item.encode()) for item in json.loads(found)]


def _key(ref: JobRef) -> str:
    return f"history:{ref.path}"
