"""The cost limit: a document's upstream calls, estimated before execution and refused above a budget.

Every connection field (one with ``first`` returning an object with ``edges``)
is one upstream list call per parent it is resolved for, so nested connections
multiply: ``jobs(first: 100) { edges { node { children(first: 10) {
totalCount } } } }`` costs 1 + 100. A list whose length the arguments tell
(``nodes(ids: [...])``) or the gateway bounds (``statusHistory``) multiplies the
same way; other lists (``counters``, ``tables``) never lead to a connection. A few
fields that are not connections but call upstreams several times (``jobCounts``,
``scopes``) cost a fixed worst case (``FIELD_CALLS``).
``first`` is read from literals and variables (omitted: the default page size;
above the maximum: the maximum, since execution refuses more anyway). Fields
under ``@skip``/``@include`` that are off are free; inline fragments and
fragment spreads on different types all count, so the estimate is an upper
bound. Per-request batching (``gateway.loaders``) often makes the real count
far lower; the estimate stays the worst case a client can ask for.

The check runs in the validation step, after the cached validation, because
variables differ between requests sharing one validated document.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_list_type,
    is_non_null_type,
)
from strawberry.extensions import SchemaExtension

from gateway.counts import PAGE, READ_CAP
from gateway.events.bus import DEFAULT_HISTORY_PER_JOB

CODE = "QUERY_TOO_COSTLY"

LIST_BOUNDS: Mapping[str, int] = {"statusHistory": DEFAULT_HISTORY_PER_JOB}
"""Lists the gateway itself bounds, by field name: each item may resolve connections below."""

SOURCES_AT_MOST = 5
FIELD_CALLS: Mapping[tuple[str, str], int] = {
    # Per source: one counted read per status (7), or up to READ_CAP / PAGE list reads (10).
    ("Query", "jobCounts"): SOURCES_AT_MOST * max(7, READ_CAP // PAGE),
    # Per source: one read per configured scope at most; a handful in practice.
    ("Query", "scopes"): SOURCES_AT_MOST,
}
"""Upstream calls of fields that are not connections, by (type, field): added as they are."""


class CostLimiter(SchemaExtension):
    """Refuses an operation whose estimated upstream calls exceed ``budget`` (``QUERY_TOO_COSTLY``)."""

    def __init__(self, *, budget: int, default_page_size: int, max_page_size: int) -> None:
        super().__init__()
        self.budget = budget
        self.default_page_size = default_page_size
        self.max_page_size = max_page_size

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        # Listed after ValidationCache, whose hook has validated by now: an invalid document
        # keeps its own errors, and only a valid one is costed.
        document = ctx.graphql_document
        if not ctx.pre_execution_errors and document is not None:
            estimate = self.estimate(ctx.schema._schema, document, ctx.operation_name, ctx.variables or {})
            if estimate > self.budget:
                # A new list: the cached validation result is shared by every request of this document.
                ctx.pre_execution_errors = [
                    GraphQLError(
                        f"Query too costly: it may make about {estimate} upstream calls, the budget is "
                        f"{self.budget}. Ask for smaller pages (first) or fewer nested connections.",
                        extensions={"code": CODE, "cost": estimate, "budget": self.budget},
                    )
                ]
        yield

    def estimate(
        self, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any]
    ) -> int:
        """The estimated upstream calls of the operation ``operation_name`` picks (0 if none)."""
        return _Estimate(self, schema, document, variables).operation(operation_name)


class _Estimate:
    def __init__(
        self, limiter: CostLimiter, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]
    ) -> None:
        self.limiter = limiter
        self.schema = schema
        self.variables = dict(variables)
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        # Cost per unit of multiplier, by (fragment, type): costing is linear in the multiplier, so
        # a fragment spread many times is walked once, and a "fragment bomb" stays linear.
        self.memo: dict[tuple[str, str], int] = {}
        self.walking: set[str] = set()

    def operation(self, name: str | None) -> int:
        chosen = [op for op in self.operations if name is None or (op.name is not None and op.name.value == name)]
        if len(chosen) != 1:
            return 0  # execution reports the missing or ambiguous operation
        op = chosen[0]
        root = self.schema.get_root_type(op.operation)
        return 0 if root is None else self.selections(op.selection_set, root)

    def selections(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType) -> int:
        if selection_set is None:
            return 0
        total = 0
        for node in selection_set.selections:
            if not self.included(node):
                continue
            if isinstance(node, FieldNode):
                total += self.field(node, parent)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                inner = self.schema.get_type(condition.name.value) if condition is not None else parent
                total += self.selections(node.selection_set, inner or parent)
            elif isinstance(node, FragmentSpreadNode):
                total += self.spread(node.name.value)
        return total

    def spread(self, name: str) -> int:
        fragment = self.fragments.get(name)
        if fragment is None or name in self.walking:
            return 0  # validation refuses unknown and cyclic fragments; never loop here
        inner = self.schema.get_type(fragment.type_condition.name.value)
        if inner is None:
            return 0
        key = (name, inner.name)
        if key not in self.memo:
            self.walking.add(name)
            self.memo[key] = self.selections(fragment.selection_set, inner)
            self.walking.discard(name)
        return self.memo[key]

    def field(self, node: FieldNode, parent: GraphQLNamedType) -> int:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 0
        inner = get_named_type(definition.type)
        below = self.selections(node.selection_set, inner)
        fixed = FIELD_CALLS.get((parent.name, node.name.value))
        if fixed is not None:
            return fixed + below
        if _is_connection(definition, inner):
            return 1 + self.page_size(node) * below
        return self.list_length(node, definition) * below

    def page_size(self, node: FieldNode) -> int:
        first = self.argument(node, "first")
        if first is None:
            return self.limiter.default_page_size
        if isinstance(first, IntValueNode):
            value: Any = int(first.value)
        elif isinstance(first, VariableNode):
            value = self.variables.get(first.name.value)
        else:
            value = None
        if isinstance(value, bool) or not isinstance(value, int):
            return self.limiter.default_page_size  # execution refuses it, or it means the default
        return max(0, min(value, self.limiter.max_page_size))

    def list_length(self, node: FieldNode, definition: GraphQLField) -> int:
        if not _returns_list(definition):
            return 1
        ids = self.argument(node, "ids")
        if isinstance(ids, ListValueNode):
            return len(ids.values)
        if isinstance(ids, VariableNode):
            value = self.variables.get(ids.name.value)
            return len(value) if isinstance(value, list) else 1
        return LIST_BOUNDS.get(node.name.value, 1)

    @staticmethod
    def argument(node: FieldNode | DirectiveNode, name: str) -> ValueNode | None:
        return next((a.value for a in node.arguments or () if a.name.value == name), None)

    def included(self, node: Any) -> bool:
        for directive in node.directives or ():
            name = directive.name.value
            if name in ("skip", "include"):
                condition = self.argument(directive, "if")
                if isinstance(condition, VariableNode):
                    value = self.variables.get(condition.name.value)
                else:
                    value = condition.value if isinstance(condition, BooleanValueNode) else None
                # A missing or odd condition fails execution: cost the field as if it ran.
                if (name == "skip" and value is True) or (name == "include" and value is False):
                    return False
        return True


def _is_connection(definition: GraphQLField, inner: GraphQLNamedType) -> bool:
    return "first" in definition.args and isinstance(inner, GraphQLObjectType) and "edges" in inner.fields


def _returns_list(definition: GraphQLField) -> bool:
    kind = definition.type
    if is_non_null_type(kind):
        kind = kind.of_type
    return is_list_type(kind)
