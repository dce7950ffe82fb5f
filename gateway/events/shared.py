"""The event bus of several replicas: one ordered log in the state store, delivered by each replica.

Publishing appends the event to the store's log, which gives it its id: ids are
ordered across every replica on the store, so ``since`` taken from one replica
resumes on another. Each replica runs one tail that reads the log in id order
and hands every entry to its ``InProcessEventBus`` for local delivery (replay
window, per-job history, subscriber backlogs). A publisher waits until its own
tail has delivered its event, so what it returns is what its subscribers got.

Every replica sees the log in the same order, which settles races the same way
everywhere: when two replicas report one transition (a poll lease changing
hands), the second report repeats the job's last status and every replica drops
it. Events another replica published are also passed to ``on_remote`` listeners
(the watcher), so a replica that starts polling a job knows its latest state and
does not publish a transition again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from adapters.model import JobRecord, JobStatus
from gateway.events.bus import (
    DEFAULT_HISTORY_JOBS,
    DEFAULT_HISTORY_PER_JOB,
    DEFAULT_MAX_QUEUE,
    DEFAULT_WINDOW,
    BusStats,
    InProcessEventBus,
    Predicate,
    Subscription,
)
from gateway.events.model import JobRef, StatusEvent
from gateway.state import StateStore, StateUnavailable, codec

log = logging.getLogger(__name__)

LOG = "events"
READ_BATCH = 500
TAIL_WAIT_S = 1.0
IDLE_POLL_S = 0.25
"""With no subscriber here, the log is read this often (a subscribe or a publish wakes the tail at once)."""
RETRY_S = 1.0
TRIM_EVERY_S = 60.0
PUBLISH_WAIT_S = 5.0
"""How long a publisher waits for its own tail to deliver its event before answering without it."""
EARLY_KEEP = 1024


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """What the log holds for one event: the event without its id (the log gives it), and who published it."""

    origin: str
    ref: JobRef
    job: JobRecord
    previous_status: JobStatus | None
    status: JobStatus
    at: datetime

    def with_id(self, event_id: int) -> StatusEvent:
        return StatusEvent(event_id, self.ref, self.job, self.previous_status, self.status, self.at)


@dataclass(frozen=True, slots=True)
class Retention:
    """How much of the log the store keeps (the bus's own replay window is separate)."""

    events: int = 10_000
    max_age_s: float = 24 * 3600.0


class SharedEventBus:
    """``EventBus`` over a ``StateStore`` log; subscriptions, replay and history stay local."""

    def __init__(
        self,
        store: StateStore,
        origin: str,
        *,
        window: int = DEFAULT_WINDOW,
        history_per_job: int = DEFAULT_HISTORY_PER_JOB,
        history_jobs: int = DEFAULT_HISTORY_JOBS,
        retention: Retention | None = None,
        recorder: Callable[[StatusEvent], Awaitable[None]] | None = None,
    ) -> None:
        """``origin`` names this replica in the log; ``recorder`` is awaited once per delivered event, by its publisher."""
        self._store = store
        self.origin = origin
        self._window = window
        self._local = InProcessEventBus(window=window, history_per_job=history_per_job, history_jobs=history_jobs)
        self._retention = retention or Retention()
        self._recorder = recorder
        self._remote: list[Callable[[StatusEvent], None]] = []
        self._waiting: dict[int, asyncio.Future[StatusEvent | None]] = {}
        self._early: OrderedDict[int, StatusEvent | None] = OrderedDict()
        self._read = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        """Set by ``stop()``. The loops end on it too, not only on cancellation: a cancellation that
        lands in the store client's own socket timeout can be absorbed there, and a tail left running
        would keep ``stop()`` waiting for ever (seen now and then with Redis)."""
        self._taking = asyncio.Lock()
        """Held while entries are handed over, so the tail and ``catch_up`` never hand one over twice."""

    def add_listener(self, listener: Callable[[StatusEvent], None]) -> None:
        self._local.add_listener(listener)

    def on_remote(self, listener: Callable[[StatusEvent], None]) -> None:
        """Call ``listener`` with every event another replica published, delivered or not, in id order."""
        self._remote.append(listener)

    # --- life cycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Load the retained log (replay window and history), then follow it; ``StateUnavailable`` if unreachable."""
        if self._tasks:
            return
        self._stopping.clear()
        await self._load_retained()
        self._tasks = [
            asyncio.create_task(self._tail(), name="job-gateway-event-tail"),
            asyncio.create_task(self._trim_forever(), name="job-gateway-event-trim"),
        ]

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for waiter in self._waiting.values():
            if not waiter.done():
                waiter.set_result(None)
        self._waiting.clear()

    async def _load_retained(self) -> None:
        """Everything the log retains, into the local window without offering it to anyone (no subscriber yet)."""
        loaded: list[StatusEvent] = []
        while True:
            entries = await self._store.read_after(LOG, self._read, limit=READ_BATCH)
            if not entries:
                break
            for entry_id, body in entries:
                self._read = entry_id
                logged = self._decode(entry_id, body)
                if logged is not None:
                    loaded.append(logged.with_id(entry_id))
            loaded = loaded[-self._window :]
        self._local.preload(loaded)

    # --- the EventBus protocol ---------------------------------------------------------------

    async def publish(
        self, ref: JobRef, job: JobRecord, previous_status: JobStatus | None, status: JobStatus, at: datetime
    ) -> StatusEvent:
        """Append to the log, then wait (briefly) for this replica's tail to deliver it.

        Answers the event even if it repeated the job's last status and was not
        delivered; raises ``StateUnavailable`` if the store cannot take it.
        """
        logged = LoggedEvent(self.origin, ref, job, previous_status, status, at)
        event_id = await self._store.append(LOG, codec.dumps(logged))
        self._wake.set()
        if event_id in self._early:
            delivered = self._early.pop(event_id)
        else:
            waiter = self._waiting[event_id] = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(PUBLISH_WAIT_S):
                    delivered = await waiter
            except TimeoutError:
                log.warning("event %d not delivered by this replica's tail within %.0fs", event_id, PUBLISH_WAIT_S)
                delivered = None
            finally:
                self._waiting.pop(event_id, None)
        event = logged.with_id(event_id)
        if delivered is not None and self._recorder is not None:
            await self._recorder(event)
        return event

    def subscribe(
        self,
        refs: Iterable[JobRef] | None = None,
        predicate: Predicate | None = None,
        since_id: int | None = None,
        max_queue: int = DEFAULT_MAX_QUEUE,
    ) -> Subscription:
        subscription = self._local.subscribe(refs, predicate, since_id, max_queue)
        self._wake.set()  # from now on, follow the log closely
        return subscription

    async def history(self, ref: JobRef) -> list[StatusEvent]:
        return await self._local.history(ref)

    def stats(self) -> BusStats:
        return self._local.stats()

    @property
    def last_id(self) -> int:
        return self._local.last_id

    # --- the tail ---------------------------------------------------------------------------------

    async def _tail(self) -> None:
        while not self._stopping.is_set():
            # Nobody here to deliver to: look now and then instead of keeping a wait open
            # (on SQLite an open wait is a query every few tens of milliseconds).
            idle = self._local.subscriber_count == 0 and not self._waiting
            self._wake.clear()
            try:
                entries = await self._store.read_after(
                    LOG, self._read, limit=READ_BATCH, wait_s=0.0 if idle else TAIL_WAIT_S
                )
                if idle and not entries:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(IDLE_POLL_S):
                            await self._wake.wait()
            except StateUnavailable as exc:
                log.warning("event log unreadable, retrying in %.0fs: %s", RETRY_S, exc)
                await self._pause(RETRY_S)
                continue
            async with self._taking:
                self._hand_over(entries)

    async def catch_up(self) -> None:
        """Read the log up to now and deliver it, without waiting for the tail's next turn.

        With the store unreachable, what was delivered so far has to do (the tail retries).
        """
        async with self._taking:
            while True:
                try:
                    entries = await self._store.read_after(LOG, self._read, limit=READ_BATCH)
                except StateUnavailable as exc:
                    log.warning("event log unreadable; subscribing without catching up: %s", exc)
                    return
                self._hand_over(entries)
                if len(entries) < READ_BATCH:
                    return

    def _hand_over(self, entries: list[tuple[int, bytes]]) -> None:
        for entry_id, body in entries:
            if entry_id <= self._read:
                continue  # already handed over by catch_up while the tail was reading
            self._read = entry_id
            logged = self._decode(entry_id, body)
            if logged is not None:
                self._take(logged.with_id(entry_id), own=logged.origin == self.origin)

    def _take(self, event: StatusEvent, *, own: bool) -> None:
        delivered: StatusEvent | None = None
        if not self._local.repeats(event):
            self._local.deliver(event)
            delivered = event
        if not own:
            for listener in self._remote:
                try:
                    listener(event)
                except Exception:
                    log.exception("remote event listener failed on event %d", event.id)
            return
        waiter = self._waiting.pop(event.id, None)
        if waiter is not None:
            if not waiter.done():
                waiter.set_result(delivered)
            return
        # Our tail got there before our publisher registered its wait: leave the answer for it.
        self._early[event.id] = delivered
        if len(self._early) > EARLY_KEEP:
            self._early.popitem(last=False)

    def _decode(self, entry_id: int, body: bytes) -> LoggedEvent | None:
        try:
            return codec.loads(LoggedEvent, body)
        except Exception as exc:
            # One unreadable entry (another version's, or damaged) must not stop the stream.
            log.warning("skipping event %d of the log: %r", entry_id, exc)
            return None

    async def _trim_forever(self) -> None:
        while not await self._pause(TRIM_EVERY_S):
            with contextlib.suppress(StateUnavailable):
                await self._store.trim(LOG, keep=self._retention.events, max_age_s=self._retention.max_age_s)

    async def _pause(self, seconds: float) -> bool:
        """Wait ``seconds`` or until ``stop()``; whether we are stopping."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()
        return self._stopping.is_set()
