"""No client token and no WebSocket frame payload reaches the log, even at DEBUG, over a real server."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import websockets

from gateway.app import create_app
from gateway.config import config_from_mapping
from gateway.upstreams import Upstreams
from simulators.kit.server import serve

TOKEN = "tok-3f9a1c-never-logged"
LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "websockets", "strawberry", "job_gateway")


@contextmanager
def debug_server() -> Iterator[str]:
    """The gateway under uvicorn at log level debug; log_config=None leaves records to propagate to caplog."""
    config = config_from_mapping({"gateway": {"client_tokens_env": "TOKENS"}}, {"TOKENS": TOKEN})
    app = create_app(config, upstreams=Upstreams({}))
    with serve(app, log_level="debug", log_config=None) as url:
        yield url.removeprefix("http://")


async def _subscribe_with_token(host: str) -> list[dict[str, object]]:
    async with websockets.connect(f"ws://{host}/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {TOKEN}"}}))
        ack = json.loads(await ws.recv())
        await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": {"query": "{ __typename }"}}))
        answers = [json.loads(await ws.recv()) for _ in range(2)]
        return [ack, *answers]


def test_tokens_and_frames_stay_out_of_debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    with debug_server() as host:
        messages = asyncio.run(_subscribe_with_token(host))
        response = httpx.post(
            f"http://{host}/graphql",
            json={"query": "{ __typename }"},
            headers={"authorization": f"Bearer {TOKEN}"},
        )
    assert messages[0]["type"] == "connection_ack" and messages[1]["type"] == "next"
    assert response.status_code == 200
    server_side = [r for r in caplog.records if not r.name.startswith("websockets.client")]
    assert any(r.name == "uvicorn.error" and r.levelno == logging.DEBUG for r in server_side), "debug logging is on"
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in server_side)
    assert TOKEN not in logged
    assert "connection_init" not in logged and "__typename" not in logged
