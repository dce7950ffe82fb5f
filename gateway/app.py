"""The FastAPI app factory: GraphQL at /graphql, GraphiQL, the dashboard at /ui/, health, readiness and metrics."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import cast

from fastapi import FastAPI, Request, Response, WebSocket
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from opentelemetry.sdk.trace import TracerProvider
from strawberry.subscriptions import (
    GRAPHQL_SSE_PROTOCOL,
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
    MULTIPART_SUBSCRIPTION_PROTOCOL,
)

from gateway import redaction, tracing
from gateway.auth import ClientAuth
from gateway.config import GatewayConfig
from gateway.context import Context
from gateway.dashboard import router as dashboard_router
from gateway.graphiql import router as graphiql_router
from gateway.heap import HeapTrimmer
from gateway.http_view import GatewayGraphQLRouter, error_response
from gateway.limits import RequestSizeLimit
from gateway.logs import RequestLog
from gateway.metrics import CONTENT_TYPE_LATEST
from gateway.schema.build import SchemaLimits, build_schema
from gateway.services import build_services
from gateway.services import start as start_services
from gateway.shutdown import LIFESPAN_RESERVE_S, Shutdown
from gateway.socket_edge import GatewayApp
from gateway.state import StateUnavailable
from gateway.upstreams import Upstreams
from gateway.webhooks import webhook_router
from gateway.wiring import build_upstreams

log = logging.getLogger("job_gateway")


def create_app(
    config: GatewayConfig | None = None,
    *,
    upstreams: Upstreams | None = None,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    """The gateway as an ASGI app; ``upstreams`` overrides what ``config.sources`` would build.

    Traced through ``tracer_provider``, or else as the ``OTEL_*`` environment asks (``gateway.tracing``)."""
    config = config or GatewayConfig()
    settings = config.gateway
    redaction.install()
    tracer_provider = tracer_provider if tracer_provider is not None else tracing.provider_from_env(os.environ)
    upstreams = upstreams if upstreams is not None else build_upstreams(config)
    services = build_services(config, upstreams)
    live = services.live
    shutdown = Shutdown(live, settings.shutdown_timeout_s)
    schema = build_schema(
        SchemaLimits(
            max_depth=settings.max_depth,
            max_aliases=settings.max_aliases,
            max_tokens=settings.max_tokens,
            introspection=settings.introspection,
            max_cost=settings.max_query_cost,
            default_page_size=settings.default_page_size,
            max_page_size=settings.max_page_size,
        ),
        tracer_provider=tracer_provider,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await start_services(services)  # StateUnavailable here refuses to start, naming the store
        live.start()
        try:
            yield
        finally:
            # In-process stops (tests, an embedding app) never saw a signal: end the streams here.
            if not live.closing:
                live.end_subscriptions()
            unfinished = await services.mutations.ledger.drain(max(0.0, shutdown.time_left() - LIFESPAN_RESERVE_S))
            shutdown.note_unfinished("mutation call(s)", unfinished)
            if services.callback_reads is not None:
                await services.callback_reads.stop()
            await live.stop()
            await services.mutations.aclose()
            await upstreams.aclose()
            await services.state.aclose()
            if tracer_provider is not None:
                await tracing.flush(tracer_provider, shutdown.time_left())

    async def context_getter() -> Context:
        # Async on purpose: dataloaders need the running loop (see STACK.md).
        return Context(services)

    app = GatewayApp(title="Job Gateway", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.services = services
    app.state.schema = schema
    app.state.shutdown = shutdown
    graphql = GatewayGraphQLRouter(
        schema,
        path="/graphql",
        context_getter=context_getter,
        graphql_ide="graphiql",
        allow_queries_via_get=True,
        multipart_uploads_enabled=False,
        subscription_protocols=(
            GRAPHQL_TRANSPORT_WS_PROTOCOL,
            GRAPHQL_WS_PROTOCOL,
            GRAPHQL_SSE_PROTOCOL,
            MULTIPART_SUBSCRIPTION_PROTOCOL,
        ),
        connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_s),
        max_subscriptions_per_connection=live.limits.subscriptions_per_connection,
        allowed_origins=settings.ws_allowed_origins(),
    )
    client_auth = ClientAuth(tuple(t.get_secret_value() for t in settings.client_tokens))
    graphql.client_auth = client_auth
    graphql.shutdown = shutdown
    graphql.heap = HeapTrimmer()
    app.include_router(graphql)

    def graphql_websocket(websocket: WebSocket) -> Awaitable[None]:
        # Hands back the handler's awaitable (see gateway.socket_edge); called from a coroutine, so
        # the loop the context's dataloaders need is running.
        return cast(Awaitable[None], graphql.run(request=websocket, context=Context(services), root_value=None))

    app.include_router(graphiql_router)
    app.include_router(dashboard_router)
    # The router's own endpoint, through our middleware only: not the layers each held socket would
    # keep suspended around it (see gateway.socket_edge).
    app.serve_socket("/graphql", graphql_websocket)
    # Added before CORS, so it runs inside it: a 413 still carries the CORS headers a browser needs to read it.
    app.add_middleware(
        RequestSizeLimit,
        max_body_bytes=settings.max_body_bytes,
        max_query_string_bytes=settings.max_query_string_bytes,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["content-type", "authorization", "x-request-id"],
        )
    # Outermost of ours: every answer, a 413 or a CORS refusal too, gets its access line.
    app.add_middleware(RequestLog)
    if tracer_provider is not None:
        tracing.instrument(app, upstreams, tracer_provider)

    if services.callbacks is not None:
        app.include_router(webhook_router(services))

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    def refused(request: Request) -> Response | None:
        # With client tokens on, only /healthz stays open: /readyz costs authenticated upstream
        # calls and shows upstream error text, /metrics shows who calls what.
        if client_auth.check_header(request.headers.get("authorization")):
            return None
        response = error_response(401, "missing or invalid bearer token", False, "UNAUTHENTICATED")
        response.headers["www-authenticate"] = "Bearer"
        return response

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> Response:
        if (denied := refused(request)) is not None:
            return denied
        if shutdown.started:
            return JSONResponse({"status": "shutting down"}, status_code=503)
        results = await upstreams.readiness(settings.readiness_cache_s)
        state_error: str | None = None
        try:
            await services.state.check()
        except StateUnavailable as exc:
            state_error = str(exc)
        ready = all(r.ok for r in results) and state_error is None
        body = {
            "status": "ready" if ready else "not ready",
            "upstreams": {r.source.value: {"ok": r.ok, "error": r.error} for r in results},
            "state": {"ok": state_error is None, "error": state_error},
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus(request: Request) -> Response:
        if (denied := refused(request)) is not None:
            return denied
        return Response(services.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return app
