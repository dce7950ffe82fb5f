"""The issue's findings, replayed: each hostile request gets a 4xx or a coded GraphQL error, never a 500.

In-process over memory adapters for what the gateway decides alone (bodies,
filters, paging, ids, cursors, subscriptions); on the loopback stack for what
needs a real upstream (Leia's client ``callbackUrl``, forged webhook POSTs).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from adapters.model import Source
from gateway.app import create_app
from gateway.config import GatewayConfig, GatewaySettings
from gateway.ids import encode_id
from tests.hostile.conftest import assert_safe, check_errors, codes, memory_upstreams, post
from tests.support.stack import Stack

GRAPHQL_RESPONSE = "application/graphql-response+json"
ACCEPTS = ("application/json", GRAPHQL_RESPONSE)


# --- request bodies ----------------------------------------------------------------------

TEN_MB = b'{"query": "{ __typename }", "pad": "' + b"x" * (10 << 20) + b'"}'
TWO_MILLION_ITEMS = (
    b'{"query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", "variables": {"ids": ['
    + b",".join([b'"x"'] * 2_000_000)
    + b"]}}"
)

BODIES = {
    "null": (b"null", 400),
    "string": (b'"hello"', 400),
    "number": (b"123", 400),
    "boolean": (b"true", 400),
    "invalid-utf8": (b'{"query": "\xff\xfe"}', 400),
    "brackets-100k": (b"[" * 100_000, 400),
    "ten-megabytes": (TEN_MB, 413),
    "two-million-item-variable": (TWO_MILLION_ITEMS, 413),
    "empty": (b"", 400),
    "truncated-json": (b'{"query": "{ __typename }"', 400),
}


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("name", BODIES)
def test_a_body_that_is_no_graphql_request_gets_a_coded_4xx(hostile: TestClient, name: str, accept: str) -> None:
    body, status = BODIES[name]
    response = hostile.post("/graphql", content=body, headers={"content-type": "application/json", "accept": accept})
    assert response.status_code == status, response.text[:300]
    assert codes(assert_safe(response)) <= {"BAD_REQUEST", "PAYLOAD_TOO_LARGE"}


# --- date-times without a zone, in every filter field ------------------------------------

ZONED_FIELDS = [
    ("jobs", "createdAfter"),
    ("jobs", "createdBefore"),
    ("jobs", "updatedAfter"),
    ("jobs", "updatedBefore"),
    ("ingestRuns", "startedAfter"),
    ("ingestRuns", "startedBefore"),
]


@pytest.mark.parametrize(("connection", "field"), ZONED_FIELDS)
@pytest.mark.parametrize("via", ["literal", "variable"])
def test_a_date_time_without_a_zone_is_refused_naming_the_field(
    hostile: TestClient, connection: str, field: str, via: str
) -> None:
    naive = "2026-01-01T00:00:00"
    filter_type = "JobFilter" if connection == "jobs" else "IngestRunFilter"
    if via == "literal":
        body = post(hostile, f'{{ {connection}(filter: {{{field}: "{naive}"}}) {{ totalCount }} }}')
    else:
        query = f"query($f: {filter_type}) {{ {connection}(filter: $f) {{ totalCount }} }}"
        body = post(hostile, query, {"f": {field: naive}})
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith(f"filter.{field}: give a time zone")


@pytest.mark.parametrize("field", [f for c, f in ZONED_FIELDS if c == "jobs"])
def test_a_subscription_filter_without_a_zone_is_refused_naming_the_field(hostile: TestClient, field: str) -> None:
    error = _first_subscription_error(
        hostile, f'subscription {{ jobStatusChanged(filter: {{{field}: "2026-01-01T00:00"}}) {{ id }} }}'
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["message"].startswith(f"filter.{field}:")


# --- subscriptions -----------------------------------------------------------------------


def _ws(client: TestClient) -> Any:
    return client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"])


def _first_subscription_error(client: TestClient, query: str) -> dict[str, Any]:
    with _ws(client) as ws:
        ws.send_json({"type": "connection_init"})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": query}})
        message = ws.receive_json()
    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    check_errors(errors)
    error: dict[str, Any] = errors[0]
    return error


@pytest.mark.parametrize("since", ["9" * 5000, "-1", "abc", "1e999", "0x10", " 7", "💥"])
def test_a_since_that_is_no_event_id_is_refused(hostile: TestClient, since: str) -> None:
    query = "subscription($s: String) { jobStatusChanged(since: $s) { id } }"
    with _ws(hostile) as ws:
        ws.send_json({"type": "connection_init"})
        ws.receive_json()
        ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": query, "variables": {"s": since}}})
        message = ws.receive_json()
    check_errors(message["payload"]["errors"])
    assert message["payload"]["errors"][0]["message"].startswith("since: must be")


def test_a_since_of_5000_digits_over_sse_is_refused_in_the_stream(hostile: TestClient) -> None:
    query = 'subscription { jobStatusChanged(since: "' + "9" * 5000 + '") { id } }'
    response = hostile.post("/graphql", json={"query": query}, headers={"accept": "text/event-stream"})
    assert response.status_code == 200
    frames = [
        json.loads(line[5:]) for line in response.text.splitlines() if line.startswith("data:") and line[5:].strip()
    ]
    errors = [e for frame in frames for e in frame.get("errors", [])]
    check_errors(errors)
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    ("method", "accept"), [("POST", "application/json"), ("POST", GRAPHQL_RESPONSE), ("GET", "application/json")]
)
def test_a_subscription_as_a_plain_query_says_how_to_subscribe(hostile: TestClient, method: str, accept: str) -> None:
    query = {"query": "subscription { jobStatusChanged { id } }"}
    if method == "POST":
        response = hostile.post("/graphql", json=query, headers={"accept": accept})
    else:
        response = hostile.get("/graphql", params=query, headers={"accept": accept})
    assert response.status_code == 400
    assert "subscriptions need a stream" in response.json()["errors"][0]["message"]
    assert_safe(response)


def test_a_subscription_picked_by_operation_name_from_a_mixed_document_is_refused_too(hostile: TestClient) -> None:
    document = "query Q { __typename } subscription S { jobStatusChanged { id } }"
    response = hostile.post("/graphql", json={"query": document, "operationName": "S"})
    assert response.status_code == 400 and "subscriptions need a stream" in response.text
    assert_safe(response)


def test_job_status_changed_without_arguments_is_a_subscription_not_an_error(hostile: TestClient) -> None:
    with _ws(hostile) as ws:
        ws.send_json({"type": "connection_init"})
        ws.receive_json()
        ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": "subscription { jobStatusChanged { id } }"}})
        ws.send_json({"type": "ping"})
        # Nothing came before the pong: no error, no completion; the watch is open.
        assert ws.receive_json() == {"type": "pong"}
        ws.send_json({"type": "complete", "id": "1"})


# --- paging arguments --------------------------------------------------------------------

CONNECTIONS = ["jobs", "jobTypes", "ingestRuns"]


@pytest.mark.parametrize("connection", CONNECTIONS)
@pytest.mark.parametrize(
    ("first", "expect"),
    [
        ("0", None),
        ("-1", "BAD_USER_INPUT"),
        ("1001", "BAD_USER_INPUT"),
        ("2147483647", "BAD_USER_INPUT"),
        ("2147483648", "GRAPHQL_VALIDATION_FAILED"),
        ("1.5", "GRAPHQL_VALIDATION_FAILED"),
    ],
)
def test_first_out_of_range_is_refused_and_zero_is_a_count(
    hostile: TestClient, connection: str, first: str, expect: str | None
) -> None:
    body = post(hostile, f"{{ {connection}(first: {first}) {{ edges {{ cursor }} pageInfo {{ hasNextPage }} }} }}")
    if expect is None:
        assert "errors" not in body and body["data"][connection]["edges"] == []
    else:
        assert codes(body) == {expect}


@pytest.mark.parametrize("connection", CONNECTIONS)
def test_backward_paging_is_refused_with_a_reason(hostile: TestClient, connection: str) -> None:
    body = post(hostile, f"{{ {connection}(last: 5) {{ edges {{ cursor }} }} }}")
    assert codes(body) == {"BAD_USER_INPUT"}


# --- cursors -----------------------------------------------------------------------------


def _end_cursor(client: TestClient, connection: str = "jobs", args: str = "first: 2") -> str:
    body = post(client, f"{{ {connection}({args}) {{ pageInfo {{ endCursor }} }} }}")
    cursor: str = body["data"][connection]["pageInfo"]["endCursor"]
    return cursor


@pytest.fixture(scope="module")
def foreign_cursor() -> Iterator[str]:
    """A genuine cursor of another deployment: same data, another ``cursor_secret``."""
    config = GatewayConfig(gateway=GatewaySettings(cursor_secret=SecretStr("another-deployment")))
    with TestClient(create_app(config, upstreams=memory_upstreams())) as other:
        yield _end_cursor(other)


@pytest.mark.parametrize(
    ("how", "says"),
    [
        ("another-key", "issued by another deployment"),
        ("flipped-char", "issued by another deployment"),
        ("truncated", "cursor"),
        ("garbled", "malformed"),
        ("empty", "cursor"),
        ("another-filter", "another connection or filter"),
        ("another-connection", "another connection or filter"),
        ("huge", "cursor"),
    ],
)
def test_a_cursor_not_issued_for_this_request_is_refused(
    hostile: TestClient, foreign_cursor: str, how: str, says: str
) -> None:
    mine = _end_cursor(hostile)
    cursor = {
        "another-key": foreign_cursor,
        "flipped-char": mine[:20] + ("A" if mine[20] != "A" else "B") + mine[21:],
        "truncated": mine[: len(mine) // 2],
        "garbled": "!!not*a*cursor!!",
        "empty": "",
        "another-filter": _end_cursor(hostile, "jobs", "first: 2, filter: {sources: [SCALE]}"),
        "another-connection": _end_cursor(hostile, "ingestRuns", "first: 0"),
        "huge": "A" * 20_000,
    }[how]
    if cursor is None:  # an empty connection has no end cursor: borrow one from jobTypes instead
        cursor = _end_cursor(hostile, "jobTypes", "first: 1")
    body = post(hostile, "query($c: String) { jobs(first: 2, after: $c) { edges { cursor } } }", {"c": cursor})
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and says in error["message"], error


# --- global ids --------------------------------------------------------------------------

GOOD_ID = encode_id("Job", Source.SCALE, "s1", "scale-0")

TAMPERED_IDS = {
    "flipped-char": GOOD_ID[:5] + ("A" if GOOD_ID[5] != "A" else "B") + GOOD_ID[6:],
    "truncated": GOOD_ID[:10],  # cut inside "Job:SCALE:"
    "padded": GOOD_ID + "==",
    "unknown-source": "Sm9iOk5PUEU6czE6eA",  # "Job:NOPE:s1:x"
    "unknown-type": "VXNlcjpTQ0FMRTpzMTp4",  # "User:SCALE:s1:x"
    "not-base64": "<script>alert(1)</script>",
    "empty": "",
    "very-long": "QUFB" * 2000,
    "nul-bytes": "Sm9iOlNDQUxFOnMxOgA",
    "sql-ish": "1' OR '1'='1",
}


@pytest.mark.parametrize("name", TAMPERED_IDS)
def test_a_tampered_id_is_a_clear_input_error(hostile: TestClient, name: str) -> None:
    body = post(hostile, "query($id: ID!) { node(id: $id) { id } }", {"id": TAMPERED_IDS[name]})
    assert codes(body) == {"BAD_USER_INPUT"}, body
    assert body["data"] is None or body["data"]["node"] is None


@pytest.mark.parametrize("mutation", ["cancelJob", "rerunJob", "startJob"])
def test_a_tampered_id_in_a_mutation_is_a_refusal_not_a_crash(hostile: TestClient, mutation: str) -> None:
    query = f"mutation($id: ID!) {{ {mutation}(input: {{id: $id}}) {{ job {{ id }} errors {{ code field }} }} }}"
    for value in ("garbage", TAMPERED_IDS["flipped-char"], encode_id("JobType", Source.SCALE, "s1", "t1")):
        body = post(hostile, query, {"id": value})
        if "errors" in body:
            assert codes(body) == {"BAD_USER_INPUT"}
        else:
            [refusal] = body["data"][mutation]["errors"]
            assert refusal["code"] in {"INVALID_INPUT", "NOT_FOUND"} and refusal["field"] == ["input", "id"]


# --- client callback URLs (Leia), on the real stack ---------------------------------------

SUBMIT = """
mutation Submit($job: JobSubmission!) {
  submitJob(input: {job: $job}) { job { id } errors { code message field } }
}
"""

INTERNAL_TARGETS = [
    "http://127.0.0.1/hook",
    "http://127.0.0.1:8000/webhooks/leia/x",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/hook",
    "http://172.16.5.4/hook",
    "http://192.168.1.1/hook",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://[::1]/hook",
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:169.254.169.254]/hook",
    "http://2130706433/hook",
    "http://0x7f.1/hook",
    "http://localhost/hook",
    "http://api.localhost/hook",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_FLUSHALL",
    "http://user:pass@/hook",
    "http://127.0.0.1:99999/hook",
    "not a url at all",
]


@pytest.fixture(scope="module")
def leia_job(leia_stack: Stack) -> dict[str, Any]:
    data = post_stack(leia_stack, "{ jobs(first: 5, filter: {sources: [LEIA]}) { edges { node { raw } } } }")
    raw = next(e["node"]["raw"] for e in data["data"]["jobs"]["edges"] if e["node"]["raw"].get("model_id"))
    return {"job": {"applyModel": {"modelId": raw["model_id"], "documentIds": raw["document_ids"][:1]}}}


def post_stack(stack: Stack, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = stack.http.post(stack.graphql_url, json={"query": query, "variables": variables or {}})
    body = assert_safe(response, secrets=stack_secrets(stack))
    assert body is not None
    return body


def stack_secrets(stack: Stack) -> set[str]:
    """Every credential the simulators hand out: none may reach a client."""
    return {
        str(value)
        for sim in stack.sims.simulators.values()
        for key, value in sim.config.items()
        if value and any(word in key for word in ("key", "token", "password", "secret"))
    }


@pytest.mark.integration
@pytest.mark.parametrize("url", INTERNAL_TARGETS)
def test_a_client_callback_url_to_an_internal_target_is_refused(
    leia_stack: Stack, leia_job: dict[str, Any], url: str
) -> None:
    leia = {**leia_job, "callbackUrl": url}
    body = post_stack(leia_stack, SUBMIT, {"job": {"leia": leia}})
    payload = body["data"]["submitJob"]
    assert payload["job"] is None, payload
    [refusal] = payload["errors"]
    assert refusal["code"] == "INVALID_INPUT" and refusal["field"] == ["input", "job", "leia", "callbackUrl"]


# --- forged webhook POSTs ----------------------------------------------------------------


@pytest.fixture(scope="module")
def callback(leia_stack: Stack, leia_job: dict[str, Any]) -> tuple[str, str, str]:
    """A real callback URL the gateway gave Leia for a held job, that job's native id and its global id."""
    body = post_stack(
        leia_stack,
        SUBMIT.replace("job { id }", "job { id nativeId }"),
        {"job": {"leia": {**leia_job, "blockProcessing": True}}},
    )
    job = body["data"]["submitJob"]["job"]
    url: str = leia_stack.sims.simulators["leia"].state.jobs[job["nativeId"]].callback_url
    return url, job["nativeId"], job["id"]


FORGERIES = {
    "unknown-token": ("/webhooks/leia/not-a-token", b'{"id": "x"}', 404),
    "unknown-source": ("/webhooks/nowhere/not-a-token", b'{"id": "x"}', 404),
    "read-only-source": ("/webhooks/scale/not-a-token", b'{"id": "x"}', 404),
    "garbage-body": (None, b"not json", 400),
    "empty-body": (None, b"", 400),
    "json-array": (None, b"[1, 2, 3]", 400),
    "json-null": (None, b"null", 400),
    "invalid-utf8": (None, b'{"id": "\xff"}', 400),
    "deep-nesting": (None, b"[" * 100_000, 400),
    "another-job": (None, b"another seeded job, see below", 403),
    "over-a-mebibyte": (None, b"x" * ((1 << 20) + 10), 413),
}


@pytest.mark.integration
@pytest.mark.parametrize("name", FORGERIES)
def test_a_forged_webhook_post_changes_nothing(leia_stack: Stack, callback: tuple[str, str, str], name: str) -> None:
    path, body, status = FORGERIES[name]
    url = f"{leia_stack.url}{path}" if path else callback[0]
    if name == "another-job":  # a real Leia job body, but not the job this token was issued for
        leia = leia_stack.sims.simulators["leia"].state
        seeded = next(j for j in leia.jobs.values() if j.callback_url is None)
        body = json.dumps({**leia.job_json(seeded, leia_stack.sims.clock.now()), "status": "PROCESSED"}).encode()
    live = leia_stack.app.state.services.live
    published = live.watcher.stats().published
    response = leia_stack.http.post(url, content=body, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert_safe(response, secrets=stack_secrets(leia_stack))
    assert live.watcher.stats().published == published


@pytest.mark.integration
def test_a_forged_final_status_with_the_right_token_is_only_a_hint(
    leia_stack: Stack, callback: tuple[str, str, str]
) -> None:
    url, native_id, job_id = callback
    leia_state = leia_stack.sims.simulators["leia"].state
    forged = {**leia_state.job_json(leia_state.jobs[native_id], leia_stack.sims.clock.now()), "status": "PROCESSED"}
    response = httpx.post(url, json=forged, timeout=10)
    assert response.status_code == 204
    node = post_stack(leia_stack, "query($id: ID!) { node(id: $id) { ... on Job { status } } }", {"id": job_id})
    assert node["data"]["node"]["status"] != "SUCCEEDED"
