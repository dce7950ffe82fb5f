"""Partial results when a source fails or hangs, resuming after it recovers, and bad cursors."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.gateway.read_support import (
    NAME,
    Key,
    close_circuits,
    connection_query,
    page_all,
    simulator_jobs,
    stack_with_timeouts,
)
from tests.support.stack import Stack

JOBS = connection_query("jobs")


@pytest.fixture(autouse=True)
def _closed_circuits(stack: Stack) -> Iterator[None]:
    close_circuits(stack)
    yield
    close_circuits(stack)


def jobs_page(stack: Stack, first: int, after: str | None = None, flt: dict[str, Any] | None = None) -> dict[str, Any]:
    return stack.query(JOBS, {"first": first, "after": after, "filter": flt})


def continue_to_end(
    stack: Stack, after: str, first: int = 100, flt: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    cursor: str | None = after
    for _ in range(100):
        body = jobs_page(stack, first, cursor, flt)
        assert "errors" not in body, body["errors"]
        conn = body["data"]["jobs"]
        nodes.extend(e["node"] for e in conn["edges"])
        if not conn["pageInfo"]["hasNextPage"]:
            return nodes
        cursor = conn["pageInfo"]["endCursor"]
    raise AssertionError("did not end")


def keys_by_source(nodes: list[dict[str, Any]]) -> dict[str, list[Key]]:
    out: dict[str, list[Key]] = {}
    for n in nodes:
        out.setdefault(n["source"], []).append((n["scope"], n["nativeId"]))
    return out


def assert_exactly_once(nodes: list[dict[str, Any]], truth: dict[str, set[Key]]) -> None:
    got = keys_by_source(nodes)
    for source, expected in truth.items():
        keys = got.get(source, [])
        dupes = [k for k, n in Counter(keys).items() if n > 1]
        assert not dupes, (source, dupes[:3])
        assert set(keys) == expected, (source, len(set(keys)), len(expected))


@pytest.mark.parametrize("down", ["SCALE", "WORDLIFT"])
def test_one_source_down_then_back(stack: Stack, down: str) -> None:
    # Three sources keep the test short; the merge does not care how many there are.
    flt = {"sources": sorted({down, "LEIA", "AMPERITY"})}
    truth = {s: keys for s, keys in simulator_jobs(stack).items() if s in flt["sources"]}
    stack.faults(NAME[down], {"error_rate": 1.0, "status": 503})
    body = jobs_page(stack, 100, None, flt)
    conn = body["data"]["jobs"]
    sources = {e["node"]["source"] for e in conn["edges"]}
    assert sources == {"LEIA", "AMPERITY"}
    assert conn["pageInfo"]["hasNextPage"] is True and conn["totalCount"] is None
    # One error for the source, however many streams it has (WordLift: one per graph).
    [error] = body["errors"]
    assert error["path"] == ["jobs"]
    assert error["extensions"] == {
        "code": "UPSTREAM_UNAVAILABLE",
        "source": down,
        "kind": "UNAVAILABLE",
        "upstreamStatus": 503,
    }
    assert down in error["message"]
    first_page = [e["node"] for e in conn["edges"]]

    # The fault clears (and the circuit's reset time passes): continuing from the cursor
    # yields the missing source's jobs too, and every job of every source exactly once.
    stack.faults(NAME[down], {})
    close_circuits(stack)
    rest = continue_to_end(stack, conn["pageInfo"]["endCursor"], 100, flt)
    assert_exactly_once(first_page + rest, truth)


def test_source_failing_mid_list_is_picked_up_where_it_stopped(stack: Stack) -> None:
    truth = {"SCALE": simulator_jobs(stack)["SCALE"], "LEIA": simulator_jobs(stack)["LEIA"]}
    flt = {"sources": ["SCALE", "LEIA"]}
    first = jobs_page(stack, 50, None, flt)["data"]["jobs"]
    seen = [e["node"] for e in first["edges"]]
    stack.faults("leia", {"error_rate": 1.0, "status": 502})
    body = jobs_page(stack, 50, first["pageInfo"]["endCursor"], flt)
    assert [e["extensions"]["source"] for e in body["errors"]] == ["LEIA"]
    page = body["data"]["jobs"]
    assert page["edges"] and {e["node"]["source"] for e in page["edges"]} == {"SCALE"}
    seen += [e["node"] for e in page["edges"]]
    stack.faults("leia", {})
    close_circuits(stack)
    seen += continue_to_end(stack, page["pageInfo"]["endCursor"], 50, flt)
    assert_exactly_once(seen, truth)


def test_a_failed_source_keeps_the_list_open_when_the_others_are_done(stack: Stack) -> None:
    truth = {s: simulator_jobs(stack)[s] for s in ("AMPERITY", "SCALE")}
    flt = {"sources": ["AMPERITY", "SCALE"]}
    stack.faults("scale", {"error_rate": 1.0, "status": 503})
    body = jobs_page(stack, 100, None, flt)
    conn = body["data"]["jobs"]
    # Every Amperity job fits on this page; Scale was not read, so more may follow.
    assert len(conn["edges"]) == len(truth["AMPERITY"])
    assert conn["pageInfo"]["hasNextPage"] is True
    stack.faults("scale", {})
    close_circuits(stack)
    rest = continue_to_end(stack, conn["pageInfo"]["endCursor"], 100, flt)
    assert_exactly_once([e["node"] for e in conn["edges"]] + rest, truth)


def test_a_hanging_source_times_out_and_the_rest_answers() -> None:
    with stack_with_timeouts({"leia": 0.3}) as hung:
        truth = {"LEIA": simulator_jobs(hung)["LEIA"], "SCALE": simulator_jobs(hung)["SCALE"]}
        flt = {"sources": ["LEIA", "SCALE"]}
        hung.faults("leia", {"hang_rate": 1.0})
        started = time.monotonic()
        body = jobs_page(hung, 100, None, flt)
        elapsed = time.monotonic() - started
        # Three attempts of 0.3 s plus backoff: bounded, far from the simulator's hour.
        assert elapsed < 5.0
        [error] = body["errors"]
        assert error["extensions"]["source"] == "LEIA"
        assert error["extensions"]["kind"] == "TIMEOUT"
        assert error["extensions"]["code"] == "UPSTREAM_TIMEOUT"
        conn = body["data"]["jobs"]
        first_page = [e["node"] for e in conn["edges"]]
        assert {n["source"] for n in first_page} == {"SCALE"}
        hung.faults("leia", {})
        close_circuits(hung)
        rest = continue_to_end(hung, conn["pageInfo"]["endCursor"], 100, flt)
        assert_exactly_once(first_page + rest, truth)


def test_every_source_down_still_answers_with_errors(stack: Stack) -> None:
    for name in NAME.values():
        stack.faults(name, {"error_rate": 1.0, "status": 503})
    body = jobs_page(stack, 10)
    assert body["data"]["jobs"]["edges"] == []
    assert sorted(e["extensions"]["source"] for e in body["errors"]) == sorted(NAME)
    # The end cursor still records where each source stands, so the client can retry.
    assert body["data"]["jobs"]["pageInfo"]["endCursor"]


# --- cursors -----------------------------------------------------------------------------


def _error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("data") is None or body["data"].get("jobs") is None, body
    [error] = body["errors"]
    assert isinstance(error, dict)
    return error


def test_any_edge_cursor_resumes_right_after_that_edge(stack: Stack) -> None:
    whole = page_all(stack, "jobs", 100, {"sources": ["WORDLIFT", "AMPERITY"]}).nodes
    body = jobs_page(stack, 40, None, {"sources": ["WORDLIFT", "AMPERITY"]})
    edges = body["data"]["jobs"]["edges"]
    for k in (0, 17, 39):
        after = jobs_page(stack, 5, edges[k]["cursor"], {"sources": ["WORDLIFT", "AMPERITY"]})
        got = [e["node"]["id"] for e in after["data"]["jobs"]["edges"]]
        assert got == [n["id"] for n in whole[k + 1 : k + 6]]


def test_tampered_cursor_is_a_clear_error(stack: Stack) -> None:
    cursor = jobs_page(stack, 3)["data"]["jobs"]["pageInfo"]["endCursor"]
    flipped = cursor[:10] + ("A" if cursor[10] != "A" else "B") + cursor[11:]
    # Altered bytes fail authentication like another deployment's key; garbage is "malformed".
    for bad, says in (
        (flipped, "after: cursor expired or issued by another deployment"),
        (cursor[:-4], "after: cursor expired or issued by another deployment"),
        ("not-a-cursor", "after: malformed cursor"),
        ("", "after: malformed cursor"),
        ("x" * 9000, "after: malformed cursor"),
    ):
        error = _error(jobs_page(stack, 3, bad))
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["message"].startswith(says), error["message"]


def test_cursor_from_another_filter_or_connection_is_refused(stack: Stack) -> None:
    scale = jobs_page(stack, 3, None, {"sources": ["SCALE"]})["data"]["jobs"]["pageInfo"]["endCursor"]
    for flt in ({"sources": ["LEIA"]}, None, {"sources": ["SCALE"], "statuses": ["FAILED"]}):
        error = _error(jobs_page(stack, 3, scale, flt))
        assert "another connection or filter" in error["message"]
    types = stack.query("{ jobTypes(first: 2) { pageInfo { endCursor } } }")["data"]["jobTypes"]["pageInfo"]
    error = _error(jobs_page(stack, 3, types["endCursor"]))
    assert "another connection or filter" in error["message"]
    # The same filter written differently (other order) is the same filter.
    both = jobs_page(stack, 3, None, {"sources": ["SCALE", "LEIA"]})["data"]["jobs"]["pageInfo"]["endCursor"]
    again = jobs_page(stack, 3, both, {"sources": ["LEIA", "SCALE"]})
    assert "errors" not in again


def test_page_size_and_backward_paging_errors(stack: Stack) -> None:
    for variables, needle in (
        ({"first": 101}, "at most 100"),
        ({"first": -1}, "must not be negative"),
    ):
        body = stack.query(JOBS, variables)
        assert needle in _error(body)["message"]
    body = stack.query("{ jobs(last: 5) { edges { cursor } } }")
    assert "Backward paging" in _error(body)["message"]
