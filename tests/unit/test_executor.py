"""The gateway's executor answers exactly what graphql-core's answers: data, errors, paths, null propagation."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncGenerator, Hashable
from datetime import UTC, datetime

import pytest
import strawberry
from graphql import ExecutionResult
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.schema.executor import (
    NOT_PREFETCHED,
    SHARED_RESULTS_PER_PAYLOAD,
    GatewayExecutor,
    SharedResults,
    answered_by,
    immutable_node,
)


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Tag:
    name: str  # None on some tags: the error and null propagation come from inside a plain object
    weight: float | None

    @strawberry.field
    async def echo(self) -> str:
        await asyncio.sleep(0)
        return f"echo {self.name}"


@strawberry.type
class Item:
    id: strawberry.ID
    name: str
    colour: Colour
    when: datetime | None
    note: str | None
    must: str  # None on some items: graphql-core's non-null error must come out
    tag: Tag | None
    tags: list[Tag]
    bogus_colour: Colour | None  # holds a value the enum cannot serialize
    solid: Tag  # non-null object

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.name.upper() * times

    @strawberry.field
    async def later(self) -> str:
        await asyncio.sleep(0)
        return f"later {self.name}"

    @strawberry.field
    async def later_tag(self) -> Tag:
        await asyncio.sleep(0)
        return Tag(name=f"t-{self.name}", weight=None)

    @strawberry.field
    def broken(self) -> str | None:
        raise ValueError(f"broken {self.name}")


def _item(n: int, *, must: str | None = "m") -> Item:
    return Item(
        id=strawberry.ID(f"i{n}"),
        name=f"n{n}",
        colour=Colour.RED if n % 2 else Colour.BLUE,
        when=datetime(2026, 11, 2, 12, n, tzinfo=UTC) if n % 3 else None,
        note=None if n % 2 else f"note {n}",
        must=must,  # type: ignore[arg-type]
        tag=Tag(name=None if n == 5 else f"tag{n}", weight=n / 2) if n % 2 else None,  # type: ignore[arg-type]
        solid=Tag(name=None if n == 3 else f"s{n}", weight=None),  # type: ignore[arg-type]
        tags=[Tag(name=f"x{n}{k}", weight=None) for k in range(n % 3)],
        bogus_colour="purple" if n == 4 else None,  # type: ignore[arg-type]
    )


@strawberry.type
class Query:
    @strawberry.field
    def items(self, bad_must: bool = False) -> list[Item]:
        return [_item(n, must=None if bad_must and n == 2 else "m") for n in range(6)]

    @strawberry.field
    def strict_items(self) -> list[Item] | None:
        return [_item(n, must=None if n == 3 else "m") for n in range(5)]

    @strawberry.field
    def one(self) -> Item:
        return _item(7)


STANDARD = strawberry.Schema(query=Query)
OURS = strawberry.Schema(query=Query, execution_context_class=GatewayExecutor)

QUERIES = [
    "{ items { id name colour when note tag { name weight } tags { name } } }",
    "{ items { b: name a: id name ...F } } fragment F on Item { colour note name }",
    "{ items { name shout(times: 2) later laterTag { name weight } } }",
    "{ items { name broken note } }",
    "{ items(badMust: true) { name must } }",
    "{ strictItems { id must } }",
    "{ items { name bogusColour } }",
    "query($s: Boolean!) { items { name @skip(if: $s) note @include(if: $s) id } }",
    "{ one { id tag { name } must __typename } __typename }",
    "{ items { name tag { weight echo } solid { echo weight } } }",
    "{ items { tag { name weight } } }",
    "{ strictItems { id solid { name } } }",
    "{ strictItems { id solid { echo name } } }",
    "{ items { solid { weight } ...on Item { solid { name } } } }",
    # Every field plain: each list is rendered in one loop (the second falls back, item 5's tag has no name).
    "{ items { id name colour when note solid { weight } } }",
    "{ items { id name colour when note tag { name weight } } }",
    "{ items { tags { name } } strictItems { solid { name } } }",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_the_same_answer_as_graphql_core(query: str) -> None:
    variables = {"s": True}
    expected = await STANDARD.execute(query, variable_values=variables)
    got = await OURS.execute(query, variable_values=variables)
    assert got.data == expected.data
    assert list(got.data or {}) == list(expected.data or {})
    if isinstance(expected.data, dict) and isinstance(expected.data.get("items"), list):
        # Key order within each object follows the selection, as graphql-core's does.
        assert [list(i) for i in got.data["items"]] == [list(i) for i in expected.data["items"]]  # type: ignore[index]
    assert [(e.message, e.path) for e in got.errors or []] == [(e.message, e.path) for e in expected.errors or []]


async def test_errors_really_occur_in_the_compared_queries() -> None:
    """The comparison above covers error paths, not only happy ones."""
    broken = await OURS.execute("{ items(badMust: true) { name must } }")
    assert broken.errors and broken.errors[0].path == ["items", 2, "must"]
    assert broken.data is None  # a non-null item in a non-null list: null up to the root
    strict = await OURS.execute("{ strictItems { id must } }")
    assert strict.errors and strict.errors[0].path == ["strictItems", 3, "must"]
    assert strict.data == {"strictItems": None}
    inner = await OURS.execute("{ items { tag { name weight } } }")
    assert inner.errors and inner.errors[0].path == ["items", 5, "tag", "name"]
    assert inner.data is not None and inner.data["items"][5] == {"tag": None}
    solid = await OURS.execute("{ strictItems { id solid { echo name } } }")
    assert solid.errors and solid.errors[0].path == ["strictItems", 3, "solid", "name"]
    assert solid.data == {"strictItems": None}
    bogus = await OURS.execute("{ items { name bogusColour } }")
    assert bogus.errors and bogus.errors[0].path == ["items", 4, "bogusColour"]
    assert bogus.data is not None and bogus.data["items"][4] == {"name": "n4", "bogusColour": None}


async def test_plain_leaves_skip_graphql_cores_field_execution(monkeypatch: pytest.MonkeyPatch) -> None:
    """Otherwise the comparison above would hold trivially."""
    executed: list[tuple[str, list[str]]] = []
    original = StrawberryGraphQLCoreExecutionContext.execute_fields

    def spy(self, parent_type, source_value, path, grouped_field_set, position_context):  # type: ignore[no-untyped-def]
        executed.append((parent_type.name, list(grouped_field_set)))
        return original(self, parent_type, source_value, path, grouped_field_set, position_context)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_fields", spy)
    result = await OURS.execute("{ items { id name colour note later tag { weight } } }")
    assert not result.errors
    assert ("Item", ["later"]) in executed, executed
    assert all(name != "Tag" for name, _ in executed), "a Tag has leaves only"


@strawberry.type
class Box:
    label: str
    known: strawberry.Private[object] = NOT_PREFETCHED
    asked: strawberry.Private[list[str]]

    @strawberry.field
    @answered_by("known")
    def tag(self) -> Tag | None:
        self.asked.append(self.label)
        return Tag(name=f"asked {self.label}", weight=None)


@strawberry.type
class BoxQuery:
    @strawberry.field
    def boxes(self) -> list[Box]:
        return BOXES


BOXES: list[Box] = []


async def test_an_answered_by_attribute_stands_in_for_its_resolver_unless_not_prefetched() -> None:
    asked: list[str] = []
    BOXES[:] = [
        Box(label="a", known=Tag(name="held a", weight=1.0), asked=asked),
        Box(label="b", known=None, asked=asked),
        Box(label="c", asked=asked),
    ]
    schema = strawberry.Schema(query=BoxQuery, execution_context_class=GatewayExecutor)
    result = await schema.execute("{ boxes { label tag { name } } }")
    assert not result.errors
    assert result.data == {
        "boxes": [
            {"label": "a", "tag": {"name": "held a"}},
            {"label": "b", "tag": None},
            {"label": "c", "tag": {"name": "asked c"}},
        ]
    }
    assert asked == ["c"]


async def test_a_list_of_plain_objects_is_rendered_without_graphql_cores_fields(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    executed: list[str] = []
    original = StrawberryGraphQLCoreExecutionContext.execute_fields

    def spy(self, parent_type, source_value, path, grouped_field_set, position_context):  # type: ignore[no-untyped-def]
        executed.append(parent_type.name)
        return original(self, parent_type, source_value, path, grouped_field_set, position_context)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_fields", spy)
    result = await OURS.execute("{ items { id name colour solid { weight } } }")
    assert not result.errors and result.data is not None and len(result.data["items"]) == 6
    assert executed == ["Query"], "only the root field is graphql-core's"


@strawberry.type
class Event(SharedResults):
    id: str
    item: Item
    results: strawberry.Private[dict[Hashable, ExecutionResult]]

    def results_by_operation(self) -> dict[Hashable, ExecutionResult]:
        return self.results


EVENTS: list[Event] = []


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def events(self, tag: str = "") -> AsyncGenerator[Event, None]:
        for event in EVENTS:
            yield event


SUBSCRIBED = strawberry.Schema(query=Query, subscription=Subscription, execution_context_class=GatewayExecutor)


async def _received(query: str, variables: dict[str, object] | None = None) -> list[ExecutionResult]:
    stream = await SUBSCRIBED.subscribe(query, variable_values=variables)
    assert not isinstance(stream, ExecutionResult)
    return [result async for result in stream]  # type: ignore[misc]


async def test_subscribers_with_the_same_operation_share_an_events_result(monkeypatch: pytest.MonkeyPatch) -> None:
    EVENTS[:] = [Event(id=str(n), item=_item(n), results={}) for n in range(3)]
    executions = []
    original = GatewayExecutor.execute_fields

    def spy(self, parent_type, source_value, path, grouped_field_set, position_context):  # type: ignore[no-untyped-def]
        if path is None:
            executions.append(source_value.id)
        return original(self, parent_type, source_value, path, grouped_field_set, position_context)

    monkeypatch.setattr(GatewayExecutor, "execute_fields", spy)
    query = "subscription($tag: String!, $n: Boolean!) { events(tag: $tag) { id item { name note @include(if: $n) } } }"
    first = await _received(query, {"tag": "a", "n": True})
    # Another subscriber: other root arguments, the same selection. Then one whose variables change the selection.
    second = await _received(query, {"tag": "b", "n": True})
    third = await _received(query, {"tag": "a", "n": False})
    assert [r.data for r in first] == [r.data for r in second]
    assert all(a.data is b.data for a, b in zip(first, second, strict=True)), "the same result object"
    assert third[0].data == {"events": {"id": "0", "item": {"name": "n0"}}}
    assert executions == ["0", "1", "2", "0", "1", "2"], "executed for the first and the third subscriber only"


async def test_an_events_result_is_not_shared_where_a_resolver_answers() -> None:
    EVENTS[:] = [Event(id="0", item=_item(1), results={})]
    query = "subscription { events { id item { name later } } }"
    first = await _received(query)
    second = await _received(query)
    assert first[0].data == second[0].data == {"events": {"id": "0", "item": {"name": "n1", "later": "later n1"}}}
    assert first[0].data is not second[0].data
    assert EVENTS[0].results == {}


async def test_a_payload_keeps_results_for_a_few_operations_only() -> None:
    EVENTS[:] = [Event(id="0", item=_item(1), results={})]
    for n in range(SHARED_RESULTS_PER_PAYLOAD + 3):
        received = await _received(f"subscription {{ events {{ id a{n}: id item {{ name }} }} }}")
        assert received[0].data == {"events": {"id": "0", f"a{n}": "0", "item": {"name": "n1"}}}
    assert len(EVENTS[0].results) == SHARED_RESULTS_PER_PAYLOAD


@immutable_node
@strawberry.type
class Shelf:
    label: str
    when: datetime | None
    tag: Tag | None
    must: str  # None on one shelf: its render fails, and graphql-core reports it each time

    @strawberry.field
    def loud(self) -> str:
        return self.label.upper()


SHELVES: list[Shelf] = []


@strawberry.type
class ShelfQuery:
    @strawberry.field
    def shelves(self) -> list[Shelf]:
        return SHELVES

    @strawberry.field
    def items(self) -> list[Item]:
        return ITEMS


ITEMS = [_item(n) for n in range(3)]
SHELVED = strawberry.Schema(query=ShelfQuery, execution_context_class=GatewayExecutor)
SHELVED_STANDARD = strawberry.Schema(query=ShelfQuery)


def _shelf(n: int, label: str | None = None) -> Shelf:
    when = datetime(2026, 11, 24, 12, n, tzinfo=UTC) if n % 2 else None
    return Shelf(label=label or f"s{n}", when=when, tag=Tag(name=f"t{n}", weight=n) if n else None, must="m")


async def _both(query: str, variables: dict[str, object] | None = None) -> ExecutionResult:
    ours = await SHELVED.execute(query, variable_values=variables)
    standard = await SHELVED_STANDARD.execute(query, variable_values=variables)
    assert ours.data == standard.data
    assert [e.formatted for e in ours.errors or []] == [e.formatted for e in standard.errors or []]
    return ours


async def test_an_immutable_node_is_rendered_once_per_selection() -> None:
    SHELVES[:] = [_shelf(n) for n in range(4)]
    query = "{ shelves { label when tag { name weight } } }"
    first, again = await _both(query), await _both(query)
    assert first.data is not None and again.data is not None
    assert all(a is b for a, b in zip(first.data["shelves"], again.data["shelves"], strict=True))
    # Other selections of the same nodes: their own renders, whatever was kept for the first.
    aliased = await _both("{ shelves { when label: when tag { name } } }")
    assert aliased.data is not None and aliased.data["shelves"][1]["label"] == "2026-11-24T12:01:00+00:00"
    for skip in (True, False, True):
        await _both("query($s: Boolean!) { shelves { label @skip(if: $s) when } }", {"s": skip})
    await _both("{ shelves { label loud } }")  # a resolver: graphql-core's, as ever


async def test_another_node_is_rendered_anew_and_a_failing_render_is_not_kept() -> None:
    SHELVES[:] = [_shelf(n) for n in range(3)]
    await _both("{ shelves { label } }")
    SHELVES[1] = _shelf(1, label="relabelled")
    SHELVES[2] = Shelf(label="broken", when=None, tag=None, must=None)  # type: ignore[arg-type]
    for _ in range(2):
        result = await _both("{ shelves { label must } }")
        assert result.errors and result.data is None
    result = await _both("{ shelves { label } }")
    assert result.data == {"shelves": [{"label": "s0"}, {"label": "relabelled"}, {"label": "broken"}]}


async def test_objects_of_other_types_are_rendered_each_time() -> None:
    query = "{ items { id name } }"
    first, again = await _both(query), await _both(query)
    assert first.data is not None and again.data is not None
    assert first.data == again.data and first.data["items"][0] is not again.data["items"][0]


@strawberry.type
class LazyQuery:
    @strawberry.field
    def lazies(self) -> list[Tag]:
        return [Tag(name=str(n), weight=None) for n in range(3)]


async def _delivered(schema: strawberry.Schema, query: str) -> list[object]:
    result = await schema.execute(query)
    parts: list[object] = [getattr(result, "initial_result", result).formatted]
    later = getattr(result, "subsequent_results", None)
    if later is not None:
        parts += [part.formatted async for part in later]
    return parts


async def test_deferred_delivery_is_graphql_cores() -> None:
    config = StrawberryConfig(enable_experimental_incremental_execution=True)
    ours = strawberry.Schema(query=LazyQuery, config=config, execution_context_class=GatewayExecutor)
    standard = strawberry.Schema(query=LazyQuery, config=config)
    query = "{ lazies { name ... @defer { echo } } }"
    delivered = await _delivered(ours, query)
    assert delivered == await _delivered(standard, query)
    assert len(delivered) > 1 and "echo 2" in repr(delivered)
