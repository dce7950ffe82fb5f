from __future__ import annotations

import httpx
import pytest
import respx

from adapters.base import JobQuery, JobTypeQuery, SubmitRequest
from adapters.errors import ErrorKind, UpstreamError
from adapters.model import JobRecord, JobStatus, NativeKey
from adapters.phylodb.adapter import PhyloDBAdapter
from adapters.phylodb.params import JobInput
from adapters.phylodb.store import Submission

from .conftest import BASE, DATASET, INFERENCE, NOW, P1, P2, TOKEN, job_id, jobs

PROBLEM = {"content-type": "application/problem+json"}
JOBS1 = f"/projects/{P1}/jobs"
JOBS2 = f"/projects/{P2}/jobs"


def _problem(status: int, name: str) -> httpx.Response:
    return httpx.Response(status, json={"message": f"/problems/{name}"}, headers=PROBLEM)


async def _remember(adapter: PhyloDBAdapter, n: int, analysis: str = "inference") -> Submission:
    second: str | int = 3 if analysis == "inference" else INFERENCE
    algorithm = "goeburst" if analysis == "inference" else "radial"
    sub = Submission(
        P1, job_id(n), f"a0000000-0000-4000-8000-{n:012d}", JobInput(analysis, algorithm, DATASET, second), NOW
    )
    await adapter.store.put(sub)
    return sub


# --- auth --------------------------------------------------------------------------------------


async def test_every_request_carries_bearer_and_provider(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    route = mock.get(JOBS1).respond(json=jobs((1, False, False)))
    await adapter.list_jobs(JobQuery(scopes=frozenset({P1})), None, 5)
    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.url.params["provider"] == "google"
    assert request.url.params["page"] == "0"


async def test_phyloviz_provider(mock: respx.MockRouter) -> None:
    route = mock.get("/projects").respond(json=[])
    ad = PhyloDBAdapter(BASE, token=TOKEN, provider="phyloviz", projects=[P1])
    await ad.check()
    await ad.aclose()
    assert route.calls.last.request.url.params["provider"] == "phyloviz"
    assert route.calls.last.request.url.params["page"] == "0"


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (httpx.Response(401, headers={"WWW-Authenticate": "Bearer error=INVALID_TOKEN"}), ErrorKind.UNAUTHENTICATED),
        (httpx.Response(401, headers={"WWW-Authenticate": "Bearer error=INVALID_REQUEST"}), ErrorKind.UNAUTHENTICATED),
        (httpx.Response(401), ErrorKind.FORBIDDEN),
        (_problem(400, "bad_request"), ErrorKind.INVALID),
        (_problem(500, "server"), ErrorKind.UNAVAILABLE),
        (_problem(406, "not_acceptable"), ErrorKind.INVALID),
        (_problem(405, "not_allowed"), ErrorKind.NOT_SUPPORTED),
    ],
)
async def test_list_error_shapes(
    mock: respx.MockRouter, adapter: PhyloDBAdapter, response: httpx.Response, kind: ErrorKind
) -> None:
    mock.get(JOBS1).mock(return_value=response)
    with pytest.raises(UpstreamError) as info:
        await adapter.list_jobs(JobQuery(), None, 5)
    assert info.value.kind is kind
    assert TOKEN not in str(info.value) and TOKEN not in repr(info.value)


async def test_no_credential_in_any_message(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    # An upstream (or a proxy) echoing the token back must not leak it.
    mock.get(JOBS1).respond(400, json={"message": f"bad header Bearer {TOKEN}"}, headers=PROBLEM)
    with pytest.raises(UpstreamError) as info:
        await adapter.list_jobs(JobQuery(), None, 5)
    assert TOKEN not in info.value.message and "***" in info.value.message


# --- listing ------------------------------------------------------------------------------------


async def test_paging_positions_resume_across_pages_and_projects(
    mock: respx.MockRouter, adapter: PhyloDBAdapter
) -> None:
    page0 = jobs((1, True, False), (2, False, False), (3, True, True))
    mock.get(JOBS1, params={"page": "0"}).respond(json=page0)
    mock.get(JOBS1, params={"page": "1"}).respond(json=jobs((4, False, False)))
    mock.get(JOBS2, params={"page": "0"}).respond(json=jobs((5, False, False), (6, True, False)))

    first = await adapter.list_jobs(JobQuery(), None, 2)
    assert [e.record.native_id for e in first.entries] == [job_id(1), job_id(2)]
    assert first.has_more and first.total is None
    assert [e.record.status for e in first.entries] == [JobStatus.SUCCEEDED, JobStatus.RUNNING]

    second = await adapter.list_jobs(JobQuery(), first.entries[-1].position, 3)
    assert [e.record.native_id for e in second.entries] == [job_id(3), job_id(4), job_id(5)]
    assert second.entries[0].record.status is JobStatus.CANCELED
    assert second.has_more

    third = await adapter.list_jobs(JobQuery(), second.entries[-1].position, 10)
    assert [e.record.native_id for e in third.entries] == [job_id(6)]
    assert not third.has_more


async def test_full_last_page_costs_one_more_request(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    route0 = mock.get(JOBS1, params={"page": "0"}).respond(
        json=jobs((1, True, False), (2, True, False), (3, True, False))
    )
    route1 = mock.get(JOBS1, params={"page": "1"}).respond(json=[])
    page = await adapter.list_jobs(JobQuery(scopes=frozenset({P1})), None, 3)
    assert len(page.entries) == 3 and page.has_more  # a full page may be followed by more
    rest = await adapter.list_jobs(JobQuery(scopes=frozenset({P1})), page.entries[-1].position, 3)
    assert rest.entries == [] and not rest.has_more
    assert route0.call_count == 1 and route1.call_count == 1


async def test_asks_only_the_pages_needed(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    route0 = mock.get(JOBS1, params={"page": "0"}).respond(
        json=jobs((1, True, False), (2, True, False), (3, True, False))
    )
    route1 = mock.get(JOBS1, params={"page": "1"}).respond(json=jobs((4, True, False)))
    other = mock.get(JOBS2).respond(json=[])
    page = await adapter.list_jobs(JobQuery(), None, 2)
    assert len(page.entries) == 2
    assert (route0.call_count, route1.call_count, other.call_count) == (1, 0, 0)


async def test_status_filter_is_applied_after_the_fact(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    mock.get(JOBS1, params={"page": "0"}).respond(json=jobs((1, True, False), (2, False, False), (3, True, False)))
    mock.get(JOBS1, params={"page": "1"}).respond(json=jobs((4, False, False)))
    mock.get(JOBS2).respond(json=jobs((5, False, False)))
    query = JobQuery(statuses=frozenset({JobStatus.RUNNING}))
    page = await adapter.list_jobs(query, None, 10)
    assert [e.record.native_id for e in page.entries] == [job_id(2), job_id(4), job_id(5)]
    assert not page.has_more


async def test_resume_finds_an_entry_shifted_by_an_insert(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    route = mock.get(JOBS1, params={"page": "0"})
    route.respond(json=jobs((2, True, False), (4, True, False)))
    first = await adapter.list_jobs(JobQuery(scopes=frozenset({P1})), None, 1)
    # A new job sorting before job 2 appears: index-based resume would repeat job 2.
    route.respond(json=jobs((1, False, False), (2, True, False), (4, True, False)))
    mock.get(JOBS1, params={"page": "1"}).respond(json=[])
    rest = await adapter.list_jobs(JobQuery(scopes=frozenset({P1})), first.entries[-1].position, 5)
    assert [e.record.native_id for e in rest.entries] == [job_id(4)]


@pytest.mark.parametrize("after", ["garbage", "0\x1fx:y", "9\x1f0:0:a", "0\x1f1:2:3:4", "x\x1f"])
async def test_malformed_position_is_invalid(mock: respx.MockRouter, adapter: PhyloDBAdapter, after: str) -> None:
    with pytest.raises(UpstreamError) as info:
        await adapter.list_jobs(JobQuery(), after, 5)
    assert info.value.kind is ErrorKind.INVALID


async def test_malformed_json_is_bad_response(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    mock.get(JOBS1).respond(200, content=b'[{"id": ', headers={"content-type": "application/json"})
    with pytest.raises(UpstreamError) as info:
        await adapter.list_jobs(JobQuery(), None, 5)
    assert info.value.kind is ErrorKind.BAD_RESPONSE


async def test_wrong_shape_is_bad_response(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    mock.get(JOBS1).respond(json={"jobs": []})
    with pytest.raises(UpstreamError) as info:
        await adapter.list_jobs(JobQuery(), None, 5)
    assert info.value.kind is ErrorKind.BAD_RESPONSE


async def test_invalid_limit(adapter: PhyloDBAdapter) -> None:
    with pytest.raises(UpstreamError) as info:
        await adapter.list_jobs(JobQuery(), None, 0)
    assert info.value.kind is ErrorKind.INVALID


# --- get by id --------------------------------------------------------------------------------


async def test_get_jobs_reads_each_page_once_for_all_keys(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    route0 = mock.get(JOBS1, params={"page": "0"}).respond(
        json=jobs((1, True, False), (2, False, False), (3, True, False))
    )
    route1 = mock.get(JOBS1, params={"page": "1"}).respond(json=jobs((4, False, False), (5, True, True)))
    route2 = mock.get(JOBS2).respond(json=jobs((9, False, False)))
    keys = [
        NativeKey(P1, job_id(5)),
        NativeKey(P1, job_id(2)),
        NativeKey(P1, job_id(99)),
        NativeKey(P2, job_id(9)),
        NativeKey("not-configured", job_id(1)),
        NativeKey(P1, "not-a-uuid"),
    ]
    answers = await adapter.get_jobs(keys)
    assert isinstance(answers[0], UpstreamError) is False and answers[0].status is JobStatus.CANCELED  # type: ignore[union-attr]
    assert answers[1].status is JobStatus.RUNNING  # type: ignore[union-attr]
    assert answers[3].native_id == job_id(9)  # type: ignore[union-attr]
    for n in (2, 4, 5):
        assert isinstance(answers[n], UpstreamError) and answers[n].kind is ErrorKind.NOT_FOUND  # type: ignore[union-attr]
    assert (route0.call_count, route1.call_count, route2.call_count) == (1, 1, 1)


async def test_get_jobs_stops_when_all_found(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    mock.get(JOBS1, params={"page": "0"}).respond(json=jobs((1, True, False), (2, False, False), (3, True, False)))
    later = mock.get(JOBS1, params={"page": "1"}).respond(json=[])
    [answer] = await adapter.get_jobs([NativeKey(P1, job_id(2))])
    assert not isinstance(answer, UpstreamError)
    assert later.call_count == 0


async def test_get_jobs_reads_the_remembered_page_first(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    route0 = mock.get(JOBS1, params={"page": "0"}).respond(
        json=jobs((1, True, False), (2, True, False), (3, True, False))
    )
    route1 = mock.get(JOBS1, params={"page": "1"}).respond(
        json=jobs((4, True, False), (5, True, False), (6, True, False))
    )
    route2 = mock.get(JOBS1, params={"page": "2"}).respond(json=jobs((7, False, False)))
    key = NativeKey(P1, job_id(7))
    await adapter.get_jobs([key])
    assert (route0.call_count, route1.call_count, route2.call_count) == (1, 1, 1)
    [answer] = await adapter.get_jobs([key])
    assert not isinstance(answer, UpstreamError) and answer.status is JobStatus.RUNNING
    assert (route0.call_count, route1.call_count, route2.call_count) == (1, 1, 2)
    # A stale hint (the job moved on, e.g. after inserts) falls back to the scan.
    route2.respond(json=[])
    route1.respond(json=jobs((4, True, False), (5, True, False), (7, True, False)))
    [answer] = await adapter.get_jobs([key])
    assert not isinstance(answer, UpstreamError) and answer.status is JobStatus.SUCCEEDED
    assert (route0.call_count, route1.call_count, route2.call_count) == (2, 2, 3)


async def test_get_jobs_error_is_per_key(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    mock.get(JOBS1).respond(401)
    mock.get(JOBS2).respond(json=jobs((9, False, False)))
    a, b = await adapter.get_jobs([NativeKey(P1, job_id(1)), NativeKey(P2, job_id(9))])
    assert isinstance(a, UpstreamError) and a.kind is ErrorKind.FORBIDDEN
    assert not isinstance(b, UpstreamError)


async def test_failed_is_derived_once_from_a_missing_result(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    failed = await _remember(adapter, 1)
    done = await _remember(adapter, 2, "visualization")
    mock.get(JOBS1).respond(json=jobs((1, True, False), (2, True, False)))
    missing = mock.get(failed.result_path).mock(return_value=_problem(404, "not_found"))
    present = mock.get(done.result_path).respond(json={"id": done.analysis_id})
    assert done.result_path.endswith(f"/inferences/{INFERENCE}/visualizations/{done.analysis_id}")
    for _ in range(2):
        a, b = await adapter.get_jobs([NativeKey(P1, job_id(1)), NativeKey(P1, job_id(2))])
        assert a.status is JobStatus.FAILED and a.error  # type: ignore[union-attr]
        assert a.job_type_id == "inference/goeburst" and a.created_at == NOW  # type: ignore[union-attr]
        assert b.status is JobStatus.SUCCEEDED and b.job_type_id == "visualization/radial"  # type: ignore[union-attr]
    assert missing.call_count == 1 and present.call_count == 1  # the verdict is final and kept


async def test_result_lookup_failure_is_unknown_not_cached(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    sub = await _remember(adapter, 1)
    mock.get(JOBS1).respond(json=jobs((1, True, False)))
    result = mock.get(sub.result_path).mock(return_value=_problem(500, "server"))
    [answer] = await adapter.get_jobs([NativeKey(P1, job_id(1))])
    assert isinstance(answer, JobRecord) and answer.status is JobStatus.UNKNOWN
    assert answer.error is not None and "could not check" in answer.error.message
    result.mock(return_value=httpx.Response(200, json={}))
    [answer] = await adapter.get_jobs([NativeKey(P1, job_id(1))])
    assert answer.status is JobStatus.SUCCEEDED  # type: ignore[union-attr]


async def test_running_submitted_job_needs_no_result_lookup(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    sub = await _remember(adapter, 1)
    mock.get(JOBS1).respond(json=jobs((1, False, False)))
    result = mock.get(sub.result_path).respond(json={})
    [answer] = await adapter.get_jobs([NativeKey(P1, job_id(1))])
    assert answer.status is JobStatus.RUNNING and answer.can_cancel and answer.can_rerun  # type: ignore[union-attr]
    assert result.call_count == 0


# --- submit, cancel, rerun ----------------------------------------------------------------------------


async def test_submit_posts_the_native_body(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    reply = {"job_id": "6c5ceae3-a745-4601-bc83-99a6a11194bd", "analysis_id": "4af95b39-7ca8-40f8-87f8-617dd961fb73"}
    route = mock.post(JOBS1).respond(202, json=reply)
    record = await adapter.submit_job(SubmitRequest(P1, {"analysis": "inference", "dataset_id": DATASET, "lvs": 3}))
    request = route.calls.last.request
    assert request.url.params["provider"] == "google"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert httpx.Response(200, content=request.content).json() == {
        "analysis": "inference",
        "algorithm": "goeburst",
        "parameters": [DATASET, 3],
    }
    assert record.native_id == reply["job_id"] and record.status is JobStatus.RUNNING
    assert record.job_type_id == "inference/goeburst" and record.created_at == NOW and record.can_rerun
    stored = await adapter.store.get(P1, reply["job_id"])
    assert stored is not None and stored.analysis_id == reply["analysis_id"]


async def test_submit_validates_before_any_call(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    route = mock.post(JOBS1).respond(202, json={})
    with pytest.raises(UpstreamError) as info:
        await adapter.submit_job(SubmitRequest(P1, {"analysis": "inference", "dataset_id": DATASET, "lvs": 0}))
    assert info.value.kind is ErrorKind.INVALID and info.value.field_errors[0].path == ("lvs",)
    with pytest.raises(UpstreamError) as info:
        await adapter.submit_job(SubmitRequest("elsewhere", {"analysis": "inference", "dataset_id": DATASET, "lvs": 1}))
    assert info.value.field_errors[0].path == ("scope",)
    assert route.call_count == 0


async def test_submit_semantic_refusal_is_invalid(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    route = mock.post(JOBS1).mock(return_value=_problem(401, "unauthorized"))
    with pytest.raises(UpstreamError) as info:
        await adapter.submit_job(SubmitRequest(P1, {"analysis": "inference", "dataset_id": DATASET, "lvs": 3}))
    assert info.value.kind is ErrorKind.INVALID and info.value.status == 401
    assert info.value.field_errors[-1].path == ("parameters",)
    assert "fewer than 2 profiles" in info.value.message
    assert route.call_count == 1  # never retried


async def test_submit_bad_request_and_unavailable_are_not_retried(
    mock: respx.MockRouter, adapter: PhyloDBAdapter
) -> None:
    route = mock.post(JOBS1).mock(side_effect=[_problem(400, "bad_request"), _problem(503, "server")])
    params = {"analysis": "visualization", "dataset_id": DATASET, "inference_id": INFERENCE}
    for kind in (ErrorKind.INVALID, ErrorKind.UNAVAILABLE):
        with pytest.raises(UpstreamError) as info:
            await adapter.submit_job(SubmitRequest(P1, params))
        assert info.value.kind is kind
    assert route.call_count == 2


async def test_submit_reply_without_ids_is_bad_response(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    mock.post(JOBS1).respond(202, json={"id": "x"})
    with pytest.raises(UpstreamError) as info:
        await adapter.submit_job(SubmitRequest(P1, {"analysis": "inference", "dataset_id": DATASET, "lvs": 3}))
    assert info.value.kind is ErrorKind.BAD_RESPONSE


async def test_cancel_deletes_then_relists(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    delete = mock.delete(f"{JOBS1}/{job_id(2)}").respond(204)
    mock.get(JOBS1).respond(json=jobs((1, True, False), (2, True, True)))
    record = await adapter.cancel_job(NativeKey(P1, job_id(2)))
    assert record.status is JobStatus.CANCELED and not record.can_cancel
    assert delete.calls.last.request.url.params["provider"] == "google"


async def test_cancel_unknown_job_is_not_found(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    delete = mock.delete(f"{JOBS1}/{job_id(7)}").mock(return_value=_problem(401, "unauthorized"))
    with pytest.raises(UpstreamError) as info:
        await adapter.cancel_job(NativeKey(P1, job_id(7)))
    assert info.value.kind is ErrorKind.NOT_FOUND
    assert delete.call_count == 1


async def test_cancel_auth_failure_stays_unauthenticated(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    mock.delete(f"{JOBS1}/{job_id(7)}").respond(401, headers={"WWW-Authenticate": "Bearer error=INVALID_TOKEN"})
    with pytest.raises(UpstreamError) as info:
        await adapter.cancel_job(NativeKey(P1, job_id(7)))
    assert info.value.kind is ErrorKind.UNAUTHENTICATED


async def test_cancel_completed_job_is_conflict(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    mock.delete(f"{JOBS1}/{job_id(1)}").respond(204)
    mock.get(JOBS1).respond(json=jobs((1, True, False)))
    with pytest.raises(UpstreamError) as info:
        await adapter.cancel_job(NativeKey(P1, job_id(1)))
    assert info.value.kind is ErrorKind.CONFLICT


async def test_cancel_accepted_but_relist_fails(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    mock.delete(f"{JOBS1}/{job_id(1)}").respond(204)
    mock.get(JOBS1).respond(json=[])
    record = await adapter.cancel_job(NativeKey(P1, job_id(1)))
    assert record.status is JobStatus.CANCELED and record.native_status == "cancelled"


async def test_cancel_bad_keys_make_no_call(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    for key in (NativeKey("other", job_id(1)), NativeKey(P1, "nope")):
        with pytest.raises(UpstreamError) as info:
            await adapter.cancel_job(key)
        assert info.value.kind is ErrorKind.NOT_FOUND
    assert len(mock.calls) == 0


async def test_rerun_resubmits_the_stored_input(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    original = await _remember(adapter, 1, "visualization")
    reply = {"job_id": job_id(50), "analysis_id": job_id(51)}
    route = mock.post(JOBS1).respond(202, json=reply)
    record = await adapter.rerun_job(NativeKey(P1, job_id(1)))
    body = httpx.Response(200, content=route.calls.last.request.content).json()
    assert body == original.job_input.body()
    assert record.native_id == job_id(50) and record.job_type_id == "visualization/radial"


async def test_rerun_of_a_foreign_job_is_not_supported(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    with pytest.raises(UpstreamError) as info:
        await adapter.rerun_job(NativeKey(P1, job_id(1)))
    assert info.value.kind is ErrorKind.NOT_SUPPORTED
    assert len(mock.calls) == 0


# --- job types, check ---------------------------------------------------------------------------


async def test_job_types_two_per_project(adapter: PhyloDBAdapter) -> None:
    first = await adapter.list_job_types(JobTypeQuery(), None, 3)
    assert [(e.record.scope, e.record.native_id) for e in first.entries] == [
        (P1, "inference/goeburst"),
        (P1, "visualization/radial"),
        (P2, "inference/goeburst"),
    ]
    assert first.has_more and first.total == 4
    rest = await adapter.list_job_types(JobTypeQuery(), first.entries[-1].position, 3)
    assert [e.record.native_id for e in rest.entries] == ["visualization/radial"] and not rest.has_more
    named = await adapter.list_job_types(JobTypeQuery(name="visualization/radial", scopes=frozenset({P2})), None, 5)
    assert [(e.record.scope, e.record.native_id) for e in named.entries] == [(P2, "visualization/radial")]
    with pytest.raises(UpstreamError):
        await adapter.list_job_types(JobTypeQuery(), "x", 3)


async def test_get_job_types(adapter: PhyloDBAdapter) -> None:
    good, bad_type, bad_scope = await adapter.get_job_types(
        [NativeKey(P2, "inference/goeburst"), NativeKey(P1, "inference/upgma"), NativeKey("x", "inference/goeburst")]
    )
    assert not isinstance(good, UpstreamError) and good.title == "goeBURST inference"
    assert isinstance(bad_type, UpstreamError) and bad_type.kind is ErrorKind.NOT_FOUND
    assert isinstance(bad_scope, UpstreamError)


async def test_check_failure(mock: respx.MockRouter, adapter: PhyloDBAdapter) -> None:
    mock.get("/projects").respond(401, headers={"WWW-Authenticate": "Bearer error=INVALID_TOKEN"})
    with pytest.raises(UpstreamError) as info:
        await adapter.check()
    assert info.value.kind is ErrorKind.UNAUTHENTICATED


def test_capabilities() -> None:
    caps = PhyloDBAdapter.capabilities
    assert caps.submit and caps.cancel and caps.rerun and caps.job_types and caps.batch_get_jobs
    assert not (caps.filter_status or caps.filter_time or caps.filter_job_type or caps.total_count)
    assert not (caps.ingest_runs or caps.callbacks)
