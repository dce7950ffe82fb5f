"""``gateway.socket_edge``: WebSockets at the GraphQL path reach their endpoint through the user middleware
only, past FastAPI's and Starlette's own layers; everything else goes the usual way."""

from __future__ import annotations

import inspect

from starlette.responses import PlainTextResponse
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from gateway.socket_edge import GatewayApp

SEEN: list[str] = []


class Recording:
    """User middleware: notes every connection it passes on."""

    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app, self.name = app, name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            SEEN.append(f"{self.name} {scope['type']} {scope['path']}")
        await self.app(scope, receive, send)


async def edge(websocket: WebSocket) -> None:
    layers = {frame.frame.f_locals.get("self").__class__.__name__ for frame in inspect.stack()}
    await websocket.accept()
    await websocket.send_text("edge")
    await websocket.send_json(sorted(layers))
    await websocket.close()


def app() -> GatewayApp:
    served = GatewayApp()

    @served.get("/graphql")
    async def page() -> PlainTextResponse:
        return PlainTextResponse("page")

    @served.websocket("/graphql")
    async def routed_graphql(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("router")
        await websocket.close()

    @served.websocket("/other")
    async def routed(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("router")
        await websocket.close()

    served.serve_socket("/graphql", edge)
    served.add_middleware(Recording, name="inner")
    served.add_middleware(Recording, name="outer")
    return served


def test_a_websocket_at_the_path_reaches_the_endpoint_through_the_user_middleware_only() -> None:
    SEEN.clear()
    with TestClient(app()) as client, client.websocket_connect("/graphql") as socket:
        assert socket.receive_text() == "edge"
        layers = socket.receive_json()
    assert SEEN == ["outer websocket /graphql", "inner websocket /graphql"]
    assert "Recording" in layers
    assert not {"ServerErrorMiddleware", "ExceptionMiddleware", "Router", "APIRouter"} & set(layers), layers


def test_other_paths_and_http_go_the_usual_way() -> None:
    SEEN.clear()
    with TestClient(app()) as client:
        with client.websocket_connect("/other") as socket:
            assert socket.receive_text() == "router"
        assert client.get("/graphql").text == "page"
    assert SEEN == [
        "outer websocket /other",
        "inner websocket /other",
        "outer http /graphql",
        "inner http /graphql",
    ]


def test_below_a_root_path() -> None:
    with TestClient(app(), root_path="/api") as client, client.websocket_connect("/graphql") as socket:
        assert socket.receive_text() == "edge"
