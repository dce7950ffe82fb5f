from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

from adapters.amperity import AmperityAdapter, build_adapter
from adapters.amperity.translate import parse_time
from adapters.base import Adapter, IngestRunQuery, JobQuery, JobTypeQuery, SubmitRequest
from adapters.errors import ErrorKind, UpstreamError
from adapters.model import JobStatus, NativeKey
from adapters.registry import source_settings
from adapters.settings import ConfigError
from tests.unit.amperity.examples import ERROR_DOCS, ERROR_SPEC, SEED_JOB, job, table

BASE = "https://app.amperity.com/api"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.sEcReT-ToKeN-value.sig"
TENANT = "socktown"
SERVER_NOW = datetime(2026, 11, 2, 12, 0, 0, tzinfo=UTC)
DATE = "Mon, 02 Nov 2026 12:00:00 GMT"


def at(minutes_ago: float) -> str:
    moment = SERVER_NOW - timedelta(minutes=minutes_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def reply(body: Any, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers={"date": DATE, **headers})


def window_server(jobs: list[dict[str, Any]], *, total_bonus: int = 0) -> Callable[[httpx.Request], httpx.Response]:
    """Answers ``GET /ingest/jobs`` like Amperity: jobs whose first table started inside the window."""

    def handler(request: httpx.Request) -> httpx.Response:
        lo = parse_time(request.url.params["created_from"])
        hi = parse_time(request.url.params["created_to"])
        assert lo is not None and hi is not None
        assert hi - lo <= timedelta(days=7)
        data = [j for j in jobs if lo <= first_start(j) < hi]
        return reply({"data": data, "total": len(data) + total_bonus, "next_token": "ZVEy1iwsKBs9a6H"})

    return handler


def first_start(raw: dict[str, Any]) -> datetime:
    starts = [parse_time(t["started_at"]) for t in raw["tables"]]
    return min(s for s in starts if s is not None)


def five_jobs() -> list[dict[str, Any]]:
    states = ["succeeded", "running", "failed", "succeeded", "scheduled"]
    return [job(f"isj-2026110{n}-0000{n}-AbCdE{n}", table(state, at(10 * (n + 1)))) for n, state in enumerate(states)]


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture
async def adapter() -> AsyncIterator[AmperityAdapter]:
    built = build_adapter(source_settings("amperity", {"base_url": BASE, "token": TOKEN, "tenant": TENANT}))
    built.clock.observe_date(DATE)
    yield built
    await built.aclose()


def test_is_an_adapter(adapter: AmperityAdapter) -> None:
    assert isinstance(adapter, Adapter)
    assert adapter.scopes == (TENANT,)
    caps = adapter.capabilities
    assert caps.cancel and caps.ingest_runs and caps.job_types and caps.total_count and caps.filter_time
    assert caps.batch_get_jobs
    assert not (caps.submit or caps.rerun or caps.filter_status)


async def test_list_is_one_call_for_a_seven_day_window_with_auth(
    adapter: AmperityAdapter, mock: respx.MockRouter
) -> None:
    route = mock.get("/ingest/jobs").mock(side_effect=window_server(five_jobs()))
    page = await adapter.list_jobs(JobQuery(), None, 10)
    assert route.call_count == 1
    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["amperity-tenant"] == TENANT
    assert request.headers["api-version"] == "2024-04-01"
    params = request.url.params
    assert params["with_total"] == "true"
    end = parse_time(params["created_to"])
    # Just ahead of the server's now, rounded up to the whole second (so lists coalesce).
    assert end is not None and timedelta(seconds=1) <= end - SERVER_NOW <= timedelta(seconds=2)
    assert end.microsecond == 0
    assert parse_time(params["created_from"]) == end - timedelta(days=7)
    assert [e.record.native_id[-6:] for e in page.entries] == ["AbCdE0", "AbCdE1", "AbCdE2", "AbCdE3", "AbCdE4"]
    assert page.total == 5 and page.has_more is False
    assert [e.record.status for e in page.entries] == [
        JobStatus.SUCCEEDED,
        JobStatus.RUNNING,
        JobStatus.FAILED,
        JobStatus.SUCCEEDED,
        JobStatus.QUEUED,
    ]


async def test_paging_resumes_in_the_same_window_and_narrows_it(
    adapter: AmperityAdapter, mock: respx.MockRouter
) -> None:
    jobs = five_jobs()
    route = mock.get("/ingest/jobs").mock(side_effect=window_server(jobs))
    first = await adapter.list_jobs(JobQuery(), None, 2)
    assert first.has_more and first.total == 5
    after: str | None
    window_from = route.calls.last.request.url.params["created_from"]
    # A job starting after the first page must not shift the list.
    jobs.insert(0, job("isj-20261102-99999-NewNew", table("running", at(-0.5))))
    seen = [e.record.native_id for e in first.entries]
    after = first.entries[-1].position
    while after is not None:
        page = await adapter.list_jobs(JobQuery(), after, 2)
        assert page.total is None
        params = route.calls.last.request.url.params
        assert params["created_from"] == window_from
        last_start = first_start(next(j for j in jobs if j["id"] == seen[-1]))
        assert parse_time(params["created_to"]) == last_start + timedelta(milliseconds=1)
        seen += [e.record.native_id for e in page.entries]
        after = page.entries[-1].position if page.has_more else None
    assert seen == [j["id"] for j in five_jobs()]


async def test_ties_on_start_time_page_by_id(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    jobs = [job(f"isj-20261102-1000{n}-Tie00{n}", table("succeeded", at(5))) for n in range(4)]
    mock.get("/ingest/jobs").mock(side_effect=window_server(jobs))
    seen: list[str] = []
    after = None
    while True:
        page = await adapter.list_jobs(JobQuery(), after, 1)
        seen += [e.record.native_id for e in page.entries]
        if not page.has_more:
            break
        after = page.entries[-1].position
    assert seen == sorted((j["id"] for j in jobs), reverse=True)


async def test_statuses_are_filtered_locally_with_an_exact_total(
    adapter: AmperityAdapter, mock: respx.MockRouter
) -> None:
    mock.get("/ingest/jobs").mock(side_effect=window_server(five_jobs()))
    page = await adapter.list_jobs(JobQuery(statuses=frozenset({JobStatus.SUCCEEDED})), None, 1)
    assert len(page.entries) == 1 and page.has_more and page.total == 2
    rest = await adapter.list_jobs(JobQuery(statuses=frozenset({JobStatus.SUCCEEDED})), page.entries[0].position, 5)
    assert [e.record.status for e in rest.entries] == [JobStatus.SUCCEEDED] and not rest.has_more


@pytest.mark.parametrize(
    "query",
    [JobQuery(scopes=frozenset({"other-tenant"})), JobQuery(job_type_ids=frozenset({"campaign"}))],
)
async def test_queries_outside_this_source_make_no_call(
    adapter: AmperityAdapter, mock: respx.MockRouter, query: JobQuery
) -> None:
    route = mock.get("/ingest/jobs")
    page = await adapter.list_jobs(query, None, 10)
    assert (list(page.entries), page.has_more, page.total) == ([], False, 0)
    assert not route.called


async def test_time_filters_narrow_the_window(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    route = mock.get("/ingest/jobs").mock(side_effect=window_server(five_jobs()))
    after = SERVER_NOW - timedelta(minutes=35)
    before = SERVER_NOW - timedelta(minutes=15, microseconds=500)
    page = await adapter.list_jobs(JobQuery(created_after=after, updated_before=before), None, 10)
    params = route.calls.last.request.url.params
    assert params["created_from"] == "2026-11-02T11:25:00.000Z"
    assert params["created_to"] == "2026-11-02T11:45:00.000Z"
    assert [e.record.native_id[-6:] for e in page.entries] == ["AbCdE1", "AbCdE2"]


async def test_an_empty_time_range_makes_no_call(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    route = mock.get("/ingest/jobs")
    page = await adapter.list_ingest_runs(
        IngestRunQuery(started_after=SERVER_NOW - timedelta(days=30), started_before=SERVER_NOW - timedelta(days=20)),
        None,
        10,
    )
    assert list(page.entries) == [] and not route.called


async def test_ingest_runs_list_and_started_filters(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    route = mock.get("/ingest/jobs").mock(side_effect=window_server(five_jobs()))
    page = await adapter.list_ingest_runs(IngestRunQuery(states=frozenset({JobStatus.RUNNING})), None, 10)
    assert [(e.record.native_id[-6:], e.record.job_id == e.record.native_id) for e in page.entries] == [
        ("AbCdE1", True)
    ]
    await adapter.list_ingest_runs(IngestRunQuery(started_before=SERVER_NOW - timedelta(minutes=25)), None, 10)
    assert route.calls.last.request.url.params["created_to"] == "2026-11-02T11:35:00.000Z"


@pytest.mark.parametrize("after", ["nope", "2026-11-02T12:00:01.000Z|x|isj-1", "a|b"])
async def test_malformed_position_is_invalid(adapter: AmperityAdapter, after: str) -> None:
    with pytest.raises(UpstreamError) as caught:
        await adapter.list_jobs(JobQuery(), after, 10)
    assert caught.value.kind is ErrorKind.INVALID


async def test_a_cut_off_answer_gives_no_total(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    mock.get("/ingest/jobs").mock(side_effect=window_server(five_jobs(), total_bonus=3))
    page = await adapter.list_jobs(JobQuery(), None, 10)
    assert len(page.entries) == 5 and page.total is None


async def test_first_list_with_an_unknown_clock_asks_the_servers_window() -> None:
    fresh = build_adapter(source_settings("amperity", {"base_url": BASE, "token": TOKEN, "tenant": TENANT}))
    with respx.mock(base_url=BASE) as router:
        route = router.get("/ingest/jobs").mock(side_effect=window_server(five_jobs()))
        page = await fresh.list_jobs(JobQuery(), None, 10)
    await fresh.aclose()
    assert route.call_count == 2
    assert len(page.entries) == 5
    end = parse_time(route.calls.last.request.url.params["created_to"])
    # Just ahead of the server's now, rounded up to the whole second (so lists coalesce).
    assert end is not None and timedelta(seconds=1) <= end - SERVER_NOW <= timedelta(seconds=2)
    assert end.microsecond == 0


@pytest.mark.parametrize(
    "body",
    [{"items": []}, {"data": {}}, {"data": [{"tables": []}]}, [1, 2]],
)
async def test_wrong_list_shape_is_bad_response(adapter: AmperityAdapter, mock: respx.MockRouter, body: object) -> None:
    mock.get("/ingest/jobs").mock(return_value=reply(body))
    with pytest.raises(UpstreamError) as caught:
        await adapter.list_jobs(JobQuery(), None, 10)
    assert caught.value.kind is ErrorKind.BAD_RESPONSE


async def test_malformed_json_is_bad_response(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    mock.get("/ingest/jobs").mock(return_value=httpx.Response(200, content=b'{"data": [', headers={"date": DATE}))
    with pytest.raises(UpstreamError) as caught:
        await adapter.list_jobs(JobQuery(), None, 10)
    assert caught.value.kind is ErrorKind.BAD_RESPONSE
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, ErrorKind.INVALID),
        (401, ErrorKind.UNAUTHENTICATED),
        (403, ErrorKind.FORBIDDEN),
        (404, ErrorKind.NOT_FOUND),
        (405, ErrorKind.NOT_SUPPORTED),
        (409, ErrorKind.CONFLICT),
        (500, ErrorKind.UNAVAILABLE),
        (503, ErrorKind.UNAVAILABLE),
    ],
)
@pytest.mark.parametrize("shape", [ERROR_SPEC, ERROR_DOCS])
async def test_error_shapes(
    adapter: AmperityAdapter, mock: respx.MockRouter, status: int, kind: ErrorKind, shape: dict[str, Any]
) -> None:
    body = {**shape, "status": status, "message": f"{shape['message']} for token {TOKEN}"}
    mock.get("/ingest/jobs/isj-1").mock(return_value=reply(body, status))
    (answer,) = await adapter.get_jobs([NativeKey(TENANT, "isj-1")])
    assert isinstance(answer, UpstreamError)
    assert answer.kind is kind and answer.status == status
    assert shape["message"] in answer.message
    assert TOKEN not in answer.message and TOKEN not in repr(answer)
    if "request_id" in shape:
        assert shape["request_id"] in answer.message


async def test_non_json_error_body(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    mock.get("/ingest/jobs/isj-1").mock(return_value=httpx.Response(502, text="<html>Bad gateway</html>"))
    (answer,) = await adapter.get_jobs([NativeKey(TENANT, "isj-1")])
    assert isinstance(answer, UpstreamError) and answer.kind is ErrorKind.UNAVAILABLE


async def test_429_is_retried_after_retry_after(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    route = mock.get("/ingest/jobs/isj-1f73r9u2").mock(
        side_effect=[
            reply({"status": 429, "message": "Too many requests"}, 429, **{"retry-after": "0"}),
            reply(SEED_JOB),
        ]
    )
    (answer,) = await adapter.get_jobs([NativeKey(TENANT, "isj-1f73r9u2")])
    assert route.call_count == 2
    assert not isinstance(answer, UpstreamError) and answer.status is JobStatus.SUCCEEDED


async def test_get_jobs_one_answer_per_key_in_order(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    found = mock.get("/ingest/jobs/isj-1f73r9u2").mock(return_value=reply(SEED_JOB))
    mock.get("/ingest/jobs/isj-missing").mock(return_value=reply({"status": 404, "message": "Not found"}, 404))
    keys = [
        NativeKey(TENANT, "isj-1f73r9u2"),
        NativeKey(TENANT, "isj-missing"),
        NativeKey(TENANT, "isj-1f73r9u2"),
        NativeKey("other", "isj-1f73r9u2"),
    ]
    answers = await adapter.get_jobs(keys)
    assert found.call_count == 1
    assert [type(a).__name__ for a in answers] == ["JobRecord", "UpstreamError", "JobRecord", "UpstreamError"]
    assert isinstance(answers[1], UpstreamError) and answers[1].kind is ErrorKind.NOT_FOUND
    assert isinstance(answers[3], UpstreamError) and answers[3].kind is ErrorKind.NOT_FOUND
    runs = await adapter.get_ingest_runs([NativeKey(TENANT, "isj-1f73r9u2")])
    assert not isinstance(runs[0], UpstreamError) and runs[0].workflow_id == "wf-20240618-3423-b45"


def recent_jobs() -> list[dict[str, Any]]:
    return [job(f"isj-20261102-1111{n}-Recen{n}", table("running", at(30 + n))) for n in range(4)]


async def test_many_recent_ids_come_from_one_window_call(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    jobs = recent_jobs()
    listing = mock.get("/ingest/jobs").mock(side_effect=window_server(jobs))
    old = mock.get("/ingest/jobs/isj-20261001-22222-OldOne").mock(
        return_value=reply({**SEED_JOB, "id": "isj-20261001-22222-OldOne"})
    )
    gone = mock.get("/ingest/jobs/isj-20261102-33333-NotYet").mock(
        return_value=reply({"status": 404, "message": "nf"}, 404)
    )
    keys = [NativeKey(TENANT, j["id"]) for j in jobs]
    keys += [NativeKey(TENANT, "isj-20261001-22222-OldOne"), NativeKey(TENANT, "isj-20261102-33333-NotYet")]
    answers = await adapter.get_jobs(keys)
    assert listing.call_count == 1 and old.call_count == 1 and gone.call_count == 1
    params = listing.calls.last.request.url.params
    assert params["created_from"] == "2026-11-01T00:00:00.000Z"
    assert [getattr(a, "native_id", None) for a in answers[:4]] == [j["id"] for j in jobs]
    assert isinstance(answers[5], UpstreamError) and answers[5].kind is ErrorKind.NOT_FOUND


async def test_few_ids_use_single_gets(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    jobs = recent_jobs()[:2]
    listing = mock.get("/ingest/jobs")
    for j in jobs:
        mock.get(f"/ingest/jobs/{j['id']}").mock(return_value=reply(j))
    answers = await adapter.get_jobs([NativeKey(TENANT, j["id"]) for j in jobs])
    assert not listing.called and all(not isinstance(a, UpstreamError) for a in answers)


async def test_a_failing_window_call_fails_its_keys(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    jobs = recent_jobs()
    mock.get("/ingest/jobs").mock(return_value=reply({"status": 403, "message": "no"}, 403))
    single = mock.get(url__regex=r".*/ingest/jobs/isj-.*")
    answers = await adapter.get_jobs([NativeKey(TENANT, j["id"]) for j in jobs])
    assert all(isinstance(a, UpstreamError) and a.kind is ErrorKind.FORBIDDEN for a in answers)
    assert not single.called


async def test_a_malformed_window_falls_back_to_single_gets(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    jobs = recent_jobs()
    mock.get("/ingest/jobs").mock(return_value=reply({"data": "oops"}))
    for j in jobs:
        mock.get(f"/ingest/jobs/{j['id']}").mock(return_value=reply(j))
    answers = await adapter.get_jobs([NativeKey(TENANT, j["id"]) for j in jobs])
    assert [getattr(a, "native_id", None) for a in answers] == [j["id"] for j in jobs]


async def test_ids_are_path_quoted(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    route = mock.get(url__regex=r".*/ingest/jobs/.*").mock(return_value=reply({"status": 404, "message": "nf"}, 404))
    await adapter.get_jobs([NativeKey(TENANT, "../workflow/runs")])
    assert route.calls.last.request.url.raw_path.endswith(b"/ingest/jobs/..%2Fworkflow%2Fruns")


def _running(job_id: str = "isj-20261102-12345-Runnin") -> dict[str, Any]:
    return job(job_id, table("running", at(5)), workflow_id="wf-20261102-55555-Wflow1")


async def test_cancel_stops_the_workflow(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    stopped = job("isj-20261102-12345-Runnin", table("stopping", at(5)), workflow_id="wf-20261102-55555-Wflow1")
    read = mock.get("/ingest/jobs/isj-20261102-12345-Runnin").mock(side_effect=[reply(_running()), reply(stopped)])
    stop = mock.post("/workflow/runs/wf-20261102-55555-Wflow1/stop").mock(
        return_value=reply({"id": "wf-20261102-55555-Wflow1", "state": "canceling"})
    )
    record = await adapter.cancel_job(NativeKey(TENANT, "isj-20261102-12345-Runnin"))
    assert read.call_count == 2 and stop.call_count == 1
    assert stop.calls.last.request.content == b""
    assert stop.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert record.native_status == "stopping" and record.status is JobStatus.RUNNING


async def test_cancel_of_a_final_job_is_a_conflict(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    mock.get("/ingest/jobs/isj-1f73r9u2").mock(return_value=reply(SEED_JOB))
    stop = mock.post(url__regex=r".*/stop$")
    with pytest.raises(UpstreamError) as caught:
        await adapter.cancel_job(NativeKey(TENANT, "isj-1f73r9u2"))
    assert caught.value.kind is ErrorKind.CONFLICT and "succeeded" in caught.value.message
    assert not stop.called


@pytest.mark.parametrize(
    ("status", "kind"),
    [(409, ErrorKind.CONFLICT), (400, ErrorKind.CONFLICT), (404, ErrorKind.NOT_FOUND), (500, ErrorKind.UNAVAILABLE)],
)
async def test_cancel_stop_failures(
    adapter: AmperityAdapter, mock: respx.MockRouter, status: int, kind: ErrorKind
) -> None:
    mock.get("/ingest/jobs/isj-20261102-12345-Runnin").mock(return_value=reply(_running()))
    stop = mock.post("/workflow/runs/wf-20261102-55555-Wflow1/stop").mock(
        return_value=reply({"status": status, "message": "nope"}, status)
    )
    with pytest.raises(UpstreamError) as caught:
        await adapter.cancel_job(NativeKey(TENANT, "isj-20261102-12345-Runnin"))
    assert caught.value.kind is kind
    assert stop.call_count == 1  # a POST is never retried


async def test_cancel_survives_a_failed_re_read(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    mock.get("/ingest/jobs/isj-20261102-12345-Runnin").mock(
        side_effect=[reply(_running()), reply({"status": 403, "message": "no"}, 403)]
    )
    mock.post("/workflow/runs/wf-20261102-55555-Wflow1/stop").mock(return_value=reply({"id": "wf"}))
    record = await adapter.cancel_job(NativeKey(TENANT, "isj-20261102-12345-Runnin"))
    assert record.status is JobStatus.RUNNING and record.can_cancel is False


async def test_submit_and_rerun_are_not_supported(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    with pytest.raises(UpstreamError) as submit:
        await adapter.submit_job(SubmitRequest(scope=TENANT, params={"config_id": "cg-1"}))
    assert submit.value.kind is ErrorKind.NOT_SUPPORTED and "read-only" in submit.value.message
    with pytest.raises(UpstreamError) as rerun:
        await adapter.rerun_job(NativeKey(TENANT, "isj-1"))
    assert rerun.value.kind is ErrorKind.NOT_SUPPORTED and "config_id" in rerun.value.message
    assert not mock.calls


async def test_check_is_one_small_window(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    route = mock.get("/ingest/jobs").mock(return_value=reply({"data": []}))
    await adapter.check()
    params = route.calls.last.request.url.params
    span = parse_time(params["created_to"]) - parse_time(params["created_from"])  # type: ignore[operator]
    assert route.call_count == 1 and span == timedelta(minutes=1)


async def test_check_reports_bad_token(adapter: AmperityAdapter, mock: respx.MockRouter) -> None:
    mock.get("/ingest/jobs").mock(return_value=reply({"status": 401, "message": "expired"}, 401))
    with pytest.raises(UpstreamError) as caught:
        await adapter.check()
    assert caught.value.kind is ErrorKind.UNAUTHENTICATED


async def test_job_types(adapter: AmperityAdapter) -> None:
    page = await adapter.list_job_types(JobTypeQuery(), None, 10)
    assert [e.record.native_id for e in page.entries] == ["ingest"] and page.total == 1 and not page.has_more
    rest = await adapter.list_job_types(JobTypeQuery(), page.entries[0].position, 10)
    assert list(rest.entries) == [] and not rest.has_more
    assert (await adapter.list_job_types(JobTypeQuery(name="other"), None, 10)).total == 0
    with pytest.raises(UpstreamError):
        await adapter.list_job_types(JobTypeQuery(), "bogus", 10)
    found, missing = await adapter.get_job_types([NativeKey(TENANT, "ingest"), NativeKey(TENANT, "nope")])
    assert not isinstance(found, UpstreamError) and found.name == "Ingest"
    assert isinstance(missing, UpstreamError) and missing.kind is ErrorKind.NOT_FOUND


def test_build_adapter_collects_problems_without_echoing_secrets() -> None:
    with pytest.raises(ConfigError) as caught:
        build_adapter(source_settings("amperity", {"base_url": "ftp://x", "token_env": "AMP_TOKEN"}, environ={}))
    text = str(caught.value)
    assert "base_url" in text and "AMP_TOKEN" in text and "tenant" in text


async def test_build_adapter_reads_token_env_and_version() -> None:
    settings = source_settings(
        "amperity",
        {"base_url": BASE, "token_env": "AMP_TOKEN", "tenant": TENANT, "api_version": "2099-01-01"},
        environ={"AMP_TOKEN": TOKEN},
    )
    built = build_adapter(settings)
    built.clock.observe_date(DATE)
    with respx.mock(base_url=BASE) as router:
        route = router.get("/ingest/jobs/isj-1f73r9u2").mock(return_value=reply(SEED_JOB))
        await built.get_jobs([NativeKey(TENANT, "isj-1f73r9u2")])
    await built.aclose()
    request = route.calls.last.request
    assert request.headers["api-version"] == "2099-01-01"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert json.loads(json.dumps(dict(request.headers)))  # headers are plain strings
