"""``gateway.socket_edge``: WebSockets at the GraphQL path skip the inner layers; everything else passes."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from gateway.socket_edge import GraphQLSocket


async def edge(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("edge")
    await websocket.close()


async def routed(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("router")
    await websocket.close()


def app() -> Starlette:
    async def page(request: object) -> PlainTextResponse:
        return PlainTextResponse("page")

    inner = Starlette(
        routes=[Route("/graphql", page), WebSocketRoute("/graphql", routed), WebSocketRoute("/other", routed)]
    )
    inner.add_middleware(GraphQLSocket, path="/graphql", endpoint=edge)
    return inner


def test_websocket_at_the_path_reaches_the_endpoint() -> None:
    with TestClient(app()) as client, client.websocket_connect("/graphql") as socket:
        assert socket.receive_text() == "edge"


def test_other_paths_and_http_go_to_the_app() -> None:
    with TestClient(app()) as client:
        with client.websocket_connect("/other") as socket:
            assert socket.receive_text() == "router"
        assert client.get("/graphql").text == "page"


def test_below_a_root_path() -> None:
    with TestClient(app(), root_path="/api") as client, client.websocket_connect("/graphql") as socket:
        assert socket.receive_text() == "edge"
