"""The adapter against its simulator over real HTTP, with a frozen clock moved explicitly."""

from __future__ import annotations

import pytest

from adapters.base import JobQuery, JobTypeQuery, SubmitRequest
from adapters.errors import ErrorKind, UpstreamError
from adapters.model import JobRecord, JobStatus, NativeKey
from adapters.phylodb import PhyloDBAdapter
from simulators.kit.app import SimulatorApp
from simulators.phylodb.data import SimState

from .conftest import make_adapter

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def _state(sim: SimulatorApp) -> SimState:
    assert isinstance(sim.state, SimState)
    return sim.state


def _dataset(sim: SimulatorApp, project: str, *, tiny: bool = False) -> str:
    return next(d.id for d in _state(sim).datasets_in(project) if (len(d.profiles) < 2) == tiny)


async def _walk(adapter: PhyloDBAdapter, query: JobQuery, limit: int) -> list[JobRecord]:
    records: list[JobRecord] = []
    after = None
    for _ in range(500):
        page = await adapter.list_jobs(query, after, limit)
        assert len(page.entries) <= limit
        records += [e.record for e in page.entries]
        if not page.has_more:
            return records
        if page.entries:
            after = page.entries[-1].position
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("limit", [1, 6, 7, 13, 200])
async def test_paging_to_the_end_yields_every_job_once(sim: SimulatorApp, adapter: PhyloDBAdapter, limit: int) -> None:
    state = _state(sim)
    expected = [(p, j.id) for p in sim.config["projects"] for j in state.jobs_in(p)]
    records = await _walk(adapter, JobQuery(), limit)
    assert [(r.scope, r.native_id) for r in records] == expected
    assert len(expected) == 120


async def test_status_and_scope_filters(sim: SimulatorApp, adapter: PhyloDBAdapter) -> None:
    state = _state(sim)
    now = state.now()
    project = sim.config["projects"][1]
    running = {j.id for j in state.jobs_in(project) if not j.is_completed(now)}
    query = JobQuery(statuses=frozenset({JobStatus.RUNNING}), scopes=frozenset({project}))
    records = await _walk(adapter, query, 3)
    assert {r.native_id for r in records} == running
    cancelled = await _walk(adapter, JobQuery(statuses=frozenset({JobStatus.CANCELED})), 4)
    assert {r.native_id for r in cancelled} == {j.id for j in state.jobs.values() if j.is_cancelled(now)}


async def test_get_by_ids(sim: SimulatorApp, adapter: PhyloDBAdapter) -> None:
    state = _state(sim)
    now = state.now()
    first, second, third = sim.config["projects"]
    last = state.jobs_in(first)[-1]  # on the last page
    cancelled = next(j for j in state.jobs_in(second) if j.is_cancelled(now))
    running = next(j for j in state.jobs_in(third) if not j.is_completed(now))
    keys = [
        NativeKey(first, last.id),
        NativeKey(second, cancelled.id),
        NativeKey(first, UNKNOWN),
        NativeKey(third, running.id),
    ]
    a, b, c, d = await adapter.get_jobs(keys)
    assert isinstance(a, JobRecord) and a.native_id == last.id
    assert isinstance(b, JobRecord) and b.status is JobStatus.CANCELED and b.raw["completed"] is True
    assert isinstance(c, UpstreamError) and c.kind is ErrorKind.NOT_FOUND
    assert isinstance(d, JobRecord) and d.status is JobStatus.RUNNING and d.can_cancel


async def test_submit_complete_rerun_cancel(sim: SimulatorApp, adapter: PhyloDBAdapter) -> None:
    project = sim.config["projects"][0]
    params = {"analysis": "inference", "dataset_id": _dataset(sim, project), "lvs": 2}
    submitted = await adapter.submit_job(SubmitRequest(project, params))
    assert submitted.status is JobStatus.RUNNING and submitted.job_type_id == "inference/goeburst"
    [listed] = await adapter.get_jobs([submitted.key])
    assert isinstance(listed, JobRecord) and listed.status is JobStatus.RUNNING and listed.created_at is not None

    sim.injector.clock.advance(120)
    [done] = await adapter.get_jobs([submitted.key])
    assert isinstance(done, JobRecord) and done.status is JobStatus.SUCCEEDED
    assert not done.can_cancel and done.can_rerun
    with pytest.raises(UpstreamError) as info:
        await adapter.cancel_job(submitted.key)
    assert info.value.kind is ErrorKind.CONFLICT

    again = await adapter.rerun_job(submitted.key)
    assert again.native_id != submitted.native_id and again.status is JobStatus.RUNNING
    assert again.raw["submission"]["request"] == submitted.raw["submission"]["request"]
    cancelled = await adapter.cancel_job(again.key)
    assert cancelled.status is JobStatus.CANCELED and not cancelled.can_cancel
    sim.injector.clock.advance(120)
    [still] = await adapter.get_jobs([again.key])
    assert isinstance(still, JobRecord) and still.status is JobStatus.CANCELED
    assert (await adapter.cancel_job(again.key)).status is JobStatus.CANCELED  # cancelling twice is harmless


async def test_failed_job_is_derived(sim: SimulatorApp, adapter: PhyloDBAdapter) -> None:
    project = sim.config["projects"][1]
    params = {"analysis": "inference", "algorithm": "goeburst", "parameters": [_dataset(sim, project), 9]}
    submitted = await adapter.submit_job(SubmitRequest(project, params))
    sim.injector.clock.advance(120)
    [failed] = await adapter.get_jobs([submitted.key])
    assert isinstance(failed, JobRecord)
    assert failed.status is JobStatus.FAILED and failed.native_status == "completed" and failed.error
    found = await _walk(adapter, JobQuery(statuses=frozenset({JobStatus.FAILED})), 10)
    assert [r.native_id for r in found] == [submitted.native_id]


async def test_visualization_needs_a_computed_inference(sim: SimulatorApp, adapter: PhyloDBAdapter) -> None:
    project = sim.config["projects"][0]
    dataset = _dataset(sim, project)
    inference = await adapter.submit_job(
        SubmitRequest(project, {"analysis": "inference", "dataset_id": dataset, "lvs": 1})
    )
    analysis_id = inference.raw["submission"]["response"]["analysis_id"]
    vis = {"analysis": "visualization", "dataset_id": dataset, "inference_id": analysis_id}
    with pytest.raises(UpstreamError) as info:
        await adapter.submit_job(SubmitRequest(project, vis))
    assert info.value.kind is ErrorKind.INVALID and info.value.field_errors[-1].path == ("parameters",)
    sim.injector.clock.advance(120)
    job = await adapter.submit_job(SubmitRequest(project, vis))
    sim.injector.clock.advance(60)
    [done] = await adapter.get_jobs([job.key])
    assert isinstance(done, JobRecord) and done.status is JobStatus.SUCCEEDED
    assert done.job_type_id == "visualization/radial"
    jobs = await _walk(adapter, JobQuery(job_type_ids=frozenset({"visualization/radial"})), 5)
    assert [r.native_id for r in jobs] == [job.native_id]


async def test_dataset_with_one_profile_is_refused(sim: SimulatorApp, adapter: PhyloDBAdapter) -> None:
    project = sim.config["projects"][0]
    params = {"analysis": "inference", "dataset_id": _dataset(sim, project, tiny=True), "lvs": 1}
    with pytest.raises(UpstreamError) as info:
        await adapter.submit_job(SubmitRequest(project, params))
    assert info.value.kind is ErrorKind.INVALID and "fewer than 2 profiles" in info.value.message


async def test_unknown_job_cancel_is_not_found(sim: SimulatorApp, adapter: PhyloDBAdapter) -> None:
    with pytest.raises(UpstreamError) as info:
        await adapter.cancel_job(NativeKey(sim.config["projects"][0], UNKNOWN))
    assert info.value.kind is ErrorKind.NOT_FOUND


async def test_public_project_accepts_jobs_from_non_members(sim: SimulatorApp, adapter: PhyloDBAdapter) -> None:
    project = sim.config["projects"][2]
    job = await adapter.submit_job(
        SubmitRequest(project, {"analysis": "inference", "dataset_id": _dataset(sim, project), "lvs": 3})
    )
    assert job.scope == project


async def test_credentials_and_authorization(sim: SimulatorApp, url: str) -> None:
    state = _state(sim)
    private = sim.config["projects"][0]
    wrong = make_adapter(sim, url, token="ya29.wrong-token")
    with pytest.raises(UpstreamError) as info:
        await wrong.check()
    assert info.value.kind is ErrorKind.UNAUTHENTICATED and "ya29.wrong-token" not in str(info.value)
    await wrong.aclose()

    outsider = make_adapter(sim, url, token=state.outsider_token)
    await outsider.check()
    with pytest.raises(UpstreamError) as info:
        await outsider.list_jobs(JobQuery(scopes=frozenset({private})), None, 5)
    assert info.value.kind is ErrorKind.FORBIDDEN and state.outsider_token not in str(info.value)
    await outsider.aclose()

    keycloak = make_adapter(
        sim, url, token=state.phyloviz_token, provider="phyloviz", projects=[sim.config["projects"][1]]
    )
    page = await keycloak.list_jobs(JobQuery(), None, 100)
    assert len(page.entries) == 40 and not page.has_more
    await keycloak.aclose()


async def test_job_types(sim: SimulatorApp, adapter: PhyloDBAdapter) -> None:
    page = await adapter.list_job_types(JobTypeQuery(), None, 10)
    assert len(page.entries) == 6 and page.total == 6
    assert {e.record.scope for e in page.entries} == set(sim.config["projects"])
