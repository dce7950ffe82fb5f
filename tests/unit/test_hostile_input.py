"""Hostile clients: oversized and malformed requests get a 4xx or a coded GraphQL error, never a 500."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.model import JobStatus, Source
from gateway.app import create_app
from gateway.config import GatewayConfig, GatewaySettings
from gateway.http_view import SUBSCRIPTION_NEEDS_A_STREAM
from gateway.schema.extensions import MAX_QUERY_CHARS, MAX_VARIABLE_VALUES
from gateway.schema.inputs import MAX_FILTER_ITEMS
from gateway.upstreams import Upstreams
from tests.support.memory_adapter import MemoryAdapter

GRAPHQL_RESPONSE = "application/graphql-response+json"
LIMIT = 4096


@pytest.fixture
def small(adapters: dict[Source, MemoryAdapter]) -> Iterator[TestClient]:
    """A gateway with a 4 KiB body and query-string limit, to keep the test bodies small."""
    settings = GatewaySettings(max_body_bytes=LIMIT, max_query_string_bytes=LIMIT)
    with TestClient(create_app(GatewayConfig(gateway=settings), upstreams=Upstreams(dict(adapters)))) as c:
        yield c


def _error(response: Any) -> dict[str, Any]:
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    error: dict[str, Any] = errors[0]
    return error


def test_a_declared_body_over_the_limit_is_refused_unread(small: TestClient) -> None:
    body = b'{"query": "{ __typename }", "pad": "' + b"x" * LIMIT + b'"}'
    r = small.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert _error(r)["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert str(LIMIT) in _error(r)["message"]


def test_a_chunked_body_is_counted_as_it_streams(small: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):  # 100 KiB offered, no Content-Length
            yield b" " * 1024

    r = small.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and _error(r)["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


def test_a_body_within_the_limit_goes_through(small: TestClient) -> None:
    pad = " " * (LIMIT - 100)
    body = f'{{"query": "{{ __typename }}"{pad}}}'.encode()
    r = small.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json() == {"data": {"__typename": "Query"}}


def test_the_webhooks_route_is_limited_too(small: TestClient) -> None:
    r = small.post("/webhooks/leia/some-token", content=b"x" * (LIMIT + 1))
    assert r.status_code == 413


def test_a_long_query_string_is_refused(small: TestClient) -> None:
    query = "{ __typename }" + " " * LIMIT
    r = small.get("/graphql", params={"query": query}, headers={"accept": "application/json"})
    assert r.status_code == 414 and _error(r)["extensions"]["code"] == "URI_TOO_LONG"
    assert small.get("/graphql", params={"query": "{ __typename }"}).json() == {"data": {"__typename": "Query"}}


def test_the_default_limit_is_one_mebibyte() -> None:
    assert GatewaySettings().max_body_bytes == 1 << 20


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"null", "JSON object"),
        (b'"hello"', "JSON object"),
        (b"123", "JSON object"),
        (b"true", "JSON object"),
        (b'{"query": "\xff"}', "UTF-8"),
        (b"[" * 100_000, "values"),
        (b"[" * 5_000, "nested too deeply"),
        (b"[" + b"[]," * 40_000 + b"[]]", "values"),
    ],
)
def test_bodies_that_are_no_graphql_request_get_400(client: TestClient, body: bytes, says: str) -> None:
    for accept in ("application/json", GRAPHQL_RESPONSE):
        r = client.post("/graphql", content=body, headers={"content-type": "application/json", "accept": accept})
        assert r.status_code == 400, r.text
        assert says in _error(r)["message"] and _error(r)["extensions"]["code"] == "BAD_REQUEST"


def test_a_long_document_is_refused_before_parsing(client: TestClient) -> None:
    query = "{ __typename " + "#" * MAX_QUERY_CHARS + "\n}"
    r = client.post("/graphql", json={"query": query}, headers={"accept": GRAPHQL_RESPONSE})
    assert r.status_code == 400
    assert _error(r)["extensions"]["code"] == "BAD_USER_INPUT" and str(MAX_QUERY_CHARS) in _error(r)["message"]


def test_oversized_variables_are_refused_before_coercion(client: TestClient) -> None:
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    r = client.post(
        "/graphql",
        json={"query": query, "variables": {"ids": ["x"] * (MAX_VARIABLE_VALUES + 1)}},
        headers={"accept": GRAPHQL_RESPONSE},
    )
    assert r.status_code == 400 and "data" not in r.json()
    assert _error(r)["extensions"]["code"] == "BAD_USER_INPUT" and "split the request" in _error(r)["message"]
    deep: object = []
    for _ in range(40):
        deep = [deep]
    r = client.post("/graphql", json={"query": "{ __typename }", "variables": {"x": deep}})
    assert "nest deeper" in _error(r)["message"]
    # Within the bound, the argument's own maximum speaks.
    r = client.post("/graphql", json={"query": query, "variables": {"ids": ["x"] * 101}})
    assert "at most 100 ids" in _error(r)["message"]


@pytest.mark.parametrize(
    "field",
    ["sources: [SCALE]", "statuses: [FAILED]", 'scopes: ["s1"]', 'jobTypeIds: ["x"]'],
)
def test_filter_lists_have_a_maximum(gql: Any, field: str) -> None:
    name, _, value = field.partition(": ")
    many = "[" + ", ".join([value.strip("[]")] * (MAX_FILTER_ITEMS + 1)) + "]"
    body = gql(f"{{ jobs(filter: {{{name}: {many}}}) {{ totalCount }} }}")
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == f"filter.{name}: at most {MAX_FILTER_ITEMS} values (got {MAX_FILTER_ITEMS + 1})"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ('{ jobs(filter: {createdAfter: "2026-01-01T00:00:00"}) { totalCount } }', "createdAfter"),
        ('{ jobs(filter: {updatedBefore: "2026-01-01T10:00:00"}) { totalCount } }', "updatedBefore"),
        ('{ ingestRuns(filter: {startedAfter: "2026-01-01T00:00:00"}) { totalCount } }', "startedAfter"),
    ],
)
def test_a_date_time_without_a_zone_is_refused_naming_the_field(gql: Any, query: str, field: str) -> None:
    error = gql(query)["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith(f"filter.{field}: give a time zone")
    zoned = query.replace(':00"', ':00Z"', 1)
    assert "errors" not in gql(zoned)


def test_first_zero_answers_the_total_only(gql: Any, adapters: dict[Source, MemoryAdapter]) -> None:
    body = gql(
        "{ jobs(first: 0, filter: {sources: [SCALE, LEIA]}) { totalCount edges { cursor } pageInfo { hasNextPage } } }"
    )
    assert body["data"]["jobs"] == {"totalCount": 37 + 23, "edges": [], "pageInfo": {"hasNextPage": True}}


def test_a_subscription_over_plain_http_says_how_to_subscribe(client: TestClient) -> None:
    query = {"query": "subscription { jobStatusChanged { id } }"}
    for accept in ("application/json", GRAPHQL_RESPONSE):
        r = client.post("/graphql", json=query, headers={"accept": accept})
        assert r.status_code == 400 and _error(r)["message"] == SUBSCRIPTION_NEEDS_A_STREAM
    r = client.get("/graphql", params=query, headers={"accept": "application/json"})
    assert r.status_code == 400 and _error(r)["message"] == SUBSCRIPTION_NEEDS_A_STREAM


def _subscribe(ws: Any, query: str, sub_id: str = "1") -> None:
    ws.send_json({"type": "subscribe", "id": sub_id, "payload": {"query": query}})


def test_subscription_argument_errors_are_coded(client: TestClient) -> None:
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init"})
        ws.receive_json()
        _subscribe(ws, 'subscription { jobStatusChanged(since: "' + "9" * 5000 + '") { id } }')
        error = ws.receive_json()["payload"]["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["message"].startswith("since: must be")
        assert ws.receive_json()["type"] == "complete"
        _subscribe(ws, "subscription { x", "2")  # a syntax error is answered, not dropped
        answer = ws.receive_json()
        assert answer["type"] == "error" and "Syntax Error" in answer["payload"][0]["message"]


def test_a_subscription_without_arguments_watches_every_job(
    client: TestClient, adapters: dict[Source, MemoryAdapter]
) -> None:
    scale = adapters[Source.SCALE]
    job = next(j for j in scale.jobs if j.status is JobStatus.RUNNING)

    def finish() -> None:
        time.sleep(0.3)
        scale.jobs = [dataclasses.replace(j, status=JobStatus.SUCCEEDED) if j == job else j for j in scale.jobs]

    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init"})
        ws.receive_json()
        _subscribe(ws, "subscription { jobStatusChanged { status job { nativeId } } }")
        threading.Thread(target=finish, daemon=True).start()
        message = ws.receive_json()
        assert message["type"] == "next", message
        event = message["payload"]["data"]["jobStatusChanged"]
        assert event == {"status": "SUCCEEDED", "job": {"nativeId": job.native_id}}
