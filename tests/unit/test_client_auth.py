"""Optional client tokens: HTTP bearer and graphql-transport-ws connection_init."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from gateway.app import create_app
from gateway.config import config_from_mapping
from gateway.upstreams import Upstreams

TOKEN = "client-token-123"


@pytest.fixture
def secured() -> Iterator[TestClient]:
    config = config_from_mapping({"gateway": {"client_tokens_env": "TOKENS"}}, {"TOKENS": f"{TOKEN},other"})
    with TestClient(create_app(config, upstreams=Upstreams({}))) as client:
        yield client


def test_http_needs_a_bearer_token(secured: TestClient) -> None:
    query = {"query": "{ upstreams { source } }"}
    denied = secured.post("/graphql", json=query)
    assert denied.status_code == 401 and denied.headers["www-authenticate"] == "Bearer"
    assert secured.post("/graphql", json=query, headers={"authorization": "Bearer wrong"}).status_code == 401
    ok = secured.post("/graphql", json=query, headers={"authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.json() == {"data": {"upstreams": []}}
    assert secured.get("/graphql", headers={"accept": "text/html"}).status_code == 200


def test_websocket_needs_the_token_in_connection_init(secured: TestClient) -> None:
    with secured.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer nope"}})
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_json()
        assert info.value.code == 4403
    with secured.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {TOKEN}"}})
        assert ws.receive_json()["type"] == "connection_ack"


def test_missing_token_variable_is_a_config_error() -> None:
    from adapters.settings import ConfigError

    with pytest.raises(ConfigError, match="client_tokens_env"):
        config_from_mapping({"gateway": {"client_tokens_env": "NOPE"}}, {})


def test_metrics_and_readiness_need_the_token_health_does_not(secured: TestClient) -> None:
    for path in ("/metrics", "/readyz"):
        denied = secured.get(path)
        assert denied.status_code == 401 and denied.headers["www-authenticate"] == "Bearer"
        assert denied.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert secured.get(path, headers={"authorization": "Bearer wrong"}).status_code == 401
        assert secured.get(path, headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert secured.get("/healthz").json() == {"status": "ok"}
