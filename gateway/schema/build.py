"""Assembles the Strawberry schema from its parts, for the sources of one registry."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry
from opentelemetry.trace import TracerProvider
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from adapters.registry import REGISTRY, Registry
from gateway.schema.cost import CostLimiter
from gateway.schema.data_age import DataAge
from gateway.schema.enums import declare_sources
from gateway.schema.executor import GatewayExecutor
from gateway.schema.extensions import OperationScope, limit_extensions
from gateway.schema.health import FreshUpstreams
from gateway.schema.mutation import build_mutation
from gateway.schema.nodes import IngestRun, Job, JobType
from gateway.schema.query import Query
from gateway.schema.runner import LeanExtensionsRunner
from gateway.schema.subscription import Subscription
from gateway.schema.tracing import operation_tracing


@dataclass(frozen=True, slots=True)
class SchemaLimits:
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    introspection: bool = True
    max_cost: int = 200
    default_page_size: int = 20
    max_page_size: int = 100


class GatewaySchema(strawberry.Schema):
    def process_errors(self, errors: list, execution_context: object = None) -> None:  # type: ignore[type-arg]
        # ErrorPolicy logs unexpected errors with the request id; expected ones are
        # the client's business, not the operator's, so they are not logged here.
        return None

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return LeanExtensionsRunner(execution_context, extensions)


def build_schema(
    limits: SchemaLimits | None = None,
    registry: Registry = REGISTRY,
    *,
    tracer_provider: TracerProvider | None = None,
) -> strawberry.Schema:
    """The schema for ``registry``'s sources: the ``Source`` enum and ``submitJob``'s members follow it.

    With ``tracer_provider``, each operation is a span of it (``gateway.schema.tracing``)."""
    limits = limits or SchemaLimits()
    declare_sources(registry.sources)
    extensions = limit_extensions(
        max_depth=limits.max_depth,
        max_aliases=limits.max_aliases,
        max_tokens=limits.max_tokens,
        introspection=limits.introspection,
        cost=CostLimiter(
            budget=limits.max_cost,
            default_page_size=limits.default_page_size,
            max_page_size=limits.max_page_size,
        ),
    )
    extensions.append(FreshUpstreams)
    extensions.append(DataAge)
    if tracer_provider is not None:
        # First, so its span encloses what the others do (limits, error shaping, metrics).
        extensions.insert(0, operation_tracing(tracer_provider))
    # Before even the span: what the operation gathers (its partial errors) is still there when it ends.
    extensions.insert(0, OperationScope)
    return GatewaySchema(
        query=Query,
        mutation=build_mutation(registry),
        subscription=Subscription,
        types=[Job, JobType, IngestRun],
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
        execution_context_class=GatewayExecutor,
    )
