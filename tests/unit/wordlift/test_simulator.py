"""The simulator's behaviour at the store level, with a frozen clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from simulators.kit import SimClock
from simulators.kit.app import SimulatorApp
from simulators.wordlift.app import create_simulator
from simulators.wordlift.model import Job
from simulators.wordlift.plan import FailureRates
from simulators.wordlift.render import render_job
from simulators.wordlift.snapshots import render_snapshot, snapshot_jobs
from simulators.wordlift.store import BadRequest, Conflict, KpiStore

GRAPH = "1506805"
TODAY = "2026-11-02"
YESTERDAY = "2026-11-01"


@pytest.fixture
def sim() -> SimulatorApp:
    made = create_simulator(seed=0, clock=SimClock(speed=0))
    store: KpiStore = made.state
    store.rates = FailureRates(retry=0, fatal=0)
    graph = store.graphs[GRAPH]
    # Keep the source watermark still during a test; touches decide.
    now = made.extra["clock"].now()
    graph.edit_every, graph.edit_phase = timedelta(days=3650), now - timedelta(days=400)
    return made


def _clock(sim: SimulatorApp) -> SimClock:
    clock: SimClock = sim.extra["clock"]
    return clock


def _view(sim: SimulatorApp, job: Job) -> dict[str, Any]:
    store: KpiStore = sim.state
    return render_job(job, store.graphs[job.graph_id], _clock(sim).now())


def _fresh(sim: SimulatorApp, day: str = TODAY, **options: Any) -> Job:
    store: KpiStore = sim.state
    clock = _clock(sim)
    store.touch(GRAPH, clock.now())
    return store.submit(GRAPH, {"snapshot_date": day, "force_rerun": True, **options}, clock.now())


def _run_to_end(sim: SimulatorApp, job: Job) -> None:
    _clock(sim).advance((job.finished_at - _clock(sim).now()).total_seconds() + 1)


# --- seed data --------------------------------------------------------------------------


def test_seed_size_ids_and_config() -> None:
    made = create_simulator(seed=0, clock=SimClock(speed=0))
    store: KpiStore = made.state
    assert len(store.jobs) == 300
    assert len(made.config["graphs"]) == 3
    assert made.config["graphs"][0] == GRAPH
    assert set(made.config["graphs"]) <= set(store.graphs)
    assert made.extra["forbidden_graphs"]
    assert store.keys[made.config["api_key"]] == frozenset(made.config["graphs"])
    assert {job.graph_id for job in store.jobs.values()} == set(made.config["graphs"])
    assert all(re.fullmatch(r"job_\d{8}_[0-9a-f]{8}", job_id) for job_id in store.jobs)
    now = _clock(made).now()
    statuses = {job.status(now) for job in store.jobs.values()}
    assert {"queued", "running", "completed", "failed", "superseded"} <= statuses
    assert any(job.clone_of is not None for job in store.jobs.values())


def _fingerprint(seed: int) -> list[dict[str, Any]]:
    made = create_simulator(seed=seed, clock=SimClock(speed=0))
    store: KpiStore = made.state
    now = _clock(made).now()
    return [render_job(job, store.graphs[job.graph_id], now) for job in store.jobs.values()]


def test_same_seed_same_data_other_seed_other_data() -> None:
    assert _fingerprint(3) == _fingerprint(3)
    assert _fingerprint(3) != _fingerprint(4)


def test_real_time_clock_shows_live_jobs_moving() -> None:
    made = create_simulator(seed=0, clock=SimClock(speed=60))
    store: KpiStore = made.state
    live = [job for job in store.jobs.values() if job.is_active(_clock(made).now())]
    assert live
    assert all(job.finished_at - _clock(made).now() < timedelta(minutes=10) for job in live)


# --- life cycle -----------------------------------------------------------------------------


def test_fresh_run_life_cycle(sim: SimulatorApp) -> None:
    job = _fresh(sim)
    first = _view(sim, job)
    assert (first["status"], first["stage"]) == ("queued", "calculate")
    assert "started_at" not in first and "documents_seen" not in first
    _clock(sim).advance((job.started_at - _clock(sim).now()).total_seconds() + 12)
    running = _view(sim, job)
    assert (running["status"], running["stage"]) == ("running", "calculate")
    assert 0 < running["documents_seen"] < job.documents
    assert running["heartbeat_at"] >= running["started_at"]
    calculated = job.stage_end("calculate")
    assert calculated is not None
    _clock(sim).advance((calculated - _clock(sim).now()).total_seconds() + 5)
    validating = _view(sim, job)
    assert (validating["status"], validating["stage"]) == ("running", "validate")
    assert validating["documents_seen"] == job.documents
    assert "calculate" in validating["stage_timings_json"]
    _run_to_end(sim, job)
    done = _view(sim, job)
    assert (done["status"], done["stage"]) == ("completed", "validate")
    assert set(done["stage_timings_json"]) == {"calculate", "validate"}
    assert done["issues_written"] == job.issues
    assert done["heartbeat_at"] <= done["finished_at"]
    assert done["retry_count"] == 0
    assert "error_code" not in done


def test_skip_validation_and_limits(sim: SimulatorApp) -> None:
    job = _fresh(sim, skip_validation=True, limit_documents=500)
    _run_to_end(sim, job)
    done = _view(sim, job)
    assert (done["status"], done["stage"]) == ("completed", "calculate")
    assert done["documents_seen"] == 500
    assert "issues_written" not in done
    assert set(done["stage_timings_json"]) == {"calculate"}


def test_retries_are_counted(sim: SimulatorApp) -> None:
    store: KpiStore = sim.state
    store.rates = FailureRates(retry=1.0, fatal=0)
    job = _fresh(sim)
    _run_to_end(sim, job)
    done = _view(sim, job)
    assert done["status"] == "completed"
    assert done["retry_count"] == 2


def test_exhausted_retries_fail_the_job(sim: SimulatorApp) -> None:
    store: KpiStore = sim.state
    store.rates = FailureRates(retry=0, fatal=1.0)
    job = _fresh(sim, stage_retries=2)
    assert len(job.attempts) == 3
    _run_to_end(sim, job)
    done = _view(sim, job)
    assert (done["status"], done["stage"]) == ("failed", "calculate")
    assert done["retry_count"] == 2
    assert done["error_code"] and done["error_message"]


# --- submit rules -------------------------------------------------------------------------------


def test_active_job_conflicts_unless_forced(sim: SimulatorApp) -> None:
    store: KpiStore = sim.state
    job = _fresh(sim)
    with pytest.raises(Conflict, match=job.job_id):
        store.submit(GRAPH, {"snapshot_date": TODAY}, _clock(sim).now())
    _clock(sim).advance(3)
    replacement = store.submit(GRAPH, {"snapshot_date": TODAY, "force_rerun": True}, _clock(sim).now())
    old = _view(sim, job)
    assert old["status"] == "superseded"
    assert old["error_code"] == "superseded"
    assert replacement.job_id in old["error_message"]
    assert _view(sim, replacement)["status"] == "queued"


def test_freshness_returns_the_same_job_then_clone_after_a_day(sim: SimulatorApp) -> None:
    store: KpiStore = sim.state
    job = _fresh(sim)
    _run_to_end(sim, job)
    again = store.submit(GRAPH, {"snapshot_date": TODAY}, _clock(sim).now())
    assert again is job
    _clock(sim).advance(25 * 3600)
    later = store.submit(GRAPH, {"snapshot_date": TODAY}, _clock(sim).now())
    assert later is not job
    assert later.clone_of is job
    assert (_view(sim, later)["status"], _view(sim, later)["stage"]) == ("completed", "clone")


def test_clone_of_the_newest_validated_snapshot(sim: SimulatorApp) -> None:
    store: KpiStore = sim.state
    job = _fresh(sim)
    _run_to_end(sim, job)
    clone = store.submit(GRAPH, {"snapshot_date": YESTERDAY}, _clock(sim).now())
    view = _view(sim, clone)
    assert (view["status"], view["stage"], view["snapshot_date"]) == ("completed", "clone", YESTERDAY)
    assert view["started_at"] == view["finished_at"]
    row = render_snapshot(store, clone, store.graphs[GRAPH])
    assert row["snapshot_origin"] == "cloned"
    assert row["cloned_from_snapshot_date"] == TODAY
    assert row["all_total_entities"] == job.documents
    own = render_snapshot(store, job, store.graphs[GRAPH])
    assert own["snapshot_origin"] == "calculated"
    assert "cloned_from_snapshot_date" not in own
    assert snapshot_jobs(store, GRAPH, _clock(sim).now())[clone.snapshot_date] is clone


def test_a_changed_graph_or_a_force_means_a_fresh_run(sim: SimulatorApp) -> None:
    store: KpiStore = sim.state
    job = _fresh(sim)
    _run_to_end(sim, job)
    forced = store.submit(GRAPH, {"snapshot_date": YESTERDAY, "force_rerun": True}, _clock(sim).now())
    assert forced.clone_of is None and _view(sim, forced)["status"] == "queued"
    store.touch(GRAPH, _clock(sim).now())
    changed = store.submit(GRAPH, {"snapshot_date": "2026-10-30"}, _clock(sim).now())
    assert changed.clone_of is None


@pytest.mark.parametrize("day", ["2026-11-03", "2026-13-01", "20261101", "yesterday"])
def test_bad_or_future_days(sim: SimulatorApp, day: str) -> None:
    store: KpiStore = sim.state
    with pytest.raises(BadRequest):
        store.submit(GRAPH, {"snapshot_date": day}, _clock(sim).now())


# --- list ---------------------------------------------------------------------------------------


def test_keyset_paging_is_complete_and_ordered(sim: SimulatorApp) -> None:
    store: KpiStore = sim.state
    now = _clock(sim).now()
    seen: list[Job] = []
    cursor = None
    while True:
        chunk, cursor = store.page(GRAPH, now, 7, cursor)
        seen.extend(chunk)
        if cursor is None:
            break
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00\|job_\d{8}_[0-9a-f]{8}", cursor)
    assert sorted(j.job_id for j in seen) == sorted(j.job_id for j in store.graph_jobs(GRAPH))
    keys = [(j.updated_at(now), j.job_id) for j in seen]
    assert keys == sorted(keys, reverse=True)


def test_page_size_default_cap_and_bad_cursor(sim: SimulatorApp) -> None:
    store: KpiStore = sim.state
    now = _clock(sim).now()
    assert len(store.page(GRAPH, now, None, None)[0]) == 20
    assert len(store.page(GRAPH, now, 1000, None)[0]) == 100
    example, _ = store.page(GRAPH, now, 5, "2026-03-14T06:43:42+00:00|job_20260314_ae0783b4")
    assert example == []
    for bad in ("nonsense", "2026-03-14|", "|job_1"):
        with pytest.raises(BadRequest):
            store.page(GRAPH, now, 5, bad)


def test_heartbeat_moves_the_update_time(sim: SimulatorApp) -> None:
    job = _fresh(sim)
    _clock(sim).advance((job.started_at - _clock(sim).now()).total_seconds() + 1)
    before = job.updated_at(_clock(sim).now())
    _clock(sim).advance(5)
    after = job.updated_at(_clock(sim).now())
    assert after - before == timedelta(seconds=5)
    assert isinstance(before, datetime)
