"""``jobCounts`` over the real simulators: every count equals what ``jobs`` lists under the same filter."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.integration.gateway.read_support import page_all
from tests.support.stack import Stack

COUNTS = "query($f: JobFilter) { jobCounts(filter: $f) { source status count exact } }"


def counts(stack: Stack, flt: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    body = stack.query(COUNTS, {"f": flt})
    assert "errors" not in body, body["errors"]
    found: list[dict[str, Any]] = body["data"]["jobCounts"]
    return found


def test_counts_per_source_and_status_match_the_list(stack: Stack) -> None:
    listed = Counter((n["source"], n["status"]) for n in page_all(stack, "jobs", 100, fields="source status").nodes)
    got = counts(stack)
    assert {c["source"] for c in got} == {"WORDLIFT", "LEIA", "PHYLODB", "SCALE", "AMPERITY"}
    assert all(c["exact"] for c in got), "every simulated source fits the read cap"
    assert {(c["source"], c["status"]): c["count"] for c in got if c["count"]} == dict(listed)
    assert all(c["status"] != "UNKNOWN" for c in got)


def test_counts_under_a_filter_ask_scale_and_leia_for_their_own_totals(stack: Stack) -> None:
    flt = {"sources": ["SCALE", "LEIA"], "statuses": ["FAILED", "RUNNING"]}
    stack.calls.clear()
    got = counts(stack, flt)
    assert stack.calls[("SCALE", "list_jobs")] == 2, "one counted read per status"
    assert {(c["source"], c["status"]) for c in got} == {
        (s, st) for s in ("SCALE", "LEIA") for st in ("FAILED", "RUNNING")
    }
    listed = Counter(
        (n["source"], n["status"]) for n in page_all(stack, "jobs", 100, flt, fields="source status").nodes
    )
    assert all(c["exact"] and c["count"] == listed[(c["source"], c["status"])] for c in got)


def test_a_filter_a_source_cannot_apply_leaves_it_out_of_the_counts(stack: Stack) -> None:
    body = stack.query(COUNTS, {"f": {"createdAfter": "2020-01-01T00:00:00Z"}})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FILTER_NOT_SUPPORTED"]
    assert "WORDLIFT" not in {c["source"] for c in body["data"]["jobCounts"]}
