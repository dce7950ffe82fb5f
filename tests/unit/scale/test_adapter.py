from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from adapters.base import IngestRunQuery, JobQuery, JobTypeQuery, SubmitRequest
from adapters.errors import ErrorKind, FieldError, UpstreamError
from adapters.model import JobStatus, JobTypeRecord, NativeKey, Source
from adapters.registry import source_settings
from adapters.scale import ScaleAdapter, build_adapter
from adapters.scale import translate as tr
from adapters.settings import ConfigError
from tests.unit.scale import examples as ex

BASE = "http://scale.test/api"
TOKEN = "0123456789abcdef0123456789abcdef01234567"


def job(job_id: int, status: str = "QUEUED", **extra: Any) -> dict[str, Any]:
    return {**ex.JOB, "id": job_id, "status": status, **extra}


def key(native_id: str) -> NativeKey:
    return NativeKey("", native_id)


@pytest.fixture
async def adapter() -> AsyncIterator[ScaleAdapter]:
    scale = build_adapter(source_settings("scale", {"base_url": BASE, "token": TOKEN}))
    yield scale
    await scale.aclose()


def paged(items: list[dict[str, Any]]) -> Any:
    """A respx side effect answering like DRF's page-number paging over ``items``."""

    def answer(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("page", "1"))
        size = int(request.url.params.get("page_size", "100"))
        if number > 1 and (number - 1) * size >= len(items):
            return httpx.Response(404, json={"detail": "Invalid page."})
        return httpx.Response(200, json=ex.page(*items[(number - 1) * size : number * size], count=len(items)))

    return answer


def params_of(route: respx.Route, call: int = 0) -> httpx.QueryParams:
    request: httpx.Request = route.calls[call].request
    return request.url.params


# --- configuration and auth ---------------------------------------------------------------------------


def test_config_problems_are_reported_together() -> None:
    with pytest.raises(ConfigError) as err:
        build_adapter(source_settings("scale", {"base_url": "ftp://x"}))
    assert "base_url" in str(err.value) and "token" in str(err.value)


def test_token_from_environment() -> None:
    settings = source_settings("scale", {"base_url": BASE, "token_env": "SCALE_TOKEN"}, environ={"SCALE_TOKEN": "k"})
    assert isinstance(build_adapter(settings), ScaleAdapter)


@respx.mock
async def test_requests_carry_the_drf_token(adapter: ScaleAdapter) -> None:
    route = respx.get(f"{BASE}/v6/job-type-names/").respond(json=ex.JOB_TYPE_NAMES)
    await adapter.check()
    request = route.calls[0].request
    assert request.headers["authorization"] == f"Token {TOKEN}"
    assert params_of(route)["page_size"] == "1"


@respx.mock
async def test_a_base_url_ending_in_v6_is_accepted() -> None:
    route = respx.get(f"{BASE}/v6/job-type-names/").respond(json=ex.JOB_TYPE_NAMES)
    scale = build_adapter(source_settings("scale", {"base_url": f"{BASE}/v6/", "token": TOKEN}))
    await scale.check()
    await scale.aclose()
    assert route.called


@pytest.mark.parametrize(
    "detail", ["Authentication credentials were not provided.", "Invalid token.", f"Invalid token {TOKEN}"]
)
@respx.mock
async def test_unauthenticated_without_leaking_the_token(adapter: ScaleAdapter, detail: str) -> None:
    respx.get(f"{BASE}/v6/job-type-names/").respond(401, json={"detail": detail}, headers={"WWW-Authenticate": "Token"})
    with pytest.raises(UpstreamError) as err:
        await adapter.check()
    assert err.value.kind is ErrorKind.UNAUTHENTICATED
    assert TOKEN not in str(err.value) and TOKEN not in repr(err.value)


@respx.mock
async def test_forbidden(adapter: ScaleAdapter) -> None:
    respx.get(f"{BASE}/v6/jobs/5/").respond(json=job(5, "RUNNING"))
    respx.post(f"{BASE}/v6/jobs/cancel/").respond(403, json={"detail": "You do not have permission."})
    with pytest.raises(UpstreamError) as err:
        await adapter.cancel_job(key("5"))
    assert err.value.kind is ErrorKind.FORBIDDEN


# --- listing jobs ------------------------------------------------------------------------------------------


@respx.mock
async def test_first_page_is_newest_first_with_offsets(adapter: ScaleAdapter) -> None:
    route = respx.get(f"{BASE}/v6/jobs/").respond(json=ex.page(job(9), job(8), job(7), count=30))
    page = await adapter.list_jobs(JobQuery(), None, 3)
    q = params_of(route)
    assert q.get_list("order") == ["-last_modified", "-id"]
    assert (q["page"], q["page_size"]) == ("1", "3")
    assert [e.record.native_id for e in page.entries] == ["9", "8", "7"]
    assert [e.position for e in page.entries] == ["1", "2", "3"]
    assert page.has_more and page.total == 30


@respx.mock
async def test_resuming_mid_page_costs_one_call(adapter: ScaleAdapter) -> None:
    items = [job(100 - i) for i in range(15)]
    route = respx.get(f"{BASE}/v6/jobs/").respond(json=ex.page(*items, count=15))
    page = await adapter.list_jobs(JobQuery(), "5", 10)
    assert route.call_count == 1
    assert (params_of(route)["page"], params_of(route)["page_size"]) == ("1", "15")
    assert [e.record.native_id for e in page.entries] == [str(95 - i) for i in range(10)]
    assert page.entries[-1].position == "15" and not page.has_more


@respx.mock
async def test_unaligned_large_reads_use_two_concurrent_pages(adapter: ScaleAdapter) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        start = (number - 1) * 1000
        return httpx.Response(200, json=ex.page(*(job(5000 - i) for i in range(start, start + 1000)), count=3000))

    route = respx.get(f"{BASE}/v6/jobs/").mock(side_effect=answer)
    page = await adapter.list_jobs(JobQuery(), "5", 1000)
    assert sorted(params_of(route, i)["page"] for i in range(2)) == ["1", "2"]
    assert len(page.entries) == 1000
    assert page.entries[0].record.native_id == "4995" and page.entries[-1].position == "1005"


@respx.mock
async def test_filters_are_pushed_down_and_total_is_exact(adapter: ScaleAdapter) -> None:
    route = respx.get(f"{BASE}/v6/jobs/").respond(json=ex.page(job(1, "FAILED"), count=1))
    query = JobQuery(
        statuses=frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED}),
        job_type_ids=frozenset({"12", "3", "not-a-number"}),
        updated_after=datetime(2026, 1, 1, tzinfo=UTC),
        updated_before=datetime(2026, 1, 2, tzinfo=UTC),
        scopes=frozenset({""}),
    )
    page = await adapter.list_jobs(query, None, 50)
    q = params_of(route)
    assert q.get_list("status") == ["COMPLETED", "FAILED"]
    assert q.get_list("job_type_id") == ["3", "12"]
    assert q["started"] == "2026-01-01T00:00:00.000000Z"
    assert q["ended"] == "2026-01-01T23:59:59.999999Z"
    assert page.total == 1


@respx.mock
async def test_created_range_is_checked_locally_and_reads_wider(adapter: ScaleAdapter) -> None:
    old = [job(100 - i, created="2020-01-01T00:00:00Z") for i in range(30)]
    new = [job(60 - i, created="2026-01-03T00:00:00Z") for i in range(5)]
    route = respx.get(f"{BASE}/v6/jobs/").mock(side_effect=paged(old + new))
    query = JobQuery(created_after=datetime(2026, 1, 2, tzinfo=UTC), created_before=datetime(2026, 1, 4, tzinfo=UTC))
    page = await adapter.list_jobs(query, None, 2)
    assert params_of(route)["started"] == "2026-01-02T00:00:00.000000Z"
    # Windows of 2, then 8, then 32 records (each one request, page sizes aligned by plan_window).
    assert [int(params_of(route, i)["page_size"]) for i in range(route.call_count)] == [2, 10, 42]
    assert [(e.record.native_id, e.position) for e in page.entries] == [("60", "31"), ("59", "32")]
    assert page.total is None and page.has_more
    rest = await adapter.list_jobs(query, page.entries[-1].position, 10)
    assert [e.record.native_id for e in rest.entries] == ["58", "57", "56"] and not rest.has_more


@respx.mock
async def test_unknown_status_is_filtered_locally(adapter: ScaleAdapter) -> None:
    route = respx.get(f"{BASE}/v6/jobs/").respond(json=ex.page(job(1, "MYSTERY"), job(2, "QUEUED"), count=2))
    page = await adapter.list_jobs(JobQuery(statuses=frozenset({JobStatus.UNKNOWN})), None, 5)
    assert "status" not in params_of(route)
    assert [e.record.native_id for e in page.entries] == ["1"]
    assert page.total is None


@pytest.mark.parametrize(
    "query",
    [
        JobQuery(statuses=frozenset()),
        JobQuery(job_type_ids=frozenset({"abc"})),
        JobQuery(scopes=frozenset({"elsewhere"})),
        JobQuery(parent_id="7"),
        JobQuery(updated_after=datetime(2026, 2, 1, tzinfo=UTC), updated_before=datetime(2026, 1, 1, tzinfo=UTC)),
    ],
)
@respx.mock
async def test_queries_nothing_can_match_cost_no_call(adapter: ScaleAdapter, query: JobQuery) -> None:
    route = respx.get(f"{BASE}/v6/jobs/")
    page = await adapter.list_jobs(query, None, 10)
    assert not route.called
    assert (list(page.entries), page.has_more, page.total) == ([], False, 0)


@respx.mock
async def test_a_page_past_the_end_ends_the_list(adapter: ScaleAdapter) -> None:
    respx.get(f"{BASE}/v6/jobs/").respond(404, json={"detail": "Invalid page."})
    page = await adapter.list_jobs(JobQuery(), "500", 10)
    assert list(page.entries) == [] and not page.has_more


@pytest.mark.parametrize("position", ["abc", "-1", "1.0", ""])
async def test_malformed_positions_are_invalid(adapter: ScaleAdapter, position: str) -> None:
    with pytest.raises(UpstreamError) as err:
        await adapter.list_jobs(JobQuery(), position, 10)
    assert err.value.kind is ErrorKind.INVALID


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (
            httpx.Response(200, content=b'{"count": 3, "results": [', headers={"content-type": "application/json"}),
            "BAD",
        ),
        (httpx.Response(200, json={"detail": "not a page"}), "BAD"),
        (httpx.Response(200, json=ex.page({"id": 1})), "BAD"),
        (httpx.Response(400, json={"detail": "Start time must come before end time"}), "INVALID"),
    ],
)
@respx.mock
async def test_unreadable_or_refused_lists(adapter: ScaleAdapter, response: httpx.Response, kind: str) -> None:
    respx.get(f"{BASE}/v6/jobs/").mock(return_value=response)
    with pytest.raises(UpstreamError) as err:
        await adapter.list_jobs(JobQuery(), None, 5)
    assert err.value.kind is (ErrorKind.BAD_RESPONSE if kind == "BAD" else ErrorKind.INVALID)


# --- batches ------------------------------------------------------------------------------------------------


@respx.mock
async def test_get_jobs_batches_by_repeated_job_id(adapter: ScaleAdapter) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        ids = [int(i) for i in request.url.params.get_list("job_id")]
        return httpx.Response(200, json=ex.page(*(job(i) for i in ids if i != 7)))

    route = respx.get(f"{BASE}/v6/jobs/").mock(side_effect=answer)
    keys = [key(str(i)) for i in range(1, 151)] + [key("x1"), NativeKey("other", "3"), key("3")]
    answers = await adapter.get_jobs(keys)
    assert route.call_count == 2
    sizes = sorted(len(params_of(route, i).get_list("job_id")) for i in range(2))
    assert sizes == [50, 100]
    assert all(params_of(route, i)["page_size"] == str(len(params_of(route, i).get_list("job_id"))) for i in range(2))
    assert len(answers) == len(keys)
    assert isinstance(answers[6], UpstreamError) and answers[6].kind is ErrorKind.NOT_FOUND
    assert [a.kind for a in answers[150:152] if isinstance(a, UpstreamError)] == [ErrorKind.NOT_FOUND] * 2
    assert not isinstance(answers[152], UpstreamError) and answers[152].native_id == "3"


@respx.mock
async def test_a_failing_batch_fails_only_its_keys(adapter: ScaleAdapter) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        ids = [int(i) for i in request.url.params.get_list("job_id")]
        if 1 in ids:
            return httpx.Response(400, json={"detail": "nope"})
        return httpx.Response(200, json=ex.page(*(job(i) for i in ids)))

    respx.get(f"{BASE}/v6/jobs/").mock(side_effect=answer)
    answers = await adapter.get_jobs([key(str(i)) for i in range(1, 102)])
    assert all(isinstance(a, UpstreamError) for a in answers[:100])
    assert not isinstance(answers[100], UpstreamError)


@respx.mock
async def test_get_job_types_batches_by_repeated_id(adapter: ScaleAdapter) -> None:
    item = ex.JOB_TYPE_LIST["results"][0]
    route = respx.get(f"{BASE}/v6/job-types/").respond(json=ex.page(item))
    answers = await adapter.get_job_types([key("3"), key("4"), key("3")])
    assert route.call_count == 1
    assert params_of(route).get_list("id") == ["3", "4"]
    assert not isinstance(answers[0], UpstreamError) and answers[0].name == "my-job"
    assert isinstance(answers[1], UpstreamError) and answers[1].kind is ErrorKind.NOT_FOUND
    assert answers[2] == answers[0]


@respx.mock
async def test_get_ingest_runs_reads_each_id(adapter: ScaleAdapter) -> None:
    respx.get(f"{BASE}/v6/ingests/4/").respond(json=ex.INGEST)
    respx.get(f"{BASE}/v6/ingests/5/").respond(404, json={"detail": "Not found."})
    answers = await adapter.get_ingest_runs([key("4"), key("5"), key("nope")])
    assert not isinstance(answers[0], UpstreamError) and answers[0].job_id == "7"
    assert isinstance(answers[1], UpstreamError) and answers[1].kind is ErrorKind.NOT_FOUND
    assert isinstance(answers[2], UpstreamError) and answers[2].kind is ErrorKind.NOT_FOUND


# --- job types and ingests lists ------------------------------------------------------------------------------


@respx.mock
async def test_job_types_list_by_name_and_version(adapter: ScaleAdapter) -> None:
    route = respx.get(f"{BASE}/v6/job-types/").respond(json=ex.JOB_TYPE_LIST)
    page = await adapter.list_job_types(JobTypeQuery(), None, 10)
    assert params_of(route).get_list("order") == ["name", "version"]
    assert page.total == 2 and page.entries[0].record.native_id == "3"


@respx.mock
async def test_job_types_of_one_name_use_the_versions_list(adapter: ScaleAdapter) -> None:
    route = respx.get(f"{BASE}/v6/job-types/my-job/").respond(json=ex.JOB_TYPE_VERSIONS)
    page = await adapter.list_job_types(JobTypeQuery(name="my-job"), None, 10)
    assert route.called and page.entries[0].record.version == "1.0.0"


@respx.mock
async def test_ingest_states_are_pushed_down(adapter: ScaleAdapter) -> None:
    route = respx.get(f"{BASE}/v6/ingests/").respond(json=ex.page(ex.INGEST))
    page = await adapter.list_ingest_runs(IngestRunQuery(states=frozenset({JobStatus.SUCCEEDED})), None, 10)
    assert params_of(route).get_list("status") == ["INGESTED"]
    assert params_of(route).get_list("order") == ["-last_modified", "-id"]
    assert page.total == 1 and page.entries[0].record.native_id == "4"


# --- mutations -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"input": {}}, "job_type_id"),
        ({"job_type_id": True, "input": {}}, "job_type_id"),
        ({"job_type_id": "3", "input": {}}, "job_type_id"),
        ({"job_type_id": 3}, "input"),
        ({"job_type_id": 3, "input": {"files": {"A": ["x"]}}}, "input"),
        ({"job_type_id": 3, "input": {"json": []}}, "input"),
        ({"job_type_id": 3, "input": {}, "configuration": "fast"}, "configuration"),
        ({"job_type_id": 3, "input": {}, "priority": 1}, "priority"),
    ],
)
@respx.mock
async def test_submit_params_are_checked_before_any_call(
    adapter: ScaleAdapter, params: dict[str, Any], field: str
) -> None:
    route = respx.post(f"{BASE}/v6/jobs/")
    with pytest.raises(UpstreamError) as err:
        await adapter.submit_job(SubmitRequest("", params))
    assert err.value.kind is ErrorKind.INVALID
    assert field in {f.path[0] for f in err.value.field_errors}
    assert not route.called


async def test_submit_refuses_a_scope(adapter: ScaleAdapter) -> None:
    with pytest.raises(UpstreamError) as err:
        await adapter.submit_job(SubmitRequest("g1", {"job_type_id": 1, "input": {}}))
    assert err.value.field_errors[0].path == ("scope",)


@respx.mock
async def test_submit_posts_scale_job_json(adapter: ScaleAdapter) -> None:
    created = job(42, "QUEUED")
    route = respx.post(f"{BASE}/v6/jobs/").respond(201, json=created, headers={"Location": f"{BASE}/v6/jobs/42/"})
    data = {"version": "7", "files": {"INPUT_FILE": [1234]}, "json": {"THRESHOLD": 0.5}}
    record = await adapter.submit_job(
        SubmitRequest("", {"job_type_id": 3, "input": data, "configuration": {"priority": 50}})
    )
    assert json.loads(route.calls[0].request.content) == {
        "job_type_id": 3,
        "input": data,
        "configuration": {"priority": 50},
    }
    assert record.native_id == "42" and record.status is JobStatus.QUEUED


@respx.mock
async def test_submit_bad_data_is_invalid_on_input(adapter: ScaleAdapter) -> None:
    message = "Invalid job data: Required input 'INPUT_FILE' was not provided"
    route = respx.post(f"{BASE}/v6/jobs/").respond(400, json=message)
    with pytest.raises(UpstreamError) as err:
        await adapter.submit_job(SubmitRequest("", {"job_type_id": 3, "input": {}}))
    assert route.call_count == 1  # a POST is never retried
    assert err.value.kind is ErrorKind.INVALID
    assert err.value.field_errors == (FieldError(("input",), message),)


@respx.mock
async def test_submit_unknown_job_type(adapter: ScaleAdapter) -> None:
    respx.post(f"{BASE}/v6/jobs/").respond(404, json={"detail": "Not found."})
    with pytest.raises(UpstreamError) as err:
        await adapter.submit_job(SubmitRequest("", {"job_type_id": 999, "input": {}}))
    assert err.value.kind is ErrorKind.INVALID and err.value.field_errors[0].path == ("job_type_id",)


@respx.mock
async def test_submit_is_not_retried_on_503(adapter: ScaleAdapter) -> None:
    route = respx.post(f"{BASE}/v6/jobs/").respond(503, json={"detail": "busy"})
    with pytest.raises(UpstreamError) as err:
        await adapter.submit_job(SubmitRequest("", {"job_type_id": 3, "input": {}}))
    assert err.value.kind is ErrorKind.UNAVAILABLE and route.call_count == 1


@respx.mock
async def test_cancel_reads_the_job_then_posts_and_says_the_change_is_pending(adapter: ScaleAdapter) -> None:
    post = respx.post(f"{BASE}/v6/jobs/cancel/").respond(202)
    respx.get(f"{BASE}/v6/jobs/5/").respond(json=job(5, "RUNNING"))
    record = await adapter.cancel_job(key("5"))
    assert json.loads(post.calls[0].request.content) == {"job_ids": [5]}
    # Scale answers 202 before its message handler cancels: the job still runs.
    assert record.status is JobStatus.RUNNING and record.pending_status is JobStatus.CANCELED


@respx.mock
@pytest.mark.parametrize("word", ["COMPLETED", "CANCELED", "FAILED"])
async def test_cancelling_a_final_job_is_a_conflict_without_posting(adapter: ScaleAdapter, word: str) -> None:
    post = respx.post(f"{BASE}/v6/jobs/cancel/").respond(202)
    respx.get(f"{BASE}/v6/jobs/5/").respond(json=job(5, word))
    with pytest.raises(UpstreamError) as err:
        await adapter.cancel_job(key("5"))
    assert err.value.kind is ErrorKind.CONFLICT and not post.called


@respx.mock
async def test_cancel_unknown_job(adapter: ScaleAdapter) -> None:
    respx.post(f"{BASE}/v6/jobs/cancel/").respond(202)
    respx.get(f"{BASE}/v6/jobs/5/").respond(404, json={"detail": "Not found."})
    with pytest.raises(UpstreamError) as err:
        await adapter.cancel_job(key("5"))
    assert err.value.kind is ErrorKind.NOT_FOUND
    with pytest.raises(UpstreamError) as err:
        await adapter.cancel_job(key("five"))
    assert err.value.kind is ErrorKind.NOT_FOUND


@respx.mock
@pytest.mark.parametrize("word", ["FAILED", "CANCELED", "QUEUED", "RUNNING"])
async def test_rerun_requeues_any_job_queued_before(adapter: ScaleAdapter, word: str) -> None:
    post = respx.post(f"{BASE}/v6/jobs/requeue/").respond(202)
    respx.get(f"{BASE}/v6/jobs/5/").respond(json=job(5, word, num_exes=1))
    record = await adapter.rerun_job(key("5"))
    assert json.loads(post.calls[0].request.content) == {"job_ids": [5]}
    assert record.native_status == word and record.pending_status is JobStatus.QUEUED


@respx.mock
@pytest.mark.parametrize(("word", "num_exes"), [("COMPLETED", 1), ("CANCELED", 0), ("PENDING", 0)])
async def test_rerun_of_a_job_scale_would_skip_is_refused_without_posting(
    adapter: ScaleAdapter, word: str, num_exes: int
) -> None:
    post = respx.post(f"{BASE}/v6/jobs/requeue/").respond(202)
    respx.get(f"{BASE}/v6/jobs/5/").respond(json=job(5, word, num_exes=num_exes))
    with pytest.raises(UpstreamError) as err:
        await adapter.rerun_job(key("5"))
    assert err.value.kind is ErrorKind.CONFLICT and not post.called


# --- job type services --------------------------------------------------------------------------------------


@respx.mock
async def test_validate_create_and_edit(adapter: ScaleAdapter) -> None:
    respx.post(f"{BASE}/v6/job-types/validation/").respond(json=ex.VALIDATION_RESPONSE)
    create = respx.post(f"{BASE}/v6/job-types/").respond(201, json=ex.CREATE_RESPONSE)
    patch = respx.patch(f"{BASE}/v6/job-types/test/1.0.0/").respond(json=ex.VALIDATION_RESPONSE)
    respx.get(f"{BASE}/v6/job-types/test/1.0.0/").respond(json=ex.CREATE_RESPONSE)
    assert (await adapter.validate_job_type(ex.VALIDATE_REQUEST)).warnings[0].name == "EXAMPLE_WARNING"
    created = (await adapter.create_job_type(ex.CREATE_REQUEST)).job_type
    assert json.loads(create.calls[0].request.content) == ex.CREATE_REQUEST
    assert (created.name, created.version, created.native_id) == ("test", "1.0.0", "3")
    edited = await adapter.edit_job_type(created, ex.EDIT_REQUEST)
    assert json.loads(patch.calls[0].request.content) == ex.EDIT_REQUEST
    assert edited.validation == tr.validation(ex.VALIDATION_RESPONSE) and edited.validation.warnings


@pytest.mark.parametrize(
    ("call", "field"),
    [
        ("validate", "manifest"),
        ("create", "docker_image"),
        ("edit_unknown", "name"),
        ("edit_no_version", "version"),
    ],
)
async def test_job_type_payloads_are_checked_locally(adapter: ScaleAdapter, call: str, field: str) -> None:
    with pytest.raises(UpstreamError) as err:
        if call == "validate":
            await adapter.validate_job_type({"configuration": {}})
        elif call == "create":
            await adapter.create_job_type({"manifest": {}})
        elif call == "edit_unknown":
            await adapter.edit_job_type(JobTypeRecord(Source.SCALE, "3", "", "test", "1.0.0"), {"name": "renamed"})
        else:
            await adapter.edit_job_type(JobTypeRecord(Source.SCALE, "3", "", "test", ""), {"is_paused": True})
    assert err.value.kind is ErrorKind.INVALID and err.value.field_errors[0].path == (field,)


@respx.mock
async def test_create_job_type_refused(adapter: ScaleAdapter) -> None:
    respx.post(f"{BASE}/v6/job-types/").respond(400, json={"detail": 'Missing required parameter: "docker_image"'})
    with pytest.raises(UpstreamError) as err:
        await adapter.create_job_type({"docker_image": "x", "manifest": {}})
    assert err.value.field_errors[0].path == ("docker_image",)
