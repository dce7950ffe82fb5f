"""Paging ``jobs``, ``jobTypes`` and ``ingestRuns`` to the end over the real simulators.

Each list must give every record the simulators hold exactly once (no duplicates, no
gaps), in the documented order, whatever the page size, across all sources and per
source.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest

from tests.integration.gateway.read_support import (
    SOURCE_ORDER,
    Key,
    Paged,
    job_time,
    list_time,
    order_violations,
    page_all,
    parse,
    run_time,
    simulator_ingest_runs,
    simulator_jobs,
    upstream_job_types,
)
from tests.support.stack import Stack

# Page sizes per source: a small odd size that does not divide the source's count, and the maximum.
JOB_PAGE_SIZES = {"WORDLIFT": 23, "LEIA": 29, "PHYLODB": 7, "SCALE": 61, "AMPERITY": 9}

# Sources whose upstream lists newest first by the time the gateway merges on. Leia lists by
# creation time and Amperity by start time (see the report): their records keep their own
# order inside the merged list, but their last-update times are not monotonic.
TIME_ORDERED = {"WORDLIFT", "PHYLODB", "SCALE"}


@pytest.fixture(scope="module")
def truth_jobs(stack: Stack) -> dict[str, set[Key]]:
    truth = simulator_jobs(stack)
    assert all(truth.values()), truth.keys()
    return truth


def assert_exactly(paged_keys: list[Key], expected: set[Key], what: str) -> None:
    dupes = [k for k, n in Counter(paged_keys).items() if n > 1]
    assert not dupes, f"{what}: duplicates {dupes[:5]}"
    got = set(paged_keys)
    assert got == expected, f"{what}: missing {sorted(expected - got)[:5]}, unexpected {sorted(got - expected)[:5]}"


def native_order_violations(nodes: list[dict[str, Any]], field: str) -> list[str]:
    times = [parse(n[field]) for n in nodes]
    return [f"{a} before {b}" for a, b in itertools.pairwise(times) if a and b and a < b]


# --- jobs ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def all_jobs(stack: Stack) -> Paged:
    return page_all(stack, "jobs", 100)


def test_all_jobs_first_100_once_each_in_order(all_jobs: Paged, truth_jobs: dict[str, set[Key]]) -> None:
    paged = all_jobs
    assert len(paged.ids) == len(set(paged.ids)), "a global id came twice"
    for source, expected in truth_jobs.items():
        assert_exactly(paged.keys(source), expected, source)
    assert len(paged.nodes) == sum(map(len, truth_jobs.values()))
    # Sources listed newest first by the merge time interleave exactly (ties in source order),
    # and phyloDB's jobs, which have no time at all, come after every timed one.
    exact = [n for n in paged.nodes if n["source"] in TIME_ORDERED]
    assert order_violations(exact, job_time) == []
    untimed_tail = [n["source"] for n in paged.nodes[-len(truth_jobs["PHYLODB"]) :]]
    assert set(untimed_tail) == {"PHYLODB"}
    # Every source keeps its own order inside the merged list.
    for source in truth_jobs:
        mine = [n for n in paged.nodes if n["source"] == source]
        assert native_order_violations(mine, _native_order_field(source)) == [], source


def test_all_jobs_newest_first_by_each_sources_list_time(all_jobs: Paged) -> None:
    # The documented order: each record by the time its source lists it by (Leia creation,
    # Amperity start, the others last update); phyloDB, with no time, last.
    assert order_violations(all_jobs.nodes, list_time) == []


def _native_order_field(source: str) -> str:
    return {"LEIA": "createdAt", "AMPERITY": "startedAt"}.get(source, "updatedAt")


@pytest.mark.parametrize("source", SOURCE_ORDER)
def test_jobs_per_source_any_page_size(stack: Stack, truth_jobs: dict[str, set[Key]], source: str) -> None:
    expected = truth_jobs[source]
    for first in (JOB_PAGE_SIZES[source], 100):
        paged = page_all(stack, "jobs", first, {"sources": [source]})
        assert {n["source"] for n in paged.nodes} == {source}
        assert_exactly(paged.keys(source), expected, f"{source} first={first}")
        assert paged.pages == max(1, -(-len(expected) // first))
        # Where the source tells a total, it is the number of records paging yields.
        assert {t for t in paged.totals if t is not None} <= {len(expected)}
        assert native_order_violations(paged.nodes, _native_order_field(source)) == []
        if source in TIME_ORDERED:
            assert order_violations(paged.nodes, job_time) == []


def test_jobs_of_one_scope_of_a_multi_scope_source(stack: Stack, truth_jobs: dict[str, set[Key]]) -> None:
    scopes = sorted({scope for scope, _ in truth_jobs["WORDLIFT"]})
    assert len(scopes) > 1
    wanted = scopes[1:]
    paged = page_all(stack, "jobs", 37, {"sources": ["WORDLIFT"], "scopes": wanted})
    expected = {k for k in truth_jobs["WORDLIFT"] if k[0] in wanted}
    assert_exactly(paged.keys("WORDLIFT"), expected, "WORDLIFT scopes")
    assert order_violations(paged.nodes, job_time) == []


# --- job types -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def truth_types(stack: Stack) -> dict[str, set[Key]]:
    return upstream_job_types(stack)


@pytest.mark.parametrize("first", [7, 100])
def test_all_job_types_source_by_source(stack: Stack, truth_types: dict[str, set[Key]], first: int) -> None:
    paged = page_all(stack, "jobTypes", first)
    for source, expected in truth_types.items():
        assert_exactly(paged.keys(source), expected, f"jobTypes {source}")
    # Listed source by source, in the fixed source order.
    runs = [s for i, s in enumerate(n["source"] for n in paged.nodes) if i == 0 or paged.nodes[i - 1]["source"] != s]
    assert runs == [s for s in SOURCE_ORDER if truth_types.get(s)]
    assert {t for t in paged.totals if t is not None} <= {sum(map(len, truth_types.values()))}


def test_job_types_per_source(stack: Stack, truth_types: dict[str, set[Key]]) -> None:
    for source, expected in truth_types.items():
        paged = page_all(stack, "jobTypes", 6, {"sources": [source]})
        assert_exactly(paged.keys(source), expected, f"jobTypes {source}")


# --- ingest runs ---------------------------------------------------------------------------


@pytest.mark.parametrize("first", [13, 100])
def test_all_ingest_runs_once_each_in_order(stack: Stack, first: int) -> None:
    truth = simulator_ingest_runs(stack)
    paged = page_all(stack, "ingestRuns", first)
    assert {n["source"] for n in paged.nodes} == set(truth)
    for source, expected in truth.items():
        assert_exactly(paged.keys(source), expected, f"ingestRuns {source}")
    scale = [n for n in paged.nodes if n["source"] == "SCALE"]
    assert order_violations(scale, run_time) == []


@pytest.mark.parametrize("source", ["SCALE", "AMPERITY"])
def test_ingest_runs_per_source(stack: Stack, source: str) -> None:
    expected = simulator_ingest_runs(stack)[source]
    paged = page_all(stack, "ingestRuns", 11, {"sources": [source]})
    assert_exactly(paged.keys(source), expected, f"ingestRuns {source}")
    assert {t for t in paged.totals if t is not None} <= {len(expected)}


def test_all_ingest_runs_strictly_newest_first(stack: Stack) -> None:
    paged = page_all(stack, "ingestRuns", 100)
    assert order_violations(paged.nodes, list_time) == []
