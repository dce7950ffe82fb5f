"""The GraphQL WebSocket endpoint served at the edge of the ASGI stack, past FastAPI's own layers.

A held subscription keeps every ASGI layer between the server and its handler
suspended for as long as the socket is open: each is a coroutine frame, and some
hold more (FastAPI's ``AsyncExitStackMiddleware`` an exit stack, Starlette's
exception layers two closures each, the router its matching). FastAPI's
outermost layers (its telemetry and body-limit middleware, Starlette's server-error
one, both apps' ``__call__``) pass a WebSocket straight through, and still cost a
frame each: over 300 held connections all of them together cost about 7 KiB each
(``benchmarks.held``).

``GatewayApp`` is FastAPI with one WebSocket path served by an endpoint of its own,
through the app's own middleware (the request log, tracing, the size limit, CORS)
and nothing else: what it skips (exception handlers, the exit stack for
dependencies, routing, FastAPI's native telemetry) does nothing for this endpoint,
which has no dependencies and no path parameters, and whose handler (Strawberry's)
answers protocol errors itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI
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


class GatewayApp(FastAPI):
    """FastAPI; WebSockets at ``serve_socket``'s path go to its endpoint through the user middleware only."""

    _socket_path: str | None = None
    _socket_endpoint: Endpoint | None = None
    _socket_stack: ASGIApp | None = None

    def serve_socket(self, path: str, endpoint: Endpoint) -> None:
        self._socket_path = path
        self._socket_endpoint = endpoint
        self._socket_stack = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Async, unlike the layers inside: servers tell an ASGI 3 app by its coroutine function.
        if scope["type"] == "websocket" and self._socket_endpoint is not None:
            if self.root_path:
                scope["root_path"] = self.root_path  # as FastAPI's __call__ would
            # The same match as a Starlette WebSocketRoute: the exact path, below any root_path.
            if route_path(scope) == self._socket_path:
                if self._socket_stack is None:
                    self._socket_stack = self._build_socket_stack(self._socket_endpoint)
                scope["app"] = self
                await self._socket_stack(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    def _build_socket_stack(self, endpoint: Endpoint) -> ASGIApp:
        """The user middleware, in Starlette's order, around ``endpoint`` (instances of their own)."""

        # Not async: it hands back the endpoint's awaitable rather than awaiting it in a frame of its
        # own, which a held WebSocket would keep for as long as it lasts.
        def serve(scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
            return endpoint(WebSocket(scope, receive, send))

        app: ASGIApp = serve
        for cls, args, kwargs in reversed(self.user_middleware):
            app = cls(app, *args, **kwargs)
        return app
