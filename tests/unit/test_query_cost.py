"""The cost limit: estimated upstream calls of a document, refused above the budget before any call."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from graphql import parse
from pydantic import SecretStr

from adapters.model import Source
from gateway.app import create_app
from gateway.config import GatewayConfig, GatewaySettings
from gateway.schema.cost import CostLimiter
from gateway.upstreams import Upstreams
from tests.conftest import GraphQL
from tests.support.memory_adapter import MemoryAdapter

NESTED = "{ jobs(first: 100) { edges { node { children(first: 10) { totalCount } } } } }"


def estimate(client: TestClient, query: str, variables: dict[str, Any] | None = None, name: str | None = None) -> int:
    limiter = CostLimiter(budget=200, default_page_size=20, max_page_size=100)
    return limiter.estimate(client.app.state.schema._schema, parse(query), name, variables or {})  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("query", "cost"),
    [
        ("{ upstreams { source } }", 0),
        ("{ jobs(first: 5) { totalCount } }", 1),
        ("{ jobs { edges { node { children { totalCount } } } } }", 1 + 20),  # default page size
        (NESTED, 1 + 100),
        # Lists nested under nested lists multiply again.
        (
            "{ jobs(first: 100) { edges { node { children(first: 10) { edges { node { children(first: 5) "
            "{ totalCount } } } } } } } }",
            1 + 100 + 100 * 10,
        ),
        ("{ jobTypes(first: 50) { edges { node { jobs(first: 3) { totalCount } } } } }", 1 + 50),
        # Above the maximum page size execution refuses anyway: cost it as the maximum.
        ("{ jobs(first: 5000) { edges { node { children(first: 1) { totalCount } } } } }", 1 + 100),
        ("{ a: jobs(first: 2) { totalCount } b: jobs(first: 2) { totalCount } }", 2),
        ('{ nodes(ids: ["a", "b", "c"]) { ... on Job { children(first: 4) { totalCount } } } }', 3),
        ("{ jobs(first: 10) { edges { node { statusHistory { job { children { totalCount } } } } } } }", 1 + 10 * 32),
        ("{ jobs(first: 10) { edges { node { jobType { jobs(first: 5) { totalCount } } } } } }", 1 + 10),
        ("{ jobs(first: 10) { edges { node { children @skip(if: true) { totalCount } } } } }", 1),
        ("{ jobs(first: 10) { edges { node { children @include(if: false) { totalCount } } } } }", 1),
        (
            "{ jobs(first: 10) { edges { node { ...Kids } } } }"
            " fragment Kids on Job { a: children { totalCount } b: children(first: 1) { totalCount } }",
            1 + 10 * 2,
        ),
        # Fixed worst cases of fields that call upstreams several times without being connections.
        ("{ jobCounts { count } }", 50),
        ("{ scopes { name } upstreams { scopes } }", 5),
        ("{ jobs(first: 10) { edges { node { logs(first: 5) { totalCount } } } } }", 1 + 10),
        ('{ catalog(source: LEIA, kind: "models") { totalCount } }', 1),
    ],
)
def test_estimate(client: TestClient, query: str, cost: int) -> None:
    assert estimate(client, query) == cost


def test_estimate_reads_variables_and_the_chosen_operation(client: TestClient) -> None:
    doc = (
        "query Big($n: Int, $m: Int, $ids: [ID!]!, $off: Boolean!) {"
        " jobs(first: $n) { edges { node { children(first: $m) @skip(if: $off) { totalCount } } } }"
        " nodes(ids: $ids) { ... on Job { children(first: $m) { totalCount } } } }"
        " query Small { jobs(first: 1) { totalCount } }"
    )
    assert estimate(client, doc, {"n": 30, "m": 5, "ids": ["x", "y"], "off": False}, "Big") == 1 + 30 + 2
    assert estimate(client, doc, {"n": 30, "m": 5, "ids": ["x"], "off": True}, "Big") == 1 + 1
    assert estimate(client, doc, {}, "Small") == 1


def test_too_costly_is_refused_before_any_upstream_call(gql: GraphQL, adapters: dict[Source, MemoryAdapter]) -> None:
    body = gql(
        "{ jobs(first: 100) { edges { node { children(first: 100) { edges { node { "
        "children(first: 100) { totalCount } } } } } } } }"
    )
    assert body.get("data") is None
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 1 + 100 + 100 * 100, "budget": 200}
    assert "10101" in error["message"] and "200" in error["message"]
    assert all(a.calls == [] for a in adapters.values())


def test_same_document_is_judged_by_its_variables(gql: GraphQL) -> None:
    # One validated (and cached) document: the budget still applies per request.
    doc = (
        "query($n: Int) { jobs(first: 99) { edges { node { children(first: $n) { edges { node { "
        "children(first: $n) { totalCount } } } } } } } }"
    )
    assert "errors" not in gql(doc, {"n": 1}), "1 + 99 + 99 calls fit the budget of 200"
    assert gql(doc, {"n": 2})["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert "errors" not in gql(doc, {"n": 1})


def test_invalid_document_keeps_its_own_error(gql: GraphQL) -> None:
    body = gql("{ jobs(first: 100) { edges { node { nope children(first: 100) { totalCount } } } } }")
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_budget_is_configurable(adapters: dict[Source, MemoryAdapter]) -> None:
    settings = GatewaySettings(cursor_secret=SecretStr("s"), max_query_cost=10)
    app = create_app(GatewayConfig(gateway=settings), upstreams=Upstreams(dict(adapters)))
    with TestClient(app) as client:
        small = client.post(
            "/graphql", json={"query": "{ jobs(first: 9) { edges { node { children(first: 1) { totalCount } } } } }"}
        )
        assert "errors" not in small.json()
        big = client.post("/graphql", json={"query": NESTED}).json()
        assert big["errors"][0]["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 101, "budget": 10}
