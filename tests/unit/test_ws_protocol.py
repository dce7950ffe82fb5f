"""``gateway.ws_protocol``: a WebSocket served by uvicorn through it works, without the handshake kept."""

from __future__ import annotations

import asyncio
import socket

import uvicorn
from starlette.types import Receive, Scope, Send
from websockets.asyncio.client import connect

from gateway.ws_protocol import LeanWebSocketProtocol


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept", "subprotocol": "graphql-transport-ws"})
    while (message := await receive())["type"] == "websocket.receive":
        agent = dict(scope["headers"]).get(b"user-agent", b"").decode()
        await send({"type": "websocket.send", "text": f"{message['text']} ({agent})"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_echo_without_the_handshake_kept() -> None:
    port = free_port()
    config = uvicorn.Config(echo, port=port, ws=LeanWebSocketProtocol, lifespan="off", log_config=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110  # uvicorn has no event to wait on
            await asyncio.sleep(0.01)
        url = f"ws://127.0.0.1:{port}/"
        async with connect(url, subprotocols=["graphql-transport-ws"], user_agent_header="probe") as client:  # type: ignore[list-item]
            assert client.subprotocol == "graphql-transport-ws"
            await client.send("hello")
            assert await client.recv() == "hello (probe)"
            (protocol,) = server.server_state.connections
            assert isinstance(protocol, LeanWebSocketProtocol)
            assert not hasattr(protocol, "request")
            assert not hasattr(protocol, "response")
            await client.send("again")
            assert await client.recv() == "again (probe)"
    finally:
        server.should_exit = True
        await task
