"""OpenTelemetry traces of a cross-source query, over real HTTP to the simulators.

In process, with the SDK's in-memory exporter: the client's ``traceparent`` is the
root, then the server span, the GraphQL operation span, one span per upstream call
(source, operation, outcome, status, retries) and under each the HTTP attempts; the
upstreams receive a ``traceparent`` of the same trace. As an operator runs it, with a
local OTLP/HTTP receiver: ``OTEL_EXPORTER_OTLP_ENDPOINT`` alone turns export on.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.kit.server import serve
from tests.support.processes import gateway, simulators
from tests.support.stack import running_stack

pytestmark = pytest.mark.integration

QUERY = "query Cross { jobs(first: 3, filter: {sources: [SCALE, LEIA]}) { edges { node { id source } } } }"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"


def _tree(spans: list[ReadableSpan]) -> tuple[ReadableSpan, dict[int, list[ReadableSpan]]]:
    children: dict[int, list[ReadableSpan]] = {}
    for span in spans:
        if span.parent is not None:
            children.setdefault(span.parent.span_id, []).append(span)
    roots = [s for s in spans if s.parent is not None and s.parent.span_id == int(CLIENT_SPAN, 16)]
    assert len(roots) == 1, [s.name for s in spans]
    return roots[0], children


def _render(span: ReadableSpan, children: dict[int, list[ReadableSpan]], depth: int = 0) -> Iterator[str]:
    keys = (
        "job_gateway.upstream.outcome",
        "http.response.status_code",
        "http.status_code",
        "job_gateway.upstream.retries",
    )
    shown = {k.rsplit(".", 1)[-1]: span.attributes[k] for k in keys if span.attributes and k in span.attributes}
    codes = (span.attributes or {}).get("graphql.error.codes")
    if codes:
        shown["errors"] = list(codes)  # type: ignore[arg-type]
    yield f"{'  ' * depth}{span.name} {shown if shown else ''}".rstrip()
    for child in sorted(children.get(span.context.span_id, []), key=lambda s: s.start_time or 0):
        yield from _render(child, children, depth + 1)


def test_a_cross_source_query_is_one_trace_from_client_to_upstreams() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    seen: list[str] = []

    def record_traceparent(app: Any) -> Any:
        async def wrapped(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                seen.extend(v.decode() for k, v in scope["headers"] if k == b"traceparent")
            await app(scope, receive, send)

        return wrapped

    with running_stack(tracer_provider=provider, wrap_simulators=record_traceparent) as stack:
        stack.faults("scale", {"error_rate": 1.0, "status": 503})
        seen.clear()  # calls made before (start-up) belong to no client's trace
        body = stack.query(QUERY, headers={"traceparent": f"00-{TRACE_ID}-{CLIENT_SPAN}-01"})
    provider.shutdown()
    assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    spans = [s for s in exporter.get_finished_spans() if format(s.context.trace_id, "032x") == TRACE_ID]
    server, children = _tree(spans)
    print("\n" + "\n".join(_render(server, children)))
    operation = [s for s in children[server.context.span_id] if s.name.startswith("GraphQL")]
    assert [s.name for s in operation] == ["GraphQL query: Cross"]
    op = operation[0]
    assert op.attributes is not None
    assert op.attributes["graphql.operation.type"] == "query" and op.attributes["graphql.operation.name"] == "Cross"
    assert list(op.attributes["graphql.error.codes"]) == ["UPSTREAM_UNAVAILABLE"]  # type: ignore[arg-type]
    upstream = {s.name: s for s in children[op.context.span_id] if s.name.split()[0] in ("SCALE", "LEIA")}
    assert set(upstream) == {"SCALE list_jobs", "LEIA list_jobs"}, [s.name for s in children[op.context.span_id]]
    scale, leia = upstream["SCALE list_jobs"].attributes, upstream["LEIA list_jobs"].attributes
    assert scale is not None and leia is not None
    assert scale["job_gateway.upstream.outcome"] == "UNAVAILABLE" and scale["http.response.status_code"] == 503
    assert scale["job_gateway.upstream.retries"] == 2  # three attempts, today's default
    assert leia["job_gateway.upstream.outcome"] == "ok" and leia["http.response.status_code"] == 200
    attempts = children[upstream["SCALE list_jobs"].context.span_id]
    assert len(attempts) == 3 and all(a.name == "GET" for a in attempts)
    # Each attempt told its upstream the trace, naming itself as the parent (later background polls have their own).
    told = {value.split("-")[2] for value in seen if value.split("-")[1] == TRACE_ID}
    attempts += children[upstream["LEIA list_jobs"].context.span_id]
    assert {format(a.context.span_id, "016x") for a in attempts} <= told


@pytest.fixture
def otlp_receiver() -> Iterator[tuple[str, list[ExportTraceServiceRequest]]]:
    received: list[ExportTraceServiceRequest] = []

    async def traces(request: Request) -> Response:
        message = ExportTraceServiceRequest()
        message.ParseFromString(await request.body())
        received.append(message)
        return Response(b"", media_type="application/x-protobuf")

    with serve(Starlette(routes=[Route("/v1/traces", traces, methods=["POST"])])) as url:
        yield url, received


def test_otel_environment_alone_exports_over_otlp(
    tmp_path: Path, otlp_receiver: tuple[str, list[ExportTraceServiceRequest]]
) -> None:
    url, received = otlp_receiver
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": url, "OTEL_SERVICE_NAME": "gateway-under-test"}
    with simulators(tmp_path) as (_, config):
        process = gateway(config, tmp_path, state_url=f"sqlite:///{tmp_path / 'state.db'}", env=env)
        try:
            assert "errors" not in process.graphql(QUERY.replace("Cross", "Exported"))
        finally:
            assert process.stop(signal.SIGTERM) == 0  # the batch is exported at shutdown
    names: set[str] = set()
    services: set[str] = set()
    for message in received:
        for resource_spans in message.resource_spans:
            services.update(a.value.string_value for a in resource_spans.resource.attributes if a.key == "service.name")
            for scope_spans in resource_spans.scope_spans:
                names.update(span.name for span in scope_spans.spans)
    assert services == {"gateway-under-test"}
    assert {"GraphQL query: Exported", "SCALE list_jobs", "LEIA list_jobs"} <= names, names


def test_no_otel_environment_no_tracing() -> None:
    from gateway.tracing import provider_from_env

    assert provider_from_env({}) is None
    assert provider_from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x", "OTEL_SDK_DISABLED": "true"}) is None
    assert provider_from_env({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x"}) is None
