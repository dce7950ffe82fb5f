"""The event bus: status transitions in, filtered per-subscriber streams out.

``EventBus`` is the seam the rest of the gateway uses; ``InProcessEventBus`` is
the single-process implementation, and ``SharedEventBus`` (``events/shared.py``)
delivers through it the events of every replica on one state store. Nothing outside this module may
assume the bus lives in the current process: hence ``history`` is async, and
resuming goes through event ids rather than object identity.

Delivery rules, the same for every implementation:

* ``publish`` never waits for a subscriber. Each subscriber has its own bounded
  ``Backlog``; a slow or dead subscriber only ever fills its own.
* A subscriber that keeps up sees every transition, in id order. One that falls
  behind may skip intermediate states of a job, but still receives the final
  state of every job it watches. If it falls so far behind that only a final
  state could be dropped, its stream ends with ``SubscriptionOverflow`` (after
  what it has already been sent), and it can resume by id.
* ``subscribe(since_id=...)`` first replays what the bus still holds after that
  id; if older events are gone, it replays what is there and sets ``gap``.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import logging
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from adapters.model import JobRecord, JobStatus
from gateway.events.backlog import Backlog
from gateway.events.model import JobRef, StatusEvent

log = logging.getLogger(__name__)

Predicate = Callable[[JobRecord], bool]
"""A subscriber's filter over the job as it is after the transition."""

DEFAULT_WINDOW = 10_000
DEFAULT_HISTORY_PER_JOB = 32
DEFAULT_HISTORY_JOBS = 10_000
DEFAULT_MAX_QUEUE = 100


class SubscriptionOverflow(Exception):
    """A subscriber fell so far behind that keeping it going would have lost a final state.

    Raised by the subscription's iterator after everything already queued was
    delivered. ``last_id`` is the id of the last event delivered: subscribing
    again with ``since_id=last_id`` resumes without loss while the bus still
    holds the events (or with ``gap`` set when it does not).
    """

    def __init__(self, last_id: int) -> None:
        super().__init__(f"subscriber fell too far behind; resume after event {last_id}")
        self.last_id = last_id


@dataclass(frozen=True, slots=True)
class BusStats:
    """Sizes of everything the bus holds, so tests and metrics can see memory stay flat."""

    subscribers: int
    buffered_events: int
    """Events in the replay window."""
    pending_events: int
    """Events queued for live subscribers, not yet read."""
    indexed_refs: int
    """Jobs some live subscriber watches by ref."""
    history_jobs: int
    last_id: int


class Subscription(Protocol):
    """One subscriber's stream of ``StatusEvent``s: iterate it, and close it when done.

    Use it as ``async with bus.subscribe(...) as events: async for event in events``
    (or call ``close()`` in a ``finally``) so an abandoned stream leaves nothing behind.
    """

    @property
    def gap(self) -> bool:
        """Whether events after the requested ``since_id`` were already gone and are not replayed."""
        ...

    @property
    def last_id(self) -> int:
        """The resume position: the last id delivered (or where the stream started)."""
        ...

    @property
    def closed(self) -> bool: ...

    def close(self) -> None:
        """Stop the stream and release everything the bus holds for it; idempotent."""
        ...

    def __aiter__(self) -> Self: ...

    async def __anext__(self) -> StatusEvent: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class EventBus(Protocol):
    """Carries job status transitions from watchers and mutations to subscribers."""

    async def publish(
        self, ref: JobRef, job: JobRecord, previous_status: JobStatus | None, status: JobStatus, at: datetime
    ) -> StatusEvent:
        """Assign the next id to a transition and deliver it; never waits for a subscriber."""
        ...

    def subscribe(
        self,
        refs: Iterable[JobRef] | None = None,
        predicate: Predicate | None = None,
        since_id: int | None = None,
        max_queue: int = DEFAULT_MAX_QUEUE,
    ) -> Subscription:
        """Stream events for ``refs`` (all jobs if ``None``) whose job passes ``predicate``.

        With ``since_id``, first replay the matching events after that id that the
        bus still holds. ``max_queue`` bounds what may wait unread for this subscriber.
        """
        ...

    async def history(self, ref: JobRef) -> list[StatusEvent]:
        """The most recent transitions of one job still remembered, oldest first."""
        ...

    def stats(self) -> BusStats: ...

    @property
    def last_id(self) -> int:
        """The id of the latest event published (cheap, unlike ``stats``)."""
        ...

    async def start(self) -> None:
        """Connect to where events are shared, if anywhere; before the first publish or subscribe."""
        ...

    async def catch_up(self) -> None:
        """Deliver every event published anywhere until now before returning (call before ``subscribe``)."""
        ...

    def add_listener(self, listener: Callable[[StatusEvent], None]) -> None:
        """Call ``listener`` with every event this process delivers (its own and, when shared, others'); it must not block."""
        ...

    async def stop(self) -> None: ...


class LocalSubscription:
    """The ``Subscription`` of an ``InProcessEventBus``: a filter, a backlog and a wake-up signal."""

    def __init__(
        self,
        refs: frozenset[JobRef] | None,
        predicate: Predicate | None,
        max_queue: int,
        position: int,
        gap: bool = False,
    ) -> None:
        self.refs = refs
        self._predicate = predicate
        self._backlog = Backlog(max_queue)
        self._last_id = position
        self._on_end: Callable[[LocalSubscription], None] | None = None
        self._waiter: asyncio.Future[None] | None = None
        """Set while the reader waits: a bare future, lighter than an ``asyncio.Event`` (whose deque of
        waiters alone is 0.6 KiB) for the one reader a subscription has, held as long as it is."""
        self._closed = False
        self._overflowed = False
        self._error: Exception | None = None
        self.gap = gap

    @property
    def last_id(self) -> int:
        return self._last_id

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def pending(self) -> int:
        """Events queued and not read yet."""
        return len(self._backlog)

    @property
    def coalesced(self) -> int:
        """Events this subscriber skipped because it fell behind."""
        return self._backlog.coalesced

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._backlog.clear()
        self._end()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> StatusEvent:
        while True:
            if self._backlog:
                event = self._backlog.pop()
                self._last_id = event.id
                return event
            if self._error is not None:
                raise self._error
            if self._overflowed:
                raise SubscriptionOverflow(self._last_id)
            if self._closed:
                raise StopAsyncIteration
            # No await since the checks above: whatever arrives from now on wakes this waiter.
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- called by the bus -------------------------------------------------------

    @property
    def ended(self) -> bool:
        """Closed, overflowed or failed: the bus no longer offers it anything."""
        return self._closed or self._overflowed or self._error is not None

    def attach(self, on_end: Callable[[LocalSubscription], None]) -> None:
        """Called once the bus has registered it; ``on_end`` unregisters it."""
        self._on_end = on_end

    def offer(self, event: StatusEvent, *, replaying: bool = False) -> None:
        """Queue ``event`` if it matches; never blocks. Ends the subscription on overflow or a failing filter."""
        if not self._matches(event):
            return
        if self._backlog.push(event):
            self._wake()
            return
        if replaying:
            self._backlog.drop_oldest()
            self._backlog.push(event)
            self.gap = True
            return
        self._overflowed = True
        self._end()

    def _matches(self, event: StatusEvent) -> bool:
        if self.ended:
            return False
        if self.refs is not None and event.ref not in self.refs:
            return False
        if self._predicate is None:
            return True
        try:
            return self._predicate(event.job)
        except Exception as error:
            # A broken filter ends its own stream (with its error), never the bus.
            log.warning("subscription filter failed; ending that subscription: %r", error)
            self._error = error
            self._end()
            return False

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _end(self) -> None:
        self._wake()
        on_end, self._on_end = self._on_end, None
        if on_end is not None:
            on_end(self)


class InProcessEventBus:
    """``EventBus`` for one process: a replay window, per-job history and per-subscriber backlogs.

    All state is bounded: ``window`` events for replay, ``history_per_job``
    transitions for each of at most ``history_jobs`` recently changed jobs, and
    ``max_queue`` unread events per subscriber. Closing a subscription removes
    every trace of it.
    """

    def __init__(
        self,
        *,
        window: int = DEFAULT_WINDOW,
        history_per_job: int = DEFAULT_HISTORY_PER_JOB,
        history_jobs: int = DEFAULT_HISTORY_JOBS,
        recorder: Callable[[StatusEvent], Awaitable[None]] | None = None,
    ) -> None:
        """``recorder`` is awaited with every event once it is delivered (the durable status history)."""
        if min(window, history_per_job, history_jobs) < 1:
            raise ValueError("bus bounds must be positive")
        self._last_id = 0
        self._buffer: deque[StatusEvent] = deque(maxlen=window)
        self._window_start = 0
        """The newest id no longer (or never) in the buffer: replaying from before it leaves a gap."""
        self._history: OrderedDict[JobRef, deque[StatusEvent]] = OrderedDict()
        self._history_per_job = history_per_job
        self._history_jobs = history_jobs
        self._by_ref: dict[JobRef, dict[LocalSubscription, None]] = {}
        self._wildcard: dict[LocalSubscription, None] = {}
        self._subscribers: dict[LocalSubscription, None] = {}
        self._recorder = recorder
        self._listeners: list[Callable[[StatusEvent], None]] = []

    async def publish(
        self, ref: JobRef, job: JobRecord, previous_status: JobStatus | None, status: JobStatus, at: datetime
    ) -> StatusEvent:
        event = StatusEvent(self._last_id + 1, ref, job, previous_status, status, at)
        self.deliver(event)
        if self._recorder is not None:
            await self._recorder(event)
        return event

    async def start(self) -> None:
        """Nothing to connect to: the bus is this process's memory."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    async def catch_up(self) -> None:
        """Every event of this bus is delivered as it is published: nothing to catch up with."""

    def deliver(self, event: StatusEvent) -> None:
        """Keep ``event`` for replay and history and offer it to every subscriber; never waits.

        Ids must increase from one call to the next, but need not be consecutive:
        a shared bus delivers ids a store gave out.
        """
        if self._buffer and len(self._buffer) == self._buffer.maxlen:
            self._window_start = self._buffer[0].id
        self._last_id = event.id
        self._buffer.append(event)
        self._remember(event)
        for subscriber in [*self._by_ref.get(event.ref, ()), *self._wildcard]:
            subscriber.offer(event)
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                log.exception("event listener failed on event %d", event.id)

    def add_listener(self, listener: Callable[[StatusEvent], None]) -> None:
        self._listeners.append(listener)

    def preload(self, events: Iterable[StatusEvent]) -> None:
        """Take events published before this bus existed (in id order) for replay and history only."""
        for event in events:
            if not self._buffer:
                self._window_start = event.id - 1
            self.deliver(event)

    def repeats(self, event: StatusEvent) -> bool:
        """Whether ``event`` tells nothing new: its job's last delivered event has the same status.

        Two pollers racing for one job (a lease changing hands) may both report a
        transition; every replica delivers the log in the same order, so every
        replica drops the same second report.
        """
        transitions = self._history.get(event.ref)
        return transitions is not None and transitions[-1].status is event.status

    def subscribe(
        self,
        refs: Iterable[JobRef] | None = None,
        predicate: Predicate | None = None,
        since_id: int | None = None,
        max_queue: int = DEFAULT_MAX_QUEUE,
    ) -> LocalSubscription:
        if since_id is not None and since_id < 0:
            raise ValueError("since_id must not be negative")
        wanted = None if refs is None else frozenset(refs)
        if since_id is None:
            subscription = LocalSubscription(wanted, predicate, max_queue, self._last_id)
        else:
            subscription = self._replay(wanted, predicate, max_queue, since_id)
        if not subscription.ended:
            self._register(subscription)
        return subscription

    async def history(self, ref: JobRef) -> list[StatusEvent]:
        return list(self._history.get(ref, ()))

    def stats(self) -> BusStats:
        return BusStats(
            subscribers=len(self._subscribers),
            buffered_events=len(self._buffer),
            pending_events=sum(subscriber.pending for subscriber in self._subscribers),
            indexed_refs=len(self._by_ref),
            history_jobs=len(self._history),
            last_id=self._last_id,
        )

    @property
    def last_id(self) -> int:
        """The id of the latest event published (0 before the first)."""
        return self._last_id

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def _replay(
        self, refs: frozenset[JobRef] | None, predicate: Predicate | None, max_queue: int, since_id: int
    ) -> LocalSubscription:
        """A subscription already holding the retained events after ``since_id``.

        An id from before the window, or from after the last event (a client that
        talked to another bus, e.g. before a restart), replays the whole window
        and flags the gap. Replaying synchronously, before registering, means no
        live event can slip between the replay and the stream.
        """
        in_window = self._window_start <= since_id <= self._last_id
        start = since_id if in_window else self._window_start
        subscription = LocalSubscription(refs, predicate, max_queue, start, gap=not in_window)
        first = bisect.bisect_right(self._buffer, start, key=_event_id)
        for event in itertools.islice(self._buffer, first, None):
            subscription.offer(event, replaying=True)
        return subscription

    def _remember(self, event: StatusEvent) -> None:
        transitions = self._history.get(event.ref)
        if transitions is None:
            transitions = self._history[event.ref] = deque(maxlen=self._history_per_job)
            if len(self._history) > self._history_jobs:
                self._history.popitem(last=False)
        else:
            self._history.move_to_end(event.ref)
        transitions.append(event)

    def _register(self, subscription: LocalSubscription) -> None:
        subscription.attach(self._unregister)
        self._subscribers[subscription] = None
        if subscription.refs is None:
            self._wildcard[subscription] = None
            return
        for ref in subscription.refs:
            self._by_ref.setdefault(ref, {})[subscription] = None

    def _unregister(self, subscription: LocalSubscription) -> None:
        self._subscribers.pop(subscription, None)
        self._wildcard.pop(subscription, None)
        for ref in subscription.refs or ():
            watchers = self._by_ref.get(ref)
            if watchers is None:
                continue
            watchers.pop(subscription, None)
            if not watchers:
                del self._by_ref[ref]


def _event_id(event: StatusEvent) -> int:
    return event.id
