"""Helpers for the read-API integration tests: paging to the end, and what each simulator holds.

The expected sets are computed from the simulators' own state (or, for the synthetic
job types the adapters make up without an upstream call, by listing with a fresh
adapter), never hard-coded, so the tests follow the seed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from adapters.base import JobTypeQuery
from adapters.http import UpstreamClient
from adapters.registry import REGISTRY, source_settings
from tests.support.stack import Stack, running_stack

SOURCE_ORDER = [s.value for s in REGISTRY.sources]
"""The documented tie-break order of merged lists."""

NAME = {entry.source.value: entry.name for entry in REGISTRY}

Key = tuple[str, str]
"""(scope, native id)"""

JOB_FIELDS = "id source nativeId scope status nativeStatus updatedAt finishedAt startedAt createdAt"
TYPE_FIELDS = "id source nativeId scope name version"
RUN_FIELDS = "id source nativeId scope state updatedAt endedAt startedAt"

FILTER_TYPES = {"jobs": "JobFilter", "jobTypes": "JobTypeFilter", "ingestRuns": "IngestRunFilter"}
DEFAULT_FIELDS = {"jobs": JOB_FIELDS, "jobTypes": TYPE_FIELDS, "ingestRuns": RUN_FIELDS}


def connection_query(field: str, fields: str | None = None) -> str:
    return f"""
query Page($first: Int, $after: String, $filter: {FILTER_TYPES[field]}) {{
  {field}(first: $first, after: $after, filter: $filter) {{
    totalCount
    edges {{ cursor node {{ {fields or DEFAULT_FIELDS[field]} }} }}
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
  }}
}}"""


@dataclass
class Paged:
    nodes: list[dict[str, Any]]
    pages: int
    totals: list[int | None]
    """``totalCount`` of every page."""

    @property
    def ids(self) -> list[str]:
        return [n["id"] for n in self.nodes]

    def keys(self, source: str) -> list[Key]:
        return [(n["scope"], n["nativeId"]) for n in self.nodes if n["source"] == source]


def page_all(
    stack: Stack,
    field: str,
    first: int,
    flt: dict[str, Any] | None = None,
    *,
    fields: str | None = None,
    max_pages: int = 500,
    sparse: bool = False,
) -> Paged:
    """Follow ``endCursor`` until ``hasNextPage`` is false; any GraphQL error fails the test."""
    query = connection_query(field, fields)
    nodes: list[dict[str, Any]] = []
    totals: list[int | None] = []
    after: str | None = None
    for page in range(1, max_pages + 1):
        body = stack.query(query, {"first": first, "after": after, "filter": flt})
        assert "errors" not in body, body["errors"]
        conn = body["data"][field]
        assert len(conn["edges"]) <= first
        assert conn["pageInfo"]["hasPreviousPage"] is (after is not None)
        nodes.extend(e["node"] for e in conn["edges"])
        totals.append(conn["totalCount"])
        if not conn["pageInfo"]["hasNextPage"]:
            return Paged(nodes, page, totals)
        # Every page but the last is full: the gateway does not hand out short pages mid-list,
        # unless a filter checked on what is read (``search``) is sparse: then reads are bounded.
        assert sparse or len(conn["edges"]) == first, (page, len(conn["edges"]))
        after = conn["pageInfo"]["endCursor"]
        assert after
    raise AssertionError(f"{field} did not end within {max_pages} pages")


# --- time and order ------------------------------------------------------------------------


def parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def job_time(node: dict[str, Any]) -> datetime | None:
    """The README's merge time: last update, else finish, start or creation time."""
    for name in ("updatedAt", "finishedAt", "startedAt", "createdAt"):
        if node.get(name):
            return parse(node[name])
    return None


LIST_ORDER = {"LEIA": ("createdAt", "startedAt"), "AMPERITY": ("startedAt", "createdAt"), "PHYLODB": ()}
"""The fields each source lists by (its Capabilities.list_order); the rest list by last update."""


def list_time(node: dict[str, Any]) -> datetime | None:
    """The README's merge time: the time the record's own source lists it by."""
    fields = LIST_ORDER.get(node["source"])
    if fields is None:
        return job_time(node) if "finishedAt" in node or "updatedAt" in node else run_time(node)
    for name in fields:
        if node.get(name):
            return parse(node[name])
    return None


def run_time(node: dict[str, Any]) -> datetime | None:
    for name in ("updatedAt", "endedAt", "startedAt"):
        if node.get(name):
            return parse(node[name])
    return None


def order_violations(
    nodes: Sequence[dict[str, Any]], time_of: Callable[[dict[str, Any]], datetime | None]
) -> list[str]:
    """Breaks of "newest first, ties in source order, records with no time last".

    An untimed record of a source that has timed records is skipped (the merge places
    it right before the next record of its own stream; see ``gateway.paging``).
    """
    problems: list[str] = []
    timed_sources = {n["source"] for n in nodes if time_of(n) is not None}
    previous: dict[str, Any] | None = None
    seen_untimed = False
    for node in nodes:
        moment = time_of(node)
        if moment is None:
            if node["source"] not in timed_sources:
                seen_untimed = True
            continue
        if seen_untimed:
            problems.append(f"timed {node['id']} after a record with no time")
        if previous is not None:
            before = time_of(previous)
            assert before is not None
            tie_ok = SOURCE_ORDER.index(previous["source"]) <= SOURCE_ORDER.index(node["source"])
            if moment > before or (moment == before and not tie_ok):
                problems.append(
                    f"{previous['source']} {previous['nativeId']} ({before}) before "
                    f"{node['source']} {node['nativeId']} ({moment})"
                )
        previous = node
    return problems


# --- what the simulators hold ------------------------------------------------------------


def _amperity_listable(stack: Stack) -> set[Key]:
    """Ingest jobs the Amperity list can show: first table started in the 7-day window ending now."""
    sim = stack.sims.simulators["amperity"]
    now = stack.sims.clock.now()
    end = now.replace(microsecond=0) + timedelta(seconds=1)
    start = end - timedelta(days=7)
    keys = set()
    for job in sim.state.jobs.values():
        first = min(t.start_at for t in job.tables)
        if start <= first < end and first <= now:
            keys.add((sim.config["tenant"], job.id))
    return keys


def simulator_jobs(stack: Stack) -> dict[str, set[Key]]:
    """Every job each simulator holds for the configured credentials and scopes."""
    sims = stack.sims.simulators
    wordlift, leia, phylodb = sims["wordlift"], sims["leia"], sims["phylodb"]
    graphs = set(wordlift.config["graphs"])
    app = leia.config["application_id"]
    projects = set(phylodb.config["projects"])
    return {
        "WORDLIFT": {(j.graph_id, j.job_id) for j in wordlift.state.jobs.values() if j.graph_id in graphs},
        "LEIA": {(app, j.id) for j in leia.state.jobs.values() if j.application_id == app},
        "PHYLODB": {(j.project_id, j.id) for j in phylodb.state.jobs.values() if j.project_id in projects},
        "SCALE": {("", str(job_id)) for job_id in sims["scale"].state.jobs},
        "AMPERITY": _amperity_listable(stack),
    }


def simulator_ingest_runs(stack: Stack) -> dict[str, set[Key]]:
    return {
        "SCALE": {("", str(ingest_id)) for ingest_id in stack.sims.simulators["scale"].state.ingests},
        "AMPERITY": _amperity_listable(stack),
    }


def upstream_job_types(stack: Stack) -> dict[str, set[Key]]:
    """Job types as each adapter lists them straight from its upstream (a fresh adapter, not the gateway's).

    Scale's are also checked against the simulator's state; the others are synthetic
    (one ``kpi`` per WordLift graph, Leia's fixed kinds, phyloDB's analyses, Amperity's ``ingest``).
    """

    async def list_all() -> dict[str, set[Key]]:
        found: dict[str, set[Key]] = {}
        for name, table in stack.sims.gateway_tables(stack.sim_url).items():
            entry = REGISTRY.by_name(name)
            adapter = entry.build_adapter()(source_settings(name, table, {}))
            try:
                keys: set[Key] = set()
                after: str | None = None
                while True:
                    page = await adapter.list_job_types(JobTypeQuery(), after, 100)
                    keys |= {(e.record.scope, e.record.native_id) for e in page.entries}
                    if not page.has_more or not page.entries:
                        break
                    after = page.entries[-1].position
                found[entry.source.value] = keys
            finally:
                await adapter.aclose()
        return found

    found = asyncio.run(list_all())
    scale = {("", str(t.id)) for t in stack.sims.simulators["scale"].state.job_types}
    assert found["SCALE"] == scale
    return found


# --- gateway state -----------------------------------------------------------------------


def services(stack: Stack) -> Any:
    return stack.app.state.services


def clear_cache(stack: Stack) -> None:
    services(stack).cache.clear()


def close_circuits(stack: Stack) -> None:
    """Forget failures a fault test left behind, so the next test starts with closed circuits."""
    for adapter in services(stack).upstreams:
        client = getattr(adapter, "client", None)
        if isinstance(client, UpstreamClient):
            client.breaker.record_success()
            client.breaker.record_usable()


def capabilities(stack: Stack) -> dict[str, dict[str, bool]]:
    body = stack.query("{ upstreams { source capabilities { filterStatus filterJobType filterTime batchGetJobs } } }")
    return {u["source"]: u["capabilities"] for u in body["data"]["upstreams"]}


@contextmanager
def stack_with_timeouts(timeouts: dict[str, float]) -> Iterator[Stack]:
    """Like ``running_stack`` but with per-source ``timeout_s`` (for hang tests)."""
    with running_stack(sources={name: {"timeout_s": seconds} for name, seconds in timeouts.items()}) as stack:
        yield stack
