"""The uvicorn server of ``job-gateway serve``: signals start the gateway's own drain first.

uvicorn alone, on SIGTERM, stops accepting and waits for open connections before
the ASGI lifespan ends, forever unless told a timeout; a streaming response (SSE)
never learns of the signal, and WebSockets are closed with 1012 (uvicorn #451).
``GracefulServer`` takes the signal itself: it stops accepting, lets
``gateway.shutdown.Shutdown`` end the streams, then hands uvicorn what is left of
the budget for in-flight requests. A second signal stops waiting at once.

Exit status: uvicorn re-raises the signal after its shutdown (the process dies of
SIGTERM, 143 in a shell). Here a graceful stop is a normal exit: 0 when everything
finished in time, 1 when the budget cut something off (see README: Running in production).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Generator
from types import FrameType

import uvicorn

from gateway.logs import QUIET
from gateway.shutdown import LIFESPAN_RESERVE_S, Shutdown


class GracefulServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, shutdown: Shutdown) -> None:
        super().__init__(config)
        self.plan = shutdown
        self._loop: asyncio.AbstractEventLoop | None = None
        self._drain: asyncio.Task[None] | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        await (super().serve(sockets) if sockets is not None else super().serve())

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Not uvicorn's: it would record the signal and re-raise it after shutdown.
        if self.plan.started:
            self.force_exit = True  # a second signal: stop waiting
            self.plan.cut_off = True
            return
        self.plan.begin(signal.Signals(sig).name)
        if self._loop is None:
            self.should_exit = True
            return
        self._loop.call_soon_threadsafe(self._start_drain)

    def _start_drain(self) -> None:
        self._drain = asyncio.ensure_future(self._drain_then_exit())

    async def _drain_then_exit(self) -> None:
        try:
            for server in self.servers:
                server.close()  # stop accepting now, not at uvicorn's next tick
            await self.plan.end_streams()
        finally:
            # Typed int by uvicorn, used as asyncio.wait_for's seconds: a float keeps the budget exact.
            left = max(0.1, self.plan.time_left() - LIFESPAN_RESERVE_S)
            self.config.timeout_graceful_shutdown = left  # type: ignore[assignment]
            self.should_exit = True


class Companion(uvicorn.Server):
    """A server that runs beside the gateway (``--simulate``'s simulators): stopped by it, deaf to signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        QUIET.set(True)  # this task's uvicorn INFO lines are not the gateway's
        await (super().serve(sockets) if sockets is not None else super().serve())


async def serve(gateway: GracefulServer, *companions: Companion) -> int:
    """Run the gateway (and servers it needs, such as ``--simulate``'s) until it stops; the exit status."""
    tasks = [asyncio.ensure_future(s.serve()) for s in companions]
    try:
        await gateway.serve()
    finally:
        for server in companions:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
    return 1 if gateway.plan.cut_off else 0
