"""OpenTelemetry for the gateway: configured by the standard ``OTEL_*`` variables, off unless they ask for it.

On when ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_ENDPOINT`` is
set, or ``OTEL_TRACES_EXPORTER=otlp``; ``OTEL_SDK_DISABLED=true`` or
``OTEL_TRACES_EXPORTER=none`` keeps it off. Spans go over OTLP/HTTP (protobuf) in
batches; the exporter, sampler and resource read their own ``OTEL_*`` variables
(``OTEL_SERVICE_NAME`` defaults to ``job-gateway``).

What is traced, through the SDK's own instrumentations:
- each HTTP request and WebSocket (``opentelemetry-instrumentation-asgi``), which
  also accepts a client's W3C ``traceparent``; probes and metrics are left out;
- each GraphQL operation (``gateway.schema.tracing``, Strawberry's extension);
- each upstream call (``adapters.http``: source, operation, outcome, status,
  retries) and under it each HTTP attempt (``opentelemetry-instrumentation-httpx``,
  which sends ``traceparent`` to the upstream).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Mapping

from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from starlette.applications import Starlette

from adapters.base import HttpBacked
from adapters.settings import ConfigError
from gateway.upstreams import Upstreams

log = logging.getLogger("job_gateway.tracing")

DEFAULT_SERVICE_NAME = "job-gateway"
UNTRACED_PATHS = "healthz,readyz,metrics"
"""Probes and scrapes: a span every few seconds from every orchestrator says nothing."""


def wanted(environ: Mapping[str, str]) -> bool:
    """Whether the ``OTEL_*`` variables ask for traces."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter == "none":
        return False
    if exporter and exporter != "otlp":
        raise ConfigError(f"OTEL_TRACES_EXPORTER={exporter}: only otlp (or none) is supported")
    endpoint = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    return bool(endpoint) or exporter == "otlp"


def provider_from_env(environ: Mapping[str, str]) -> TracerProvider | None:
    """A provider exporting over OTLP/HTTP as the ``OTEL_*`` variables say, or ``None`` when traces are off."""
    if not wanted(environ):
        return None
    protocol = environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
    if protocol and protocol != "http/protobuf":
        raise ConfigError(f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol}: this gateway exports over http/protobuf only")
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    # Resource.create reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; ours is only the default.
    attributes = {} if environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: DEFAULT_SERVICE_NAME}
    provider = TracerProvider(resource=Resource.create(attributes))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def instrument(app: Starlette, upstreams: Upstreams, provider: TracerProvider) -> None:
    """Trace ``app``'s requests and ``upstreams``' calls through ``provider`` (the schema is traced apart)."""
    for adapter in upstreams:
        if isinstance(adapter, HttpBacked):
            HTTPXClientInstrumentor.instrument_client(adapter.client.http, tracer_provider=provider)
            adapter.client.tracer = provider.get_tracer("job_gateway.upstream")
    # Added last, so outermost: the request log inside it sees the trace id.
    # No spans per ASGI message (http receive/send): one per request is what an operator reads.
    app.add_middleware(
        OpenTelemetryMiddleware,
        tracer_provider=provider,
        excluded_urls=UNTRACED_PATHS,
        exclude_spans=["receive", "send"],
    )


async def flush(provider: TracerProvider, within_s: float) -> None:
    """Export what is still batched and stop, giving up after ``within_s``: an unreachable collector
    (the exporter retries for up to ``OTEL_EXPORTER_OTLP_TIMEOUT``) must not hold the exit beyond the
    shutdown budget. A daemon thread, so a give-up does not hold the interpreter's exit either."""
    loop = asyncio.get_running_loop()
    done = asyncio.Event()

    def run() -> None:
        try:
            provider.shutdown()
        finally:
            with contextlib.suppress(RuntimeError):  # the loop may be gone after a give-up
                loop.call_soon_threadsafe(done.set)

    threading.Thread(target=run, name="job-gateway-trace-flush", daemon=True).start()
    try:
        await asyncio.wait_for(done.wait(), max(0.1, within_s))
    except TimeoutError:
        log.warning("traces: the exporter did not finish within %.1f s; unexported spans are dropped", within_s)
