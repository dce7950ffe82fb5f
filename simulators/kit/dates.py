"""The ``Date`` header of a simulator's answers: the simulated clock's time, exactly once.

A real server stamps its own clock; clients that compute "the last 7 days"
from the server's clock (the Amperity adapter does) then agree with the
simulator even when its clock is frozen or fast. The stamp replaces any
``Date`` the app set, and servers of simulators run with uvicorn's own
``date_header`` off (``SERVER_OPTIONS``), so an answer carries one ``Date``.
"""

from __future__ import annotations

from email.utils import format_datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from simulators.kit.clock import SimClock

SERVER_OPTIONS: dict[str, Any] = {"date_header": False}
"""uvicorn settings for a server of simulators: they stamp ``Date`` themselves."""


class DateHeader:
    """Stamps every HTTP answer with the simulated clock's time, replacing any ``Date`` already set."""

    def __init__(self, app: ASGIApp, clock: SimClock) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                stamp = format_datetime(self.clock.now(), usegmt=True).encode()
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                message = {**message, "headers": [*kept, (b"date", stamp)]}
            await send(message)

        await self.app(scope, receive, stamped)
