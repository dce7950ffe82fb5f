"""The GraphQL WebSocket endpoint served at the edge of the ASGI stack, past FastAPI's inner layers.

A held subscription keeps every ASGI layer between the server and its handler
suspended for as long as the socket is open: each is a coroutine frame, and some
hold more (FastAPI's ``AsyncExitStackMiddleware`` an exit stack, Starlette's
exception layers two closures each, the router its matching). Over 300 held
connections those inner layers cost about 5 KiB each (``benchmarks.held``).

``GraphQLSocket`` sits innermost among the gateway's own middleware: the request
log, tracing and CORS still see the connection; what it skips (exception
handlers, the exit stack for dependencies, routing) does nothing for this
endpoint, which has no dependencies and no path parameters, and whose handler
(Strawberry's) answers protocol errors itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

Endpoint = Callable[[WebSocket], Awaitable[None]]


def route_path(scope: Scope) -> str:
    """The path below the app's ``root_path``, as Starlette's routing matches it (its helper is private)."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if not root_path or not path.startswith(root_path):
        return path
    if path == root_path:
        return ""
    return path[len(root_path) :] if path[len(root_path)] == "/" else path


class GraphQLSocket:
    """ASGI middleware: WebSockets at ``path`` go straight to ``endpoint``; everything else on to ``app``."""

    def __init__(self, app: ASGIApp, *, path: str, endpoint: Endpoint) -> None:
        self.app = app
        self.path = path
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The same match as a Starlette WebSocketRoute: the exact path, below any root_path.
        if scope["type"] == "websocket" and route_path(scope) == self.path:
            await self.endpoint(WebSocket(scope, receive, send))
            return
        await self.app(scope, receive, send)
