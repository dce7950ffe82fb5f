"""``Query.upstreams`` read after the rest of its query, so the health it shows includes this response's calls.

Root fields of a query resolve concurrently: ``upstreams`` would report a source
healthy in the same response that carries that source's 503. After execution,
this extension resolves the query's ``upstreams`` fields once more (a sub-document
of just those fields, with the same fragments and variables; no upstream call is
involved) and puts their answers in place of the early ones. Only fields selected
directly at the root are refreshed; one reached through a root fragment spread is
left as first resolved.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from inspect import isawaitable

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    OperationDefinitionNode,
    SelectionSetNode,
    execute,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

FIELD = "upstreams"


class FreshUpstreams(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        yield
        ctx = self.execution_context
        result = ctx.result
        if result is None or not isinstance(result.data, dict) or ctx.graphql_document is None:
            return
        try:
            if ctx.operation_type is not OperationType.QUERY:
                return
        except RuntimeError:
            return
        operation = _operation(ctx.graphql_document, ctx.operation_name)
        if operation is None:
            return
        selections = operation.selection_set.selections
        fields = [s for s in selections if isinstance(s, FieldNode) and s.name.value == FIELD]
        if not fields or len(fields) == len(selections):
            return  # alone in its query: nothing else ran before it
        only = OperationDefinitionNode(
            operation=operation.operation,
            name=operation.name,
            variable_definitions=operation.variable_definitions,
            directives=operation.directives,
            selection_set=SelectionSetNode(selections=tuple(fields)),
        )
        fragments = tuple(d for d in ctx.graphql_document.definitions if isinstance(d, FragmentDefinitionNode))
        fresh = execute(
            ctx.schema._schema,
            DocumentNode(definitions=(only, *fragments)),
            root_value=ctx.root_value,
            context_value=ctx.context,
            variable_values=ctx.variables,
        )
        if isawaitable(fresh):
            fresh = await fresh
        if not isinstance(fresh, ExecutionResult) or fresh.errors or not isinstance(fresh.data, dict):
            return  # keep the first answer rather than replace it with an error
        for field in fields:
            key = (field.alias or field.name).value
            if key in result.data and key in fresh.data:
                result.data[key] = fresh.data[key]


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name is not None and o.name.value == name), None)
