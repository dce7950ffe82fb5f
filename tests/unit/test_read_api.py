"""The read API over in-memory adapters: merged paging, filters, nodes, batching, partial results."""

from __future__ import annotations

from adapters.errors import ErrorKind, UpstreamError
from adapters.model import Source
from tests.conftest import GraphQL
from tests.support.memory_adapter import MemoryAdapter

PAGE = """
query Page($first: Int, $after: String, $filter: JobFilter) {
  jobs(first: $first, after: $after, filter: $filter) {
    totalCount
    edges { cursor node { id source nativeId status updatedAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


def page_all(gql: GraphQL, first: int, flt: dict[str, object] | None = None) -> list[dict[str, object]]:
    nodes: list[dict[str, object]] = []
    after = None
    for _ in range(200):
        body = gql(PAGE, {"first": first, "after": after, "filter": flt})
        assert "errors" not in body, body
        conn = body["data"]["jobs"]
        nodes.extend(e["node"] for e in conn["edges"])
        if not conn["pageInfo"]["hasNextPage"]:
            return nodes
        after = conn["pageInfo"]["endCursor"]
    raise AssertionError("paging did not end")


def test_paging_to_the_end_returns_every_job_once_newest_first(gql: GraphQL) -> None:
    for first in (1, 7, 20, 100):
        nodes = page_all(gql, first)
        ids = [n["nativeId"] for n in nodes]
        assert len(ids) == 37 + 23 + 11
        assert len(set(ids)) == len(ids)
        timed = [n["updatedAt"] for n in nodes if n["updatedAt"] is not None]
        assert timed == sorted(timed, reverse=True)
        # Sources without timestamps come after every timed record.
        assert all(n["source"] == "PHYLODB" for n in nodes[len(timed) :])


def test_total_count_is_the_sum_when_every_source_tells(gql: GraphQL) -> None:
    body = gql(PAGE, {"first": 5})
    assert body["data"]["jobs"]["totalCount"] == 71


def test_filters_by_source_and_status(gql: GraphQL) -> None:
    nodes = page_all(gql, 10, {"sources": ["SCALE", "LEIA"], "statuses": ["FAILED"]})
    assert nodes and all(n["status"] == "FAILED" and n["source"] in ("SCALE", "LEIA") for n in nodes)
    assert len(nodes) == len([i for i in range(37) if i % 4 == 2]) + len([i for i in range(23) if i % 4 == 2])


def test_cursor_is_bound_to_its_filter_and_tamper_proof(gql: GraphQL) -> None:
    first = gql(PAGE, {"first": 3})["data"]["jobs"]["pageInfo"]["endCursor"]
    other = gql(PAGE, {"first": 3, "after": first, "filter": {"sources": ["SCALE"]}})
    assert other["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "cursor" in other["errors"][0]["message"]
    tampered = first[:-2] + ("AA" if not first.endswith("AA") else "BB")
    assert gql(PAGE, {"first": 3, "after": tampered})["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_page_size_cap_and_backward_paging_are_clear_errors(gql: GraphQL) -> None:
    body = gql("{ jobs(first: 101) { totalCount } }")
    assert "at most 100" in body["errors"][0]["message"]
    body = gql("{ jobs(last: 5) { totalCount } }")
    assert "first/after" in body["errors"][0]["message"]


def test_each_source_is_asked_only_for_what_the_page_needs(gql: GraphQL, adapters: dict[Source, MemoryAdapter]) -> None:
    gql(PAGE, {"first": 5})
    assert all(a.calls == ["list_jobs"] for a in adapters.values())


def test_partial_results_when_one_source_fails(gql: GraphQL, adapters: dict[Source, MemoryAdapter]) -> None:
    adapters[Source.LEIA].fail_with = UpstreamError(ErrorKind.UNAVAILABLE, Source.LEIA, "LEIA answered 503")
    body = gql(PAGE, {"first": 10})
    assert len(body["data"]["jobs"]["edges"]) == 10
    assert all(e["node"]["source"] != "LEIA" for e in body["data"]["jobs"]["edges"])
    (error,) = body["errors"]
    assert error["path"] == ["jobs"]
    assert error["extensions"] == {"code": "UPSTREAM_UNAVAILABLE", "source": "LEIA", "kind": "UNAVAILABLE"}
    assert body["data"]["jobs"]["totalCount"] is None
    # The cursor keeps Leia's position: once Leia is back, continuing yields its jobs too.
    adapters[Source.LEIA].fail_with = None
    after = body["data"]["jobs"]["pageInfo"]["endCursor"]
    rest = gql(PAGE, {"first": 100, "after": after})["data"]["jobs"]["edges"]
    assert sum(1 for e in rest if e["node"]["source"] == "LEIA") == 23


def test_node_and_nodes_resolve_every_type_and_batch(gql: GraphQL, adapters: dict[Source, MemoryAdapter]) -> None:
    edges = gql(PAGE, {"first": 30, "filter": {"sources": ["SCALE"]}})["data"]["jobs"]["edges"]
    ids = [e["node"]["id"] for e in edges]
    adapters[Source.SCALE].calls.clear()
    body = gql(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Job { nativeId jobType { id name } } } }", {"ids": ids}
    )
    assert [n["id"] for n in body["data"]["nodes"]] == ids
    assert all(n["jobType"]["name"].startswith("type-") for n in body["data"]["nodes"])
    # 30 jobs and their 3 distinct types: one batch each.
    assert adapters[Source.SCALE].calls == ["get_jobs", "get_job_types"]
    type_id = body["data"]["nodes"][0]["jobType"]["id"]
    node = gql("query($id: ID!) { node(id: $id) { __typename ... on JobType { name } } }", {"id": type_id})
    assert node["data"]["node"]["__typename"] == "JobType"


def test_invalid_and_unknown_ids(gql: GraphQL) -> None:
    body = gql('{ node(id: "bm9wZQ") { id } }')
    assert body["data"]["node"] is None and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    from gateway.ids import encode_id

    missing = encode_id("Job", Source.SCALE, "s1", "nope")
    assert gql("query($id: ID!) { node(id: $id) { id } }", {"id": missing}) == {"data": {"node": None}}
    unconfigured = encode_id("Job", Source.AMPERITY, "t", "x")
    assert gql("query($id: ID!) { node(id: $id) { id } }", {"id": unconfigured}) == {"data": {"node": None}}


def test_job_type_jobs_connection(gql: GraphQL) -> None:
    body = gql(
        "{ jobTypes(first: 10) { totalCount edges { node { name jobs(first: 50) { edges { node { nativeId } } } } } } }"
    )
    types = body["data"]["jobTypes"]["edges"]
    assert body["data"]["jobTypes"]["totalCount"] == 3
    assert sum(len(t["node"]["jobs"]["edges"]) for t in types) == 37


def test_upstreams_lists_configured_sources(gql: GraphQL) -> None:
    body = gql("{ upstreams { source healthy capabilities { listJobs } } }")
    assert [u["source"] for u in body["data"]["upstreams"]] == ["LEIA", "PHYLODB", "SCALE"]
