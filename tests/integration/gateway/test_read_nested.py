"""Nested connections against the simulators: one upstream read per source, not one per parent.

``Job.children`` under a page of Leia jobs and ``JobType.jobs`` under a page of Scale job
types used to cost one list call per parent (101 and 40 calls); their first pages now come
from a shared read, and every parent's connection still pages on its own cursors.
"""

from __future__ import annotations

from typing import Any

from tests.integration.gateway.test_read_batching import edges, run
from tests.support.stack import Stack

CHILDREN = """query($after: String) {
  jobs(first: 100, after: $after, filter: {sources: [LEIA]}) {
    pageInfo { hasNextPage endCursor }
    edges { node { id children(first: 1) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id parent { id } } }
    } } }
  }
}"""

ONE_PARENT = """query($id: ID!, $first: Int, $after: String) {
  node(id: $id) { ... on Job { children(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage } edges { node { id } }
  } } }
}"""


def test_children_of_a_hundred_leia_jobs_cost_two_calls(stack: Stack) -> None:
    data, calls = run(stack, CHILDREN)
    assert len(edges(data, "jobs")) == 100
    # Before: 1 list + 100 children lists. Now: the list and one read of the application's
    # jobs sorted by parent, which answers every parent's first page.
    assert calls == {"LEIA.list_jobs": 2}


def test_jobs_of_forty_scale_job_types_cost_two_calls(stack: Stack) -> None:
    query = "{ jobTypes(first: 100, filter: {sources: [SCALE]}) { edges { node { jobs(first: 10) { totalCount } } } } }"
    data, calls = run(stack, query)
    types = edges(data, "jobTypes")
    assert len(types) == 40 and sum(t["jobs"]["totalCount"] for t in types) == 800
    # Before: 1 + 40. Now: the job types, and one read of their jobs (repeated job_type_id).
    assert calls == {"SCALE.list_job_types": 1, "SCALE.list_jobs": 1}


def test_batched_children_match_each_parents_own_list_and_its_cursors(stack: Stack) -> None:
    parents: list[tuple[str, dict[str, Any]]] = []
    after = None
    while True:  # every Leia job the gateway sees, 100 parents per page
        page = stack.query(CHILDREN, {"after": after})["data"]["jobs"]
        parents += [(n["id"], n["children"]) for n in (e["node"] for e in page["edges"])]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    with_children = [(pid, kids) for pid, kids in parents if kids["totalCount"]]
    assert len(parents) > 200 and len(with_children) >= 3, (len(parents), len(with_children))
    for pid, kids in with_children:
        # One parent alone is read with its own parent_job_id list: the same answer.
        alone = stack.query(ONE_PARENT, {"id": pid, "first": 100})["data"]["node"]["children"]
        assert kids["totalCount"] == alone["totalCount"] == len(alone["edges"])
        (first,) = kids["edges"]
        assert first["node"]["id"] == alone["edges"][0]["node"]["id"] and first["node"]["parent"]["id"] == pid
        assert kids["pageInfo"]["hasNextPage"] == (alone["totalCount"] > 1)
        # The batched page's cursor continues that parent's own list.
        rest = stack.query(ONE_PARENT, {"id": pid, "first": 100, "after": kids["pageInfo"]["endCursor"]})
        rest_ids = [e["node"]["id"] for e in rest["data"]["node"]["children"]["edges"]]
        assert rest_ids == [e["node"]["id"] for e in alone["edges"][1:]]
    assert all(
        not kids["edges"] and not kids["pageInfo"]["hasNextPage"] for _, kids in parents if not kids["totalCount"]
    )


def test_nested_query_within_budget_runs_and_beyond_is_refused_without_a_call(stack: Stack) -> None:
    stack.calls.clear()
    body = stack.query(
        "{ jobs(first: 100) { edges { node { children(first: 10) { edges { node { children(first: 10) "
        "{ totalCount } } } } } } } }"
    )
    assert body["errors"][0]["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 1 + 100 + 1000, "budget": 200}
    assert stack.upstream_calls() == 0
