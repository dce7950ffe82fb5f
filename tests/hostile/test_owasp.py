"""The OWASP GraphQL cheat sheet's attacks against the gateway: each is refused with a code, none costs a 500.

Introspection, depth, aliases, duplicated fields, batching, fragment cycles,
directives, huge strings, query cost, GET mutations (CSRF), content types,
malformed request members, error verbosity, WebSocket protocol abuse.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from tests.hostile.conftest import assert_safe, codes, hostile_config, memory_upstreams, post

GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture(scope="module")
def closed() -> Iterator[TestClient]:
    """A gateway with introspection off and client tokens required."""
    config = hostile_config(introspection=False, client_tokens=("hostile-client-token",))
    with TestClient(create_app(config, upstreams=memory_upstreams())) as client:
        client.headers["authorization"] = "Bearer hostile-client-token"
        yield client


# --- introspection -----------------------------------------------------------------------

INTROSPECTION = {
    "schema": "{ __schema { types { name } } }",
    "type": '{ __type(name: "Job") { fields { name } } }',
    "in-fragment": "{ ...F } fragment F on Query { __schema { queryType { name } } }",
    "aliased": "{ s: __schema { queryType { name } } }",
    "nested-in-field": "{ jobs(first: 1) { edges { node { __type: id } } } __schema { directives { name } } }",
}


@pytest.mark.parametrize("name", INTROSPECTION)
def test_introspection_is_refused_when_disabled(closed: TestClient, name: str) -> None:
    body = post(closed, INTROSPECTION[name])
    assert codes(body) == {"GRAPHQL_VALIDATION_FAILED"} and "data" not in body


def test_typename_still_answers_when_introspection_is_disabled(closed: TestClient) -> None:
    assert post(closed, "{ __typename }") == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    "typo",
    [
        "{ job { id } }",
        "{ jobs(first: 1) { edges { node { stauts } } } }",
        "{ upstream { source } }",
        "{ jobs(frist: 1) { totalCount } }",
        "{ jobs(filter: {statuses: [RUNING]}) { totalCount } }",
        "query($f: JobFiltre) { jobs(filter: $f) { totalCount } }",
    ],
)
def test_no_field_suggestions_leak_the_schema_when_introspection_is_disabled(closed: TestClient, typo: str) -> None:
    body = post(closed, typo)
    assert codes(body) == {"GRAPHQL_VALIDATION_FAILED"}
    assert all("Did you mean" not in e["message"] for e in body["errors"]), body


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong", "Basic aG9zdGlsZS1jbGllbnQtdG9rZW4=", "Bearer " + "x" * 8000, "bearer"]
)
def test_without_the_client_token_nothing_is_answered(closed: TestClient, authorization: str | None) -> None:
    headers = {"authorization": authorization} if authorization is not None else {}
    with TestClient(closed.app) as bare:
        response = bare.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
    assert response.status_code == 401 and codes(assert_safe(response)) == {"UNAUTHENTICATED"}


# --- depth, aliases, duplication, directives, fragments ----------------------------------


def _nested(depth: int) -> str:
    inner = "id"
    for _ in range(depth):
        inner = f"children(first: 1) {{ edges {{ node {{ {inner} }} }} }}"
    return f"{{ jobs(first: 1) {{ edges {{ node {{ {inner} }} }} }} }}"


ABUSE = {
    "depth-20": _nested(6),
    "depth-via-fragments": (
        "{ jobs(first: 1) { edges { node { ...A } } } }"
        " fragment A on Job { children(first: 1) { edges { node { ...B } } } }"
        " fragment B on Job { children(first: 1) { edges { node { ...C } } } }"
        " fragment C on Job { children(first: 1) { edges { node { ...D } } } }"
        " fragment D on Job { children(first: 1) { edges { node { id } } } }"
    ),
    "aliases-31": "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }",
    "aliases-1000": "{ " + " ".join(f"a{i}: upstreams {{ source }}" for i in range(1000)) + " }",
    "aliased-connections": "{ "
    + " ".join(
        f"a{i}: jobs(first: 100) {{ edges {{ node {{ children(first: 5) {{ totalCount }} }} }} }}" for i in range(10)
    )
    + " }",
    "duplicated-fields": "{ upstreams { " + "source " * 3000 + "} }",
    "include-directives": "{ __typename" + " @include(if: true)" * 1500 + " }",
    "unknown-directives": "{ __typename" + " @x" * 500 + " }",
    "repeated-skip": "{ __typename @skip(if: false) @skip(if: false) }",
    "fragment-cycle": "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
    "fragment-self": "{ ...A } fragment A on Query { __typename ...A }",
    "fragment-cycle-nested": (
        "{ jobs(first: 1) { edges { node { ...J } } } }"
        " fragment J on Job { parent { ...K } } fragment K on Job { children { edges { node { ...J } } } }"
    ),
    "unused-fragments": "{ __typename } " + " ".join(f"fragment F{i} on Query {{ __typename }}" for i in range(200)),
    "cost-nested-pagination": (
        "{ jobs(first: 100) { edges { node { children(first: 100) { edges { node { children(first: 100)"
        " { edges { node { id } } } } } } } } } }"
    ),
    "cost-type-jobs-children": (
        "{ jobTypes(first: 100) { edges { node { jobs(first: 100) { edges { node { children(first: 100)"
        " { totalCount } } } } } } } }"
    ),
    "cost-via-variables": "query($n: Int) { jobs(first: $n) { edges { node { children(first: $n) { edges { node { children(first: $n) { totalCount } } } } } } } }",
    "nodes-100-nested": "{ nodes(ids: ["
    + ", ".join(['"x"'] * 100)
    + "]) { ... on Job { children(first: 100) { edges { node { children(first: 100) { totalCount } } } } } } }",
    "huge-string-argument": '{ jobs(filter: {scopes: ["' + "s" * 40_000 + '"]}) { totalCount } }',
    "long-document": "{ __typename " + "# padding\n" * 4000 + "}",
    "syntax-error": "{ jobs(first: ) }",
    "unterminated-string": '{ node(id: "abc) { id } }',
    "invalid-escape": '{ node(id: "\\uZZZZ") { id } }',
    "lone-surrogate": '{ node(id: "\\ud800") { id } }',
    "null-byte-in-name": "{ jobs\u0000 { totalCount } }",
    "two-anonymous-operations": "{ __typename } { __typename }",
    "mutation-without-selection": "mutation { cancelJob }",
    "unknown-type-condition": "{ jobs(first: 1) { edges { node { ... on Nope { id } } } } }",
    "wrong-argument-type": '{ jobs(first: "ten") { totalCount } }',
    "unknown-enum": "{ jobs(filter: {statuses: [EXPLODED]}) { totalCount } }",
    "variable-type-mismatch": "query($f: Int) { jobs(filter: $f) { totalCount } }",
}

REFUSED = {"GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT", "QUERY_TOO_COSTLY", "GRAPHQL_PARSE_FAILED"}


@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_RESPONSE])
@pytest.mark.parametrize("name", ABUSE)
def test_an_abusive_document_is_refused_before_execution(hostile: TestClient, name: str, accept: str) -> None:
    variables = {"n": 100} if "$n" in ABUSE[name] else {}
    response = hostile.post("/graphql", json={"query": ABUSE[name], "variables": variables}, headers={"accept": accept})
    assert response.status_code in ((200,) if accept == "application/json" else (400,)), response.text[:300]
    body = assert_safe(response)
    assert body is not None and "data" not in body, body
    assert codes(body) and codes(body) <= REFUSED, body


# --- batching, members of the request object ---------------------------------------------

MALFORMED_REQUESTS: dict[str, Any] = {
    "batch-of-two": [{"query": "{ __typename }"}, {"query": "{ __typename }"}],
    "batch-of-1000": [{"query": "{ upstreams { source } }"}] * 1000,
    "empty-batch": [],
    "no-query": {"variables": {}},
    "query-null": {"query": None},
    "query-number": {"query": 123},
    "query-list": {"query": ["{ __typename }"]},
    "query-object": {"query": {"a": 1}},
    "variables-string": {"query": "{ __typename }", "variables": "not an object"},
    "variables-list": {"query": "{ __typename }", "variables": [1, 2]},
    "operation-name-number": {"query": "{ __typename }", "operationName": 5},
    "operation-name-missing": {"query": "query A { __typename }", "operationName": "B"},
    "extensions-string": {"query": "{ __typename }", "extensions": "x"},
    "persisted-query-hash": {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
    "huge-variable-string": {
        "query": "query($s: String) { jobs(after: $s) { totalCount } }",
        "variables": {"s": "x" * 900_000},
    },
    "variable-wrong-type": {"query": "query($n: Int) { jobs(first: $n) { totalCount } }", "variables": {"n": "many"}},
    "variable-int-overflow": {"query": "query($n: Int) { jobs(first: $n) { totalCount } }", "variables": {"n": 2**64}},
    "variable-float-nan": {"query": "query($n: Int) { jobs(first: $n) { totalCount } }", "variables": {"n": 1e308}},
    "undeclared-variable": {"query": "{ jobs(first: $n) { totalCount } }", "variables": {"n": 1}},
}


@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_RESPONSE])
@pytest.mark.parametrize("name", MALFORMED_REQUESTS)
def test_a_malformed_request_object_is_a_coded_4xx_or_request_error(
    hostile: TestClient, name: str, accept: str
) -> None:
    response = hostile.post("/graphql", json=MALFORMED_REQUESTS[name], headers={"accept": accept})
    body = assert_safe(response)
    # Refused before execution (no "data"), or, for a value only a resolver can judge, data null.
    assert body is not None and not body.get("data") and codes(body), (response.status_code, body)
    if accept == GRAPHQL_RESPONSE and "data" not in body:
        assert 400 <= response.status_code < 500


# --- CSRF: GET mutations, content types --------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"query": 'mutation { cancelJob(input: {id: "x"}) { errors { code } } }'},
        {
            "query": 'query Q { __typename } mutation M { cancelJob(input: {id: "x"}) { errors { code } } }',
            "operationName": "M",
        },
        {"query": "mutation { __typename }"},
        {"query": "{ __typename }", "variables": "{not json"},
        {"query": "{ __typename }", "variables": "[1]"},
    ],
)
def test_get_never_runs_a_mutation(hostile: TestClient, params: dict[str, str]) -> None:
    response = hostile.get("/graphql", params=params, headers={"accept": "application/json"})
    assert 400 <= response.status_code < 500 and response.status_code != 404, response.text
    assert_safe(response)


CONTENT_TYPES = {
    "text-plain": ("text/plain", b'{"query": "{ __typename }"}'),
    "form-urlencoded": ("application/x-www-form-urlencoded", b"query=%7B__typename%7D"),
    "multipart": (
        "multipart/form-data; boundary=x",
        b'--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query": "mutation { __typename }"}\r\n--x--\r\n',
    ),
    "xml": ("application/xml", b"<query>{ __typename }</query>"),
    "missing": (None, b'{"query": "{ __typename }"}'),
    "json-with-junk-parameter": ("application/json; boundary=<script>", b'{"query": "{ __typename }"}'),
    "json-latin1": ("application/json; charset=latin-1", b'{"query": "{ __typename }", "x": "\xe9"}'),
    "graphql-body": ("application/graphql", b"{ __typename }"),
}


@pytest.mark.parametrize("name", CONTENT_TYPES)
def test_a_non_json_content_type_never_runs_an_operation(hostile: TestClient, name: str) -> None:
    content_type, body = CONTENT_TYPES[name]
    headers = {"content-type": content_type} if content_type is not None else {}
    response = hostile.post("/graphql", content=body, headers=headers)
    payload = assert_safe(response)
    if name == "json-with-junk-parameter":
        assert response.status_code == 200 and payload == {"data": {"__typename": "Query"}}
    else:
        # Only JSON bodies are read: a browser can send the others cross-site without a preflight.
        assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_not_allowed(hostile: TestClient, method: str) -> None:
    response = hostile.request(method, "/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 405
    assert_safe(response)


# --- WebSocket protocol abuse ------------------------------------------------------------

WS_ABUSE: dict[str, list[Any]] = {
    "message-a-list": [{"type": "connection_init"}, [1, 2]],
    "message-a-number": [{"type": "connection_init"}, 5],
    "message-nested-deeply": [{"type": "connection_init"}, "[" * 5000],
    "message-invalid-utf8-escape": [{"type": "connection_init"}, '{"type": "\\ud800"}'],
    "subscribe-without-id": [
        {"type": "connection_init"},
        {"type": "subscribe", "payload": {"query": "{ __typename }"}},
    ],
    "subscribe-numeric-id": [
        {"type": "connection_init"},
        {"type": "subscribe", "id": 1, "payload": {"query": "{ __typename }"}},
    ],
    "query-not-a-string": [{"type": "connection_init"}, {"type": "subscribe", "id": "1", "payload": {"query": 5}}],
    "variables-a-string": [
        {"type": "connection_init"},
        {"type": "subscribe", "id": "1", "payload": {"query": "{ __typename }", "variables": "x"}},
    ],
    "subscribe-before-init": [
        {"type": "subscribe", "id": "1", "payload": {"query": "subscription { jobStatusChanged { id } }"}}
    ],
    "init-twice": [{"type": "connection_init"}, {"type": "connection_init"}],
    "not-json": ["{nope"],
    "unknown-type": [{"type": "connection_init"}, {"type": "explode"}],
    "payload-not-object": [{"type": "connection_init"}, {"type": "subscribe", "id": "1", "payload": "x"}],
    "duplicate-ids": [
        {"type": "connection_init"},
        {"type": "subscribe", "id": "1", "payload": {"query": "subscription { jobStatusChanged { id } }"}},
        {"type": "subscribe", "id": "1", "payload": {"query": "subscription { jobStatusChanged { id } }"}},
    ],
    "query-over-ws-with-bad-id": [
        {"type": "connection_init"},
        {"type": "subscribe", "id": "1", "payload": {"query": '{ node(id: "garbage") { id } }'}},
    ],
}


@pytest.mark.parametrize("name", WS_ABUSE)
def test_websocket_protocol_abuse_closes_or_answers_with_a_code(hostile: TestClient, name: str) -> None:
    received: list[Any] = []
    closed_with: int | None = None
    with hostile.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        for message in WS_ABUSE[name]:
            ws.send_text(message if isinstance(message, str) else json.dumps(message))
        ws.send_text(json.dumps({"type": "ping"}))
        try:
            while True:
                message = ws.receive()
                if message["type"] == "websocket.close":
                    closed_with = message.get("code")
                    break
                received.append(json.loads(message["text"]))
                if received[-1]["type"] in ("pong", "complete"):
                    break
        except Exception as exc:  # the server closed the socket: that is an answer too
            closed_with = getattr(exc, "code", None)
    text = json.dumps(received)
    assert "Traceback" not in text and '.py"' not in text
    for message in received:
        if message["type"] == "next" and "errors" in message["payload"]:
            assert codes(message["payload"])
    if name != "query-over-ws-with-bad-id":
        assert closed_with is not None and 4400 <= closed_with < 4500, (closed_with, received)
    else:
        assert any(m["type"] == "next" and codes(m["payload"]) == {"BAD_USER_INPUT"} for m in received), received


LEGACY_ABUSE: dict[str, list[Any]] = {
    "no-type": [{}],
    "message-a-list": [[1]],
    "start-without-payload": [{"type": "connection_init"}, {"type": "start", "id": "1"}],
    "start-payload-string": [{"type": "connection_init"}, {"type": "start", "id": "1", "payload": "x"}],
    "stop-without-id": [{"type": "connection_init"}, {"type": "stop"}],
}


@pytest.mark.parametrize("name", LEGACY_ABUSE)
def test_legacy_graphql_ws_abuse_closes_the_connection(hostile: TestClient, name: str) -> None:
    with hostile.websocket_connect("/graphql", subprotocols=["graphql-ws"]) as ws:
        for message in LEGACY_ABUSE[name]:
            ws.send_text(json.dumps(message))
        while True:
            message = ws.receive()
            if message["type"] == "websocket.close":
                break
            assert "Traceback" not in message.get("text", "")
    assert message["code"] == 4400
