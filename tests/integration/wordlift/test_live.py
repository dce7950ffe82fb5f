"""The WordLift adapter against its simulator over real HTTP, with a frozen clock."""

from __future__ import annotations

import pytest

from adapters.base import JobQuery, SubmitRequest
from adapters.errors import ErrorKind, UpstreamError
from adapters.model import JobRecord, JobStatus, NativeKey
from adapters.wordlift import WordLiftAdapter
from simulators.kit import SimClock
from simulators.kit.app import SimulatorApp
from simulators.wordlift.store import KpiStore
from tests.integration.wordlift.conftest import GRAPH, make_adapter

pytestmark = pytest.mark.integration

TODAY = "2026-11-02"


async def _all(adapter: WordLiftAdapter, query: JobQuery, limit: int) -> list[JobRecord]:
    seen: list[JobRecord] = []
    after = None
    while True:
        page = await adapter.list_jobs(query, after, limit)
        seen.extend(e.record for e in page.entries)
        if not page.has_more:
            return seen
        after = page.entries[-1].position


@pytest.mark.parametrize("limit", [13, 100])
async def test_paging_to_the_end_has_no_duplicates_or_gaps(
    adapter: WordLiftAdapter, sim: SimulatorApp, limit: int
) -> None:
    seen = await _all(adapter, JobQuery(), limit)
    ids = [r.native_id for r in seen]
    assert len(ids) == len(set(ids)) == 300
    store: KpiStore = sim.state
    assert set(ids) == set(store.jobs)
    # Graph by graph, in configured order, each newest-updated first.
    assert [r.scope for r in seen] == sorted((r.scope for r in seen), key=sim.config["graphs"].index)


async def test_filtered_paging(adapter: WordLiftAdapter, sim: SimulatorApp, clock: SimClock) -> None:
    wanted = frozenset({JobStatus.FAILED, JobStatus.CANCELED})
    seen = await _all(adapter, JobQuery(statuses=wanted, scopes=frozenset({GRAPH})), 2)
    store: KpiStore = sim.state
    expected = {j.job_id for j in store.graph_jobs(GRAPH) if j.status(clock.now()) in ("failed", "superseded")}
    assert {r.native_id for r in seen} == expected
    assert len(seen) == len(expected) > 0


async def test_get_by_ids(adapter: WordLiftAdapter, sim: SimulatorApp) -> None:
    page = await adapter.list_jobs(JobQuery(), None, 5)
    keys = [e.record.key for e in page.entries]
    answers = await adapter.get_jobs([*keys, NativeKey(GRAPH, "job_20260101_deadbeef")])
    assert [a.native_id for a in answers[:5] if isinstance(a, JobRecord)] == [k.native_id for k in keys]
    missing = answers[5]
    assert isinstance(missing, UpstreamError) and missing.kind is ErrorKind.NOT_FOUND


async def test_submit_life_cycle(adapter: WordLiftAdapter, sim: SimulatorApp, clock: SimClock) -> None:
    store: KpiStore = sim.state
    store.touch(GRAPH, clock.now())
    # Today's live job is still running: a plain submit conflicts.
    with pytest.raises(UpstreamError) as info:
        await adapter.submit_job(SubmitRequest(GRAPH, {"snapshot_date": TODAY}))
    assert info.value.kind is ErrorKind.CONFLICT
    assert info.value.status == 409

    job = await adapter.submit_job(SubmitRequest(GRAPH, {"snapshot_date": TODAY, "force_rerun": True}))
    assert job.status is JobStatus.QUEUED
    clock.advance(20)
    [running] = await adapter.get_jobs([job.key])
    assert isinstance(running, JobRecord) and running.status is JobStatus.RUNNING
    assert running.started_at is not None and running.counters["documents_seen"] > 0
    clock.advance(900)
    [done] = await adapter.get_jobs([job.key])
    assert isinstance(done, JobRecord) and done.status is JobStatus.SUCCEEDED
    assert done.finished_at is not None and done.raw["stage"] == "validate"

    # Fresh for 24 h: the same job comes back. Another day clones it at once.
    again = await adapter.submit_job(SubmitRequest(GRAPH, {"snapshot_date": TODAY}))
    assert again.native_id == job.native_id
    clone = await adapter.submit_job(SubmitRequest(GRAPH, {"snapshot_date": "2026-10-31"}))
    assert clone.status is JobStatus.SUCCEEDED and clone.raw["stage"] == "clone"


async def test_rerun_supersedes_an_active_job(adapter: WordLiftAdapter, sim: SimulatorApp, clock: SimClock) -> None:
    live = [r for r in await _all(adapter, JobQuery(scopes=frozenset({GRAPH})), 50) if not r.status.is_final]
    assert live
    rerun = await adapter.rerun_job(live[0].key)
    assert rerun.native_id != live[0].native_id
    assert rerun.status is JobStatus.QUEUED
    assert rerun.raw["snapshot_date"] == live[0].raw["snapshot_date"]
    [old] = await adapter.get_jobs([live[0].key])
    assert isinstance(old, JobRecord)
    assert (old.status, old.native_status) == (JobStatus.CANCELED, "superseded")
    assert old.error is not None and rerun.native_id in old.error.message and old.error.code == "superseded"
    clock.advance(900)
    [finished] = await adapter.get_jobs([rerun.key])
    assert isinstance(finished, JobRecord) and finished.status is JobStatus.SUCCEEDED


async def test_simulator_refusals_reach_the_adapter_typed(adapter: WordLiftAdapter) -> None:
    with pytest.raises(UpstreamError) as info:
        await adapter.submit_job(SubmitRequest(GRAPH, {"snapshot_date": "2030-01-01"}))
    assert (info.value.kind, info.value.status) == (ErrorKind.INVALID, 400)
    # Straight to the upstream, past the adapter's own checks: FastAPI's 422.
    with pytest.raises(UpstreamError) as info:
        await adapter.client.request(
            "POST", f"/kpi/graphs/{GRAPH}/jobs", operation="t", json_body={"snapshot_date": TODAY, "colour": 1}
        )
    assert info.value.kind is ErrorKind.INVALID
    assert [f.path for f in info.value.field_errors] == [("colour",)]


async def test_forbidden_graph_and_bad_key(url: str, sim: SimulatorApp) -> None:
    forbidden = sim.extra["forbidden_graphs"][0]
    intruder = make_adapter(url, sim, graphs=[forbidden])
    with pytest.raises(UpstreamError) as info:
        await intruder.check()
    assert info.value.kind is ErrorKind.FORBIDDEN
    await intruder.aclose()
    wrong = make_adapter(url, sim, api_key="not-the-key")
    with pytest.raises(UpstreamError) as info:
        await wrong.list_jobs(JobQuery(), None, 5)
    assert info.value.kind is ErrorKind.FORBIDDEN
    assert "not-the-key" not in info.value.message
    await wrong.aclose()


async def test_check(adapter: WordLiftAdapter) -> None:
    await adapter.check()
