"""Wires live status into the app: one bus, one watcher over every configured source.

Each source is polled with its cheapest batch form. Where the adapter's
``get_jobs`` is already one call for many ids (``capabilities.batch_get_jobs``:
Scale's repeated ``job_id`` filter, phyloDB's project pages, Amperity's list
window), the watcher uses it and gets full records in that one call. Where it
is not but the adapter is a ``StatusReader`` (Leia's bulk
``GET /job/{ids}/status``), the watcher asks only for statuses and loads full
records just for the jobs whose status moved. Otherwise (WordLift) it is
``get_jobs``, one request per distinct job.

``Live`` also tracks which jobs some subscription watches, so a new subscriber
of a job that is already watched starts from the watcher's state instead of
loading the job from the upstream again: a thousand subscribers of one job
cost one load, not a thousand.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime

from adapters.base import Adapter, StatusReader
from adapters.errors import UpstreamError
from adapters.model import JobRecord, JobStatus, NativeKey
from gateway.events import (
    EventBus,
    InProcessEventBus,
    JobRef,
    PollingPolicy,
    StatusFetcher,
    Subscription,
    Watcher,
    WatchHandle,
    batch_fetcher,
)
from gateway.events.leases import PollLeases
from gateway.events.shared import SharedEventBus
from gateway.upstreams import Upstreams


@dataclasses.dataclass(frozen=True, slots=True)
class LiveLimits:
    subscriptions_per_connection: int = 50
    subscriptions_per_process: int = 10_000
    jobs_per_subscription: int = 500
    filter_watch_limit: int = 200
    """A filter-only subscription watches at most this many not-yet-final jobs."""
    filter_rediscover_s: float = 5.0
    """How often a filter-only subscription looks again for matching jobs that started since."""
    followed_jobs: int = 1_000
    """Jobs changed by our own mutations that are polled to their end even with no subscriber."""
    follow_s: float = 6 * 3600


def status_fetcher(adapter: Adapter, watcher_ref: list[Watcher]) -> StatusFetcher:
    if not isinstance(adapter, StatusReader) or adapter.capabilities.batch_get_jobs:
        # A batched get_jobs already answers every key in one call, with full records:
        # asking for statuses first would cost that call twice whenever a status moved.
        return batch_fetcher(adapter.get_jobs)
    source = adapter.source
    reader = adapter

    async def fetch(keys: Sequence[NativeKey]) -> Mapping[NativeKey, JobRecord | UpstreamError]:
        statuses: Mapping[NativeKey, JobStatus | UpstreamError] = await reader.get_statuses(keys)
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


class LiveWatch:
    """A subscription's interest in its jobs: the watcher's handle plus ``Live``'s own count."""

    __slots__ = ("_handle", "_live")

    def __init__(self, live: Live, handle: WatchHandle) -> None:
        self._live = live
        self._handle = handle

    @property
    def refs(self) -> frozenset[JobRef]:
        return self._handle.refs

    def release(self) -> None:
        """Idempotent, like the watcher's handle."""
        if not self._handle.released:
            self._handle.release()
            self._live._forget(self._handle.refs)


class Live:
    def __init__(
        self,
        upstreams: Upstreams,
        bus: EventBus | None = None,
        policy: PollingPolicy | None = None,
        limits: LiveLimits | None = None,
        leases: PollLeases | None = None,
    ) -> None:
        """With a ``SharedEventBus`` and ``leases``, replicas share events and split the polling."""
        self.bus: EventBus = bus or InProcessEventBus()
        self.limits = limits or LiveLimits()
        self._upstreams = upstreams
        self._leases = leases
        if isinstance(self.bus, SharedEventBus):
            # Looked up at each event: ``use_policy`` may replace the watcher.
            self.bus.on_remote(lambda event: self.watcher.learn(event.job))
        self.watcher = self._build_watcher(policy)
        self.active_subscriptions = 0
        self._interest: Counter[JobRef] = Counter()
        self._loading: dict[JobRef, asyncio.Task[JobRecord | None]] = {}
        self._task: asyncio.Task[None] | None = None
        self._followers: set[asyncio.Task[None]] = set()
        self.closing = False
        """Set by ``end_subscriptions`` at shutdown: no new subscription starts."""
        self._streams: set[Subscription] = set()

    def _build_watcher(self, policy: PollingPolicy | None) -> Watcher:
        holder: list[Watcher] = []
        fetchers = {a.source: status_fetcher(a, holder) for a in self._upstreams if a.capabilities.get_job}
        watcher = Watcher(self.bus, fetchers, policy=policy, leases=self._leases)
        holder.append(watcher)
        return watcher

    def use_policy(self, policy: PollingPolicy) -> None:
        """Poll by ``policy`` instead; only before ``start()`` and before anything is watched."""
        if self._task is not None or self._interest:
            raise RuntimeError("the watcher is already in use")
        self.watcher = self._build_watcher(policy)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.watcher.run(), name="job-gateway-watcher")

    async def stop(self) -> None:
        for task in list(self._followers):
            task.cancel()
        self.watcher.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        await self.bus.stop()

    # --- interest ----------------------------------------------------------------------

    def watch(self, refs: Iterable[JobRef], known: Iterable[JobRecord] = ()) -> LiveWatch:
        """``Watcher.watch``, counted here too so ``watched_state`` knows what is being polled."""
        handle = self.watcher.watch(refs, known)
        self._interest.update(handle.refs)
        return LiveWatch(self, handle)

    def _forget(self, refs: frozenset[JobRef]) -> None:
        for ref in refs:
            self._interest[ref] -= 1
            if self._interest[ref] <= 0:
                del self._interest[ref]

    def watched_state(self, ref: JobRef) -> JobRecord | None:
        """The watcher's state of a job some subscription watches right now (polling keeps it fresh), else None."""
        if ref not in self._interest:
            return None
        return self.watcher.current(ref)

    async def load_once(self, ref: JobRef, load: Callable[[], Awaitable[JobRecord | None]]) -> JobRecord | None:
        """``load()`` the job, unless a load of it is already under way: then share that one's answer.

        A burst of subscribers to one job (a dashboard opened by many) costs one
        upstream call. The load runs on even if the subscriber that started it leaves.
        """
        task = self._loading.get(ref)
        if task is None:
            task = asyncio.ensure_future(load())
            self._loading[ref] = task
            task.add_done_callback(lambda _: self._loading.pop(ref, None))
        return await asyncio.shield(task)

    @property
    def following(self) -> int:
        """Jobs followed to their end because our own mutation changed them (each holds one watch)."""
        return len(self._followers)

    @property
    def watched_jobs(self) -> int:
        return len(self._interest)

    def position(self) -> int:
        """The id of the latest event on the bus: an event with a larger id is news after this moment."""
        return self.bus.last_id

    # --- known changes -------------------------------------------------------------------

    async def job_changed(self, job: JobRecord, before: JobRecord | None) -> None:
        """Mutation listener: publish what our own mutation did, at once, then follow the job to its end.

        Following matters when nobody subscribes yet: the transitions still reach
        the bus, so ``Job.statusHistory`` and a later ``since`` resume see them.
        """
        ref = JobRef.of(job)
        if before is not None and self.watcher.current(ref) is None:
            # Seed the state the mutation started from, so the event names the status it left.
            self.watcher.watch([ref], [before]).release()
        if before is None:
            await self.watcher.notify_submitted(ref, job)
        else:
            await self.watcher.notify_changed(ref, job)
        if not job.status.is_final and len(self._followers) < self.limits.followed_jobs:
            task = asyncio.create_task(self._follow(ref, job))
            self._followers.add(task)
            task.add_done_callback(self._followers.discard)

    async def _follow(self, ref: JobRef, job: JobRecord) -> None:
        subscription = self.bus.subscribe({ref}, None)
        handle = self.watch([ref], [job])
        try:
            async with asyncio.timeout(self.limits.follow_s):
                async for event in subscription:
                    if event.status.is_final:
                        return
        except (TimeoutError, Exception):
            return
        finally:
            subscription.close()
            handle.release()

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    # --- graceful shutdown ---------------------------------------------------------------
    # Kept apart from the rest on purpose: the app's shutdown only needs these three calls.

    def track(self, stream: Subscription) -> None:
        """A client's stream, so ``end_subscriptions`` can end it; one opened while closing ends at once."""
        if self.closing:
            stream.close()
            return
        self._streams.add(stream)

    def untrack(self, stream: Subscription) -> None:
        self._streams.discard(stream)

    def end_subscriptions(self) -> int:
        """Shutdown: refuse new subscriptions and end every open stream (each completes normally); how many."""
        self.closing = True
        streams, self._streams = list(self._streams), set()
        for stream in streams:
            stream.close()
        return len(streams)
