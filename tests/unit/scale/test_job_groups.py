"""``list_job_groups``: the jobs of several Scale job types from one read, as each type's own list gives them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from adapters.base import JobQuery
from adapters.registry import source_settings
from adapters.scale import ScaleAdapter, build_adapter
from tests.unit.scale import examples as ex

BASE = "http://scale.test/api"
TOKEN = "0123456789abcdef0123456789abcdef01234567"
# Newest first, as Scale orders them; job types 1 and 2 interleaved, 7 jobs of type 1.
JOBS = [{**ex.JOB, "id": 100 - n, "job_type": {**ex.JOB["job_type"], "id": 1 if n % 3 else 2}} for n in range(10)]


def by_type(page_cap: int) -> Any:
    """``GET /v6/jobs/`` filtered by repeated ``job_type_id``, pages of at most ``page_cap``."""

    def answer(request: httpx.Request) -> httpx.Response:
        types = {int(t) for t in request.url.params.get_list("job_type_id")}
        rows = [j for j in JOBS if j["job_type"]["id"] in types]
        size = min(int(request.url.params["page_size"]), page_cap)
        number = int(request.url.params.get("page", "1"))
        if number > 1 and (number - 1) * size >= len(rows):
            return httpx.Response(404, json={"detail": "Invalid page."})
        return httpx.Response(200, json=ex.page(*rows[(number - 1) * size : number * size], count=len(rows)))

    return answer


@pytest.fixture
async def adapter() -> AsyncIterator[ScaleAdapter]:
    scale = build_adapter(source_settings("scale", {"base_url": BASE, "token": TOKEN}))
    yield scale
    await scale.aclose()


def of_type(type_id: str) -> JobQuery:
    return JobQuery(job_type_ids=frozenset({type_id}), scopes=frozenset({""}))


@respx.mock
async def test_one_read_answers_each_type_as_its_own_list_would(adapter: ScaleAdapter) -> None:
    route = respx.get(f"{BASE}/v6/jobs/").mock(side_effect=by_type(page_cap=1000))
    queries = [of_type("1"), of_type("2"), of_type("3"), JobQuery(job_type_ids=frozenset({"1"}), statuses=None)]
    grouped = await adapter.list_job_groups(queries, 2)
    assert route.call_count == 1
    assert sorted(route.calls[0].request.url.params.get_list("job_type_id")) == ["1", "2", "3"]
    for query, page in zip(queries, grouped, strict=True):
        own = await adapter.list_jobs(query, None, 2)
        assert page is not None
        assert [(e.record.native_id, e.position) for e in page.entries] == [
            (e.record.native_id, e.position) for e in own.entries
        ]
        assert (page.has_more, page.total) == (own.has_more, own.total)
        if page.entries:
            # The position continues that type's own list.
            after = await adapter.list_jobs(query, page.entries[-1].position, 100)
            assert after.entries[0].record.native_id not in {e.record.native_id for e in page.entries}


@respx.mock
async def test_more_jobs_than_one_page_leaves_each_type_to_its_own_read(adapter: ScaleAdapter) -> None:
    respx.get(f"{BASE}/v6/jobs/").mock(side_effect=by_type(page_cap=4))
    assert await adapter.list_job_groups([of_type("1"), of_type("2")], 2) == [None, None]


@respx.mock
async def test_other_queries_and_a_single_type_are_not_grouped(adapter: ScaleAdapter) -> None:
    route = respx.get(f"{BASE}/v6/jobs/").mock(side_effect=by_type(page_cap=1000))
    with_status = JobQuery(job_type_ids=frozenset({"2"}), statuses=frozenset())
    assert await adapter.list_job_groups([of_type("1"), with_status, JobQuery()], 2) == [None, None, None]
    assert route.call_count == 0
