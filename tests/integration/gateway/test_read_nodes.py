"""``node`` / ``nodes`` for every node type of every source, and the links between nodes."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.model import Source
from gateway.ids import encode_id
from tests.integration.gateway.read_support import (
    DEFAULT_FIELDS,
    SOURCE_ORDER,
    clear_cache,
    connection_query,
    page_all,
)
from tests.support.stack import Stack

TYPE_OF = {"jobs": "Job", "jobTypes": "JobType", "ingestRuns": "IngestRun"}
SOURCES_OF = {"jobs": SOURCE_ORDER, "jobTypes": SOURCE_ORDER, "ingestRuns": ["SCALE", "AMPERITY"]}
CASES = [(field, source) for field, sources in SOURCES_OF.items() for source in sources]


def listed(stack: Stack, field: str, source: str) -> list[dict[str, Any]]:
    """A few records from the top of the list and one from the second page of 100, when there is one."""
    query = connection_query(field)
    body = stack.query(query, {"first": 100, "filter": {"sources": [source]}})
    conn = body["data"][field]
    nodes = [e["node"] for e in conn["edges"]]
    picked = nodes[:3] + nodes[-1:]
    if conn["pageInfo"]["hasNextPage"]:
        more = stack.query(query, {"first": 1, "after": conn["pageInfo"]["endCursor"], "filter": {"sources": [source]}})
        picked += [e["node"] for e in more["data"][field]["edges"]]
    assert picked, (field, source)
    return picked


def fetch_nodes(stack: Stack, field: str, ids: list[str]) -> list[dict[str, Any] | None]:
    fragment = f"... on {TYPE_OF[field]} {{ {DEFAULT_FIELDS[field]} }}"
    body = stack.query(f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ {fragment} }} }}", {"ids": ids})
    assert "errors" not in body, body["errors"]
    nodes: list[dict[str, Any] | None] = body["data"]["nodes"]
    return nodes


@pytest.mark.parametrize(("field", "source"), CASES)
def test_node_and_nodes_give_what_the_list_gave(stack: Stack, field: str, source: str) -> None:
    clear_cache(stack)
    expected = listed(stack, field, source)
    ids = [n["id"] for n in expected]
    fragment = f"... on {TYPE_OF[field]} {{ {DEFAULT_FIELDS[field]} }}"
    for want in expected[:2]:
        body = stack.query(f"query($id: ID!) {{ node(id: $id) {{ __typename {fragment} }} }}", {"id": want["id"]})
        assert "errors" not in body, body["errors"]
        node = body["data"]["node"]
        assert node.pop("__typename") == TYPE_OF[field]
        assert node == want
    clear_cache(stack)
    assert fetch_nodes(stack, field, ids) == expected


def _unknown_native_id(stack: Stack, source: str) -> tuple[str, str]:
    sims = stack.sims.simulators
    return {
        "WORDLIFT": (sims["wordlift"].config["graphs"][0], "job_20200101_00000000"),
        "LEIA": (sims["leia"].config["application_id"], "0" * 24),
        "PHYLODB": (sims["phylodb"].config["projects"][0], "00000000-0000-4000-8000-000000000000"),
        "SCALE": ("", "987654"),
        "AMPERITY": (sims["amperity"].config["tenant"], "isj-20261101-00000-AAAAAA"),
    }[source]


@pytest.mark.parametrize("source", SOURCE_ORDER)
def test_unknown_ids_are_null_and_bad_ids_are_errors(stack: Stack, source: str) -> None:
    scope, native = _unknown_native_id(stack, source)
    unknown = encode_id("Job", Source(source), scope, native)
    known = listed(stack, "jobs", source)[0]["id"]
    assert fetch_nodes(stack, "jobs", [known, unknown, known]) == [
        fetch_nodes(stack, "jobs", [known])[0],
        None,
        fetch_nodes(stack, "jobs", [known])[0],
    ]
    not_ours = [
        "bm90LWFuLWlk",  # base64 of "not-an-id"
        encode_id("Job", Source(source), scope, native).replace("Sm9i", "Wm9i", 1),  # "Zob:..." not a type
        "%%%",
    ]
    for bad in not_ours:
        body = stack.query("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [known, bad]})
        assert body["data"] is None
        [error] = body["errors"]
        assert error["message"].startswith("ids[1]: not a valid id"), error["message"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_too_many_ids_is_a_clear_error(stack: Stack) -> None:
    ids = [encode_id("Job", Source.SCALE, "", str(i)) for i in range(101)]
    body = stack.query("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    assert "at most 100 ids" in body["errors"][0]["message"]


# --- links -------------------------------------------------------------------------------


TYPE_JOBS = """query($id: ID!, $after: String) { node(id: $id) { ... on JobType { id source
    jobs(first: 100, after: $after) { edges { node { id jobType { id } } } pageInfo { hasNextPage endCursor } } } } }"""


def jobs_of_type(stack: Stack, type_id: str) -> list[str]:
    got: list[str] = []
    after = None
    while True:
        body = stack.query(TYPE_JOBS, {"id": type_id, "after": after})
        assert "errors" not in body, body["errors"]
        conn = body["data"]["node"]["jobs"]
        assert all(e["node"]["jobType"]["id"] == type_id for e in conn["edges"])
        got += [e["node"]["id"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            return got
        after = conn["pageInfo"]["endCursor"]


@pytest.mark.parametrize("source", ["WORDLIFT", "LEIA", "SCALE", "AMPERITY"])
def test_job_type_and_its_jobs_link_both_ways(stack: Stack, source: str) -> None:
    """``Job.jobType`` of a source's newest jobs, and each such type's ``jobs`` back.

    (phyloDB jobs carry no analysis upstream; only the ones this gateway submitted do.)
    """
    body = stack.query(
        "query($f: JobFilter) { jobs(first: 40, filter: $f) { edges { node { id jobType { id source } } } } }",
        {"f": {"sources": [source]}},
    )
    nodes = [e["node"] for e in body["data"]["jobs"]["edges"]]
    types = {n["jobType"]["id"] for n in nodes if n["jobType"]}
    assert types and all(n["jobType"]["source"] == source for n in nodes if n["jobType"])
    for type_id in sorted(types)[:2]:
        of_type = jobs_of_type(stack, type_id)
        assert len(of_type) == len(set(of_type))
        # Every job of the page that names this type is among the type's jobs.
        assert {n["id"] for n in nodes if (n["jobType"] or {}).get("id") == type_id} <= set(of_type)
        # The same set as the job list filtered by that type.
        filtered = page_all(stack, "jobs", 100, {"jobTypeIds": [type_id]}, fields="id scope source nativeId").ids
        assert sorted(of_type) == sorted(filtered)


def test_scale_job_type_jobs_match_the_simulator(stack: Stack) -> None:
    store = stack.sims.simulators["scale"].state
    job_type = max(store.job_types, key=lambda t: (len(list(store.jobs_of_type(t))), t.id))
    expected = {encode_id("Job", Source.SCALE, "", str(j.id)) for j in store.jobs_of_type(job_type)}
    assert expected
    assert set(jobs_of_type(stack, encode_id("JobType", Source.SCALE, "", str(job_type.id)))) == expected


def test_ingest_run_and_job_link_both_ways_on_amperity(stack: Stack) -> None:
    body = stack.query(
        "{ ingestRuns(first: 20, filter: {sources: [AMPERITY]}) { edges { node { id nativeId job { id nativeId ingestRun { id } } } } } }"
    )
    runs = [e["node"] for e in body["data"]["ingestRuns"]["edges"]]
    assert runs
    for run in runs:
        assert run["job"]["nativeId"] == run["nativeId"]
        assert run["job"]["ingestRun"]["id"] == run["id"]


def test_scale_ingest_run_links_to_its_ingest_job(stack: Stack) -> None:
    body = stack.query(
        "{ ingestRuns(first: 30, filter: {sources: [SCALE]}) { edges { node { id raw job { id nativeId jobType { name } } } } } }"
    )
    runs = [e["node"] for e in body["data"]["ingestRuns"]["edges"]]
    ingests = stack.sims.simulators["scale"].state.ingests
    for run in runs:
        ingest = ingests[int(run["raw"]["id"])]
        assert run["job"]["nativeId"] == str(ingest.job.id)
        assert run["job"]["jobType"]["name"] == "scale-ingest"


def test_scale_ingest_job_links_to_its_ingest_run(stack: Stack) -> None:
    ingests = list(stack.sims.simulators["scale"].state.ingests.values())[:5]
    ids = [encode_id("Job", Source.SCALE, "", str(i.job.id)) for i in ingests]
    stack.calls.clear()
    body = stack.query(
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Job { ingestRun { nativeId } } } }", {"ids": ids}
    )
    assert [n["ingestRun"] for n in body["data"]["nodes"]] == [{"nativeId": str(i.id)} for i in ingests]
    # At most one batch read of the jobs (none if final ones are cached), then their details
    # (only ingest jobs need them), then the runs.
    assert stack.calls[("SCALE", "get_jobs")] <= 1 and stack.calls[("SCALE", "get_job")] <= len(ingests)


def _leia(stack: Stack) -> tuple[str, list[Any]]:
    sim = stack.sims.simulators["leia"]
    app = sim.config["application_id"]
    return app, [j for j in sim.state.jobs.values() if j.application_id == app]


def test_leia_depends_on_and_parent(stack: Stack) -> None:
    app, jobs = _leia(stack)
    linked = [j for j in jobs if j.execute_after_id or j.parent_job_id]
    assert any(j.parent_job_id for j in linked) and any(j.execute_after_id for j in linked)
    ids = [encode_id("Job", Source.LEIA, app, j.id) for j in linked[:100]]
    body = stack.query(
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Job { nativeId dependsOn { nativeId } parent { nativeId } } } }",
        {"ids": ids},
    )
    assert "errors" not in body, body["errors"]
    for job, node in zip(linked, body["data"]["nodes"], strict=False):
        assert node["nativeId"] == job.id
        assert (node["dependsOn"] or {}).get("nativeId") == job.execute_after_id
        assert (node["parent"] or {}).get("nativeId") == job.parent_job_id


def test_leia_children(stack: Stack) -> None:
    app, jobs = _leia(stack)
    children: dict[str, set[str]] = {}
    for j in jobs:
        if j.parent_job_id:
            children.setdefault(j.parent_job_id, set()).add(j.id)
    assert children
    for parent, kids in children.items():
        body = stack.query(
            "query($id: ID!) { node(id: $id) { ... on Job { children(first: 50) { edges { node { nativeId } } } } } }",
            {"id": encode_id("Job", Source.LEIA, app, parent)},
        )
        got = {e["node"]["nativeId"] for e in body["data"]["node"]["children"]["edges"]}
        assert got == kids


def test_children_of_jobs_without_them_cost_nothing(stack: Stack) -> None:
    stack.calls.clear()
    body = stack.query(
        "{ jobs(first: 20, filter: {sources: [SCALE]}) { edges { node { children(first: 5) { totalCount edges { cursor } } } } } }"
    )
    assert all(e["node"]["children"]["edges"] == [] for e in body["data"]["jobs"]["edges"])
    assert stack.upstream_calls() == 1
