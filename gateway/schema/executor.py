"""The executor: graphql-core's, with plain leaf fields completed without its per-field machinery.

A page of 100 jobs asks graphql-core for about a thousand fields, nearly all of
them scalars and enums read straight off the object (Strawberry's fields without
a resolver). For each, graphql-core builds a path, a resolve info, looks up the
field, calls the resolver through Strawberry's wrapper and completes the value
through four type checks: about three quarters of the gateway's CPU on such a
page. Here a selection set's plain leaves are found once per operation and then
read and serialized directly (``getattr`` and the type's own output coercion,
what graphql-core ends with anyway).

The answer is the same: every other field (resolvers, objects, lists, arguments,
schema extensions that wrap resolvers) goes through graphql-core unchanged, and so
does a leaf whose fast reading fails or is null where the schema says non-null,
so errors, their paths and null propagation are graphql-core's own.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, NamedTuple, TypeVar, cast

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

_NOT_READ: Any = object()
NOT_PREFETCHED: Any = _NOT_READ
"""What an ``answered_by`` attribute holds when the resolver must answer."""

_Resolver = TypeVar("_Resolver", bound=Callable[..., Any])
_ANSWERED_BY: dict[Callable[..., Any], str] = {}


class _Plain(NamedTuple):
    """A field read straight off its object: a leaf (``coerce``) or an object (``object_type``)."""

    read: Callable[[Any], Any]
    field_type: GraphQLOutputType
    nullable: bool
    coerce: Callable[[Any], Any] | None
    object_type: GraphQLObjectType | None


class _Plan(NamedTuple):
    fields: list[tuple[str, FieldDetailsList, _Plain | None]]
    any_plain: bool
    """False: nothing to shortcut, the whole selection is graphql-core's."""


def answered_by(attribute: str) -> Callable[[_Resolver], _Resolver]:
    """Mark a resolver whose object may hold its answer already, in ``attribute``.

    The executor then reads the attribute like a plain field, and calls the resolver only where it
    holds ``NOT_PREFETCHED``; the resolver must answer what the attribute would have held.
    """

    def mark(resolver: _Resolver) -> _Resolver:
        _ANSWERED_BY[resolver] = attribute
        return resolver

    return mark


def _plain(field: GraphQLField | None, details: FieldDetailsList) -> _Plain | None:
    """How to read ``field`` directly, or None when graphql-core must execute it."""
    if field is None or field.args or any(d.node.arguments for d in details):
        return None
    definition: StrawberryField | None = field.extensions.get("strawberry-definition")
    if definition is None or definition.extensions:
        return None
    read: Callable[[Any], Any]
    resolve = field.resolve
    if definition.base_resolver is not None:
        attribute = _ANSWERED_BY.get(cast(Callable[..., Any], definition.base_resolver.wrapped_func))
        if attribute is None:
            return None
        read = attrgetter(attribute)
    elif resolve is not None and getattr(resolve, "_is_default", False):  # Strawberry's: no resolver, extension
        if definition.default_resolver is getattr:
            read = attrgetter(definition.python_name)  # what Strawberry's resolver ends up doing
        else:

            def read(source: Any) -> Any:
                return resolve(source, None)

    else:
        return None
    field_type = field.type
    nullable = not isinstance(field_type, GraphQLNonNull)
    named = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type

    if is_leaf_type(named):
        leaf: GraphQLLeafType = named
        return _Plain(read, field_type, nullable, leaf.coerce_output_value, None)
    if isinstance(named, GraphQLObjectType):
        return _Plain(read, field_type, nullable, None, named)
    return None  # lists and abstract types: graphql-core's


class GatewayExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context; ``execute_fields`` reads plain fields directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[GroupedFieldSet, _Plan]] = {}
        manager = self.middleware_manager
        # Schema extensions that wrap every resolver must see every field: no shortcut then.
        self._shortcut = manager is None or not manager.middlewares

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> _Plan:
        # graphql-core reuses one grouped field set for every item of a list (it memoizes
        # collect_subfields); keeping the set alive with its plan keeps its id from being reused.
        key = (parent_type, id(grouped_field_set))
        found = self._plans.get(key)
        if found is not None:
            return found[1]
        fields = parent_type.fields
        entries: list[tuple[str, FieldDetailsList, _Plain | None]] = []
        for response_name, details in grouped_field_set.items():
            field_name = details[0].node.name.value
            plain = _plain(fields.get(field_name), details) if self._shortcut else None
            entries.append((response_name, details, plain))
        plan = _Plan(entries, any(plain is not None for _, _, plain in entries))
        self._plans[key] = (grouped_field_set, plan)
        return plan

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        plan = self._plan(parent_type, grouped_field_set)
        if not plan.any_plain:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        results: dict[str, Any] = {}
        pending: list[str] = []
        rest: GroupedFieldSet = {}
        try:
            for response_name, details, plain in plan.fields:
                value = _NOT_READ if plain is None else self._read(plain, source_value)
                if value is _NOT_READ:
                    rest[response_name] = details
                    continue
                if plain is not None and plain.object_type is not None and value is not None:
                    value = self._complete_object(
                        plain, details, Path(path, response_name, parent_type.name), value, position_context
                    )
                    if self.is_awaitable(value):
                        pending.append(response_name)
                results[response_name] = value
            executed = super().execute_fields(parent_type, source_value, path, rest, position_context) if rest else {}
        except Exception:
            if pending:
                self.settle_in_background([results[name] for name in pending])
            raise
        if not pending and not self.is_awaitable(executed):
            return _in_order(grouped_field_set, results, cast(dict[str, Any], executed))
        return self._gathered(grouped_field_set, results, pending, executed)

    @staticmethod
    def _read(plain: _Plain, source: Any) -> Any:
        """The field's value, coerced if a leaf; ``_NOT_READ`` where graphql-core must tell (errors, nulls)."""
        try:
            value = plain.read(source)
            if value is _NOT_READ:
                return value
            if value is None or value is Undefined:
                return None if plain.nullable else _NOT_READ
            if plain.coerce is None:
                type_of = cast(GraphQLObjectType, plain.object_type).is_type_of
                # Strawberry's is_type_of looks at the object only; anything else: graphql-core's.
                return value if type_of is None or type_of(value, None) is True else _NOT_READ  # type: ignore[arg-type]
            coerced = plain.coerce(value)
        except Exception:
            return _NOT_READ  # graphql-core reads it again and reports the error its own way
        return _NOT_READ if coerced is None or coerced is Undefined else coerced

    def _complete_object(
        self, plain: _Plain, details: FieldDetailsList, path: Path, value: Any, position_context: Any
    ) -> AwaitableOrValue[Any]:
        """graphql-core's object completion and error handling for the field, without its resolve info."""
        object_type = cast(GraphQLObjectType, plain.object_type)
        try:
            completed = self.collect_and_execute_subfields(object_type, details, path, value, position_context)
        except Exception as raw_error:
            self.handle_field_error(raw_error, plain.field_type, details, path)
            return None
        if not self.is_awaitable(completed):
            return completed

        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as raw_error:
                self.handle_field_error(raw_error, plain.field_type, details, path)
                return None

        return await_completed()

    async def _gathered(
        self,
        grouped_field_set: GroupedFieldSet,
        results: dict[str, Any],
        pending: list[str],
        executed: AwaitableOrValue[dict[str, Any]],
    ) -> dict[str, Any]:
        awaitables = [results[name] for name in pending]
        if self.is_awaitable(executed):
            awaitables.append(executed)
        # One awaitable is awaited as is: a task per object for nothing would cost more than the field.
        done = [await awaitables[0]] if len(awaitables) == 1 else await gather_with_cancel(*awaitables)
        results.update(zip(pending, done, strict=False))
        rest = done[-1] if self.is_awaitable(executed) else executed
        return _in_order(grouped_field_set, results, cast(dict[str, Any], rest))


def _in_order(grouped_field_set: GroupedFieldSet, done: dict[str, Any], executed: dict[str, Any]) -> dict[str, Any]:
    ordered: dict[str, Any] = {}
    for response_name in grouped_field_set:
        if response_name in done:
            ordered[response_name] = done[response_name]
        elif response_name in executed:
            ordered[response_name] = executed[response_name]
    return ordered
