"""Upstream calls made by nested queries (``stack.calls``), against the minimum each upstream allows.

Where an upstream has a batch form the gateway must reach the minimum (one list call plus
one batch call); where it has none the count is one call per distinct record, and the
test pins that figure so a regression (or an improvement) shows.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.integration.gateway.read_support import capabilities, clear_cache
from tests.support.stack import Stack


def run(stack: Stack, query: str, variables: dict[str, Any] | None = None) -> tuple[dict[str, Any], Counter[str]]:
    """Execute with a cold cache; returns the data and the upstream calls by ``SOURCE.operation``."""
    clear_cache(stack)
    stack.calls.clear()
    body = stack.query(query, variables)
    assert "errors" not in body, body["errors"]
    calls = Counter({f"{s}.{op}": n for (s, op), n in stack.calls.items()})
    return body["data"], calls


def edges(data: dict[str, Any], field: str) -> list[dict[str, Any]]:
    return [e["node"] for e in data[field]["edges"]]


def job_ids(stack: Stack, source: str, first: int, flt: dict[str, Any] | None = None) -> list[str]:
    body = stack.query(
        "query($f: JobFilter, $n: Int) { jobs(first: $n, filter: $f) { edges { node { id } } } }",
        {"f": {"sources": [source], **(flt or {})}, "n": first},
    )
    return [e["node"]["id"] for e in body["data"]["jobs"]["edges"]]


def test_fifty_scale_jobs_with_their_job_types_cost_two_calls(stack: Stack) -> None:
    data, calls = run(
        stack, "{ jobs(first: 50, filter: {sources: [SCALE]}) { edges { node { id jobType { name version } } } } }"
    )
    nodes = edges(data, "jobs")
    assert len(nodes) == 50 and all(n["jobType"] for n in nodes)
    assert len({(n["jobType"]["name"], n["jobType"]["version"]) for n in nodes}) > 1
    # Minimum: the list, and one batch read of the distinct job types (repeated `id`).
    assert calls == Counter({"SCALE.list_jobs": 1, "SCALE.get_job_types": 1})


def test_job_types_of_every_source_need_no_extra_call_but_scales(stack: Stack) -> None:
    data, calls = run(stack, "{ jobs(first: 100) { edges { node { source jobType { id name } } } } }")
    sources = {n["source"] for n in edges(data, "jobs") if n["jobType"]}
    assert "SCALE" in sources
    # The other sources' job types are synthetic (no upstream call); Scale's are one batch.
    assert calls["SCALE.get_job_types"] == 1
    assert not [k for k in calls if k.endswith("job_types") and not k.startswith("SCALE")]


def test_nodes_of_twenty_leia_jobs(stack: Stack) -> None:
    ids = job_ids(stack, "LEIA", 20)
    assert len(ids) == 20
    caps = capabilities(stack)
    data, calls = run(
        stack, "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Job { status } } }", {"ids": ids + ids[:5]}
    )
    assert [n["id"] for n in data["nodes"]] == ids + ids[:5]
    # Leia has no batch Job read (`job_id` filters on one id; the bulk endpoint only gives
    # statuses), so the minimum is one GET per DISTINCT id: duplicates are not fetched twice.
    assert not caps["LEIA"]["batchGetJobs"]
    assert calls == Counter({"LEIA.get_job": 20})


def test_nodes_of_twenty_scale_jobs_are_one_batch(stack: Stack) -> None:
    ids = job_ids(stack, "SCALE", 20)
    data, calls = run(stack, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    assert [n["id"] for n in data["nodes"]] == ids
    assert calls == Counter({"SCALE.get_jobs": 1})


def test_nodes_across_every_source(stack: Stack) -> None:
    per_source = {s: job_ids(stack, s, 4) for s in ("WORDLIFT", "LEIA", "PHYLODB", "SCALE", "AMPERITY")}
    ids = [i for chunk in per_source.values() for i in chunk]
    data, calls = run(stack, "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Job { source } } }", {"ids": ids})
    assert [n["id"] for n in data["nodes"]] == ids
    assert calls["SCALE.get_jobs"] == 1  # batch by repeated job_id
    assert calls["WORDLIFT.get_job"] == 4  # no batch form: one GET per id
    assert calls["LEIA.get_job"] == 4  # no batch form: one GET per id
    # phyloDB has no single-job GET: one list page per project holding the ids (4 newest jobs
    # of the merged list share one project here).
    projects = {n.split(":")[0] for n in per_source["PHYLODB"]}
    assert 1 <= calls["PHYLODB.list_jobs"] <= len(projects) + 2
    # Amperity: from 3 recent ids on, one list call over the days they span.
    assert calls["AMPERITY.list_ingest_jobs"] == 1
    assert sum(calls.values()) == 1 + 4 + 4 + calls["PHYLODB.list_jobs"] + 1


def test_ingest_runs_with_their_jobs(stack: Stack) -> None:
    data, calls = run(
        stack, "{ ingestRuns(first: 30, filter: {sources: [SCALE]}) { edges { node { id job { status } } } } }"
    )
    runs = edges(data, "ingestRuns")
    assert len(runs) == 30 and all(r["job"] for r in runs)
    # Minimum: the list and one batch read of the jobs.
    assert calls == Counter({"SCALE.list_ingest_runs": 1, "SCALE.get_jobs": 1})

    data, calls = run(
        stack, "{ ingestRuns(first: 30, filter: {sources: [AMPERITY]}) { edges { node { id job { status } } } } }"
    )
    runs = edges(data, "ingestRuns")
    assert runs and all(r["job"] for r in runs)
    # Amperity: the list alone, the minimum: an ingest run and its job are one upstream
    # record, and the adapter hands the gateway both.
    assert calls == Counter({"AMPERITY.list_ingest_jobs": 1})


def test_amperity_jobs_with_their_ingest_runs(stack: Stack) -> None:
    data, calls = run(
        stack, "{ jobs(first: 30, filter: {sources: [AMPERITY]}) { edges { node { id ingestRun { id state } } } } }"
    )
    nodes = edges(data, "jobs")
    assert nodes and all(n["ingestRun"] for n in nodes)
    # The list alone, as above.
    assert calls == Counter({"AMPERITY.list_ingest_jobs": 1})


def test_jobs_of_several_job_types_is_one_shared_list(stack: Stack) -> None:
    data, calls = run(
        stack,
        "{ jobTypes(first: 5, filter: {sources: [SCALE]}) { edges { node { id jobs(first: 3) { edges { node { id } } } } } } }",
    )
    types = edges(data, "jobTypes")
    assert len(types) == 5
    # One list for the types, then one list of all their jobs (repeated job_type_id, Scale's
    # largest page), split by type: it holds every job of the five, so it answers "3 of each".
    assert calls == Counter({"SCALE.list_job_types": 1, "SCALE.list_jobs": 1})
    assert all(len(t["jobs"]["edges"]) == 3 for t in types)


def test_leia_depends_on_is_one_get_per_distinct_target(stack: Stack) -> None:
    data, calls = run(
        stack, "{ jobs(first: 100, filter: {sources: [LEIA]}) { edges { node { id dependsOn { id } } } } }"
    )
    nodes = edges(data, "jobs")
    targets = {n["dependsOn"]["id"] for n in nodes if n["dependsOn"]}
    linking = [n for n in nodes if n["dependsOn"]]
    assert targets and len(linking) > len(targets)
    # Targets on the same page are primed from the list and cost nothing; the others are
    # one GET each (no batch Job read in Leia), however many jobs point at them.
    listed = {n["id"] for n in nodes}
    assert calls["LEIA.list_jobs"] == 1
    assert calls["LEIA.get_job"] == len(targets - listed)
