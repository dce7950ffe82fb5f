from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
import respx

from adapters.base import JobQuery, JobTypeQuery, SubmitRequest
from adapters.errors import ErrorKind, UpstreamError
from adapters.leia import LeiaAdapter
from adapters.model import JobRecord, JobStatus, NativeKey
from adapters.registry import source_settings
from adapters.settings import ConfigError

from .conftest import APP, APPLICATION, BASE, assert_no_secret, job_json, problem

J1, J2, J3 = (f"5f00000000000000000000{i:02d}" for i in (1, 2, 3))


def listing(*jobs: dict[str, object], first: int = 0, total: int | None = None) -> httpx.Response:
    total = len(jobs) if total is None else total
    headers = {"Content-Range": f"{first}-{first + len(jobs) - 1}/{total}", "Accept-Range": "job 100"}
    return httpx.Response(200, json=list(jobs), headers=headers)


# --- list ---------------------------------------------------------------------------------


async def test_list_asks_newest_first_with_offset_and_limit(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    route = router.get("/job").mock(return_value=listing(job_json(J1), job_json(J2), total=5))
    page = await adapter.list_jobs(JobQuery(), None, 2)
    params = dict(route.calls.last.request.url.params)
    assert params == {"application_id": APP, "sort": "-creation_time", "offset": "0", "limit": "2"}
    assert [e.record.native_id for e in page.entries] == [J1, J2]
    assert [e.position for e in page.entries] == ["o1", "o2"]
    assert page.has_more and page.total == 5


async def test_list_resumes_at_position(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    route = router.get("/job").mock(return_value=listing(job_json(J3), first=2, total=3))
    page = await adapter.list_jobs(JobQuery(), "o2", 2)
    assert dict(route.calls.last.request.url.params)["offset"] == "2"
    assert [e.position for e in page.entries] == ["o3"] and not page.has_more and page.total == 3


async def test_list_pushes_filters_down(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    route = router.get("/job").mock(return_value=listing(job_json(J1, "FAILED")))
    query = JobQuery(
        statuses=frozenset({JobStatus.FAILED}),
        job_type_ids=frozenset({"predict"}),
        created_after=datetime(2026, 11, 1, tzinfo=UTC),
        parent_id="p1",
    )
    page = await adapter.list_jobs(query, None, 10)
    params = dict(route.calls.last.request.url.params)
    assert params["status"] == "FAILED" and params["job_type"] == "predict"
    assert params["created_after"] == "2026-11-01T00:00:00" and params["parent_job_id"] == "p1"
    assert page.total == 1


async def test_list_running_reads_one_stream_per_word(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        word = request.url.params["status"]
        return listing(job_json(f"{word}-id", word)) if word != "STARTING" else problem(404, "No jobs found")

    route = router.get("/job").mock(side_effect=answer)
    page = await adapter.list_jobs(JobQuery(statuses=frozenset({JobStatus.RUNNING})), None, 10)
    assert sorted(c.request.url.params["status"] for c in route.calls) == ["LOADING_MODEL", "PROCESSING", "STARTING"]
    assert {e.record.native_status for e in page.entries} == {"LOADING_MODEL", "PROCESSING"}
    assert page.total == 2 and not page.has_more


async def test_list_404_is_an_empty_page(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    router.get("/job").mock(return_value=problem(404, "No jobs found"))
    page = await adapter.list_jobs(JobQuery(), None, 10)
    assert page.entries == [] and not page.has_more and page.total == 0


async def test_list_outside_the_application_asks_nothing(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    route = router.get("/job")
    page = await adapter.list_jobs(JobQuery(scopes=frozenset({"someone-else"})), None, 10)
    assert page.entries == () and not route.called


async def test_list_local_filter_keeps_scanning(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    jobs = [job_json(f"id{i}", "PROCESSED" if i % 3 else "READY") for i in range(6)]
    route = router.get("/job").mock(return_value=listing(*jobs))
    query = JobQuery(statuses=frozenset({JobStatus.QUEUED, JobStatus.RUNNING}))
    page = await adapter.list_jobs(query, None, 5)
    assert "status" not in route.calls.last.request.url.params
    assert [e.record.native_id for e in page.entries] == ["id0", "id3"]
    assert page.total is None


@pytest.mark.parametrize("bad", ["nonsense", "o1.2", "o-3", ""])
async def test_malformed_position_is_invalid(router: respx.MockRouter, adapter: LeiaAdapter, bad: str) -> None:
    router.get("/job").mock(return_value=listing(job_json(J1)))
    with pytest.raises(UpstreamError) as err:
        await adapter.list_jobs(JobQuery(), bad, 5)
    assert err.value.kind is ErrorKind.INVALID


async def test_malformed_json_is_bad_response(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    router.get("/job").mock(return_value=httpx.Response(200, content=b'{"truncated": '))
    with pytest.raises(UpstreamError) as err:
        await adapter.list_jobs(JobQuery(), None, 5)
    assert err.value.kind is ErrorKind.BAD_RESPONSE


async def test_wrong_shape_is_bad_response(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    router.get("/job").mock(return_value=httpx.Response(200, json={"jobs": []}))
    with pytest.raises(UpstreamError) as err:
        await adapter.list_jobs(JobQuery(), None, 5)
    assert err.value.kind is ErrorKind.BAD_RESPONSE


async def test_parameter_error_names_the_field(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    router.get("/job").mock(return_value=problem(400, "Wrong type, expected 'integer' for query parameter 'offset'"))
    with pytest.raises(UpstreamError) as err:
        await adapter.list_jobs(JobQuery(), None, 5)
    assert err.value.kind is ErrorKind.INVALID
    assert [f.path for f in err.value.field_errors] == [("offset",)]
    assert "expected 'integer'" in err.value.message


async def test_server_error_is_retried_then_unavailable(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    route = router.get("/job").mock(return_value=problem(500, "The server encountered an internal error"))
    with pytest.raises(UpstreamError) as err:
        await adapter.list_jobs(JobQuery(), None, 5)
    assert err.value.kind is ErrorKind.UNAVAILABLE and route.call_count == 3
    assert_no_secret(err.value)


async def test_non_json_error_body(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    router.get("/job").mock(return_value=httpx.Response(502, text="<html>Bad Gateway</html>"))
    with pytest.raises(UpstreamError) as err:
        await adapter.list_jobs(JobQuery(), None, 5)
    assert err.value.kind is ErrorKind.UNAVAILABLE and "Bad Gateway" in err.value.message


# --- get ------------------------------------------------------------------------------------


async def test_get_jobs_answers_per_key(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    first = router.get(f"/job/{J1}").mock(return_value=httpx.Response(200, json=job_json(J1)))
    router.get(f"/job/{J2}").mock(return_value=problem(404, "Job not found"))
    router.get(f"/job/{J3}").mock(return_value=problem(403, "Not the owner of the job"))
    keys = [NativeKey(APP, J1), NativeKey(APP, J2), NativeKey(APP, J3), NativeKey("other", J1), NativeKey(APP, J1)]
    answers = await adapter.get_jobs(keys)
    assert not isinstance(answers[0], UpstreamError) and answers[0].native_id == J1
    assert [a.kind for a in answers[1:4] if isinstance(a, UpstreamError)] == [
        ErrorKind.NOT_FOUND,
        ErrorKind.FORBIDDEN,
        ErrorKind.NOT_FOUND,
    ]
    assert answers[4] is answers[0]
    assert first.call_count == 1


async def test_get_job_path_is_quoted(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    route = router.get(url__regex=r".*/job/\.\.%2Fadmin$").mock(return_value=problem(404, "Job not found"))
    [err] = await adapter.get_jobs([NativeKey(APP, "../admin")])
    assert isinstance(err, UpstreamError) and err.kind is ErrorKind.NOT_FOUND and route.called


async def test_statuses_use_one_bulk_call(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    route = router.get(f"/job/{J1},{J2},{J3}/status").mock(
        return_value=httpx.Response(200, json={J1: "PROCESSING", J2: "WEIRD"})
    )
    keys = [NativeKey(APP, J1), NativeKey(APP, J2), NativeKey(APP, J3), NativeKey("x", J1)]
    statuses = await adapter.get_statuses(keys)
    assert route.call_count == 1
    assert statuses[keys[0]] is JobStatus.RUNNING and statuses[keys[1]] is JobStatus.UNKNOWN
    assert isinstance(statuses[keys[2]], UpstreamError) and isinstance(statuses[keys[3]], UpstreamError)
    router.get(f"/job/{J1}/status").mock(return_value=httpx.Response(200, json={J1: "PROCESSING"}))
    natives = await adapter.get_native_statuses(keys[:1])
    assert natives == {keys[0]: "PROCESSING"}


async def test_statuses_fall_back_per_id_when_the_chunk_is_refused(
    router: respx.MockRouter, adapter: LeiaAdapter
) -> None:
    router.get(f"/job/{J1},{J2}/status").mock(return_value=problem(403, "Not the owner of the job"))
    router.get(f"/job/{J1}/status").mock(return_value=httpx.Response(200, json={J1: "READY"}))
    router.get(f"/job/{J2}/status").mock(return_value=problem(403, "Not the owner of the job"))
    statuses = await adapter.get_statuses([NativeKey(APP, J1), NativeKey(APP, J2)])
    assert statuses[NativeKey(APP, J1)] is JobStatus.QUEUED
    failed = statuses[NativeKey(APP, J2)]
    assert isinstance(failed, UpstreamError) and failed.kind is ErrorKind.FORBIDDEN


async def test_statuses_are_chunked_to_short_urls(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        ids = request.url.path.split("/job/")[1].removesuffix("/status").split(",")
        return httpx.Response(200, json={i: "PROCESSED" for i in ids})

    route = router.get(path__regex=r"/job/.+/status$").mock(side_effect=answer)
    keys = [NativeKey(APP, f"{i:024x}") for i in range(200)]
    statuses = await adapter.get_statuses(keys)
    assert all(s is JobStatus.SUCCEEDED for s in statuses.values())
    assert 2 <= route.call_count <= 4
    assert all(len(str(c.request.url)) < 2000 for c in route.calls)


# --- mutations -----------------------------------------------------------------------------


async def test_invalid_submit_makes_no_call(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    with pytest.raises(UpstreamError) as err:
        await adapter.submit_job(SubmitRequest(APP, {"kind": "apply_model", "document_ids": "d1"}))
    assert err.value.kind is ErrorKind.INVALID
    assert {f.path for f in err.value.field_errors} == {("model_id",), ("document_ids",)}
    assert not router.calls


async def test_submit_wrong_scope(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    with pytest.raises(UpstreamError) as err:
        await adapter.submit_job(
            SubmitRequest(
                "other",
                {
                    "kind": "conditional",
                    "execute_after_id": J1,
                    "rules": {"r": {"jobs": [{"job_type": "transform", "output_type": "text"}]}},
                },
            )
        )
    assert err.value.kind is ErrorKind.INVALID and err.value.field_errors[0].path == ("scope",)


async def test_submit_posts_json_body_and_enables_rerun(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    created = router.post("/model/doctype/apply/d1").mock(return_value=httpx.Response(200, json=job_json(J1, "READY")))
    params = {"kind": "apply_model", "model_id": "doctype", "document_ids": ["d1"], "format_type": "classification"}
    record = await adapter.submit_job(SubmitRequest(APP, params))
    assert json.loads(created.calls.last.request.content) == {"format_type": "classification"}
    assert record.native_status == "READY" and record.can_cancel and not record.can_rerun
    router.get(f"/job/{J1}").mock(return_value=httpx.Response(200, json=job_json(J1, "PROCESSED")))
    [done] = await adapter.get_jobs([NativeKey(APP, J1)])
    assert not isinstance(done, UpstreamError) and done.can_rerun
    created.mock(return_value=httpx.Response(200, json=job_json(J2, "READY")))
    again = await adapter.rerun_job(NativeKey(APP, J1))
    assert again.native_id == J2 and created.call_count == 2
    assert json.loads(created.calls.last.request.content) == {"format_type": "classification"}


@pytest.mark.parametrize(
    ("status", "detail", "kind"),
    [
        (404, "Model not found", ErrorKind.NOT_FOUND),
        (403, "Not a classification model", ErrorKind.FORBIDDEN),
        (400, "'yes' is not of type 'boolean' - 'block_processing'", ErrorKind.INVALID),
    ],
)
async def test_submit_errors(
    router: respx.MockRouter, adapter: LeiaAdapter, status: int, detail: str, kind: ErrorKind
) -> None:
    route = router.post("/model/m/apply/d1").mock(return_value=problem(status, detail))
    with pytest.raises(UpstreamError) as err:
        await adapter.submit_job(SubmitRequest(APP, {"kind": "apply_model", "model_id": "m", "document_ids": ["d1"]}))
    assert err.value.kind is kind and detail in err.value.message
    assert route.call_count == 1  # a POST is never retried
    if status == 400:
        assert err.value.field_errors[0].path == ("block_processing",)


async def test_submit_is_not_retried_on_503(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    route = router.post("/document/d1/transform/text").mock(return_value=problem(503, "busy"))
    with pytest.raises(UpstreamError) as err:
        await adapter.submit_job(
            SubmitRequest(APP, {"kind": "transform", "document_ids": ["d1"], "output_type": "text"})
        )
    assert err.value.kind is ErrorKind.UNAVAILABLE and route.call_count == 1


async def test_cancel_running_job(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    router.get(f"/job/{J1}").mock(
        side_effect=[
            httpx.Response(200, json=job_json(J1, "PROCESSING")),
            httpx.Response(200, json=job_json(J1, "CANCELED")),
        ]
    )
    delete = router.delete(f"/job/{J1}").mock(return_value=httpx.Response(204))
    record = await adapter.cancel_job(NativeKey(APP, J1))
    assert delete.called and record.status is JobStatus.CANCELED


async def test_cancel_final_job_is_a_conflict(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    router.get(f"/job/{J1}").mock(return_value=httpx.Response(200, json=job_json(J1, "CANCELED")))
    delete = router.delete(f"/job/{J1}")
    with pytest.raises(UpstreamError) as err:
        await adapter.cancel_job(NativeKey(APP, J1))
    assert err.value.kind is ErrorKind.CONFLICT and not delete.called


async def test_cancel_race_with_the_end_is_a_conflict(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    router.get(f"/job/{J1}").mock(
        side_effect=[
            httpx.Response(200, json=job_json(J1, "PROCESSING")),
            httpx.Response(200, json=job_json(J1, "PROCESSED")),
        ]
    )
    router.delete(f"/job/{J1}").mock(return_value=problem(404, "Job not found (or already canceled)"))
    with pytest.raises(UpstreamError) as err:
        await adapter.cancel_job(NativeKey(APP, J1))
    assert err.value.kind is ErrorKind.CONFLICT


async def test_rerun_of_a_job_not_submitted_here(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    router.get(f"/job/{J1}").mock(return_value=httpx.Response(200, json=job_json(J1, "FAILED")))
    with pytest.raises(UpstreamError) as err:
        await adapter.rerun_job(NativeKey(APP, J1))
    assert err.value.kind is ErrorKind.NOT_SUPPORTED


async def test_rerun_of_a_running_job_is_a_conflict(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    router.get(f"/job/{J1}").mock(return_value=httpx.Response(200, json=job_json(J1, "WAITING")))
    with pytest.raises(UpstreamError) as err:
        await adapter.rerun_job(NativeKey(APP, J1))
    assert err.value.kind is ErrorKind.CONFLICT


async def test_start_blocked_job(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    router.get(f"/job/{J1}").mock(return_value=httpx.Response(200, json=job_json(J1, "BLOCKED")))
    start = router.post(f"/job/{J1}/start").mock(return_value=httpx.Response(200, json=job_json(J1, "READY")))
    record = await adapter.start_job(NativeKey(APP, J1))
    assert start.called and record.status is JobStatus.QUEUED


def test_a_callback_body_names_its_job_and_nothing_else_is_read(adapter: LeiaAdapter) -> None:
    assert adapter.job_of_callback(job_json(J1, "FAILED", reason="boom")) == NativeKey(APP, J1)
    for body in ([], {"id": J1}, {"id": "", "application_id": APP}, {"id": 3, "application_id": APP}):
        with pytest.raises(ValueError):
            adapter.job_of_callback(body)


async def test_raw_never_shows_where_leia_calls_back(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    child = {**job_json(J2, "READY"), "callback_url": "https://gw/webhooks/leia/child-token"}
    body = {
        **job_json(J1, "PROCESSED"),
        "callback_url": "https://gw/webhooks/leia/s3cret-token",
        "callback_headers": {"x-hook": "s3cret"},
        "result": [child],
    }
    router.get(f"/job/{J1}").mock(return_value=httpx.Response(200, json=body))
    [record] = await adapter.get_jobs([NativeKey(APP, J1)])
    assert isinstance(record, JobRecord)
    assert record.raw["callback_url"] == "[redacted]" and record.raw["callback_headers"] == "[redacted]"
    assert record.raw["result"][0]["callback_url"] == "[redacted]"
    assert "s3cret" not in repr(record.raw) and "child-token" not in repr(record.raw)
    assert record.raw["id"] == J1 and record.raw["result"][0]["id"] == J2


# --- job types, check, config ------------------------------------------------------------


async def test_job_types(adapter: LeiaAdapter) -> None:
    page = await adapter.list_job_types(JobTypeQuery(), None, 3)
    assert [e.record.name for e in page.entries] == ["predict", "pdf-images", "image-text"]
    assert page.has_more and page.total == 4
    rest = await adapter.list_job_types(JobTypeQuery(), page.entries[-1].position, 3)
    assert [e.record.name for e in rest.entries] == ["transform"] and not rest.has_more
    got = await adapter.get_job_types([NativeKey(APP, "transform"), NativeKey(APP, "conditional")])
    assert not isinstance(got[0], UpstreamError) and isinstance(got[1], UpstreamError)
    with pytest.raises(UpstreamError):
        await adapter.list_job_types(JobTypeQuery(), "x", 3)


async def test_check_calls_whoami(router: respx.MockRouter, adapter: LeiaAdapter) -> None:
    whoami = router.get("/whoami").mock(return_value=httpx.Response(200, json=APPLICATION))
    await adapter.check()
    assert whoami.called


def test_settings_collect_problems() -> None:
    with pytest.raises(ConfigError) as err:
        source_settings("leia", {"base_url": "ftp://x", "callback_url": "nope", "timeout_s": -1}, environ={})
    text = str(err.value)
    assert "base_url" in text and "api_key" in text and "callback_url" in text and "timeout_s" in text


def test_build_adapter_reads_key_from_environment() -> None:
    from adapters.leia import build_adapter

    settings = source_settings("leia", {"base_url": BASE, "api_key_env": "LEIA_KEY"}, environ={"LEIA_KEY": "k"})
    leia = build_adapter(settings)
    assert leia.scopes == () and leia.capabilities.cancel and leia.capabilities.filter_status
