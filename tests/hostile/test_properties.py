"""Property-based hostility: arbitrary text and bytes as cursors and global ids always get a clear BAD_USER_INPUT.

Bounded and derandomized (the same examples every run), so the suite stays
fast and a failure reproduces.
"""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile.conftest import check_errors, codes, post

BOUNDED = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

TEXT = st.text(max_size=300)
B64_BYTES = st.binary(max_size=300).map(lambda b: base64.urlsafe_b64encode(b).decode().rstrip("="))
TOKENS = st.one_of(TEXT, B64_BYTES, st.from_regex(r"[A-Za-z0-9_-]{20,200}", fullmatch=True))


@pytest.mark.parametrize("connection", ["jobs", "jobTypes", "ingestRuns"])
@BOUNDED
@given(cursor=TOKENS)
def test_any_after_cursor_is_refused_as_bad_user_input(hostile: TestClient, connection: str, cursor: str) -> None:
    body = post(hostile, f"query($c: String) {{ {connection}(first: 1, after: $c) {{ totalCount }} }}", {"c": cursor})
    assert codes(body) == {"BAD_USER_INPUT"}, body
    [error] = body["errors"]
    assert "cursor" in error["message"] and error["message"].startswith("after:")


@BOUNDED
@given(edit=st.tuples(st.integers(min_value=0, max_value=400), st.sampled_from("AQgw_-")))
def test_an_edited_genuine_cursor_is_refused(hostile: TestClient, edit: tuple[int, str]) -> None:
    cursor = post(hostile, "{ jobs(first: 3) { pageInfo { endCursor } } }")["data"]["jobs"]["pageInfo"]["endCursor"]
    at, char = edit
    at %= len(cursor)
    forged = cursor[:at] + char + cursor[at + 1 :]
    body = post(hostile, "query($c: String) { jobs(first: 1, after: $c) { totalCount } }", {"c": forged})
    if forged == cursor:
        assert "errors" not in body
    else:
        assert codes(body) == {"BAD_USER_INPUT"}, (forged, body)


@BOUNDED
@given(node_id=TOKENS)
def test_any_id_is_a_clear_error_or_no_node(hostile: TestClient, node_id: str) -> None:
    body = post(hostile, "query($id: ID!) { node(id: $id) { id } }", {"id": node_id})
    # An id that happens to decode to a well-formed one names a node that does not exist: null.
    assert codes(body) <= {"BAD_USER_INPUT"} and body["data"] in (None, {"node": None}), body
    if "errors" in body:
        assert body["errors"][0]["message"].startswith("id:")


@BOUNDED
@given(ids=st.lists(TOKENS, min_size=1, max_size=5))
def test_any_ids_in_nodes_are_clear_errors(hostile: TestClient, ids: list[str]) -> None:
    body = post(hostile, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    assert codes(body) <= {"BAD_USER_INPUT"}, body


@BOUNDED
@given(node_id=TOKENS)
def test_any_id_in_a_mutation_is_refused_without_a_crash(hostile: TestClient, node_id: str) -> None:
    body = post(
        hostile, "mutation($id: ID!) { cancelJob(input: {id: $id}) { errors { code field } } }", {"id": node_id}
    )
    if "errors" in body:
        assert codes(body) == {"BAD_USER_INPUT"}, body
    else:
        [refusal] = body["data"]["cancelJob"]["errors"]
        assert refusal["code"] in {"INVALID_INPUT", "NOT_FOUND", "NOT_SUPPORTED"}, refusal


@BOUNDED
@given(since=st.one_of(TEXT, st.integers().map(str)))
def test_any_since_is_coded_or_watched(hostile: TestClient, since: str) -> None:
    with hostile.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init"})
        ws.receive_json()
        query = "subscription($s: String) { jobStatusChanged(since: $s) { id } }"
        ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": query, "variables": {"s": since}}})
        ws.send_json({"type": "ping"})
        first = ws.receive_json()
        if first["type"] == "pong":  # a since the gateway accepted: the watch is open
            ws.send_json({"type": "complete", "id": "1"})
            return
    assert first["type"] == "next", first
    check_errors(first["payload"]["errors"])
    assert first["payload"]["errors"][0]["message"].startswith("since:")
