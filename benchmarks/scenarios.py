"""The representative queries, and the fewest upstream calls each could possibly cost.

Minimums assume the upstream APIs as they are (see each adapter's docstring) and a
cold cache (the first execution); "repeat" is a second execution with the gateway's
caches warm (job types, final jobs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

JOB = "id source nativeId status nativeStatus updatedAt"
PAGE_INFO = "pageInfo { hasNextPage endCursor }"


@dataclass
class Scenario:
    name: str
    group: str
    query: str
    minimum: int
    why: str
    variables: dict[str, Any] = field(default_factory=dict)
    prepare: Callable[[Callable[[str, dict[str, Any]], dict[str, Any]]], dict[str, Any]] | None = None
    """Computes ``variables`` (ids, deep cursors) with a GraphQL function, before measuring."""

    @property
    def payload(self) -> dict[str, Any]:
        return {"query": self.query, "variables": self.variables, "operationName": None}


def _jobs(first: int, flt: str = "", extra: str = "") -> str:
    args = f"first: {first}, after: $after" + (f", filter: {{{flt}}}" if flt else "")
    return f"query($after: String) {{ jobs({args}) {{ totalCount edges {{ node {{ {JOB} {extra} }} }} {PAGE_INFO} }} }}"


def _leia_ids(gql: Callable[[str, dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    body = gql("{ jobs(first: 20, filter: {sources: [LEIA]}) { edges { node { id } } } }", {})
    return {"ids": [e["node"]["id"] for e in body["data"]["jobs"]["edges"]]}


def _final_scale_job(gql: Callable[[str, dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    body = gql("{ jobs(first: 1, filter: {sources: [SCALE], statuses: [SUCCEEDED]}) { edges { node { id } } } }", {})
    return {"id": body["data"]["jobs"]["edges"][0]["node"]["id"]}


def _cursor_after(pages: int, first: int, flt: str = "") -> Callable[..., dict[str, Any]]:
    """The ``endCursor`` after ``pages`` pages of ``first`` (so the scenario reads page ``pages + 1``)."""

    def prepare(gql: Callable[[str, dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        after = None
        query = _jobs(first, flt)
        for _ in range(pages):
            body = gql(query, {"after": after})
            after = body["data"]["jobs"]["pageInfo"]["endCursor"]
        return {"after": after}

    return prepare


ALL_MIN = 6
ALL_WHY = (
    "one list call per stream that can hold the newest jobs: 3 WordLift graphs (each graph lists newest "
    "first on its own), Leia, Scale, Amperity (one 7-day window call); phyloDB's jobs have no time and sort "
    "last, so with enough timed jobs it need not be read at all"
)


def scenarios(smoke: bool = False) -> list[Scenario]:
    if smoke:
        return [
            Scenario(
                "Scale jobs first 50 + jobType",
                "queries",
                _jobs(50, "sources: [SCALE]", "jobType { name version }"),
                2,
                "one list call, one batch read of the distinct job types (repeated `id`)",
            )
        ]
    return [
        Scenario(
            "all sources jobs first 20 + jobType",
            "queries",
            _jobs(20, "", "jobType { name version }"),
            ALL_MIN + 1,
            ALL_WHY + "; plus one Scale job-type batch (cold)",
        ),
        Scenario(
            "4 sources (no Amperity) jobs first 20",
            "queries",
            _jobs(20, "sources: [WORDLIFT, LEIA, PHYLODB, SCALE]"),
            ALL_MIN - 1,
            "as for all sources, without Amperity (whose 10 requests/s limit caps the all-sources rows)",
        ),
        Scenario(
            "Scale jobs first 50 + jobType",
            "queries",
            _jobs(50, "sources: [SCALE]", "jobType { name version }"),
            2,
            "one list call, one batch read of the distinct job types (repeated `id`); 1 once types are cached",
        ),
        Scenario(
            "node: a final Scale job",
            "queries",
            "query($id: ID!) { node(id: $id) { ... on Job { id status nativeStatus updatedAt } } }",
            1,
            "one read by id; none once cached (a final job does not change): the repeat and load rows "
            "show the gateway alone",
            prepare=_final_scale_job,
        ),
        Scenario(
            "nodes: 20 Leia jobs",
            "queries",
            "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Job { id status nativeStatus updatedAt } } }",
            20,
            "Leia has no batch Job read (`job_id` filters on one id; `GET /job/{ids}/status` gives "
            "statuses only), so one GET per id; final jobs are cached afterwards",
            prepare=_leia_ids,
        ),
        Scenario(
            "ingestRuns first 30 + job",
            "queries",
            "{ ingestRuns(first: 30) { edges { node { id state job { id status } } } pageInfo { hasNextPage } } }",
            3,
            "one list per source (Scale, Amperity) and one Scale batch read of the jobs; an Amperity "
            "ingest run and its job are the same upstream record",
        ),
        Scenario(
            "Scale jobTypes first 5 { jobs first 3 }",
            "queries",
            "{ jobTypes(first: 5, filter: {sources: [SCALE]}) { edges { node { id name "
            "jobs(first: 3) { edges { node { id status } } } } } } }",
            6,
            "one job-type list, then one job list per type: no Scale call gives '3 jobs of each of 5 types'",
        ),
        Scenario(
            "all sources FAILED jobs first 20",
            "queries",
            _jobs(20, "statuses: [FAILED]"),
            ALL_MIN + 3,
            "as for all jobs, plus phyloDB's 3 projects (it cannot filter, and a FAILED phyloDB job would "
            "have no time either); Scale and Leia filter upstream, the rest are read and filtered",
        ),
        *[
            Scenario(f"Scale jobs first {n}", "page size", _jobs(n, "sources: [SCALE]"), 1, "one page of n")
            for n in (10, 50, 100)
        ],
        *[Scenario(f"all sources jobs first {n}", "page size", _jobs(n), ALL_MIN, ALL_WHY) for n in (10, 50, 100)],
        Scenario("Scale jobs first 10, page 1", "page depth", _jobs(10, "sources: [SCALE]"), 1, "one page"),
        Scenario(
            "Scale jobs first 10, page 50",
            "page depth",
            _jobs(10, "sources: [SCALE]"),
            1,
            "one page at offset 490 (Scale pages by number; the cursor holds the offset)",
            prepare=_cursor_after(49, 10, "sources: [SCALE]"),
        ),
        Scenario("all sources jobs first 10, page 1", "page depth", _jobs(10), ALL_MIN, ALL_WHY),
        Scenario(
            "all sources jobs first 10, page 50",
            "page depth",
            _jobs(10),
            ALL_MIN,
            "as for page 1: each stream resumes from its position in the cursor",
            prepare=_cursor_after(49, 10),
        ),
    ]


def graphql_function(url: str) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    def gql(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(url, json={"query": query, "variables": variables}, timeout=60)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        if body.get("errors"):
            raise RuntimeError(f"preparing a scenario failed: {body['errors']}")
        return body

    return gql
