"""The Amperity adapter against its simulator over real HTTP."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from adapters.amperity import AmperityAdapter
from adapters.base import IngestRunQuery, JobQuery
from adapters.errors import ErrorKind, UpstreamError
from adapters.model import JobRecord, JobStatus, NativeKey
from simulators.amperity.model import Store
from simulators.kit.app import SimulatorApp
from tests.integration.amperity.conftest import make_adapter


def store(sim: SimulatorApp) -> Store:
    assert isinstance(sim.state, Store)
    return sim.state


def listable(sim: SimulatorApp) -> list[str]:
    """Ids the list should give, newest started first: the 7-day window ending 1 s after now."""
    now = sim.injector.clock.now()
    end = now + timedelta(seconds=1)
    rows = []
    for job in store(sim).jobs.values():
        started = job.listed_start(now, store(sim).workflows[job.workflow_id].stop_at)
        if end - timedelta(days=7) <= started < end:
            rows.append((started, job.id))
    return [ident for _, ident in sorted(rows, reverse=True)]


def key(sim: SimulatorApp, job_id: str) -> NativeKey:
    return NativeKey(sim.config["tenant"], job_id)


def not_started(sim: SimulatorApp) -> str:
    now = sim.injector.clock.now()
    return next(j.id for j in store(sim).jobs.values() if j.start_at > now)


async def find(adapter: AmperityAdapter, status: JobStatus) -> JobRecord:
    page = await adapter.list_jobs(JobQuery(statuses=frozenset({status})), None, 50)
    assert page.entries, f"the seed has a {status.value} job"
    return page.entries[0].record


async def test_list_pages_to_the_end_without_duplicates_or_gaps(adapter: AmperityAdapter, sim: SimulatorApp) -> None:
    expected = listable(sim)
    assert len(expected) >= 80
    seen: list[str] = []
    after = None
    first_total = None
    while True:
        page = await adapter.list_jobs(JobQuery(), after, 7)
        if after is None:
            first_total = page.total
        seen += [e.record.native_id for e in page.entries]
        if not page.has_more:
            break
        after = page.entries[-1].position
    assert seen == expected
    assert first_total == len(expected)
    assert store(sim).rate_limited == 0


async def test_ingest_runs_list_the_same_jobs(adapter: AmperityAdapter, sim: SimulatorApp) -> None:
    runs = await adapter.list_ingest_runs(IngestRunQuery(), None, 10)
    jobs = await adapter.list_jobs(JobQuery(), None, 10)
    assert [e.record.native_id for e in runs.entries] == [e.record.native_id for e in jobs.entries]
    for entry in runs.entries:
        run = entry.record
        assert run.job_id == run.native_id and run.tables and run.workflow_id
        assert run.read == sum(t.read for t in run.tables)


async def test_status_mix_in_the_seed(adapter: AmperityAdapter) -> None:
    page = await adapter.list_jobs(JobQuery(), None, 200)
    statuses = {e.record.status for e in page.entries}
    assert {JobStatus.SUCCEEDED, JobStatus.RUNNING, JobStatus.FAILED, JobStatus.CANCELED} <= statuses
    words = {t["state"] for e in page.entries for t in e.record.raw["tables"]}
    assert {"succeeded", "in progress", "failed", "skipped", "stopped"} <= words


async def test_get_by_ids_including_jobs_older_than_the_window(adapter: AmperityAdapter, sim: SimulatorApp) -> None:
    recent = listable(sim)
    horizon = sim.injector.clock.now() - timedelta(days=7)
    old = next(j.id for j in store(sim).jobs.values() if j.start_at < horizon)
    some = recent[0]
    answers = await adapter.get_jobs([key(sim, old), key(sim, "isj-20261102-00000-NoSuch"), key(sim, some)])
    assert isinstance(answers[0], JobRecord) and answers[0].native_id == old and answers[0].status.is_final
    assert isinstance(answers[1], UpstreamError) and answers[1].kind is ErrorKind.NOT_FOUND
    assert isinstance(answers[2], JobRecord) and answers[2].ingest_run_id == some
    runs = await adapter.get_ingest_runs([key(sim, old)])
    assert not isinstance(runs[0], UpstreamError) and runs[0].job_id == old


async def test_jobs_move_on_when_the_clock_advances(adapter: AmperityAdapter, sim: SimulatorApp) -> None:
    running = await find(adapter, JobStatus.RUNNING)
    (scheduled,) = await adapter.get_jobs([key(sim, not_started(sim))])
    assert isinstance(scheduled, JobRecord) and scheduled.status is JobStatus.QUEUED
    sim.injector.clock.advance(600)
    (later, started) = await adapter.get_jobs([running.key, scheduled.key])
    assert isinstance(later, JobRecord) and later.status.is_final
    assert later.counters["read"] >= running.counters["read"]
    assert later.finished_at is not None and later.progress == 1.0
    assert isinstance(started, JobRecord) and started.status is not JobStatus.QUEUED


async def test_cancel_stops_the_workflow(adapter: AmperityAdapter, sim: SimulatorApp) -> None:
    running = await find(adapter, JobStatus.RUNNING)
    assert running.can_cancel
    stopping = await adapter.cancel_job(running.key)
    assert stopping.status is JobStatus.RUNNING and stopping.native_status == "stopping"
    again = await adapter.cancel_job(running.key)  # still stopping: Amperity answers 200 again
    assert again.native_status == "stopping"
    sim.injector.clock.advance(5)
    (done,) = await adapter.get_jobs([running.key])
    assert isinstance(done, JobRecord) and done.status is JobStatus.CANCELED and not done.can_cancel
    try:
        await adapter.cancel_job(running.key)
    except UpstreamError as err:
        assert err.kind is ErrorKind.CONFLICT
    else:
        raise AssertionError("cancelling a canceled job must be refused")


async def test_cancel_a_job_that_has_not_started(adapter: AmperityAdapter, sim: SimulatorApp) -> None:
    canceled = await adapter.cancel_job(key(sim, not_started(sim)))
    assert canceled.status is JobStatus.CANCELED and canceled.native_status == "canceled"


async def test_a_burst_of_30_gets_causes_no_429(adapter: AmperityAdapter, sim: SimulatorApp) -> None:
    keys = [key(sim, j) for j in list(store(sim).jobs)[:30]]
    results = await asyncio.gather(*(adapter.get_jobs([k]) for k in keys))
    assert all(isinstance(r[0], JobRecord) for r in results)
    assert store(sim).rate_limited == 0


async def test_many_ids_in_one_get_jobs_cost_few_requests(adapter: AmperityAdapter, sim: SimulatorApp) -> None:
    await adapter.check()  # learns the server's clock
    before = store(sim).requests
    ids = listable(sim)[:40]
    answers = await adapter.get_jobs([key(sim, i) for i in ids])
    assert [a.native_id for a in answers if isinstance(a, JobRecord)] == ids
    assert store(sim).requests - before == 1


async def test_the_simulator_does_enforce_its_rate_limit(url: str, sim: SimulatorApp) -> None:
    headers = {
        "Authorization": f"Bearer {sim.config['token']}",
        "amperity-tenant": sim.config["tenant"],
        "api-version": "2024-04-01",
    }
    job_id = next(iter(store(sim).jobs))
    async with httpx.AsyncClient(base_url=url, headers=headers) as client:
        answers = await asyncio.gather(*(client.get(f"/ingest/jobs/{job_id}") for _ in range(30)))
    limited = [a for a in answers if a.status_code == 429]
    assert limited and store(sim).rate_limited == len(limited)
    assert limited[0].json()["status"] == 429 and int(limited[0].headers["retry-after"]) >= 1


async def test_credentials_and_tenant_are_checked(url: str, sim: SimulatorApp) -> None:
    cases = [
        ({"token": "eyJ-wrong"}, ErrorKind.UNAUTHENTICATED),
        ({"tenant": "someone-else"}, ErrorKind.FORBIDDEN),
        ({"api_version": "2023-01-01"}, ErrorKind.INVALID),
    ]
    for overrides, kind in cases:
        bad = make_adapter(url, sim, **overrides)
        try:
            await bad.check()
        except UpstreamError as err:
            assert err.kind is kind, overrides
            assert sim.config["token"] not in err.message
        else:
            raise AssertionError(f"{overrides} must be refused")
        finally:
            await bad.aclose()


async def test_check_passes(adapter: AmperityAdapter) -> None:
    await adapter.check()
