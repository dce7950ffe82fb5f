"""The record cache: final jobs and job types are not fetched twice; keys carry the credential scope."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from adapters.model import JobRecord, JobStatus, JobTypeRecord, NativeKey, Source
from gateway.cache import RecordCache
from gateway.config import config_from_mapping
from gateway.loaders import Loaders
from gateway.upstreams import Upstreams
from gateway.wiring import build_upstreams
from tests.integration.gateway.read_support import SOURCE_ORDER, clear_cache
from tests.support.memory_adapter import MemoryAdapter
from tests.support.stack import Stack

NODE = "query($id: ID!) { node(id: $id) { id ... on Job { status updatedAt } ... on JobType { name } } }"


def first_with(stack: Stack, source: str, statuses: list[str]) -> str | None:
    body = stack.query(
        "query($f: JobFilter) { jobs(first: 1, filter: $f) { edges { node { id } } } }",
        {"f": {"sources": [source], "statuses": statuses}},
    )
    edges = body["data"]["jobs"]["edges"]
    return edges[0]["node"]["id"] if edges else None


def calls_for(stack: Stack, query: str, variables: dict[str, Any]) -> int:
    stack.calls.clear()
    body = stack.query(query, variables)
    assert "errors" not in body, body["errors"]
    return stack.upstream_calls()


@pytest.mark.parametrize("source", SOURCE_ORDER)
def test_a_final_job_is_fetched_once(stack: Stack, source: str) -> None:
    job = first_with(stack, source, ["SUCCEEDED", "FAILED", "CANCELED"])
    assert job is not None
    clear_cache(stack)
    assert calls_for(stack, NODE, {"id": job}) >= 1
    assert calls_for(stack, NODE, {"id": job}) == 0


@pytest.mark.parametrize("source", ["WORDLIFT", "LEIA", "SCALE", "AMPERITY"])
def test_a_job_still_running_is_fetched_every_time(stack: Stack, source: str) -> None:
    job = first_with(stack, source, ["RUNNING", "QUEUED", "PENDING"])
    if job is None:
        pytest.skip(f"no live {source} job at the frozen instant")
    clear_cache(stack)
    assert calls_for(stack, NODE, {"id": job}) >= 1
    assert calls_for(stack, NODE, {"id": job}) >= 1


def test_final_jobs_from_a_list_are_cached_too(stack: Stack) -> None:
    clear_cache(stack)
    body = stack.query("{ jobs(first: 30, filter: {sources: [SCALE, LEIA]}) { edges { node { id status } } } }")
    nodes = [e["node"] for e in body["data"]["jobs"]["edges"]]
    final = [n["id"] for n in nodes if n["status"] in ("SUCCEEDED", "FAILED", "CANCELED")]
    live = [n["id"] for n in nodes if n["id"] not in final]
    assert final
    nodes_query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    assert calls_for(stack, nodes_query, {"ids": final}) == 0
    if live:
        assert calls_for(stack, nodes_query, {"ids": live}) >= 1


def test_job_types_are_cached(stack: Stack) -> None:
    clear_cache(stack)
    query = "{ jobs(first: 50, filter: {sources: [SCALE]}) { edges { node { jobType { id name version } } } } }"
    stack.calls.clear()
    stack.query(query)
    assert stack.calls[("SCALE", "get_job_types")] == 1
    stack.calls.clear()
    body = stack.query(query)
    assert dict(stack.calls) == {("SCALE", "list_jobs"): 1}
    type_id = body["data"]["jobs"]["edges"][0]["node"]["jobType"]["id"]
    assert calls_for(stack, NODE, {"id": type_id}) == 0


# --- cache keys carry the credential scope (unit level) ----------------------------------


def _final_job(source: Source, status: JobStatus = JobStatus.SUCCEEDED) -> JobRecord:
    return JobRecord(source=source, native_id="j1", scope="s1", status=status, native_status="done")


def test_cache_keys_include_the_credential_scope() -> None:
    """Two tenants' gateways sharing one cache never see each other's records."""
    cache = RecordCache()
    tenant_a = MemoryAdapter(Source.SCALE, [_final_job(Source.SCALE)])
    tenant_b = MemoryAdapter(Source.SCALE, [_final_job(Source.SCALE, JobStatus.FAILED)])
    loaders_a = Loaders(Upstreams({Source.SCALE: tenant_a}, {Source.SCALE: "SCALE:aaaa"}), cache)
    loaders_b = Loaders(Upstreams({Source.SCALE: tenant_b}, {Source.SCALE: "SCALE:bbbb"}), cache)
    key = NativeKey("s1", "j1")

    async def scenario() -> tuple[JobRecord | None, JobRecord | None, JobRecord | None]:
        a = await loaders_a.job(Source.SCALE, key)
        b = await loaders_b.job(Source.SCALE, key)
        again = await Loaders(Upstreams({Source.SCALE: tenant_a}, {Source.SCALE: "SCALE:aaaa"}), cache).job(
            Source.SCALE, key
        )
        return a, b, again

    a, b, again = asyncio.run(scenario())
    assert a is not None and a.status is JobStatus.SUCCEEDED
    assert b is not None and b.status is JobStatus.FAILED  # not tenant A's cached record
    assert again == a
    assert tenant_a.calls == ["get_jobs"] and tenant_b.calls == ["get_jobs"]


def test_cache_scope_follows_the_credentials_and_hides_them() -> None:
    def scope(token: str) -> str:
        table = {"base_url": "http://127.0.0.1:9/api", "token": token}
        upstreams = build_upstreams(config_from_mapping({"sources": {"scale": table}}, {}))
        return upstreams.cache_scope(Source.SCALE)

    one, other = scope("secret-token-one"), scope("secret-token-two")
    assert one != other
    assert one == scope("secret-token-one")
    assert "secret" not in one and "secret" not in other


def test_cache_is_bounded_in_time_and_size() -> None:
    cache = RecordCache(maxsize=8, final_ttl_s=0.05, type_ttl_s=0.05)
    job_type = JobTypeRecord(source=Source.SCALE, native_id="t", scope="", name="t")
    cache.put("job", ("s", 1), _final_job(Source.SCALE))
    cache.put("job_type", ("s", 1), job_type)
    assert cache.get("job", ("s", 1)) is not None and cache.get("job_type", ("s", 1)) is not None
    time.sleep(0.1)
    assert cache.get("job", ("s", 1)) is None and cache.get("job_type", ("s", 1)) is None
    for i in range(50):
        cache.put("job", ("s", i), _final_job(Source.SCALE))
    assert sum(cache.get("job", ("s", i)) is not None for i in range(50)) <= 8
