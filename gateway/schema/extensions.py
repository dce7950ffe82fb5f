"""Schema extensions: error policy (codes, partial results, masking), request and variable limits, operation metrics."""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, parse
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension, ValidationCache
from strawberry.types.execution import ExecutionResult as StrawberryExecutionResult

from adapters.errors import UpstreamError
from gateway import activity
from gateway.context import Context, close_operation, open_operation
from gateway.errors import GatewayError, upstream_extensions
from gateway.schema.deadline import RequestDeadline
from gateway.schema.limit_rules import limit_rules

log = logging.getLogger("job_gateway.graphql")

INTERNAL_MESSAGE = "Internal server error"

_SUGGESTION = re.compile(r"\s*Did you mean .*\?$", re.DOTALL)
"""graphql-core's "Did you mean 'status'?" tail of validation messages: it names fields, types, enum values."""


def _never(error: GraphQLError) -> bool:
    """MaskErrors' own test: ErrorPolicy masks what it must itself (one function, not a lambda per operation)."""
    return False


class OperationScope(SchemaExtension):
    """Gives each operation its own partial errors and data ages (``gateway.context.OperationState``).

    First of the schema's extensions: every other one's ``on_operation`` runs inside it and sees them.
    """

    def on_operation(self) -> Iterator[None]:
        # Set and reset here, not through a context manager: a held subscription would keep that
        # manager and its generator as well as this one.
        token = open_operation()
        try:
            yield
        finally:
            close_operation(token)


class ErrorPolicy(MaskErrors):
    """Gives every error a code, adds per-source partial-result errors, masks the unexpected.

    Unexpected exceptions are logged with the request id and shown only as
    "Internal server error" carrying that id, so an operator can find the log line.
    """

    hide_suggestions = False
    """With introspection off, suggestions would hand out the schema one typo at a time (OWASP)."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_never, error_message=INTERNAL_MESSAGE)
        self._partial_sent = 0
        """How many of the operation's partial errors already went out with a streamed result."""

    def _unsent_partial_errors(self) -> list[GraphQLError]:
        context = self.execution_context.context
        partial = context.partial_errors if isinstance(context, Context) else []
        unsent = partial[self._partial_sent :]
        self._partial_sent = len(partial)
        return unsent

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if isinstance(result, GraphQLExecutionResult | StrawberryExecutionResult):
            partial = self._unsent_partial_errors()
            if partial:
                result.errors = [*(result.errors or []), *partial]
            if result.errors:
                result.errors = self._process_errors(result.errors)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        if not isinstance(result, GraphQLExecutionResult | StrawberryExecutionResult):
            yield from super().on_stream_result(result)  # incremental delivery's parts
            return
        # A query over a WebSocket, or a subscription event: the result goes out before the
        # operation ends, so its partial errors must join it here (each once). MaskErrors tells
        # the result's kind through a runtime protocol check, which would cost more than the
        # rest of this hook, once per event and subscriber.
        self._stream_result_processed = True
        partial = self._unsent_partial_errors()
        if partial:
            result.errors = [*(result.errors or []), *partial]
        if result.errors:
            result.errors = self._process_errors(result.errors)
        yield None

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._shape(e) for e in errors]

    def _shape(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if original is None or isinstance(original, GraphQLError):
            if error.extensions and "code" in error.extensions:
                return error
            code = "GRAPHQL_VALIDATION_FAILED" if error.path is None else "BAD_USER_INPUT"
            if self.hide_suggestions and _SUGGESTION.search(error.message):
                error = _with_extensions(error, {}, message=_SUGGESTION.sub("", error.message))
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


class QuietErrorPolicy(ErrorPolicy):
    """``ErrorPolicy`` for a schema without introspection: validation messages suggest no names."""

    hide_suggestions = True


def _with_extensions(error: GraphQLError, extensions: dict[str, Any], *, message: str | None = None) -> GraphQLError:
    return GraphQLError(
        error.message if message is None else message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), **extensions},
    )


def limit_extensions(
    *, max_depth: int, max_aliases: int, max_tokens: int, introspection: bool, cost: SchemaExtension | None = None
) -> list[type[SchemaExtension] | Callable[[], SchemaExtension]]:
    """Built once per schema: per-request factories would defeat the validation cache.

    ``cost`` (``gateway.schema.cost.CostLimiter``) comes after ``ValidationCache``: it needs
    the validated document, and the variables of the request at hand.
    """
    limiters: list[SchemaExtension] = [
        limit_rules(max_depth=max_depth, max_aliases=max_aliases, max_tokens=max_tokens, introspection=introspection),
        GuardedParserCache(maxsize=1000),
        ValidationCache(maxsize=1000),
    ]
    if cost is not None:
        limiters.append(cost)
    # Strawberry accepts extension instances as well as classes; its annotation lags.
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = cast(Any, limiters)
    extensions.append(ErrorPolicy if introspection else QuietErrorPolicy)
    extensions.append(RequestLimits)
    extensions.append(GraphQLMetrics)
    extensions.append(RequestDeadline)
    return extensions


MAX_QUERY_CHARS = 32_768
"""A document's length: the lexer reads strings and comments character by character (about 0.4 us
each), so a 1 MiB document would hold the event loop for 0.4 s; 2,000 tokens fit well within this."""
MAX_VARIABLE_VALUES = 10_000
"""List items and object fields across all variables of one operation (documented in the README)."""
MAX_VARIABLE_DEPTH = 32


def variables_problem(variables: object) -> str | None:
    """What is wrong with the size of ``variables``, or None; stops as soon as a bound is passed.

    graphql-core coerces every item of a variable before any resolver can look at its
    length: a 500,000-item list costs about a second of event-loop time, so the count
    comes first. Iterative, so deep nesting costs no recursion.
    """
    count = 0
    stack: list[tuple[object, int]] = [(variables, 0)]
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, dict | list):
            continue
        if depth >= MAX_VARIABLE_DEPTH:
            return f"variables nest deeper than {MAX_VARIABLE_DEPTH} levels"
        count += len(value)
        if count > MAX_VARIABLE_VALUES:
            return (
                f"variables hold more than {MAX_VARIABLE_VALUES} values (list items and object fields "
                "together); split the request"
            )
        stack.extend((child, depth + 1) for child in (value.values() if isinstance(value, dict) else value))
    return None


_STANDIN = parse("{ __typename }")
"""Parsed in place of a document too long to lex; ``RequestLimits`` then refuses the request."""


class GuardedParserCache(ParserCache):
    """Strawberry's parser cache, minus two ways a document could hurt.

    A document over ``MAX_QUERY_CHARS`` is not lexed at all: a stand-in takes its
    place and ``RequestLimits`` answers with the error. A syntax error is left for
    Strawberry's own parse, which reports it as a request error on every transport
    (raised from here it escapes a graphql-transport-ws operation unanswered).
    """

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.query is not None and len(ctx.query) > MAX_QUERY_CHARS:
            ctx.graphql_document = _STANDIN
        else:
            with contextlib.suppress(GraphQLError):
                ctx.graphql_document = self.cached_parse_document(ctx.query, **ctx.parse_options)
        yield


class RequestLimits(SchemaExtension):
    """Refuses an oversized document or oversized variables before execution (BAD_USER_INPUT).

    Runs after the validation cache, whose verdict it may replace: the request is
    then answered as a request error, without coercing a single variable.
    """

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.query is not None and len(ctx.query) > MAX_QUERY_CHARS:
            problem: str | None = f"query document longer than {MAX_QUERY_CHARS} characters; send less, or split it"
        else:
            problem = variables_problem(ctx.variables or {})
        if problem is not None and not ctx.pre_execution_errors:
            ctx.pre_execution_errors = [GraphQLError(problem, extensions={"code": "BAD_USER_INPUT"})]
        yield


class GraphQLMetrics(SchemaExtension):
    """Counts each operation by name (``anonymous`` when unnamed; bounded, see ``gateway.metrics``), times it by type."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        ctx = self.execution_context
        if not isinstance(ctx.context, Context):
            return
        errors = ctx.result.errors if ctx.result is not None else ctx.pre_execution_errors
        outcome = "error" if errors or ctx.pre_execution_errors else "ok"
        name = (ctx.operation_name or "anonymous")[:64]
        try:
            kind = ctx.operation_type.value
        except RuntimeError:
            kind = "unknown"  # the document did not parse, or names no operation it holds
        ctx.context.services.metrics.observe_graphql(name, kind, outcome, time.perf_counter() - started)
        running = activity.current()
        if running is not None:
            # Partial-result errors join the result in ErrorPolicy, which may not have run yet.
            shown = list(errors or ())
            shown += [e for e in ctx.context.partial_errors if e not in shown]
            codes = [str((e.extensions or {}).get("code", "ERROR")) for e in shown]
            running.add_operation(kind, ctx.operation_name, codes)
