"""GraphQL over HTTP, by the GraphQL-over-HTTP specification (the 2024-2025 draft the graphql-http audit checks).

Stock Strawberry answers every request as ``application/json``. When the
client accepts ``application/graphql-response+json`` we answer in that media
type with the spec's status codes: 200 when execution started (``data``
present, even null), 400 for a request error (unparsable, invalid document,
bad variables), 4xx for a malformed HTTP request. With ``application/json``
GraphQL errors stay 200, as that media type requires. Malformed HTTP requests
get a GraphQL-shaped ``{"errors": [...]}`` body in either case.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from typing import Any

from cross_web import HTTPException
from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.types.execution import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from adapters import jsoncodec
from gateway.auth import ClientAuth
from gateway.context import Context
from gateway.graphiql import render_page
from gateway.heap import HeapTrimmer
from gateway.schema.extensions import MAX_VARIABLE_VALUES
from gateway.shutdown import Shutdown

GRAPHQL_RESPONSE = "application/graphql-response+json"
DEFAULT_QUERY = """# Welcome to Job Gateway: one graph over five job APIs.
# Press the run button (or Ctrl-Enter).
query RecentJobs {
  upstreams { source healthy circuitState }
  jobs(first: 10) {
    totalCount
    edges {
      node { id source nativeId status nativeStatus updatedAt jobType { name } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


MAX_JSON_SEPARATORS = 3 * MAX_VARIABLE_VALUES
"""Commas, brackets and braces in a request's JSON: room for the variables' values plus the document."""

SUBSCRIPTION_NEEDS_A_STREAM = (
    "subscriptions need a stream: POST with 'Accept: text/event-stream' (GraphQL over SSE), "
    "or use graphql-transport-ws over a WebSocket at this URL"
)

_STATUS_BY_REASON = {
    "mutations are not allowed when using GET": 405,
    "Unsupported content type": 415,
}


def wants_graphql_response(request: Request) -> bool:
    """The client lists the new media type, and not after application/json."""
    accept = request.headers.get("accept", "")
    media = [part.split(";", 1)[0].strip().lower() for part in accept.split(",")]
    if GRAPHQL_RESPONSE not in media:
        return False
    return "application/json" not in media or media.index(GRAPHQL_RESPONSE) < media.index("application/json")


def error_response(status: int, message: str, graphql_response: bool, code: str = "BAD_REQUEST") -> Response:
    """A GraphQL-shaped ``{"errors": [...]}`` body for a request refused before execution."""
    media = f"{GRAPHQL_RESPONSE}; charset=utf-8" if graphql_response else "application/json"
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    return Response(body, status_code=status, media_type=media)


def _media_by_preference(accept: str) -> list[str]:
    """Media types of an Accept header, most preferred first (by q, then by order)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media:
            ranked.append((-q, index, media.lower()))
    return [media for _, _, media in sorted(ranked)]


_STREAMING_MEDIA = frozenset({"text/event-stream", "multipart/mixed"})
_JSON_MEDIA = frozenset({GRAPHQL_RESPONSE, "application/graphql+json", "application/json", "*/*"})


class UnusableJson(json.JSONDecodeError):
    """JSON the gateway will not use (bad UTF-8, too many values, too deep, not an object); ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "", 0)
        self.reason = reason


_OPTIONAL_MEMBERS = (("variables", dict), ("operationName", str), ("extensions", dict))
"""Members of a WebSocket operation's payload that may be absent or null, and the type they have otherwise."""


def ws_message_problem(message: object, operation_types: tuple[str, ...]) -> str | None:
    """What makes a WebSocket protocol message unusable, or None.

    Stock Strawberry indexes into messages without looking: a payload that is a string,
    a message that is a list, or a start without an id escapes as TypeError or KeyError
    and ends the connection with an unhandled exception. ``operation_types`` are the
    message types that carry an operation (``subscribe``; ``start`` in legacy graphql-ws).
    """
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return "a message must be a JSON object with a string 'type'"
    kind = message["type"]
    if kind in (*operation_types, "complete", "stop") and not isinstance(message.get("id"), str):
        return f"a {kind} message needs a string 'id'"
    if kind in operation_types:
        payload = message.get("payload")
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return f"a {kind} message needs a payload object with a string 'query'"
        for name, expected in _OPTIONAL_MEMBERS:
            if payload.get(name) is not None and not isinstance(payload[name], expected):
                return f"payload.{name} must be a {'JSON object' if expected is dict else 'string'}"
    return None


class _Closable:
    """What ``gateway.shutdown`` needs of a WebSocket connection: its running operations, and a way to end it.

    Mixed in before Strawberry's handler, whose ``handle`` it wraps to register the connection.
    """

    view: Any
    websocket: Any

    async def handle(self) -> None:
        connections = self.view.shutdown.connections if self.view.shutdown is not None else set()
        heap: HeapTrimmer | None = self.view.heap
        connections.add(self)
        if heap is not None:
            heap.opened()
        try:
            await super().handle()  # type: ignore[misc]  # the Strawberry handler next in the MRO
        finally:
            connections.discard(self)
            if heap is not None:
                heap.closed()

    async def go_away(self, code: int, reason: str) -> None:
        await self.websocket.close(code=code, reason=reason)


class GatewayTransportWSHandler(_Closable, BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws, refusing malformed messages with the protocol's 4400 close."""

    @property
    def open_operations(self) -> int:
        return len(self.operations)

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        # Strawberry cancels its init timeout here but keeps the task, and with it the CancelledError
        # and that error's frames, for as long as the connection is open (about 1 KiB a connection).
        task = self.connection_init_timeout_task
        if task is not None:
            task.add_done_callback(self._forget_init_timeout)

    def _forget_init_timeout(self, task: asyncio.Task[None]) -> None:
        if self.connection_init_timeout_task is task:
            self.connection_init_timeout_task = None

    async def handle_message(self, message: Any) -> None:
        problem = ws_message_problem(message, ("subscribe",))
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)
        # Strawberry's read loop keeps the last message as a local until the next one arrives: for a
        # held subscription, the whole subscribe message. Its operation has taken what it needs
        # (id, query, variables), so the envelope and its payload object can go.
        message.clear()


class GatewayLegacyWSHandler(_Closable, BaseGraphQLWSHandler[Context, None]):
    """Legacy graphql-ws, closing on a malformed message (4400, as its successor does) instead of crashing."""

    @property
    def open_operations(self) -> int:
        return len(self.subscriptions)

    async def handle_message(self, message: Any) -> None:
        problem = ws_message_problem(message, ("start",))
        if problem is not None:
            await self.websocket.close(code=4400, reason=problem)
            return
        await super().handle_message(message)


class GatewayGraphQLRouter(GraphQLRouter[Context, None]):
    client_auth: ClientAuth = ClientAuth(())
    shutdown: Shutdown | None = None
    heap: HeapTrimmer | None = None
    graphql_transport_ws_handler_class = GatewayTransportWSHandler
    graphql_ws_handler_class = GatewayLegacyWSHandler

    def _get_stream_transport_from_headers(self, headers: Any) -> Any:
        # Stream only when the client prefers a stream. Clients such as urql list
        # text/event-stream after the JSON types for plain queries: they want JSON.
        accept = next((value for key, value in headers.items() if key.lower() == "accept"), "")
        for media in _media_by_preference(accept):
            if media in _JSON_MEDIA:
                return None
            if media in _STREAMING_MEDIA:
                return super()._get_stream_transport_from_headers(headers)
        return None

    async def on_ws_connect(self, context: Any) -> Any:
        params = context.connection_params if isinstance(context, Context) else None
        if not self.client_auth.check_params(params):
            raise ConnectionRejectionError()
        return UNSET

    def encode_json(self, data: object) -> str:
        # Text, not bytes: Strawberry sends bytes on a WebSocket as binary frames, which
        # graphql-transport-ws clients refuse. orjson then decoding still beats json.dumps.
        return jsoncodec.dumps(data).decode()

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        # Strawberry's, with the body as orjson's bytes: through encode_json's text it would be
        # decoded and encoded again, two more passes over a page of a hundred jobs.
        response = Response(
            jsoncodec.dumps(response_data), media_type="application/json", status_code=sub_response.status_code or 200
        )
        response.headers.raw.extend(sub_response.headers.raw)
        return response

    def parse_json(self, data: str | bytes) -> Any:
        # An HTTP body: what decode_json finds unusable is the client's mistake, a 400 naming it.
        try:
            return self.decode_json(data)
        except UnusableJson as exc:
            raise HTTPException(400, exc.reason) from None
        except json.JSONDecodeError:
            raise HTTPException(400, "Unable to parse request body as JSON") from None

    def decode_json(self, data: str | bytes) -> object:
        # HTTP bodies (through parse_json) and WebSocket messages. Stock Strawberry lets these
        # escape as 500s (UnicodeDecodeError, RecursionError, AttributeError on a body that is
        # not an object). Raised as a JSONDecodeError, so that on a WebSocket Strawberry treats
        # the message as not JSON (graphql-transport-ws closes with 4400) instead of crashing.
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
        except UnicodeDecodeError:
            raise UnusableJson("request body is not valid UTF-8") from None
        # json.loads cannot yield the event loop: a 1 MiB body of tiny arrays holds it ~55 ms.
        # Counting separators first is ~1 ms and bounds the values json.loads can build.
        if sum(map(text.count, ",[{")) > MAX_JSON_SEPARATORS:
            raise UnusableJson(
                f"request JSON holds more than {MAX_JSON_SEPARATORS} values (counting ',', '[' and '{{'); "
                f"variables take at most {MAX_VARIABLE_VALUES}",
            )
        try:
            value = json.loads(text)
        except RecursionError:
            raise UnusableJson("JSON nested too deeply") from None
        if not isinstance(value, dict | list):
            # A list is a batch, which Strawberry refuses with its own message.
            raise UnusableJson('a GraphQL request must be a JSON object: {"query": "..."}')
        return value

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Any,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        # Stock Strawberry runs a subscription sent without a stream as a query, and its
        # resolver's generator then fails as "Cannot return null": say how to subscribe instead.
        allowed = OperationType.from_http(request_adapter.method) - {OperationType.SUBSCRIPTION}
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.SUBSCRIPTION:
                raise HTTPException(400, SUBSCRIPTION_NEEDS_A_STREAM) from exc
            raise HTTPException(400, exc.as_http_error_reason(request_adapter.method)) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(render_page(DEFAULT_QUERY))

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        # A request error (invalid document, bad variables) never started execution:
        # the spec says such a response has no "data" entry at all.
        if result.data is None and result.errors and all(e.path is None for e in result.errors):
            processed.pop("data", None)
        return processed

    def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Coroutine[Any, Any, Any]:
        if not isinstance(request, Request):
            # A WebSocket: Strawberry's own, handed back rather than awaited in a frame of this
            # method, which a held subscription would keep for as long as it lasts.
            return super().run(request, context, root_value)
        return self._run_http(request, context, root_value)

    async def _run_http(self, request: Request, context: Any, root_value: Any) -> Any:
        new_media = wants_graphql_response(request)
        is_page = request.method == "GET" and self.should_render_graphql_ide(self.request_adapter_class(request))
        if not is_page and not self.client_auth.check_header(request.headers.get("authorization")):
            response = error_response(401, "missing or invalid bearer token", new_media, "UNAUTHENTICATED")
            response.headers["www-authenticate"] = "Bearer"
            return response
        try:
            response = await super().run(request, context, root_value)
        except HTTPException as exc:
            status = _STATUS_BY_REASON.get(exc.reason, exc.status_code)
            response = error_response(status, exc.reason, new_media)
            if status == 405:
                response.headers["allow"] = "POST"
            return response
        if not new_media or response.media_type != "application/json":
            return response
        status = response.status_code
        body = bytes(response.body)
        # Our encoder writes "data" first whenever there is one: no need to decode a page of jobs to see it.
        if status == 200 and not body.startswith(b'{"data":'):
            try:
                payload = jsoncodec.loads(body)
            except ValueError:
                payload = {}
            if isinstance(payload, dict) and "data" not in payload:
                status = 400
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-type", "content-length")}
        return Response(body, status_code=status, media_type=f"{GRAPHQL_RESPONSE}; charset=utf-8", headers=headers)
