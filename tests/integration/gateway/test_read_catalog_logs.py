"""``Query.catalog`` (Leia models and documents) and ``Job.logs`` (Scale execution logs) over the simulators."""

from __future__ import annotations

from typing import Any

from tests.support.stack import Stack

CATALOG = (
    "query($k: String!, $a: String) { catalog(source: LEIA, kind: $k, first: 7, after: $a) { totalCount "
    "edges { node { source kind scope nativeId name description createdAt } } pageInfo { hasNextPage endCursor } } }"
)
LOGS = (
    "query($id: ID!, $a: String) { node(id: $id) { ... on Job { logs(first: 2, after: $a) { "
    "edges { node { time level stream message } } pageInfo { hasNextPage endCursor } } } } }"
)


def _all(stack: Stack, query: str, variables: dict[str, Any], path: list[str]) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    for _ in range(100):
        body = stack.query(query, {**variables, "a": after})
        assert "errors" not in body, body["errors"]
        conn = body["data"]
        for key in path:
            conn = conn[key]
        nodes += [e["node"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            return nodes
        after = conn["pageInfo"]["endCursor"]
    raise AssertionError("did not end")


def test_leia_models_and_documents_are_listed_for_submission(stack: Stack) -> None:
    sim = stack.sims.simulators["leia"]
    app = sim.config["application_id"]
    models = _all(stack, CATALOG, {"k": "models"}, ["catalog"])
    expected = {m.id: m for m in sim.state.models.values() if m.application_id in (None, app)}
    assert [m["nativeId"] for m in models] == sorted(expected, key=lambda i: (expected[i].creation_time, i))
    assert all(m["name"] == expected[m["nativeId"]].name for m in models)
    assert all(m["description"] == expected[m["nativeId"]].model_type for m in models)
    documents = _all(stack, CATALOG, {"k": "documents"}, ["catalog"])
    mine = {d.id for d in sim.state.documents.values() if d.application_id == app}
    assert {d["nativeId"] for d in documents} == mine and len(documents) == len(mine)
    assert all(d["scope"] == app and d["kind"] == "documents" for d in documents)
    total = stack.query(CATALOG, {"k": "documents"})["data"]["catalog"]["totalCount"]
    assert total == len(mine)


def test_an_unknown_catalog_is_a_clear_error(stack: Stack) -> None:
    body = stack.query('{ catalog(source: SCALE, kind: "models") { totalCount } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "no catalog" in body["errors"][0]["message"]
    body = stack.query('{ catalog(source: LEIA, kind: "robots") { totalCount } }')
    assert "models, documents" in body["errors"][0]["message"]
    caps = stack.query("{ upstreams { source capabilities { logs catalogs } } }")["data"]["upstreams"]
    by_source = {u["source"]: u["capabilities"] for u in caps}
    assert by_source["LEIA"] == {"logs": False, "catalogs": ["models", "documents"]}
    assert by_source["SCALE"] == {"logs": True, "catalogs": []}


def test_a_failed_scale_job_has_its_execution_logs_page_by_page(stack: Stack) -> None:
    query = "{ jobs(first: 5, filter: {sources: [SCALE], statuses: [FAILED]}) { edges { node { id attempts } } } }"
    failed = stack.query(query)["data"]["jobs"]["edges"][0]["node"]
    lines = _all(stack, LOGS, {"id": failed["id"]}, ["node", "logs"])
    assert lines and any(line["level"] == "ERROR" and line["stream"] == "stderr" for line in lines)
    assert all(line["time"] and line["message"] for line in lines)
    starts = [line for line in lines if "Starting" in line["message"]]
    assert len(starts) == failed["attempts"], "one run of lines per execution, oldest first"
    times = [line["time"] for line in lines]
    assert times == sorted(times)


def test_sources_without_logs_answer_an_empty_list(stack: Stack) -> None:
    query = (
        "{ jobs(first: 1, filter: {sources: [WORDLIFT]}) { edges { node { logs { totalCount edges { cursor } } } } } }"
    )
    body = stack.query(query)
    assert body["data"]["jobs"]["edges"][0]["node"]["logs"] == {"totalCount": 0, "edges": []}
