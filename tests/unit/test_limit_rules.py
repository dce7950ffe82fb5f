"""``gateway.schema.limit_rules``: the token cap and the depth, alias and introspection rules still hold,
and nothing of them stays entered for the life of an operation (a held subscription)."""

from __future__ import annotations

import pytest
import strawberry
from strawberry.extensions import SchemaExtension

from gateway.schema.build import SchemaLimits, build_schema
from gateway.schema.limit_rules import LimitRules

LIMITS = SchemaLimits(max_depth=3, max_aliases=2, max_tokens=60, introspection=False)


@pytest.fixture(scope="module")
def schema() -> strawberry.Schema:
    return build_schema(LIMITS)


async def messages(schema: strawberry.Schema, query: str) -> list[str]:
    result = await schema.execute(query)
    return [e.message for e in result.errors or ()]


async def test_depth(schema: strawberry.Schema) -> None:
    deep = "{ jobs(first: 1) { edges { node { jobType { name } } } } }"
    assert await messages(schema, deep) == ["'anonymous' exceeds maximum operation depth of 3"]


async def test_aliases(schema: strawberry.Schema) -> None:
    aliased = "{ a: __typename b: __typename c: __typename }"
    assert await messages(schema, aliased) == ["3 aliases found. Allowed: 2"]


async def test_tokens(schema: strawberry.Schema) -> None:
    long = "{ " + " ".join("__typename" for _ in range(80)) + " }"
    assert await messages(schema, long) == ["Syntax Error: Document contains more than 60 tokens. Parsing aborted."]


async def test_introspection_off(schema: strawberry.Schema) -> None:
    found = await messages(schema, "{ __schema { queryType { name } } }")
    assert found
    assert all(m.startswith("GraphQL introspection has been disabled") for m in found)


async def test_a_plain_query_passes(schema: strawberry.Schema) -> None:
    assert await messages(schema, "{ __typename }") == []


def test_no_operation_hook() -> None:
    assert LimitRules.on_operation is SchemaExtension.on_operation


def test_operations_share_one_rules_tuple() -> None:
    from types import SimpleNamespace

    from graphql import specified_rules
    from graphql.validation import NoSchemaIntrospectionCustomRule

    limits = LimitRules(100, [NoSchemaIntrospectionCustomRule])
    seen = []
    for _ in range(2):
        ctx = SimpleNamespace(parse_options={}, validation_rules=specified_rules)
        limits.execution_context = ctx  # type: ignore[assignment]
        for _ in limits.on_parse():
            pass
        assert ctx.parse_options == {"max_tokens": 100}
        assert ctx.validation_rules == (*specified_rules, NoSchemaIntrospectionCustomRule)
        seen.append(ctx.validation_rules)
    assert seen[0] is seen[1]
