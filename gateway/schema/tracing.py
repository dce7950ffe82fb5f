"""The GraphQL operation's span: Strawberry's ``OpenTelemetryExtension``, one span per operation, no field spans.

Strawberry's extension makes a span per resolved field (every Strawberry field has a
resolver, so a page of 100 jobs is a thousand spans) and records arguments. Here the
operation span is what an operator reads: named ``GraphQL <type>: <name>``, with
the operation's name, type and the error codes of its answer, and made current
while the operation runs, so every upstream call's span is its child. Parse and
validation spans stay as Strawberry makes them; the document is not recorded (a
literal in it may be a value a client considers private).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from strawberry.extensions import LifecycleStep, SchemaExtension
from strawberry.extensions.tracing.opentelemetry import OpenTelemetryExtension


class OperationTracing(OpenTelemetryExtension):
    # No per-field spans, and no per-field middleware cost: Strawberry adds one only for overridden ``resolve``.
    resolve = SchemaExtension.resolve  # type: ignore[assignment]

    def on_operation(self) -> Generator[None, None, None]:
        span = self._tracer.start_span("GraphQL", kind=SpanKind.SERVER, attributes={"component": "graphql"})
        self._span_holder[LifecycleStep.OPERATION] = span
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            yield
        finally:
            otel_context.detach(token)
            self._finish(span)

    def _finish(self, span: trace.Span) -> None:
        ctx = self.execution_context
        name = ctx.operation_name
        try:
            kind = ctx.operation_type.value
        except RuntimeError:
            kind = "unknown"  # the document did not parse, or names no operation it holds
        errors = list(ctx.result.errors or []) if ctx.result is not None else list(ctx.pre_execution_errors or [])
        partial = getattr(ctx.context, "partial_errors", None) or []
        errors += [e for e in partial if e not in errors]
        codes = sorted({str((e.extensions or {}).get("code", "ERROR")) for e in errors})
        span.update_name(f"GraphQL {kind}: {name}" if name else f"GraphQL {kind}")
        span.set_attribute("graphql.operation.type", kind)
        if name:
            span.set_attribute("graphql.operation.name", name)
        if codes:
            span.set_attribute("graphql.error.codes", codes)
            span.set_status(StatusCode.ERROR, ", ".join(codes))
        span.end()


def operation_tracing(provider: trace.TracerProvider) -> Callable[..., Any]:
    """The extension factory for a schema traced through ``provider``."""

    def build(**kwargs: Any) -> OperationTracing:
        return OperationTracing(tracer_provider=provider, **kwargs)

    return build
