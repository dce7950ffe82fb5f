"""Request size limits at the ASGI edge: bodies and query strings are bounded before anything parses them.

One client must not be able to hold the event loop or the memory of every other
one. ``RequestSizeLimit`` wraps the whole app (``/graphql`` POST, the webhooks
route and anything else that reads a body):

- a ``Content-Length`` above ``max_body_bytes`` is refused at once (413), unread;
- a body without one (chunked) is counted as it streams and refused (413) as soon
  as it passes the limit, so at most ``max_body_bytes`` are ever buffered;
- a query string above ``max_query_string_bytes`` (``GET /graphql?query=...``) is
  refused with 414.

A body within the limit is read here and handed on unchanged; what the app
receives afterwards (``http.disconnect``, which SSE streams watch) comes straight
from the server. Refusals carry a GraphQL-shaped error body, as every other
request error of the gateway does.
"""

from __future__ import annotations

from collections.abc import Awaitable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.http_view import error_response, wants_graphql_response


class RequestSizeLimit:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_query_string_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_query_string_bytes = max_query_string_bytes

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] != "http":
            # Handed on, not awaited here: a held WebSocket would keep this layer's frame otherwise.
            return self.app(scope, receive, send)
        return self._limited(scope, receive, send)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        if len(scope.get("query_string", b"")) > self.max_query_string_bytes:
            message = f"query string longer than {self.max_query_string_bytes} bytes: send the query in a POST body"
            await self._refuse(scope, receive, send, 414, message, "URI_TOO_LONG")
            return
        declared = _content_length(scope)
        if declared == -1:
            await self._refuse(scope, receive, send, 400, "Content-Length is not a number", "BAD_REQUEST")
            return
        if declared is not None and declared > self.max_body_bytes:
            await self._refuse(scope, receive, send, 413, self._too_large(), "PAYLOAD_TOO_LARGE")
            return
        body = bytearray()
        while True:
            received = await receive()
            if received["type"] == "http.disconnect":
                return  # the client left before sending its body: nobody to answer
            body += received.get("body", b"")
            if len(body) > self.max_body_bytes:
                await self._refuse(scope, receive, send, 413, self._too_large(), "PAYLOAD_TOO_LARGE")
                return
            if not received.get("more_body", False):
                break
        await self.app(scope, _replay(bytes(body), receive), send)

    def _too_large(self) -> str:
        return f"request body larger than {self.max_body_bytes} bytes ([gateway] max_body_bytes)"

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str, code: str) -> None:
        response = error_response(status, message, wants_graphql_response(Request(scope)), code)
        # The rest of the body is never read: the connection cannot carry another request.
        response.headers["connection"] = "close"
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    """The declared length; None when absent, -1 when it is not a number."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            if not value.isdigit():
                return -1
            # int() refuses thousands of digits; any such length is over every limit anyway.
            return int(value) if len(value) <= 18 else 1 << 62
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """The buffered body as one message, then whatever the server says next (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
