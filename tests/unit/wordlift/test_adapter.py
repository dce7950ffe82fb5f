from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from adapters.base import JobQuery, JobTypeQuery, SubmitRequest
from adapters.errors import ErrorKind, UpstreamError
from adapters.model import JobRecord, JobStatus, NativeKey
from adapters.registry import source_settings
from adapters.settings import ConfigError
from adapters.wordlift import WordLiftAdapter, build_adapter
from tests.unit.wordlift.examples import JOB, JOB_ID, JOB_LIST, PROBLEM, SUBMIT_BODY, VALIDATION_ERROR, job

BASE = "https://api.wordlift.io"
KEY = "wl-secret-key-0123456789"
GRAPHS = ("1506805", "2000001")
JOBS_PATH = "/kpi/graphs/1506805/jobs"
PROBLEM_JSON = {"content-type": "application/problem+json"}


@pytest.fixture
async def adapter() -> AsyncIterator[WordLiftAdapter]:
    made = WordLiftAdapter(base_url=BASE, api_key=KEY, graphs=GRAPHS, timeout_s=2)
    yield made
    await made.aclose()


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


def _problem(status: int, title: str, detail: str) -> httpx.Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return httpx.Response(status, json=body, headers=PROBLEM_JSON)


class FakeGraphs:
    """Serves per-graph job lists with an opaque cursor, honouring ``limit`` like the upstream."""

    def __init__(self, jobs: dict[str, list[dict[str, Any]]]) -> None:
        self.jobs = jobs
        self.requests: list[tuple[str, int, str | None]] = []

    def __call__(self, request: httpx.Request, graph: str) -> httpx.Response:
        limit = int(request.url.params["limit"])
        cursor = request.url.params.get("cursor")
        self.requests.append((graph, limit, cursor))
        start = int(cursor.rpartition("|")[2]) if cursor else 0
        items = self.jobs[graph][start : start + limit]
        end = start + len(items)
        page = {"next_cursor": f"2026-03-14T06:43:42+00:00|idx|{end}"} if end < len(self.jobs[graph]) else {}
        return httpx.Response(200, json={"items": items, "page": page})


def _jobs(graph: str, count: int, failed_every: int = 0) -> list[dict[str, Any]]:
    return [
        job(
            job_id=f"job_20260313_{graph[-2:]}{i:06x}",
            graph_id=graph,
            status="failed" if failed_every and i % failed_every == 0 else "completed",
        )
        for i in range(count)
    ]


def _route_fake(api: respx.MockRouter, fake: FakeGraphs) -> None:
    api.get(path__regex=r"^/kpi/graphs/(?P<graph>[^/]+)/jobs$").mock(side_effect=fake)


async def _walk(adapter: WordLiftAdapter, query: JobQuery, limit: int) -> tuple[list[JobRecord], int]:
    seen: list[JobRecord] = []
    after: str | None = None
    pages = 0
    while True:
        page = await adapter.list_jobs(query, after, limit)
        pages += 1
        seen.extend(e.record for e in page.entries)
        assert page.total is None
        if not page.has_more:
            return seen, pages
        assert page.entries, "a page that has more must carry a position"
        after = page.entries[-1].position
        assert pages < 500


# --- auth -----------------------------------------------------------------------------


async def test_check_sends_key_prefix_and_accept(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    route = api.get(JOBS_PATH).respond(200, json=JOB_LIST)
    await adapter.check()
    request = route.calls.last.request
    assert request.headers["authorization"] == f"Key {KEY}"
    assert request.headers["accept"] == "application/json, application/problem+json"
    assert request.url.params["limit"] == "1"


async def test_a_key_given_with_its_prefix_is_not_prefixed_twice(api: respx.MockRouter) -> None:
    route = api.get(JOBS_PATH).respond(200, json=JOB_LIST)
    made = WordLiftAdapter(base_url=BASE, api_key=f"Key {KEY}", graphs=GRAPHS)
    await made.check()
    await made.aclose()
    assert route.calls.last.request.headers["authorization"] == f"Key {KEY}"


async def test_forbidden_key(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    api.get(JOBS_PATH).mock(return_value=httpx.Response(403, json=PROBLEM, headers=PROBLEM_JSON))
    with pytest.raises(UpstreamError) as info:
        await adapter.check()
    assert info.value.kind is ErrorKind.FORBIDDEN
    assert info.value.status == 403
    assert "Administrator access is required" in info.value.message


# --- listing --------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 7, 50])
async def test_paging_to_the_end_across_graphs(adapter: WordLiftAdapter, api: respx.MockRouter, limit: int) -> None:
    fake = FakeGraphs({"1506805": _jobs("1506805", 7), "2000001": _jobs("2000001", 5)})
    _route_fake(api, fake)
    seen, pages = await _walk(adapter, JobQuery(), limit)
    expected = [j["job_id"] for j in fake.jobs["1506805"] + fake.jobs["2000001"]]
    assert [r.native_id for r in seen] == expected
    assert [r.scope for r in seen] == ["1506805"] * 7 + ["2000001"] * 5
    # Never more than about a page of reads per page, and never everything at once.
    assert len(fake.requests) <= pages + 2
    assert all(requested <= max(limit, 1) for _, requested, _ in fake.requests)


async def test_positions_follow_the_native_cursor(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    fake = FakeGraphs({"1506805": _jobs("1506805", 3), "2000001": _jobs("2000001", 1)})
    _route_fake(api, fake)
    page = await adapter.list_jobs(JobQuery(), None, 2)
    assert page.has_more
    first, second = (e.position for e in page.entries)
    assert first == "0\x1f|1"
    # The last entry of a page resumes at the next native cursor, not by re-reading.
    assert second == "0\x1f2026-03-14T06:43:42+00:00|idx|2|0"
    await adapter.list_jobs(JobQuery(), second, 2)
    assert fake.requests[1] == ("1506805", 2, "2026-03-14T06:43:42+00:00|idx|2")
    assert fake.requests[2] == ("2000001", 1, None)


async def test_resuming_mid_page_skips_what_was_returned(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    fake = FakeGraphs({"1506805": _jobs("1506805", 4), "2000001": []})
    _route_fake(api, fake)
    page = await adapter.list_jobs(JobQuery(), "0\x1f|1", 2)
    assert [e.record.native_id for e in page.entries] == [j["job_id"] for j in fake.jobs["1506805"][1:3]]
    assert fake.requests[0] == ("1506805", 3, None)


async def test_status_filter_is_applied_here_without_gaps(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    fake = FakeGraphs({"1506805": _jobs("1506805", 60, failed_every=7), "2000001": _jobs("2000001", 9, failed_every=4)})
    _route_fake(api, fake)
    seen, _ = await _walk(adapter, JobQuery(statuses=frozenset({JobStatus.FAILED})), 2)
    expected = [j["job_id"] for j in fake.jobs["1506805"] + fake.jobs["2000001"] if j["status"] == "failed"]
    assert [r.native_id for r in seen] == expected
    assert all(r.status is JobStatus.FAILED for r in seen)


async def test_updated_filter(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    fake = FakeGraphs({"1506805": [job(job_id="a"), job(job_id="b", heartbeat_at="2026-04-01T00:00:00Z")]})
    fake.jobs["2000001"] = []
    _route_fake(api, fake)
    query = JobQuery(updated_after=datetime(2026, 3, 20, tzinfo=UTC))
    page = await adapter.list_jobs(query, None, 10)
    assert [e.record.native_id for e in page.entries] == ["b"]


async def test_filters_that_cannot_match_make_no_call(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    route = api.get(path__regex=r".*").respond(200, json=JOB_LIST)
    for query in (
        JobQuery(job_type_ids=frozenset({"other"})),
        JobQuery(created_after=datetime(2026, 1, 1, tzinfo=UTC)),
        JobQuery(parent_id="x"),
        JobQuery(scopes=frozenset({"999"})),
    ):
        page = await adapter.list_jobs(query, None, 10)
        assert (list(page.entries), page.has_more) == ([], False)
    assert route.call_count == 0


async def test_scope_filter_reads_only_that_graph(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    fake = FakeGraphs({"1506805": _jobs("1506805", 2), "2000001": _jobs("2000001", 2)})
    _route_fake(api, fake)
    page = await adapter.list_jobs(JobQuery(scopes=frozenset({"2000001"}), job_type_ids=frozenset({"kpi"})), None, 5)
    assert {e.record.scope for e in page.entries} == {"2000001"}
    assert {graph for graph, _, _ in fake.requests} == {"2000001"}


@pytest.mark.parametrize("bad", ["garbage", "0\x1fno-separator", "x\x1f|1", "0\x1f|-3", "1\x1fcur|9z"])
async def test_malformed_positions_are_invalid(adapter: WordLiftAdapter, api: respx.MockRouter, bad: str) -> None:
    route = api.get(path__regex=r".*").respond(200, json=JOB_LIST)
    with pytest.raises(UpstreamError) as info:
        await adapter.list_jobs(JobQuery(), bad, 5)
    assert info.value.kind is ErrorKind.INVALID
    assert route.call_count == 0


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text='{"items": [', headers={"content-type": "application/json"}),
        httpx.Response(200, text="<html>maintenance</html>", headers={"content-type": "text/html"}),
        httpx.Response(200, json={"jobs": []}),
        httpx.Response(200, json={"items": [{"job_id": "x"}], "page": {}}),
    ],
)
async def test_unreadable_list_is_bad_response(
    adapter: WordLiftAdapter, api: respx.MockRouter, response: httpx.Response
) -> None:
    api.get(JOBS_PATH).mock(return_value=response)
    with pytest.raises(UpstreamError) as info:
        await adapter.list_jobs(JobQuery(), None, 5)
    assert info.value.kind is ErrorKind.BAD_RESPONSE


async def test_a_cursor_that_does_not_move_is_bad_response(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    stuck = {"items": [job(status="completed")], "page": {"next_cursor": "same"}}
    api.get(JOBS_PATH).respond(200, json=stuck)
    with pytest.raises(UpstreamError) as info:
        await adapter.list_jobs(JobQuery(statuses=frozenset({JobStatus.FAILED})), "0\x1fsame|0", 5)
    assert info.value.kind is ErrorKind.BAD_RESPONSE


async def test_list_422_is_invalid(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    detail = {"detail": [{"type": "greater_than_equal", "loc": ["query", "limit"], "msg": "too small", "input": "0"}]}
    api.get(JOBS_PATH).respond(422, json=detail)
    with pytest.raises(UpstreamError) as info:
        await adapter.list_jobs(JobQuery(), None, 5)
    assert info.value.kind is ErrorKind.INVALID
    assert info.value.field_errors[0].path == ("limit",)


# --- get ------------------------------------------------------------------------------


async def test_get_jobs_one_answer_per_key_in_order(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    found = api.get(f"{JOBS_PATH}/{JOB_ID}").respond(200, json=JOB)
    api.get(f"{JOBS_PATH}/job_missing").mock(return_value=_problem(404, "Not Found", "Job job_missing not found."))
    keys = [
        NativeKey("1506805", JOB_ID),
        NativeKey("1506805", "job_missing"),
        NativeKey("424242", JOB_ID),
        NativeKey("1506805", JOB_ID),
    ]
    answers = await adapter.get_jobs(keys)
    assert isinstance(answers[0], JobRecord) and answers[0].native_id == JOB_ID
    assert isinstance(answers[1], UpstreamError) and answers[1].kind is ErrorKind.NOT_FOUND
    assert isinstance(answers[2], UpstreamError) and answers[2].kind is ErrorKind.NOT_FOUND
    assert answers[3] is answers[0]
    assert found.call_count == 1


async def test_ids_are_escaped_in_paths(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    route = api.get(path__regex=r".*").mock(return_value=_problem(404, "Not Found", "nope"))
    [answer] = await adapter.get_jobs([NativeKey("1506805", "../../admin")])
    assert isinstance(answer, UpstreamError)
    assert route.calls.last.request.url.raw_path == b"/kpi/graphs/1506805/jobs/..%2F..%2Fadmin"


# --- submit / rerun / cancel ------------------------------------------------------------


async def test_submit_sends_the_params_as_body(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    route = api.post(JOBS_PATH).respond(202, json=JOB)
    record = await adapter.submit_job(SubmitRequest("1506805", SUBMIT_BODY))
    assert json.loads(route.calls.last.request.content) == SUBMIT_BODY
    assert route.calls.last.request.headers["authorization"] == f"Key {KEY}"
    assert record.native_id == JOB_ID
    assert record.status is JobStatus.SUCCEEDED


async def test_submit_clone_answer(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    clone = job(stage="clone", stage_timings_json={"clone": 0.4}, documents_seen=None, issues_written=None)
    api.post(JOBS_PATH).respond(202, json=clone)
    record = await adapter.submit_job(SubmitRequest("1506805", {"snapshot_date": "2026-03-13"}))
    assert record.status is JobStatus.SUCCEEDED
    assert record.raw["stage"] == "clone"


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (_problem(409, "Conflict", "Job job_x is already running; set force_rerun=true."), ErrorKind.CONFLICT),
        (_problem(400, "Bad Request", "snapshot_date is in the future."), ErrorKind.INVALID),
        (_problem(403, "Forbidden", "The API key is not authorized for graph 1506805."), ErrorKind.FORBIDDEN),
        (_problem(404, "Not Found", "Graph 1506805 not found."), ErrorKind.NOT_FOUND),
        (httpx.Response(422, json=VALIDATION_ERROR), ErrorKind.INVALID),
        (_problem(503, "Service Unavailable", "down"), ErrorKind.UNAVAILABLE),
    ],
)
async def test_submit_errors(
    adapter: WordLiftAdapter, api: respx.MockRouter, response: httpx.Response, kind: ErrorKind
) -> None:
    route = api.post(JOBS_PATH).mock(return_value=response)
    with pytest.raises(UpstreamError) as info:
        await adapter.submit_job(SubmitRequest("1506805", {"snapshot_date": "2026-03-13"}))
    assert info.value.kind is kind
    assert info.value.status == response.status_code
    # A submit is never retried: a lost answer must not start a second job.
    assert route.call_count == 1


async def test_submit_422_field_errors(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    api.post(JOBS_PATH).respond(422, json=VALIDATION_ERROR)
    with pytest.raises(UpstreamError) as info:
        await adapter.submit_job(SubmitRequest("1506805", {"snapshot_date": "2026-03-13"}))
    assert [f.path for f in info.value.field_errors] == [("stage_retries",), ("colour",)]


async def test_submit_validates_before_calling(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    route = api.post(path__regex=r".*").respond(202, json=JOB)
    with pytest.raises(UpstreamError) as info:
        await adapter.submit_job(SubmitRequest("1506805", {"snapshot_date": "yesterday", "colour": "red"}))
    assert info.value.kind is ErrorKind.INVALID
    assert {f.path for f in info.value.field_errors} == {("snapshot_date",), ("colour",)}
    with pytest.raises(UpstreamError) as info:
        await adapter.submit_job(SubmitRequest("999", {"snapshot_date": "2026-03-13"}))
    assert info.value.field_errors[0].path == ("scope",)
    assert route.call_count == 0


async def test_rerun_resubmits_the_day_with_force(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    api.get(f"{JOBS_PATH}/{JOB_ID}").respond(200, json=JOB)
    post = api.post(JOBS_PATH).respond(202, json=job(job_id="job_20260314_0000beef", status="queued"))
    record = await adapter.rerun_job(NativeKey("1506805", JOB_ID))
    assert json.loads(post.calls.last.request.content) == {"snapshot_date": "2026-03-13", "force_rerun": True}
    assert (record.native_id, record.status) == ("job_20260314_0000beef", JobStatus.QUEUED)


async def test_rerun_repeats_the_options_a_job_was_submitted_with(
    adapter: WordLiftAdapter, api: respx.MockRouter
) -> None:
    options = {"skip_validation": True, "limit_urls": 50, "stage_retries": 2}
    api.post(JOBS_PATH).mock(
        side_effect=[
            httpx.Response(202, json=job(job_id=JOB_ID, status="queued")),
            httpx.Response(202, json=job(job_id="job_20260314_0000beef", status="queued")),
        ]
    )
    await adapter.submit_job(SubmitRequest("1506805", {"snapshot_date": "2026-03-13", **options}))
    api.get(f"{JOBS_PATH}/{JOB_ID}").respond(200, json=JOB)
    await adapter.rerun_job(NativeKey("1506805", JOB_ID))
    sent = json.loads(api.calls.last.request.content)
    assert sent == {"snapshot_date": "2026-03-13", "force_rerun": True, **options}


async def test_a_submit_stands_when_its_options_cannot_be_kept(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    class Broken:
        async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
            raise RuntimeError("store down")

        async def set(self, key: str, value: bytes, *, ttl_s: float | None = None) -> None:
            raise RuntimeError("store down")

    adapter.use_memory(Broken())
    api.post(JOBS_PATH).respond(202, json=job(job_id=JOB_ID, status="queued"))
    record = await adapter.submit_job(SubmitRequest("1506805", {"snapshot_date": "2026-03-13"}))
    assert record.native_id == JOB_ID


async def test_rerun_of_a_missing_job(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    api.get(f"{JOBS_PATH}/job_gone").mock(return_value=_problem(404, "Not Found", "gone"))
    post = api.post(JOBS_PATH).respond(202, json=JOB)
    with pytest.raises(UpstreamError) as info:
        await adapter.rerun_job(NativeKey("1506805", "job_gone"))
    assert info.value.kind is ErrorKind.NOT_FOUND
    assert post.call_count == 0


async def test_cancel_is_not_supported(adapter: WordLiftAdapter) -> None:
    with pytest.raises(UpstreamError) as info:
        await adapter.cancel_job(NativeKey("1506805", JOB_ID))
    assert info.value.kind is ErrorKind.NOT_SUPPORTED
    assert not adapter.capabilities.cancel


# --- secrets ----------------------------------------------------------------------------


async def test_no_credential_in_any_error(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    echo = _problem(403, "Forbidden", f"Key {KEY} is not valid for graph 1506805")
    api.get(JOBS_PATH).mock(return_value=echo)
    api.get(f"{JOBS_PATH}/x").mock(return_value=echo)
    leaky_422 = {"detail": [{"type": "x", "loc": ["header", "authorization"], "msg": f"bad Key {KEY}"}]}
    api.post(JOBS_PATH).respond(422, json=leaky_422)
    errors: list[UpstreamError] = []
    for call in (
        adapter.check(),
        adapter.list_jobs(JobQuery(), None, 3),
        adapter.submit_job(SubmitRequest("1506805", {"snapshot_date": "2026-03-13"})),
    ):
        with pytest.raises(UpstreamError) as info:
            await call
        errors.append(info.value)
    [got] = await adapter.get_jobs([NativeKey("1506805", "x")])
    assert isinstance(got, UpstreamError)
    errors.append(got)
    for err in errors:
        text = f"{err} {err!r} {err.message} {[f.message for f in err.field_errors]}"
        assert KEY not in text


# --- job types ----------------------------------------------------------------------------


async def test_job_types_are_synthetic(adapter: WordLiftAdapter, api: respx.MockRouter) -> None:
    route = api.get(path__regex=r".*").respond(200, json=JOB_LIST)
    page = await adapter.list_job_types(JobTypeQuery(), None, 1)
    assert [(e.record.scope, e.record.native_id) for e in page.entries] == [("1506805", "kpi")]
    assert (page.has_more, page.total) == (True, 2)
    rest = await adapter.list_job_types(JobTypeQuery(), page.entries[-1].position, 5)
    assert [e.record.scope for e in rest.entries] == ["2000001"]
    assert not rest.has_more
    assert (await adapter.list_job_types(JobTypeQuery(name="other"), None, 5)).total == 0
    with pytest.raises(UpstreamError):
        await adapter.list_job_types(JobTypeQuery(), "x", 5)
    found, missing, elsewhere = await adapter.get_job_types(
        [NativeKey("2000001", "kpi"), NativeKey("2000001", "crawl"), NativeKey("1", "kpi")]
    )
    assert not isinstance(found, UpstreamError) and found.title == "KPI snapshot"
    assert isinstance(missing, UpstreamError) and missing.kind is ErrorKind.NOT_FOUND
    assert isinstance(elsewhere, UpstreamError)
    assert route.call_count == 0


# --- configuration --------------------------------------------------------------------------


def test_build_adapter_reads_the_table() -> None:
    settings = source_settings(
        "wordlift",
        {"base_url": BASE + "/", "api_key_env": "WL_KEY", "graphs": ["1506805", 2000001], "timeout_s": 3},
        environ={"WL_KEY": KEY},
    )
    made = build_adapter(settings)
    assert made.scopes == ("1506805", "2000001")
    assert made.client.http.headers["authorization"] == f"Key {KEY}"
    assert str(made.client.http.base_url) == BASE


def test_build_adapter_reports_every_problem() -> None:
    with pytest.raises(ConfigError) as info:
        build_adapter(source_settings("wordlift", {"base_url": "ftp://x"}, environ={}))
    message = str(info.value)
    for key in ("base_url", "api_key", "graphs"):
        assert key in message
