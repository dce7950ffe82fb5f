"""Watchers: poll upstreams for the jobs subscribers care about, and publish what changed.

One ``Watcher`` serves every subscriber of the process. Interest is refcounted
per job (``watch`` / ``WatchHandle.release``), and each tick polls the union of
all interests with ONE batch call per source, whatever the number of
subscribers. Polling adapts per job: soon after a submit, then backing off while
nothing changes, never once the job is final, and not at all once nobody
watches it.

The first observation of a job only records a baseline (there is no transition
to report); ``current(ref)`` exposes it. To close the window between loading a
job for a client and the first poll, pass the loaded records to
``watch(known=...)``: they become the baseline, so a change after them is
published. Mutations and webhooks report states they already know through
``notify_submitted`` / ``notify_changed``, which publish at once and move the
baseline, so the next poll does not publish the same change again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType

from adapters.errors import UpstreamError
from adapters.model import JobRecord, JobStatus, NativeKey, Source
from gateway.events.bus import EventBus
from gateway.events.leases import PollLeases
from gateway.events.model import JobRef, StatusEvent

log = logging.getLogger(__name__)

StatusFetcher = Callable[[Sequence[NativeKey]], Awaitable[Mapping[NativeKey, JobRecord | UpstreamError]]]
"""One batch status call to one source: an answer per key (a key left out counts as an error)."""

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

_NEVER = math.inf


def _utcnow() -> datetime:
    return datetime.now(UTC)


def batch_fetcher(
    get_jobs: Callable[[Sequence[NativeKey]], Awaitable[Sequence[JobRecord | UpstreamError]]],
) -> StatusFetcher:
    """Turn an adapter's ``get_jobs`` (one answer per key, in order) into a ``StatusFetcher``."""

    async def fetch(keys: Sequence[NativeKey]) -> Mapping[NativeKey, JobRecord | UpstreamError]:
        answers = await get_jobs(keys)
        return dict(zip(keys, answers, strict=True))

    return fetch


@dataclass(frozen=True, slots=True)
class PollingPolicy:
    """How often to poll; all durations in seconds of the watcher's clock."""

    tick: float = 0.25
    """How often ``run()`` looks for due jobs: the resolution of every other interval."""
    submitted_delay: float = 0.5
    """First poll after ``notify_submitted``: a new job usually moves quickly."""
    min_interval: float = 1.0
    """Interval right after a job was first seen or changed."""
    max_interval: float = 8.0
    """Ceiling of the back-off while a job does not change."""
    backoff: float = 2.0
    """Factor applied to a job's interval at every poll that finds it unchanged."""
    piggyback: float = 0.5
    """A source being polled anyway also takes its jobs due within this long: same call, fresher data."""
    error_min: float = 1.0
    """Wait before retrying a source after its first failed fetch; doubles per failure."""
    error_max: float = 30.0
    fetch_timeout: float | None = 30.0
    """Backstop on one batch fetch, beside the adapter's own timeouts."""
    remember: int = 4096
    """How many no-longer-watched jobs keep their last known state (LRU)."""

    def __post_init__(self) -> None:
        durations = (self.tick, self.submitted_delay, self.min_interval, self.max_interval, self.error_min)
        if min(durations) <= 0 or self.backoff < 1 or self.piggyback < 0 or self.remember < 0:
            raise ValueError("polling intervals must be positive and back-off at least 1")
        if self.min_interval > self.max_interval or self.error_min > self.error_max:
            raise ValueError("a minimum interval exceeds its maximum")


@dataclass(frozen=True, slots=True)
class WatcherStats:
    """What the watcher holds and has done, per source, for tests, metrics and benchmarks."""

    watched: Mapping[Source, int]
    """Jobs someone watches (final ones included)."""
    polling: Mapping[Source, int]
    """Watched jobs still polled (not final)."""
    polls: Mapping[Source, int]
    """Batch fetches made."""
    polled_jobs: Mapping[Source, int]
    """Keys asked for, summed over those fetches."""
    failures: Mapping[Source, int]
    """Batch fetches that failed as a whole."""
    handles: int
    remembered: int
    published: int


class WatchHandle:
    """One holder's interest in a set of jobs; ``release()`` (or leaving ``with``) gives it back."""

    __slots__ = ("_refs", "_release", "_released")

    def __init__(self, refs: frozenset[JobRef], release: Callable[[frozenset[JobRef]], None]) -> None:
        self._refs = refs
        self._release = release
        self._released = False

    @property
    def refs(self) -> frozenset[JobRef]:
        return self._refs

    @property
    def released(self) -> bool:
        return self._released

    def release(self) -> None:
        """Drop this interest; idempotent. Jobs nobody else watches stop being polled."""
        if not self._released:
            self._released = True
            self._release(self._refs)

    def __enter__(self) -> WatchHandle:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


@dataclass(slots=True)
class _Watched:
    """The watcher's state for one watched job."""

    ref: JobRef
    job: JobRecord | None
    """Last known state: the baseline a poll is compared with."""
    interval: float
    due: float
    interest: int = 0
    version: int = 0
    """Bumped whenever a notify moves the baseline; a poll answer started before is stale."""


@dataclass(slots=True)
class _SourceState:
    polls: int = 0
    polled_jobs: int = 0
    failures: int = 0
    consecutive_failures: int = 0
    retry_at: float = -_NEVER


@dataclass(slots=True)
class _Batch:
    source: Source
    entries: list[_Watched] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)


class Watcher:
    """Polls the union of watched jobs, one batch call per source per tick, and publishes transitions."""

    def __init__(
        self,
        bus: EventBus,
        fetchers: Mapping[Source, StatusFetcher],
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        now: Callable[[], datetime] = _utcnow,
        policy: PollingPolicy | None = None,
        leases: PollLeases | None = None,
    ) -> None:
        """With ``leases``, only jobs whose lease this replica holds are polled (``run`` renews them)."""
        self._bus = bus
        self._leases = leases
        self._leases_wanted = asyncio.Event()
        self._fetchers = dict(fetchers)
        self._clock = clock
        self._sleep = sleep
        self._now = now
        self._policy = policy or PollingPolicy()
        self._watched: dict[JobRef, _Watched] = {}
        self._recent: OrderedDict[JobRef, JobRecord] = OrderedDict()
        self._sources = {source: _SourceState() for source in self._fetchers}
        self._in_flight: dict[Source, asyncio.Task[None]] = {}
        self._handles = 0
        self._published = 0
        self._stopping = False

    # --- interest ------------------------------------------------------------------

    def watch(self, refs: Iterable[JobRef], known: Iterable[JobRecord] = ()) -> WatchHandle:
        """Register interest in ``refs`` until the returned handle is released.

        ``known`` are records the caller has just loaded for some of these jobs;
        a job nobody watched yet takes them as its baseline (instead of waiting
        for the first poll), so ``current`` answers at once and any later change
        is published.
        """
        wanted = frozenset(refs)
        unknown = sorted({ref.source.value for ref in wanted if ref.source not in self._fetchers})
        if unknown:
            raise ValueError(f"no status fetcher for source(s): {', '.join(unknown)}")
        seeds = {JobRef.of(job): job for job in known}
        now = self._clock()
        for ref in wanted:
            entry = self._watched.get(ref)
            if entry is None:
                entry = self._watched[ref] = self._start_watching(ref, seeds.get(ref), now)
            entry.interest += 1
        self._handles += 1
        if self._leases is not None and any(not self._leases.holds(ref) for ref in wanted):
            self._leases_wanted.set()
        return WatchHandle(wanted, self._release)

    def current(self, ref: JobRef) -> JobRecord | None:
        """The last known state of a job (watched, or recently watched or notified), if any."""
        entry = self._watched.get(ref)
        return entry.job if entry is not None else self._recent.get(ref)

    def _start_watching(self, ref: JobRef, seed: JobRecord | None, now: float) -> _Watched:
        remembered = self._recent.pop(ref, None)
        baseline = seed or remembered
        # A fresh seed is trusted until the next regular poll; a remembered state may be stale.
        due = now + self._policy.min_interval if seed is not None else now
        if baseline is not None and baseline.status.is_final:
            due = _NEVER
        return _Watched(ref, baseline, self._policy.min_interval, due)

    def _release(self, refs: frozenset[JobRef]) -> None:
        self._handles -= 1
        for ref in refs:
            entry = self._watched[ref]
            entry.interest -= 1
            if entry.interest == 0:
                del self._watched[ref]
                if entry.job is not None:
                    self._remember(ref, entry.job)

    def _remember(self, ref: JobRef, job: JobRecord) -> None:
        if self._policy.remember == 0:
            return
        self._recent[ref] = job
        self._recent.move_to_end(ref)
        if len(self._recent) > self._policy.remember:
            self._recent.popitem(last=False)

    # --- known changes ---------------------------------------------------------------

    async def notify_submitted(self, ref: JobRef, job: JobRecord) -> StatusEvent | None:
        """A job was just created through the gateway: publish it and poll it again soon."""
        return await self._learn(ref, job, self._policy.submitted_delay)

    async def notify_changed(self, ref: JobRef, job: JobRecord) -> StatusEvent | None:
        """A mutation or webhook saw ``job``'s new state: publish it now if it is news.

        The state becomes the baseline, so a poll that finds the same status
        publishes nothing; an answer to a poll already under way is discarded.
        """
        return await self._learn(ref, job, self._policy.min_interval)

    async def _learn(self, ref: JobRef, job: JobRecord, delay: float) -> StatusEvent | None:
        entry = self._watched.get(ref)
        previous = entry.job if entry is not None else self._recent.get(ref)
        if entry is not None:
            entry.version += 1
            entry.interval = delay
            entry.due = _NEVER if job.status.is_final else self._clock() + delay
        event = None
        if previous is None or previous.status != job.status:
            event = await self._publish(ref, job, previous.status if previous is not None else None)
        # Only now: had publishing failed, the old baseline lets the next poll publish the change.
        if entry is not None:
            entry.job = job
        else:
            self._remember(ref, job)
        return event

    def learn(self, job: JobRecord) -> None:
        """Another replica published ``job``'s new state: take it as the baseline, publish nothing.

        Keeps this replica's baseline as fresh as the poller's, so taking a lease
        over later does not report a transition again; an answer to a poll of
        ours already under way is discarded.
        """
        ref = JobRef.of(job)
        entry = self._watched.get(ref)
        if entry is None:
            if ref in self._recent:
                self._remember(ref, job)
            return
        entry.version += 1
        entry.job = job
        entry.interval = self._policy.min_interval
        entry.due = _NEVER if job.status.is_final else self._clock() + entry.interval

    async def _publish(self, ref: JobRef, job: JobRecord, previous: JobStatus | None) -> StatusEvent:
        event = await self._bus.publish(ref, job, previous, job.status, self._now())
        self._published += 1
        return event

    # --- polling -----------------------------------------------------------------------

    async def tick(self) -> None:
        """Poll every due job once: one batch per source, sources concurrently; then publish."""
        tasks = self._start_due_polls()
        if tasks:
            await asyncio.gather(*tasks)

    async def run(self) -> None:
        """Start due polls every ``policy.tick`` until ``stop()``.

        Unlike ``tick``, a slow source does not hold the others back: a source is
        simply skipped while its previous batch is still in flight.
        """
        leasing = None
        leasing_done = asyncio.Event()
        if self._leases is not None:
            leasing = asyncio.create_task(self._keep_leases(self._leases, leasing_done), name="watcher-leases")
        try:
            while not self._stopping:
                self._start_due_polls()
                await self._sleep(self._policy.tick)
        finally:
            self._stopping = False
            pending = list(self._in_flight.values())
            if leasing is not None:
                # Ended by the flag as well as by cancelling: a store client can absorb a cancellation.
                leasing_done.set()
                self._leases_wanted.set()
                pending.append(leasing)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _keep_leases(self, leases: PollLeases, done: asyncio.Event) -> None:
        """Renew the leases of every job still to poll, every ``renew_s`` or at once when a new job is watched."""
        try:
            while not done.is_set():
                self._leases_wanted.clear()
                await leases.renew([ref for ref, entry in self._watched.items() if entry.due != _NEVER])
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(leases.renew_s):
                        await self._leases_wanted.wait()
        finally:
            await asyncio.shield(leases.release_all())

    def stop(self) -> None:
        """Make ``run()`` return after its current sleep (at once if it has not started).

        Polls still in flight are cancelled; a later ``run()`` starts afresh.
        """
        self._stopping = True

    def _start_due_polls(self) -> list[asyncio.Task[None]]:
        tasks = []
        for batch in self._due_batches(self._clock()):
            task = asyncio.create_task(self._poll(batch), name=f"watcher-poll-{batch.source.value}")
            self._in_flight[batch.source] = task
            tasks.append(task)
        return tasks

    def _due_batches(self, now: float) -> list[_Batch]:
        """Due jobs grouped by source, skipping sources in flight or backing off after an error."""
        horizon = now + self._policy.piggyback
        batches: dict[Source, _Batch] = {}
        due_sources: set[Source] = set()
        for entry in self._watched.values():
            source = entry.ref.source
            if entry.due > horizon or source in self._in_flight or self._sources[source].retry_at > now:
                continue
            if self._leases is not None and not self._leases.holds(entry.ref):
                continue  # another replica polls it; its events reach us through the shared log
            if entry.due <= now:
                due_sources.add(source)
            batch = batches.setdefault(source, _Batch(source))
            batch.entries.append(entry)
            batch.versions.append(entry.version)
        # Jobs merely due soon ride along, but never cause a call by themselves.
        return [batch for source, batch in batches.items() if source in due_sources]

    async def _poll(self, batch: _Batch) -> None:
        # The next polls are timed from this one's sending: the answer tells the state as of about
        # then, and timing them from its arrival would stretch every interval by the call's own time.
        sent = self._clock()
        try:
            answers = await self._fetch(batch)
            if answers is not None:
                await self._apply(batch, answers, sent)
        except Exception:
            log.exception("publishing polled statuses of %s failed", batch.source.value)
        finally:
            self._in_flight.pop(batch.source, None)

    async def _fetch(self, batch: _Batch) -> Mapping[NativeKey, JobRecord | UpstreamError] | None:
        state = self._sources[batch.source]
        keys = [entry.ref.key for entry in batch.entries]
        state.polls += 1
        state.polled_jobs += len(keys)
        try:
            async with asyncio.timeout(self._policy.fetch_timeout):
                answers = await self._fetchers[batch.source](keys)
        except Exception as error:
            self._source_failed(batch.source, error, len(keys))
            return None
        state.consecutive_failures = 0
        return answers

    def _source_failed(self, source: Source, error: Exception, count: int) -> None:
        state = self._sources[source]
        state.failures += 1
        state.consecutive_failures += 1
        delay = min(self._policy.error_min * 2 ** (state.consecutive_failures - 1), self._policy.error_max)
        if isinstance(error, UpstreamError) and error.retry_after is not None:
            delay = max(delay, error.retry_after)
        state.retry_at = self._clock() + delay
        log.warning("status poll of %d %s job(s) failed, retrying in %.1fs: %r", count, source.value, delay, error)

    async def _apply(self, batch: _Batch, answers: Mapping[NativeKey, JobRecord | UpstreamError], sent: float) -> None:
        now = sent
        for entry, version in zip(batch.entries, batch.versions, strict=True):
            if self._watched.get(entry.ref) is not entry or entry.version != version:
                continue  # released meanwhile, or a notify overtook this answer
            answer = answers.get(entry.ref.key)
            if isinstance(answer, JobRecord):
                await self._observe(entry, answer, now)
            else:
                self._back_off(entry, now)
                log.debug("no status for %s: %r", entry.ref, answer)

    async def _observe(self, entry: _Watched, job: JobRecord, now: float) -> None:
        previous = entry.job
        changed = previous is not None and previous.status != job.status
        if job.status.is_final:
            entry.due = _NEVER
        elif changed or previous is None:
            entry.interval = self._policy.min_interval
            entry.due = now + entry.interval
        else:
            self._back_off(entry, now)
        version = entry.version
        if changed and previous is not None:
            await self._publish(entry.ref, job, previous.status)
        if entry.version == version:
            entry.job = job

    def _back_off(self, entry: _Watched, now: float) -> None:
        entry.interval = min(entry.interval * self._policy.backoff, self._policy.max_interval)
        entry.due = now + entry.interval

    # --- introspection -------------------------------------------------------------------

    def stats(self) -> WatcherStats:
        watched = dict.fromkeys(self._fetchers, 0)
        polling = dict.fromkeys(self._fetchers, 0)
        for entry in self._watched.values():
            watched[entry.ref.source] += 1
            if entry.due != _NEVER:
                polling[entry.ref.source] += 1
        return WatcherStats(
            watched=watched,
            polling=polling,
            polls={source: state.polls for source, state in self._sources.items()},
            polled_jobs={source: state.polled_jobs for source, state in self._sources.items()},
            failures={source: state.failures for source, state in self._sources.items()},
            handles=self._handles,
            remembered=len(self._recent),
            published=self._published,
        )
