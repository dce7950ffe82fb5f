"""``jobs`` filters over the real simulators: results match, and filters an upstream applies cost less.

The expected answer of every filter is computed here from the unfiltered list (paged
to the end through the gateway), with the filter's documented meaning: statuses and
job types by equality, scopes by membership, ``created*`` on ``createdAt`` and
``updated*`` on the merge time (last update, else finish, start or creation), each
range ``[after, before)``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import strawberry

from adapters.model import JobRecord, JobStatus, Source
from gateway.ids import encode_id
from gateway.schema.inputs import JobFilter, job_plan, job_type_matcher
from tests.integration.gateway.read_support import (
    JOB_FIELDS,
    SOURCE_ORDER,
    capabilities,
    clear_cache,
    job_time,
    page_all,
    parse,
)
from tests.support.stack import Stack

FIELDS = f"{JOB_FIELDS} jobTypeName jobType {{ id }}"
Node = dict[str, Any]


@pytest.fixture(scope="module")
def everything(stack: Stack) -> list[Node]:
    nodes = page_all(stack, "jobs", 100, fields=FIELDS).nodes
    assert {n["source"] for n in nodes} == set(SOURCE_ORDER)
    return nodes


def ids(nodes: list[Node]) -> set[str]:
    return {n["id"] for n in nodes}


def check(
    stack: Stack, everything: list[Node], flt: dict[str, Any], keep: Callable[[Node], bool], *, sparse: bool = False
) -> list[Node]:
    got = page_all(stack, "jobs", 100, flt, fields="id source", sparse=sparse).nodes
    expected = [n for n in everything if keep(n)]
    assert len(got) == len(ids(got)), "duplicates"
    assert ids(got) == ids(expected), (
        f"missing {len(ids(expected) - ids(got))}, unexpected {len(ids(got) - ids(expected))} for {flt}"
    )
    return got


def iso(moment: datetime) -> str:
    return moment.isoformat()


@pytest.mark.parametrize("statuses", [["FAILED"], ["RUNNING", "QUEUED"], ["SUCCEEDED", "CANCELED", "PENDING"]])
def test_status_filter(stack: Stack, everything: list[Node], statuses: list[str]) -> None:
    got = check(stack, everything, {"statuses": statuses}, lambda n: n["status"] in statuses)
    assert got


def test_job_type_filter_limits_sources_and_types(stack: Stack, everything: list[Node]) -> None:
    by_source: dict[str, dict[str, int]] = {}
    for n in everything:
        if n["jobType"] is not None:
            counts = by_source.setdefault(n["source"], {})
            counts[n["jobType"]["id"]] = counts.get(n["jobType"]["id"], 0) + 1
    # Two Scale types and one Leia type that have jobs, chosen from the data.
    scale = sorted(by_source["SCALE"], key=lambda t: (-by_source["SCALE"][t], t))[:2]
    leia = sorted(by_source["LEIA"], key=lambda t: (-by_source["LEIA"][t], t))[:1]
    wanted = set(scale + leia)
    got = check(stack, everything, {"jobTypeIds": sorted(wanted)}, lambda n: (n["jobType"] or {}).get("id") in wanted)
    assert {n["source"] for n in got} == {"SCALE", "LEIA"}
    # Combined with sources, the intersection: only Scale's.
    check(
        stack,
        everything,
        {"jobTypeIds": sorted(wanted), "sources": ["SCALE", "WORDLIFT"]},
        lambda n: n["source"] == "SCALE" and (n["jobType"] or {}).get("id") in wanted,
    )


def test_scope_filter(stack: Stack, everything: list[Node]) -> None:
    scopes_of: dict[str, list[str]] = {}
    for n in everything:
        scopes_of.setdefault(n["source"], [])
        if n["scope"] not in scopes_of[n["source"]]:
            scopes_of[n["source"]].append(n["scope"])
    wanted = {scopes_of["WORDLIFT"][-1], scopes_of["PHYLODB"][0], scopes_of["LEIA"][0]}
    got = check(stack, everything, {"scopes": sorted(wanted)}, lambda n: n["scope"] in wanted)
    assert {n["source"] for n in got} == {"WORDLIFT", "PHYLODB", "LEIA"}


def _bounds(values: list[datetime]) -> tuple[datetime, datetime]:
    """Two record times from the data (so both range ends fall exactly on a record)."""
    ordered = sorted(set(values))
    return ordered[len(ordered) // 3], ordered[2 * len(ordered) // 3]


TIMED_CREATION = ["LEIA", "PHYLODB", "SCALE", "AMPERITY"]
"""Sources whose jobs can have a creation time: WordLift's never do (see the next test)."""


def test_created_range(stack: Stack, everything: list[Node]) -> None:
    created = [parse(n["createdAt"]) for n in everything if n["createdAt"]]
    after, before = _bounds([c for c in created if c is not None])

    def keep(n: Node) -> bool:
        at = parse(n["createdAt"])
        return at is not None and after <= at < before

    timed = {"sources": TIMED_CREATION}
    got = check(stack, everything, {**timed, "createdAfter": iso(after), "createdBefore": iso(before)}, keep)
    assert len({n["source"] for n in got}) >= 2
    # Each end alone, too.
    check(stack, everything, {**timed, "createdAfter": iso(after)}, lambda n: _created(n) >= after)
    check(
        stack,
        everything,
        {**timed, "createdBefore": iso(before)},
        lambda n: _created(n, datetime.max.replace(tzinfo=after.tzinfo)) < before,
    )


def test_a_created_range_leaves_wordlift_out_with_filter_not_supported(stack: Stack, everything: list[Node]) -> None:
    """WordLift jobs have no creation time: the list says so instead of silently showing none of them."""
    query = "query($f: JobFilter) { jobs(first: 100, filter: $f) { edges { node { source createdAt } } } }"
    after = iso(min(parse(n["createdAt"]) for n in everything if n["createdAt"]))  # type: ignore[type-var]
    body = stack.query(query, {"f": {"createdAfter": after}})
    [error] = body["errors"]
    assert error["extensions"] == {"code": "FILTER_NOT_SUPPORTED", "source": "WORDLIFT", "filters": ["createdAfter"]}
    assert error["path"] == ["jobs"]
    sources = {e["node"]["source"] for e in body["data"]["jobs"]["edges"]}
    assert "WORDLIFT" not in sources and sources, "the other sources still answer"
    quiet = stack.query(query, {"f": {"createdAfter": after, "sources": ["SCALE"]}})
    assert "errors" not in quiet, "a source not asked for is not reported"
    untimed = stack.query(query, {"f": {"finishedBefore": after}})
    [error] = untimed["errors"]
    assert error["extensions"] == {"code": "FILTER_NOT_SUPPORTED", "source": "PHYLODB", "filters": ["finishedBefore"]}


def test_finished_range(stack: Stack, everything: list[Node]) -> None:
    finished = [t for n in everything if (t := parse(n["finishedAt"])) is not None]
    after, before = _bounds(finished)

    def keep(n: Node) -> bool:
        at = parse(n["finishedAt"])
        return at is not None and after <= at < before

    timed = {"sources": ["WORDLIFT", "LEIA", "SCALE", "AMPERITY"]}
    got = check(stack, everything, {**timed, "finishedAfter": iso(after), "finishedBefore": iso(before)}, keep)
    assert len({n["source"] for n in got}) >= 2


EARLIEST = datetime.min.replace(tzinfo=UTC)


def _created(n: Node, default: datetime = EARLIEST) -> datetime:
    """``createdAt``, or ``default`` (chosen to fail the check) for a record with none."""
    return parse(n["createdAt"]) or default


def test_updated_range(stack: Stack, everything: list[Node]) -> None:
    times = [t for t in map(job_time, everything) if t is not None]
    after, before = _bounds(times)

    def keep(n: Node) -> bool:
        at = job_time(n)
        return at is not None and after <= at < before

    got = check(stack, everything, {"updatedAfter": iso(after), "updatedBefore": iso(before)}, keep)
    assert len({n["source"] for n in got}) >= 3


def test_filters_combine(stack: Stack, everything: list[Node]) -> None:
    times = [t for t in map(job_time, everything) if t is not None]
    after, _ = _bounds(times)
    flt = {"sources": ["SCALE", "LEIA", "AMPERITY"], "statuses": ["FAILED", "SUCCEEDED"], "updatedAfter": iso(after)}

    def keep(n: Node) -> bool:
        at = job_time(n)
        return n["source"] in flt["sources"] and n["status"] in flt["statuses"] and at is not None and at >= after

    assert check(stack, everything, flt, keep)


def test_bad_ranges_and_ids_are_clear_errors(stack: Stack) -> None:
    body = stack.query(
        "query($f: JobFilter) { jobs(first: 1, filter: $f) { edges { cursor } } }",
        {"f": {"updatedAfter": "2026-11-02T00:00:00Z", "updatedBefore": "2026-11-01T00:00:00Z"}},
    )
    assert body["data"] is None
    assert "updatedAfter must be earlier" in body["errors"][0]["message"]
    body = stack.query(
        "query($f: JobFilter) { jobs(first: 1, filter: $f) { edges { cursor } } }", {"f": {"jobTypeIds": ["nope"]}}
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "jobTypeIds[0]" in body["errors"][0]["message"]


# --- what filtering costs upstream ---------------------------------------------------------


def calls_to_end(stack: Stack, flt: dict[str, Any]) -> tuple[int, int, int]:
    """(upstream calls, gateway pages, records) for paging ``flt`` to the end at first=100."""
    clear_cache(stack)
    stack.calls.clear()
    paged = page_all(stack, "jobs", 100, flt)
    return stack.upstream_calls(), paged.pages, len(paged.nodes)


def test_pushed_down_filters_cost_fewer_upstream_calls(stack: Stack) -> None:
    caps = capabilities(stack)
    pushed = [s for s in SOURCE_ORDER if caps[s]["filterStatus"]]
    local = [s for s in SOURCE_ORDER if not caps[s]["filterStatus"]]
    assert pushed and local
    figures: dict[str, tuple[int, int, int, int]] = {}
    for source in SOURCE_ORDER:
        unfiltered, _, total = calls_to_end(stack, {"sources": [source]})
        filtered, _, found = calls_to_end(stack, {"sources": [source], "statuses": ["FAILED"]})
        figures[source] = (unfiltered, total, filtered, found)
    for source in pushed:
        unfiltered, total, filtered, found = figures[source]
        # The upstream answers only matches: fewer calls than reading the whole list.
        assert filtered < unfiltered, (source, figures[source])
    for source in local:
        unfiltered, total, filtered, found = figures[source]
        # The gateway must read the whole source to find them: at least one call per scope.
        assert filtered >= 1, (source, figures[source])
    per_match_pushed = sum(figures[s][2] for s in pushed) / max(1, sum(figures[s][3] for s in pushed))
    per_match_local = sum(figures[s][2] for s in local) / max(1, sum(figures[s][3] for s in local))
    assert per_match_pushed < per_match_local, figures


def test_pushed_down_job_type_filter_costs_less(stack: Stack) -> None:
    caps = capabilities(stack)
    body = stack.query("{ jobTypes(first: 100, filter: {sources: [SCALE]}) { edges { node { id } } } }")
    type_ids = [e["node"]["id"] for e in body["data"]["jobTypes"]["edges"]]
    assert caps["SCALE"]["filterJobType"] and type_ids
    unfiltered, _, total = calls_to_end(stack, {"sources": ["SCALE"]})
    filtered, pages, found = calls_to_end(stack, {"jobTypeIds": type_ids[:3]})
    assert 0 < found < total
    # One upstream call per gateway page: Scale filters by its repeated job_type_id itself.
    assert filtered == pages < unfiltered


def test_job_type_filter_keeps_the_type_scope(stack: Stack, everything: list[Node]) -> None:
    """WordLift has one ``kpi`` type per graph: one graph's type lists that graph's jobs only."""
    graphs = sorted({n["scope"] for n in everything if n["source"] == "WORDLIFT"})
    kpi = encode_id("JobType", Source.WORDLIFT, graphs[1], "kpi")
    got = check(stack, everything, {"jobTypeIds": [kpi]}, lambda n: (n["jobType"] or {}).get("id") == kpi)
    assert {n["source"] for n in got} == {"WORDLIFT"}
    assert len(got) == sum(1 for n in everything if n["source"] == "WORDLIFT" and n["scope"] == graphs[1])


def test_job_types_of_one_source_in_several_scopes_do_not_cross() -> None:
    """Type A in scope 1 and type B in scope 2 must not match A in 2 or B in 1."""
    a = encode_id("JobType", Source.PHYLODB, "p1", "inference/goeburst")
    b = encode_id("JobType", Source.PHYLODB, "p2", "visualization/radial")
    flt = JobFilter(job_type_ids=[strawberry.ID(a), strawberry.ID(b)])
    sources, queries, _ = job_plan(flt)
    assert sources == frozenset({Source.PHYLODB})
    query = queries[Source.PHYLODB]
    assert query.scopes == frozenset({"p1", "p2"})
    exact = job_type_matcher(flt)
    assert exact is not None

    def job(scope: str, type_id: str) -> JobRecord:
        return JobRecord(Source.PHYLODB, "j", scope, JobStatus.RUNNING, "running", job_type_id=type_id)

    assert query.matches(job("p2", "inference/goeburst"))  # the per-source query alone is wider...
    assert not exact(job("p2", "inference/goeburst"))  # ...the gateway-side check is exact
    assert exact(job("p1", "inference/goeburst")) and exact(job("p2", "visualization/radial"))
    # One type per scope, or one id in several scopes, needs no extra check.
    assert job_type_matcher(JobFilter(job_type_ids=[strawberry.ID(a)])) is None


def test_job_type_names_across_sources(stack: Stack, everything: list[Node]) -> None:
    names: dict[str, set[str]] = {}
    for n in everything:
        if n["jobTypeName"]:
            names.setdefault(n["source"], set()).add(n["jobTypeName"])
    wanted = {sorted(names["SCALE"])[0], "kpi", sorted(names["LEIA"])[0]}
    got = check(stack, everything, {"jobTypeNames": sorted(wanted)}, lambda n: n["jobTypeName"] in wanted)
    assert {n["source"] for n in got} == {"SCALE", "WORDLIFT", "LEIA"}
    check(stack, everything, {"jobTypeNames": ["no-such-type"]}, lambda n: False)


@pytest.mark.parametrize("pick", ["native id", "type name"])
def test_search_on_native_id_and_type_name(stack: Stack, everything: list[Node], pick: str) -> None:
    scale = next(n for n in everything if n["source"] == "SCALE" and n["jobTypeName"])
    text = scale["nativeId"] if pick == "native id" else scale["jobTypeName"][1:-1].upper()

    def keep(n: Node) -> bool:
        return text.casefold() in n["nativeId"].casefold() or text.casefold() in (n["jobTypeName"] or "").casefold()

    got = check(stack, everything, {"search": text}, keep, sparse=True)
    assert scale["id"] in ids(got)


def test_a_search_too_long_is_refused(stack: Stack) -> None:
    body = stack.query(
        "query($f: JobFilter) { jobs(first: 1, filter: $f) { totalCount } }", {"f": {"search": "x" * 201}}
    )
    assert (
        body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "filter.search" in body["errors"][0]["message"]
    )
