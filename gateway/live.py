"""Wires live status into the app: one bus, one watcher over every configured source.

Each source is polled with its cheapest batch form: where an adapter offers
``get_statuses`` (one call for many ids: Leia's ``GET /job/{ids}/status``,
Scale's repeated ``job_id`` filter), the watcher asks only for statuses and
loads full records just for the jobs whose status moved; otherwise it uses the
adapter's batched ``get_jobs``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from adapters.base import Adapter
from adapters.errors import UpstreamError
from adapters.model import JobRecord, JobStatus, NativeKey
from gateway.events import EventBus, InProcessEventBus, JobRef, PollingPolicy, StatusFetcher, Watcher, batch_fetcher
from gateway.upstreams import Upstreams


@dataclasses.dataclass(frozen=True, slots=True)
class LiveLimits:
    subscriptions_per_connection: int = 50
    subscriptions_per_process: int = 10_000
    jobs_per_subscription: int = 500
    filter_watch_limit: int = 200
    """A filter-only subscription watches at most this many not-yet-final jobs."""


def status_fetcher(adapter: Adapter, watcher_ref: list[Watcher]) -> StatusFetcher:
    get_statuses = getattr(adapter, "get_statuses", None)
    if get_statuses is None:
        return batch_fetcher(adapter.get_jobs)
    source = adapter.source

    async def fetch(keys: Sequence[NativeKey]) -> Mapping[NativeKey, JobRecord | UpstreamError]:
        statuses: Mapping[NativeKey, JobStatus | UpstreamError] = await get_statuses(keys)
        out: dict[NativeKey, JobRecord | UpstreamError] = {}
        moved: list[NativeKey] = []
        for key in keys:
            status = statuses.get(key)
            current = watcher_ref[0].current(JobRef(source, key)) if watcher_ref else None
            if isinstance(status, UpstreamError):
                out[key] = status
            elif current is not None and status is current.status:
                out[key] = current
            else:
                moved.append(key)
        if moved:
            records = await adapter.get_jobs(moved)
            out.update(zip(moved, records, strict=True))
        return out

    return fetch


class Live:
    def __init__(
        self,
        upstreams: Upstreams,
        bus: EventBus | None = None,
        policy: PollingPolicy | None = None,
        limits: LiveLimits | None = None,
    ) -> None:
        self.bus: EventBus = bus or InProcessEventBus()
        self.limits = limits or LiveLimits()
        holder: list[Watcher] = []
        fetchers = {a.source: status_fetcher(a, holder) for a in upstreams if a.capabilities.get_job}
        self.watcher = Watcher(self.bus, fetchers, policy=policy)
        holder.append(self.watcher)
        self.active_subscriptions = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.watcher.run(), name="job-gateway-watcher")

    async def stop(self) -> None:
        self.watcher.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def job_changed(self, job: JobRecord, before: JobRecord | None) -> None:
        """Mutation listener: publish what our own mutation did, at once."""
        ref = JobRef.of(job)
        if before is None:
            await self.watcher.notify_submitted(ref, job)
        else:
            await self.watcher.notify_changed(ref, job)

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)
