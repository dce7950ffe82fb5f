"""What a held graphql-transport-ws connection keeps: the context builds its loaders and reads only
when an operation needs them, and the cancelled connection_init timeout is not kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.config import config_from_mapping
from gateway.context import Context
from gateway.http_view import GatewayTransportWSHandler
from gateway.upstreams import Upstreams


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(config_from_mapping({}, {}), upstreams=Upstreams({}))) as client:
        yield client


def test_context_parts_are_built_on_first_use(client: TestClient) -> None:
    context = Context(client.app.state.services)  # type: ignore[attr-defined]
    assert "loaders" not in vars(context) and "reads" not in vars(context)
    reads = context.reads
    assert vars(context)["loaders"] is context.loaders  # the reads go through this operation's loaders
    assert context.reads is reads
    assert Context(client.app.state.services).loaders is not context.loaders  # type: ignore[attr-defined]


def test_a_held_connection_keeps_neither_init_timeout_nor_context_parts(client: TestClient) -> None:
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init"})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"type": "ping"})
        assert ws.receive_json()["type"] == "pong"
        (handler,) = client.app.state.shutdown.connections  # type: ignore[attr-defined]
        assert isinstance(handler, GatewayTransportWSHandler)
        assert handler.connection_init_timeout_task is None
        assert "loaders" not in vars(handler.context) and "reads" not in vars(handler.context)
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": "{ upstreams { source } }"}})
        assert ws.receive_json() == {"id": "1", "type": "next", "payload": {"data": {"upstreams": []}}}
        assert ws.receive_json() == {"id": "1", "type": "complete"}
