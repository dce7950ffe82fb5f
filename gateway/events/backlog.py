"""One subscriber's bounded queue of unread events, coalescing per job under pressure.

The bus appends to a backlog without ever waiting for its reader, so the backlog
is where a slow reader's cost stays: bounded, and private to that reader.
"""

from __future__ import annotations

from collections import OrderedDict, deque

from gateway.events.model import JobRef, StatusEvent


class Backlog:
    """Unread events in id order, at most ``limit`` of them.

    While there is room every event is kept, so a reader that keeps up sees every
    transition. When full, room for a new event is made by dropping, in order of
    preference:

    1. the oldest pending event of the same job (the new one supersedes it);
    2. the oldest pending event of any job that has a newer one pending;
    3. the oldest pending non-final event (an intermediate state whose job is
       still moving: its final state will come later).

    If none applies, every pending event is the final state of a distinct job;
    ``push`` then refuses the event rather than lose a final state, and the
    caller decides what that means (the bus ends a live subscription, or drops
    the oldest event and flags a gap while replaying).
    """

    __slots__ = ("_by_job", "_events", "_limit", "_superseded", "coalesced")

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a backlog needs room for at least one event")
        self._limit = limit
        self._events: OrderedDict[int, StatusEvent] = OrderedDict()
        self._by_job: dict[JobRef, deque[int]] = {}
        self._superseded: dict[JobRef, None] = {}
        """Jobs with two or more pending events, as an insertion-ordered set."""
        self.coalesced = 0
        """How many events were dropped to make room; for stats and tests."""

    def __len__(self) -> int:
        return len(self._events)

    def __bool__(self) -> bool:
        return bool(self._events)

    def push(self, event: StatusEvent) -> bool:
        """Append ``event``, making room if needed; ``False`` if only a final state could make room."""
        if len(self._events) >= self._limit:
            victim = self._victim(event.ref)
            if victim is None:
                return False
            self._remove_oldest_of(victim)
            self.coalesced += 1
        self._events[event.id] = event
        ids = self._by_job.setdefault(event.ref, deque())
        ids.append(event.id)
        if len(ids) == 2:
            self._superseded[event.ref] = None
        return True

    def pop(self) -> StatusEvent:
        """Remove and return the oldest pending event; ``IndexError`` when empty."""
        if not self._events:
            raise IndexError("pop from an empty backlog")
        oldest = next(iter(self._events.values()))
        self._remove_oldest_of(oldest.ref)
        return oldest

    def drop_oldest(self) -> None:
        """Drop the oldest pending event whatever it is (used when a replay outgrows the backlog)."""
        if self._events:
            self._remove_oldest_of(next(iter(self._events.values())).ref)
            self.coalesced += 1

    def clear(self) -> None:
        self._events.clear()
        self._by_job.clear()
        self._superseded.clear()

    def _victim(self, ref: JobRef) -> JobRef | None:
        """The job whose oldest pending event should make room for a new event of ``ref``."""
        if ref in self._by_job:
            return ref
        if self._superseded:
            return next(iter(self._superseded))
        for pending in self._events.values():
            if not pending.is_final:
                return pending.ref
        return None

    def _remove_oldest_of(self, ref: JobRef) -> None:
        # Every removal takes a job's oldest event: pop() and drop_oldest() take the
        # overall oldest, which is necessarily its job's oldest too.
        ids = self._by_job[ref]
        del self._events[ids.popleft()]
        if len(ids) == 1:
            self._superseded.pop(ref, None)
        elif not ids:
            del self._by_job[ref]
