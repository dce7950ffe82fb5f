"""The executor: graphql-core's, with plain leaf fields completed without its per-field machinery.

A page of 100 jobs asks graphql-core for about a thousand fields, nearly all of
them scalars and enums read straight off the object (Strawberry's fields without
a resolver). For each, graphql-core builds a path, a resolve info, looks up the
field, calls the resolver through Strawberry's wrapper and completes the value
through four type checks: about three quarters of the gateway's CPU on such a
page. Here a selection set's plain leaves are found once per operation and then
read and serialized directly (``getattr`` and the type's own output coercion,
what graphql-core ends with anyway).

Where a whole selection is plain (a page's edges and their nodes, say), a list of
its objects is rendered in one loop over a tree planned once per operation,
without graphql-core's per-item completion, paths and awaitable checks.

The answer is the same: every other field (resolvers, lists of anything else,
arguments, schema extensions that wrap resolvers) goes through graphql-core
unchanged, and so does a leaf whose fast reading fails or is null where the
schema says non-null (for a list: the whole list), so errors, their paths and
null propagation are graphql-core's own.

Objects of an ``immutable_node`` type (jobs, job types) are rendered once per
selection: the freshness window serves the same records, hence the same nodes, to
every request within it, and a page served again costs a lookup per node.

A subscription event is executed once per distinct operation rather than once
per subscriber, where its selection is plain: the answer then depends on the
event and the operation only (see ``SharedResults``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable
from operator import attrgetter
from typing import Any, NamedTuple, TypeVar, cast

from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    OperationType,
    VariableNode,
    is_leaf_type,
    visit,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.language import Visitor
from graphql.pyutils import AwaitableOrValue, Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

from gateway.schema.memo import IdentityMemo

_NOT_READ: Any = object()
NOT_PREFETCHED: Any = _NOT_READ
"""What an ``answered_by`` attribute holds when the resolver must answer."""

_Resolver = TypeVar("_Resolver", bound=Callable[..., Any])
_Type = TypeVar("_Type", bound=type)
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


class _Tree(NamedTuple):
    """A selection of plain fields only, down to its leaves: rendered without graphql-core.

    Per field: response name, read, nullable, leaf coercion, object type and its subtree
    (flat, as ``_render`` unpacks them once per field and item)."""

    fields: tuple[
        tuple[str, Callable[[Any], Any], bool, Callable[[Any], Any] | None, GraphQLObjectType | None, _Tree | None],
        ...,
    ]
    shape: int | None = None
    """For an ``immutable_node`` type: the selection's number among all operations' (see ``_RENDERED``)."""


_IMMUTABLE: set[type] = set()

_SHAPES: dict[Hashable, int] = {}
"""Selections on immutable node types, numbered: the same fields (by type, alias and name) in
any operation of any request get the same number (see ``_shape``)."""
_SHAPES_MAX = 256
_SHAPE_NUMBERS = itertools.count()

_RENDERED: IdentityMemo[object, dict[int, dict[str, Any]]] = IdentityMemo(1024)
"""Per immutable node, what it rendered as, per selection shape: a page served again lists the same nodes."""
_RENDERED_PER_NODE = 4


SHARED_RESULTS_PER_PAYLOAD = 8
"""Distinct operations whose result one payload keeps (a dashboard's clients mostly send one)."""


class SharedResults:
    """A subscription payload every subscriber receives as the same object.

    ``results_by_operation()`` holds, per operation, the result of executing it on this
    payload, so that each further subscriber with the same operation gets that result
    instead of another execution. Only results read entirely from the payload are kept
    (plain fields, no resolver, no error): nothing in them depends on the subscriber's context.
    (A base class, not a protocol: the check runs once per event and subscriber.)
    """

    __slots__ = ()

    def results_by_operation(self) -> dict[Hashable, ExecutionResult]:
        raise NotImplementedError


class _Answered:
    """A subscription event's per-event executor when the result is known: it answers with it."""

    __slots__ = ("result",)

    def __init__(self, result: ExecutionResult) -> None:
        self.result = result

    def execute_operation(self, serially: bool | None = None) -> ExecutionResult:
        return self.result


def immutable_node(cls: _Type) -> _Type:
    """Mark a Strawberry type whose objects never change once built, and whose plain fields read only them.

    The executor then keeps what it rendered of such an object per selection, and renders it
    again only for another selection or another object.
    """
    _IMMUTABLE.add(cls)
    return cls


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
        coerce = leaf.coerce_output_value
        return _Plain(
            read, field_type, nullable, _memoized(coerce) if isinstance(leaf, GraphQLEnumType) else coerce, None
        )
    if isinstance(named, GraphQLObjectType):
        return _Plain(read, field_type, nullable, None, named)
    return None  # lists and abstract types: graphql-core's


class GatewayExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context; ``execute_fields`` reads plain fields directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[GroupedFieldSet, _Plan]] = {}
        self._trees: dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, _Tree | None]] = {}
        manager = self.middleware_manager
        # Schema extensions that wrap every resolver must see every field: no shortcut then.
        self._shortcut = manager is None or not manager.middlewares
        self._event_key: Hashable | None = None
        self._executed_below_root = False
        """Whether graphql-core executed a field under the root (a resolver, an error): the result
        may then depend on more than the root value."""

    def build_per_event_executor(self, payload: Any) -> GatewayExecutor:
        if self._event_key is None:
            self._event_key = _event_key(self)
        if isinstance(payload, SharedResults) and self._event_key is not None:
            shared = payload.results_by_operation().get(self._event_key)
            if shared is not None:
                # Answered already: no copy of this executor to build (graphql-core only asks it to
                # execute_operation; ``_Answered`` does that much).
                return cast(GatewayExecutor, _Answered(shared))
        executor = cast(GatewayExecutor, super().build_per_event_executor(payload))
        # graphql-core collects an event's fields anew, so memos keyed by their identity would
        # only grow, event after event, for as long as the subscription lasts.
        executor._relevant_sub_fields = {}
        executor._plans = {}
        executor._trees = {}
        executor._executed_below_root = False
        return executor

    def execute_operation(self, serially: bool | None = None) -> Any:
        root = self.root_value
        if self.operation.operation is not OperationType.SUBSCRIPTION or not isinstance(root, SharedResults):
            return super().execute_operation(serially)
        key = self._event_key
        result = super().execute_operation(serially)
        if self.is_awaitable(result):
            return self._shared_later(root, key, result)
        self._share(root, key, result)
        return result

    async def _shared_later(self, root: SharedResults, key: Hashable | None, result: Any) -> Any:
        done = await result
        self._share(root, key, done)
        return done

    def _share(self, root: SharedResults, key: Hashable | None, result: Any) -> None:
        shareable = key is not None and not self._executed_below_root
        if shareable and isinstance(result, ExecutionResult) and not result.errors:
            results = root.results_by_operation()
            # An event stays in the replay buffer: a result kept for every distinct operation its
            # subscribers sent would let a client with many differently spelled subscriptions grow it.
            if len(results) < SHARED_RESULTS_PER_PAYLOAD:
                results[key] = result

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
            if path is not None:
                self._executed_below_root = True
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        results: dict[str, Any] = {}
        pending: list[str] = []
        rest: GroupedFieldSet = {}
        try:
            for response_name, details, plain in plan.fields:
                value = _NOT_READ if plain is None else _read(plain, source_value)
                if value is _NOT_READ:
                    rest[response_name] = details
                    continue
                if plain is not None and plain.object_type is not None and value is not None:
                    tree = self._tree(plain.object_type, details)
                    rendered = _NOT_READ if tree is None else _render(tree, value)
                    if rendered is not _NOT_READ:
                        value = rendered
                    else:
                        value = self._complete_object(
                            plain, details, Path(path, response_name, parent_type.name), value, position_context
                        )
                        if self.is_awaitable(value):
                            pending.append(response_name)
                results[response_name] = value
            if rest and path is not None:
                self._executed_below_root = True
            executed = super().execute_fields(parent_type, source_value, path, rest, position_context) if rest else {}
        except Exception:
            if pending:
                self.settle_in_background([results[name] for name in pending])
            raise
        if not pending and not self.is_awaitable(executed):
            return _in_order(grouped_field_set, results, cast(dict[str, Any], executed))
        return self._gathered(grouped_field_set, results, pending, executed)

    def _tree(self, object_type: GraphQLObjectType, details: FieldDetailsList) -> _Tree | None:
        """The plain tree of ``details``' selection on ``object_type``; None if any field needs graphql-core."""
        key = (object_type, id(details))
        found = self._trees.get(key)
        if found is not None:
            return found[1]
        tree: _Tree | None = None
        if self._shortcut:
            grouped_field_set, defer_usages, _ = self.collect_subfields(object_type, details)
            plan = self._plan(object_type, grouped_field_set)
            fields = []
            names = []
            for response_name, sub_details, plain in plan.fields:
                sub = None if plain is None or plain.object_type is None else self._tree(plain.object_type, sub_details)
                if plain is None or (plain.object_type is not None and sub is None):
                    break
                fields.append((response_name, plain.read, plain.nullable, plain.coerce, plain.object_type, sub))
                names.append((response_name, sub_details[0].node.name.value, None if sub is None else sub.shape))
            else:
                if not defer_usages:
                    tree = _Tree(tuple(fields), _shape(object_type, tuple(names)))
        self._trees[key] = (details, tree)
        return tree

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        items: Iterable[Any],
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        nullable = not isinstance(item_type, GraphQLNonNull)
        named = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if isinstance(items, list) and isinstance(named, GraphQLObjectType):
            tree = self._tree(named, field_details_list)
            if tree is not None and self.get_stream_usage(field_details_list, path) is None:
                rendered = _render_list(tree, named, nullable, items)
                if rendered is not None:
                    return rendered
        return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)

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


def _memoized(coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """An enum's output coercion, remembered per value: Strawberry's scans the enum's values each time."""
    known: dict[tuple[type, Any], Any] = {}

    def coerce_known(value: Any) -> Any:
        key = (type(value), value)  # by type too: a str enum's member equals its plain string
        try:
            return known[key]
        except KeyError:
            coerced = coerce(value)
            if len(known) < _ENUM_MEMO_MAX:
                known[key] = coerced
            return coerced
        except TypeError:  # unhashable: not a member, coerce reports it
            return coerce(value)

    return coerce_known


_ENUM_MEMO_MAX = 256


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


def _shape(object_type: GraphQLObjectType, names: tuple[Hashable, ...]) -> int | None:
    """The number of this selection on ``object_type``, if its objects are immutable nodes."""
    definition = object_type.extensions.get("strawberry-definition")
    if definition is None or definition.origin not in _IMMUTABLE:
        return None
    key = (object_type, names)
    shape = _SHAPES.get(key)
    if shape is None:
        if len(_SHAPES) >= _SHAPES_MAX:
            # Many distinct selections: start over. Numbers are never given twice, so a tree
            # still holding an old one cannot meet another selection's renders.
            _SHAPES.clear()
        shape = _SHAPES[key] = next(_SHAPE_NUMBERS)
    return shape


def _render(tree: _Tree, source: Any) -> Any:
    """``source`` as the result of ``tree``'s selection; ``_NOT_READ`` if any field needs graphql-core.

    ``_read``'s rules, inlined: this runs for every field of every item of a page."""
    out: dict[str, Any] = {}
    for response_name, read, nullable, coerce, object_type, sub in tree.fields:
        try:
            value = read(source)
            if value is None or value is Undefined:
                if not nullable:
                    return _NOT_READ
                out[response_name] = None
                continue
            if value is _NOT_READ:
                return value
            if coerce is not None:
                value = coerce(value)
                if value is None or value is Undefined:
                    return _NOT_READ
            else:
                value = _render_object(cast(_Tree, sub), cast(GraphQLObjectType, object_type), value)
                if value is _NOT_READ:
                    return value
        except Exception:
            return _NOT_READ  # graphql-core reads it again and reports the error its own way
        out[response_name] = value
    return out


def _render_object(tree: _Tree, object_type: GraphQLObjectType, value: Any) -> Any:
    """``_render`` of an object after its type check; remembered for immutable nodes."""
    shape = tree.shape
    renders = None
    if shape is not None:
        renders = _RENDERED.get(value)
        if renders is not None:
            # Found only for the very object it was rendered from: its type was checked then.
            found = renders.get(shape)
            if found is not None:
                return found
    type_of = object_type.is_type_of
    if type_of is not None and type_of(value, None) is not True:  # type: ignore[arg-type]
        return _NOT_READ  # an awaitable, an object of another type, ...
    rendered = _render(tree, value)
    if shape is not None and rendered is not _NOT_READ:
        if renders is None:
            _RENDERED.put(value, {shape: rendered})
        elif len(renders) < _RENDERED_PER_NODE:
            renders[shape] = rendered
    return rendered


def _render_list(tree: _Tree, item_type: GraphQLObjectType, nullable: bool, items: list[Any]) -> list[Any] | None:
    """Every item rendered through ``tree``; None when one of them needs graphql-core (the whole list does then)."""
    rendered: list[Any] = []
    for item in items:
        if item is None:
            if not nullable:
                return None
            rendered.append(None)
            continue
        value = _render_object(tree, item_type, item)
        if value is _NOT_READ:
            return None
        rendered.append(value)
    return rendered


class _Variables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_variable(self, node: VariableNode, *_: Any) -> None:
        self.names.add(node.name.value)


_VARIABLES_USED: dict[tuple[str, int, int], frozenset[str]] = {}
"""Per operation text, the variables used below its root fields; bounded like the parser cache."""
_VARIABLES_USED_MAX = 1000


def _event_key(executor: GatewayExecutor) -> Hashable | None:
    """What a subscription event's result depends on besides the event: the operation's text and the
    variables its root fields' selections use (not the root fields' arguments: those chose the events).
    None when the text is unknown (a document built without locations)."""
    operation = executor.operation
    if operation.loc is None:
        return None
    text = (operation.loc.source.body, operation.loc.start, operation.loc.end)
    names = _VARIABLES_USED.get(text)
    if names is None:
        names = _variables_below_root(executor)
        if len(_VARIABLES_USED) >= _VARIABLES_USED_MAX:
            _VARIABLES_USED.clear()
        _VARIABLES_USED[text] = names
    values = executor.variable_values.coerced
    return (*text, tuple(sorted((name, repr(values.get(name))) for name in names)))


def _variables_below_root(executor: GatewayExecutor) -> frozenset[str]:
    used = _Variables()
    for selection in executor.operation.selection_set.selections:
        if isinstance(selection, FieldNode):
            for directive in selection.directives or ():
                visit(directive, used)
            if selection.selection_set is not None:
                visit(selection.selection_set, used)
        else:
            visit(selection, used)
    for fragment in executor.fragments.values():
        visit(fragment.definition, used)
    return frozenset(used.names)


def _in_order(grouped_field_set: GroupedFieldSet, done: dict[str, Any], executed: dict[str, Any]) -> dict[str, Any]:
    ordered: dict[str, Any] = {}
    for response_name in grouped_field_set:
        if response_name in done:
            ordered[response_name] = done[response_name]
        elif response_name in executed:
            ordered[response_name] = executed[response_name]
    return ordered
