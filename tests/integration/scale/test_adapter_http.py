"""The Scale adapter against its simulator over real HTTP, with a frozen clock."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest

from adapters.base import IngestRunQuery, JobQuery, JobTypeQuery, SubmitRequest
from adapters.errors import ErrorKind, UpstreamError
from adapters.model import JobRecord, JobStatus, JobTypeRecord, NativeKey
from adapters.scale import ScaleAdapter
from adapters.scale.translate import job_status
from simulators.kit import SimClock
from simulators.kit.app import SimulatorApp
from simulators.scale.store import MESSAGE_DELAY, Store, view


def store_of(sim: SimulatorApp) -> Store:
    assert isinstance(sim.state, Store)
    return sim.state


def expected_ids(sim: SimulatorApp, query: JobQuery | None = None) -> list[str]:
    """The simulator's own view of the list the adapter pages through: newest first."""
    store = store_of(sim)
    now = store.epoch
    rows = sorted(store.jobs.values(), key=lambda j: (view(j, now).last_modified, j.id), reverse=True)
    return [str(j.id) for j in rows if query is None or _status_ok(query, view(j, now).status)]


def _status_ok(query: JobQuery, word: str) -> bool:
    return query.statuses is None or job_status(word) in query.statuses


async def page_all(adapter: ScaleAdapter, query: JobQuery, limit: int) -> tuple[list[JobRecord], int]:
    records: list[JobRecord] = []
    after: str | None = None
    pages = 0
    while True:
        page = await adapter.list_jobs(query, after, limit)
        pages += 1
        records.extend(e.record for e in page.entries)
        if not page.has_more:
            return records, pages
        after = page.entries[-1].position


class Calls:
    def __init__(self) -> None:
        self.operations: list[str] = []

    def __call__(self, source: object, operation: str, outcome: str, seconds: float) -> None:
        self.operations.append(operation)


@pytest.fixture
def calls(adapter: ScaleAdapter) -> Iterator[Calls]:
    counter = Calls()
    adapter.client.observers.append(counter)
    yield counter
    adapter.client.observers.remove(counter)


@pytest.mark.parametrize("limit", [7, 100, 333, 1000])
async def test_paging_to_the_end_yields_every_job_once(
    adapter: ScaleAdapter, sim: SimulatorApp, calls: Calls, limit: int
) -> None:
    records, pages = await page_all(adapter, JobQuery(), limit)
    assert [r.native_id for r in records] == expected_ids(sim)
    assert pages == -(-800 // limit)
    assert len(calls.operations) == pages  # one request per page


async def test_paging_with_pushed_down_filters(adapter: ScaleAdapter, sim: SimulatorApp) -> None:
    query = JobQuery(statuses=frozenset({JobStatus.RUNNING, JobStatus.QUEUED, JobStatus.FAILED}))
    first = await adapter.list_jobs(query, None, 25)
    records, _ = await page_all(adapter, query, 25)
    assert [r.native_id for r in records] == expected_ids(sim, query)
    assert first.total == len(records)


async def test_time_and_type_filters(adapter: ScaleAdapter, sim: SimulatorApp) -> None:
    epoch = store_of(sim).epoch
    query = JobQuery(job_type_ids=frozenset({"1"}), updated_after=epoch - timedelta(days=2), updated_before=epoch)
    records, _ = await page_all(adapter, query, 30)
    assert records and all(r.job_type_name == "scale-ingest" for r in records)
    assert all(query.matches(r) for r in records)
    total = (await adapter.list_jobs(query, None, 30)).total
    assert total == len(records)
    created = JobQuery(created_after=epoch - timedelta(hours=1))
    recent, _ = await page_all(adapter, created, 50)
    assert recent and all(r.created_at is not None and r.created_at >= epoch - timedelta(hours=1) for r in recent)


async def test_get_jobs_by_ids(adapter: ScaleAdapter, sim: SimulatorApp, calls: Calls) -> None:
    ids = expected_ids(sim)[:150]
    keys = [NativeKey("", i) for i in ids] + [NativeKey("", "1"), NativeKey("", "x")]
    answers = await adapter.get_jobs(keys)
    assert [a.native_id for a in answers[:150] if isinstance(a, JobRecord)] == ids
    assert all(isinstance(a, UpstreamError) and a.kind is ErrorKind.NOT_FOUND for a in answers[150:])
    assert calls.operations == ["get_jobs", "get_jobs"]


async def test_submit_cancel_rerun_life_cycle(adapter: ScaleAdapter, sim: SimulatorApp, clock: SimClock) -> None:
    jt = next(t for t in store_of(sim).job_types if t.is_active and not t.is_paused and not t.is_system)
    submitted = await adapter.submit_job(
        SubmitRequest("", {"job_type_id": jt.id, "input": {"files": {"INPUT_FILE": [3]}, "json": {}}})
    )
    # Queued once: Scale would requeue it already (``can_be_requeued``).
    assert submitted.status is JobStatus.QUEUED and submitted.can_cancel and submitted.can_rerun
    canceled = await adapter.cancel_job(submitted.key)
    assert canceled.status is JobStatus.QUEUED and canceled.pending_status is JobStatus.CANCELED
    clock.advance(MESSAGE_DELAY.total_seconds())
    (now,) = await adapter.get_jobs([submitted.key])
    assert isinstance(now, JobRecord) and now.status is JobStatus.CANCELED and now.can_rerun
    rerun = await adapter.rerun_job(submitted.key)
    assert rerun.status is JobStatus.CANCELED and rerun.pending_status is JobStatus.QUEUED
    clock.advance(MESSAGE_DELAY.total_seconds())
    (requeued,) = await adapter.get_jobs([submitted.key])
    assert isinstance(requeued, JobRecord) and requeued.status is JobStatus.QUEUED
    assert requeued.counters["num_exes"] == 2
    clock.advance(30)
    running = (await adapter.get_jobs([submitted.key]))[0]
    assert isinstance(running, JobRecord) and running.status is JobStatus.RUNNING
    clock.advance(600)
    later = (await adapter.get_jobs([submitted.key]))[0]
    assert isinstance(later, JobRecord)
    assert later.status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.QUEUED, JobStatus.RUNNING)
    done = next(r for r in (await page_all(adapter, JobQuery(statuses=frozenset({JobStatus.SUCCEEDED})), 5))[0])
    with pytest.raises(UpstreamError) as conflict:
        await adapter.cancel_job(done.key)
    assert conflict.value.kind is ErrorKind.CONFLICT


async def test_a_job_never_queued_is_not_requeued(adapter: ScaleAdapter, sim: SimulatorApp, clock: SimClock) -> None:
    """Scale skips a job with ``num_exes == 0`` (a PENDING job cancelled before it was queued)."""
    pending = next(r for r in (await page_all(adapter, JobQuery(statuses=frozenset({JobStatus.PENDING})), 5))[0])
    assert not pending.can_rerun
    await adapter.cancel_job(pending.key)
    clock.advance(MESSAGE_DELAY.total_seconds())
    (canceled,) = await adapter.get_jobs([pending.key])
    assert isinstance(canceled, JobRecord) and canceled.status is JobStatus.CANCELED and not canceled.can_rerun
    with pytest.raises(UpstreamError) as refused:
        await adapter.rerun_job(pending.key)
    assert refused.value.kind is ErrorKind.CONFLICT


async def test_submit_refusals_come_back_typed(adapter: ScaleAdapter, sim: SimulatorApp) -> None:
    jt = next(t for t in store_of(sim).job_types if t.is_active and not t.is_system)
    with pytest.raises(UpstreamError) as missing_input:
        await adapter.submit_job(SubmitRequest("", {"job_type_id": jt.id, "input": {}}))
    assert missing_input.value.kind is ErrorKind.INVALID
    assert missing_input.value.field_errors[0].path == ("input",)
    with pytest.raises(UpstreamError) as unknown:
        await adapter.submit_job(SubmitRequest("", {"job_type_id": 99999, "input": {}}))
    assert unknown.value.field_errors[0].path == ("job_type_id",)


async def test_job_types_over_http(adapter: ScaleAdapter, sim: SimulatorApp, clock: SimClock) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = await adapter.list_job_types(JobTypeQuery(), after, 7)
        seen += [e.record.native_id for e in page.entries]
        if not page.has_more:
            break
        after = page.entries[-1].position
    assert len(seen) == len(set(seen)) == 40 and page.total == 40
    answers = await adapter.get_job_types([NativeKey("", "1"), NativeKey("", "4000")])
    assert not isinstance(answers[0], UpstreamError) and answers[0].name == "scale-ingest"
    assert isinstance(answers[1], UpstreamError)
    jt = next(t for t in store_of(sim).job_types if t.is_active and not t.is_paused and not t.is_system)
    current = await adapter.get_job_types([NativeKey("", str(jt.id))])
    assert isinstance(current[0], JobTypeRecord)
    paused = await adapter.edit_job_type(current[0], {"is_paused": True})
    assert paused.job_type.is_paused is True and paused.validation.is_valid is True
    assert "manifest" in paused.job_type.raw and paused.job_type.revision == jt.revision_num
    gone = dataclasses.replace(current[0], name="nope", version="1.0.0")
    with pytest.raises(UpstreamError) as missing:
        await adapter.edit_job_type(gone, {"is_paused": True})
    assert missing.value.kind is ErrorKind.NOT_FOUND


async def test_ingest_runs_over_http(adapter: ScaleAdapter, sim: SimulatorApp) -> None:
    seen = []
    after = None
    while True:
        page = await adapter.list_ingest_runs(IngestRunQuery(), after, 30)
        seen += [e.record for e in page.entries]
        if not page.has_more:
            break
        after = page.entries[-1].position
    assert len({r.native_id for r in seen}) == 100
    ingested = await adapter.list_ingest_runs(IngestRunQuery(states=frozenset({JobStatus.SUCCEEDED})), None, 100)
    assert ingested.total == len(ingested.entries) and all(
        e.record.native_state == "INGESTED" for e in ingested.entries
    )
    run = seen[0]
    again = await adapter.get_ingest_runs([run.key, NativeKey("", "1")])
    assert again[0] == run and isinstance(again[1], UpstreamError)
    job = (await adapter.get_jobs([NativeKey("", run.job_id or "")]))[0]
    assert isinstance(job, JobRecord) and job.job_type_name == "scale-ingest"
