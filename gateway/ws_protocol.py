"""uvicorn's WebSocket protocol, forgetting the opening handshake once it is done.

uvicorn's sans-I/O protocol (what its ``ws="auto"`` picks with ``websockets``
installed) keeps the client's upgrade request and its own 101 response, parsed
headers and all, for as long as the connection is open, and never reads either
again once the response is sent; websockets' parser keeps the request too, as a
local of its generator. About 7 KiB per held subscription (``benchmarks.held``).
The ASGI scope keeps its own copy of the request headers the app reads.

Only attributes the protocol sets itself are dropped, and only once it is past
the point where it reads them; ``tests/unit/test_ws_protocol.py`` runs it over a
real socket, so a uvicorn that changes them fails there.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Any) -> None:  # websockets' Request: uvicorn's dependency, not ours
        super().handle_connect(event)
        # Read only just now, to answer it and to build the scope (which has its own copy of the headers).
        self.__dict__.pop("request", None)
        event.headers.clear()

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept" and self.handshake_complete:
            # Sent: uvicorn only reads it while the handshake is not complete.
            self.__dict__.pop("response", None)
