"""Schema extensions: error policy (codes, partial results, masking), request limits, operation metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types.execution import ExecutionResult as StrawberryExecutionResult

from adapters.errors import UpstreamError
from gateway.context import Context
from gateway.errors import GatewayError, upstream_extensions
from gateway.schema.deadline import RequestDeadline

log = logging.getLogger("job_gateway.graphql")

INTERNAL_MESSAGE = "Internal server error"


class ErrorPolicy(MaskErrors):
    """Gives every error a code, adds per-source partial-result errors, masks the unexpected.

    Unexpected exceptions are logged with the request id and shown only as
    "Internal server error" carrying that id, so an operator can find the log line.
    """

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda _: False, error_message=INTERNAL_MESSAGE)

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        context = self.execution_context.context
        partial = context.partial_errors if isinstance(context, Context) else []
        if isinstance(result, GraphQLExecutionResult | StrawberryExecutionResult):
            if partial:
                result.errors = [*(result.errors or []), *partial]
            if result.errors:
                result.errors = self._process_errors(result.errors)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._shape(e) for e in errors]

    def _shape(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if original is None or isinstance(original, GraphQLError):
            if error.extensions and "code" in error.extensions:
                return error
            code = "GRAPHQL_VALIDATION_FAILED" if error.path is None else "BAD_USER_INPUT"
            return _with_extensions(error, {"code": code})
        if isinstance(original, GatewayError):
            return _with_extensions(error, {"code": original.code, **original.extensions})
        if isinstance(original, UpstreamError):
            return _with_extensions(error, upstream_extensions(original))
        context = self.execution_context.context
        request_id = context.request_id if isinstance(context, Context) else None
        log.error(
            "unexpected error in %s (request %s)",
            ".".join(str(p) for p in error.path or ()),
            request_id,
            exc_info=(type(original), original, original.__traceback__),
        )
        return GraphQLError(
            INTERNAL_MESSAGE,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


def _with_extensions(error: GraphQLError, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), **extensions},
    )


def limit_extensions(
    *, max_depth: int, max_aliases: int, max_tokens: int, introspection: bool
) -> list[type[SchemaExtension] | Callable[[], SchemaExtension]]:
    """Built once per schema: per-request factories would defeat the validation cache."""
    limiters: list[SchemaExtension] = [
        ParserCache(maxsize=1000),
        ValidationCache(maxsize=1000),
        MaxTokensLimiter(max_token_count=max_tokens),
        QueryDepthLimiter(max_depth=max_depth),
        MaxAliasesLimiter(max_alias_count=max_aliases),
    ]
    if not introspection:
        limiters.append(AddValidationRules([NoSchemaIntrospectionCustomRule]))
    # Strawberry accepts extension instances as well as classes; its annotation lags.
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = cast(Any, limiters)
    extensions.append(ErrorPolicy)
    extensions.append(GraphQLMetrics)
    extensions.append(RequestDeadline)
    return extensions


class GraphQLMetrics(SchemaExtension):
    """Times each operation; labels it by operation name (``anonymous`` when unnamed)."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        ctx = self.execution_context
        if not isinstance(ctx.context, Context):
            return
        errors = ctx.result.errors if ctx.result is not None else ctx.pre_execution_errors
        outcome = "error" if errors or ctx.pre_execution_errors else "ok"
        name = (ctx.operation_name or "anonymous")[:64]
        ctx.context.services.metrics.observe_graphql(name, outcome, time.perf_counter() - started)
