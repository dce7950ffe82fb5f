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


def test_scopes_are_listed_with_their_names(stack: Stack) -> None:
    body = stack.query("{ scopes { source id name } }")
    assert "errors" not in body, body["errors"]
    scopes = body["data"]["scopes"]
    by_source: dict[str, list[dict[str, Any]]] = {}
    for scope in scopes:
        by_source.setdefault(scope["source"], []).append(scope)
    sims = stack.sims.simulators
    leia_app = sims["leia"].state.applications[sims["leia"].config["application_id"]]
    assert by_source["LEIA"] == [{"source": "LEIA", "id": leia_app.id, "name": leia_app.application_name}]
    projects = sims["phylodb"].state.projects
    assert [(s["id"], s["name"]) for s in by_source["PHYLODB"]] == [
        (p, projects[p].name) for p in sims["phylodb"].config["projects"]
    ]
    assert [s["id"] for s in by_source["WORDLIFT"]] == sims["wordlift"].config["graphs"]
    assert all(s["name"] and s["name"].startswith("http") for s in by_source["WORDLIFT"])
    assert by_source["SCALE"] == [{"source": "SCALE", "id": "", "name": None}]
    only = stack.query("{ scopes(sources: [LEIA]) { source } }")["data"]["scopes"]
    assert only == [{"source": "LEIA"}]
