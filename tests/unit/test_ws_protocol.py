"""``gateway.ws_protocol``: a WebSocket served by uvicorn through it works, without the handshake kept
and with its lighter receive queue and writable flag."""

from __future__ import annotations

import asyncio
import inspect
import re
import socket

import uvicorn
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.websockets import websockets_sansio_impl
from websockets.asyncio.client import connect

from gateway.ws_protocol import LeanWebSocketProtocol, _Flag, _Inbox


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
            assert isinstance(protocol.queue, _Inbox) and isinstance(protocol.writable, _Flag)
            await client.send("again")
            assert await client.recv() == "again (probe)"
    finally:
        server.should_exit = True
        await task


def test_uvicorn_asks_of_its_queue_and_event_nothing_the_stand_ins_lack() -> None:
    source = inspect.getsource(websockets_sansio_impl)
    for attribute, stand_in in (("queue", _Inbox), ("writable", _Flag)):
        uses = re.findall(rf"self\.{attribute}\b(\.\w+|\s*[:=])", source)
        assert uses, f"uvicorn no longer has self.{attribute}"
        methods = {use[1:] for use in uses if use.startswith(".")}
        # Only its creation and method calls: never handed to anything else whole.
        assert len(uses) - sum(use.startswith(".") for use in uses) == 1, uses
        assert methods <= {name for name in dir(stand_in) if not name.startswith("_")}, methods


async def test_the_inbox_hands_out_items_in_order_and_wakes_a_waiting_getter() -> None:
    inbox = _Inbox()
    inbox.put_nowait(1)
    inbox.put_nowait(2)
    assert not inbox.empty()
    assert [await inbox.get(), await inbox.get()] == [1, 2]
    assert inbox.empty()
    waiting = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    assert not waiting.done()
    inbox.put_nowait(3)
    assert await waiting == 3


async def test_a_cancelled_getter_loses_nothing() -> None:
    inbox = _Inbox()
    cancelled = asyncio.create_task(inbox.get())
    other = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    inbox.put_nowait("only")
    cancelled.cancel()  # woken, but cancelled before it ran
    assert await other == "only"
    assert cancelled.cancelled()
    assert inbox.empty()


async def test_the_flag_waits_until_set() -> None:
    flag = _Flag()
    assert not flag.is_set()
    waiting = asyncio.create_task(flag.wait())
    await asyncio.sleep(0)
    assert not waiting.done()
    flag.set()
    assert await waiting is True
    assert flag.is_set() and await flag.wait() is True
    flag.clear()
    assert not flag.is_set()
