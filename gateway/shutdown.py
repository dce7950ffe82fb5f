"""Graceful shutdown: what the gateway does between SIGTERM (or SIGINT) and its exit, within one budget.

The order, all within ``[gateway] shutdown_timeout_s`` from the signal:

1. ``begin``: the clock starts; ``/readyz`` answers 503 from now on, and no new
   subscription starts (``SHUTTING_DOWN``).
2. ``end_streams``: every subscription ends normally (its stream completes: an SSE
   response sends ``complete`` and ends, a WebSocket operation gets ``complete``);
   WebSocket connections then wait for their other operations (a query or mutation
   sent over the socket) and are closed with 1001 (going away), before the server
   would close them with 1012.
3. The server stops accepting and lets in-flight HTTP requests finish
   (``gateway.serving`` gives uvicorn what is left of the budget).
4. The app's lifespan ends (``drain_mutations``): mutation calls still running,
   detached ones whose client went away included, are waited for; then polling
   stops and upstream clients and the state store close.

Whatever the budget cuts off is logged and makes the exit code 1 (``cut_off``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

from gateway.live import Live

log = logging.getLogger("job_gateway.shutdown")

GOING_AWAY = 1001
"""WebSocket close code for a server going down (RFC 6455); clients reconnect elsewhere."""

LIFESPAN_RESERVE_S = 0.5
"""Kept back from the HTTP drain for closing upstream clients and the state store."""


class Connection(Protocol):
    """A WebSocket connection the gateway can end itself (``gateway.http_view``'s handlers)."""

    @property
    def open_operations(self) -> int: ...

    async def go_away(self, code: int, reason: str) -> None: ...


class Shutdown:
    def __init__(self, live: Live, timeout_s: float) -> None:
        self.live = live
        self.timeout_s = timeout_s
        self.started_at: float | None = None
        self.cut_off = False
        """Something was still running when the budget ran out."""
        self.connections: set[Connection] = set()

    @property
    def started(self) -> bool:
        return self.started_at is not None

    def begin(self, reason: str) -> None:
        if self.started_at is None:
            self.started_at = time.monotonic()
            log.info("shutting down (%s): draining within %.1f s", reason, self.timeout_s)

    def time_left(self) -> float:
        """Seconds left of the budget (the whole budget before ``begin``)."""
        if self.started_at is None:
            return self.timeout_s
        return self.timeout_s - (time.monotonic() - self.started_at)

    async def end_streams(self) -> None:
        """End every subscription, then close every WebSocket with 1001 once its other operations are done."""
        self.begin("streams")
        ended = self.live.end_subscriptions()
        connections = list(self.connections)
        wait_s = max(0.0, self.time_left() - LIFESPAN_RESERVE_S)
        until = time.monotonic() + wait_s
        # Each ended stream still has to send its "complete"; a query or mutation over the socket has to answer.
        # Polled: those operations end inside Strawberry's handlers, which signal nothing.
        while any(c.open_operations for c in connections) and time.monotonic() < until:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        busy = sum(1 for c in connections if c.open_operations)
        if busy:
            self.cut_off = True
            log.warning("shutdown: %d WebSocket connection(s) still had operations running", busy)
        await asyncio.gather(
            *(c.go_away(GOING_AWAY, "server shutting down") for c in connections), return_exceptions=True
        )
        log.info("shutdown: %d subscription(s) ended, %d WebSocket connection(s) closed", ended, len(connections))

    def note_unfinished(self, what: str, count: int) -> None:
        if count:
            self.cut_off = True
            log.warning("shutdown: %d %s still running when the budget ran out", count, what)
