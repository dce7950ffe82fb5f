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

import json
from typing import Any

from cross_web import HTTPException
from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.types.execution import ExecutionResult
from strawberry.types.unset import UNSET

from gateway.auth import ClientAuth
from gateway.context import Context
from gateway.graphiql import render_page

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


def _error_response(status: int, message: str, graphql_response: bool) -> Response:
    media = f"{GRAPHQL_RESPONSE}; charset=utf-8" if graphql_response else "application/json"
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]})
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


class GatewayGraphQLRouter(GraphQLRouter[Context, None]):
    client_auth: ClientAuth = ClientAuth(())

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

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(render_page(DEFAULT_QUERY))

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        # A request error (invalid document, bad variables) never started execution:
        # the spec says such a response has no "data" entry at all.
        if result.data is None and result.errors and all(e.path is None for e in result.errors):
            processed.pop("data", None)
        return processed

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        if not isinstance(request, Request):
            return await super().run(request, context, root_value)
        new_media = wants_graphql_response(request)
        is_page = request.method == "GET" and self.should_render_graphql_ide(self.request_adapter_class(request))
        if not is_page and not self.client_auth.check_header(request.headers.get("authorization")):
            response = _error_response(401, "missing or invalid bearer token", new_media)
            response.headers["www-authenticate"] = "Bearer"
            return response
        try:
            response = await super().run(request, context, root_value)
        except HTTPException as exc:
            status = _STATUS_BY_REASON.get(exc.reason, exc.status_code)
            response = _error_response(status, exc.reason, new_media)
            if status == 405:
                response.headers["allow"] = "POST"
            return response
        if not new_media or response.media_type != "application/json":
            return response
        status = response.status_code
        if status == 200:
            try:
                payload = json.loads(bytes(response.body))
            except ValueError:
                payload = {}
            if isinstance(payload, dict) and "data" not in payload:
                status = 400
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-type", "content-length")}
        return Response(
            response.body, status_code=status, media_type=f"{GRAPHQL_RESPONSE}; charset=utf-8", headers=headers
        )
