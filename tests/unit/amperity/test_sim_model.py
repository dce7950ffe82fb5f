from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from adapters.timeparse import format_ms
from simulators.amperity.model import FilePlan, TablePlan
from simulators.amperity.seed import JOB_COUNT, build_store, materialize
from simulators.kit.clock import FROZEN_EPOCH

T0 = datetime(2026, 11, 2, 12, 0, 0, tzinfo=UTC)


def plan(outcome: str = "succeeded", **extra: object) -> TablePlan:
    files = (
        []
        if outcome == "skipped"
        else [FilePlan("cb-1/part0.avro", "part0.avro", 1000, 10), FilePlan("cb-1/part1.avro", "part1.avro", 500, 0)]
    )
    values: dict[str, object] = {
        "feed_id": "df-AbCdEfGh",
        "table_name": "Orders",
        "start_at": T0,
        "duration_s": 100.0,
        "outcome": outcome,
        "fail_at": 0.7,
        "files": files,
        "rejected_rate": 0.02,
        "update_rate": 0.5,
    }
    values.update(extra)
    return TablePlan(**values)  # type: ignore[arg-type]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_table_walks_through_its_states_and_counters_grow() -> None:
    table = plan()
    expected = [
        (-1, "scheduled"),
        (1, "started"),
        (20, "in progress"),
        (60, "running"),
        (95, "finalizing"),
        (100, "succeeded"),
        (5000, "succeeded"),
    ]
    last_read = last_loaded = -1
    for seconds, word in expected:
        body = table.render("isj-1", at(seconds), None)
        assert body["state"] == word, seconds
        assert body["read"] >= last_read and body["inserted"] + body["updated"] >= last_loaded
        last_read, last_loaded = body["read"], body["inserted"] + body["updated"]
        if word != "succeeded":
            assert body["ended_at"] == body["started_at"]
    final = table.render("isj-1", at(100), None)
    assert final["ended_at"] == format_ms(at(100))
    assert final["read"] == 1500 and final["errors"] == 10
    assert final["inserted"] + final["updated"] + final["rejected"] + final["errors"] == final["read"]
    assert [f["read"] for f in final["files"]] == [1000, 500]


def test_files_are_read_one_after_another() -> None:
    body = plan().render("isj-1", at(20), None)
    first, second = body["files"]
    assert 0 < first["read"] < 1000 and second["read"] == 0


def test_failed_and_skipped_tables() -> None:
    failed = plan("failed").render("isj-1", at(80), None)
    assert failed["state"] == "failed" and failed["ended_at"] == format_ms(at(70))
    assert plan("failed").render("isj-1", at(69), None)["state"] == "running"
    skipped = plan("skipped").render("isj-1", at(0), None)
    assert (skipped["state"], skipped["files"], skipped["read"]) == ("skipped", [], 0)


def test_stop_turns_running_tables_stopping_then_stopped_and_cancels_unstarted_ones() -> None:
    stop = at(30)
    running = plan()
    assert running.render("isj-1", at(29), stop)["state"] == "in progress"
    assert running.render("isj-1", at(31), stop)["state"] == "stopping"
    stopped = running.render("isj-1", at(40), stop)
    assert stopped["state"] == "stopped" and stopped["ended_at"] == format_ms(at(33))
    assert stopped["read"] == running.render("isj-1", at(31), stop)["read"]
    later = plan(start_at=at(60)).render("isj-1", at(31), stop)
    assert (later["state"], later["started_at"], later["ended_at"]) == ("canceled", format_ms(stop), format_ms(stop))
    done = plan(duration_s=10.0).render("isj-1", at(40), stop)
    assert done["state"] == "succeeded"


def test_seeding_is_deterministic_per_seed() -> None:
    a, b, c = build_store(0, FROZEN_EPOCH), build_store(0, FROZEN_EPOCH), build_store(1, FROZEN_EPOCH)
    assert list(a.jobs) == list(b.jobs) and a.token == b.token
    assert list(a.jobs) != list(c.jobs) and a.token != c.token
    assert len(a.jobs) == JOB_COUNT
    horizon = FROZEN_EPOCH - timedelta(days=7)
    recent = [j for j in a.jobs.values() if horizon <= j.start_at <= FROZEN_EPOCH]
    assert 80 <= len(recent) < JOB_COUNT
    assert any(j.start_at < horizon for j in a.jobs.values())


def test_ids_look_like_amperitys() -> None:
    store = build_store(3, FROZEN_EPOCH)
    for job in store.jobs.values():
        assert re.fullmatch(r"isj-\d{8}-\d{5}-[A-Za-z0-9]{6}", job.id)
        assert re.fullmatch(r"wf-\d{8}-\d{5}-[A-Za-z0-9]{6}", job.workflow_id)
        for table in job.tables:
            assert re.fullmatch(r"df-[A-Za-z0-9]{8}", table.feed_id)
            for f in table.files:
                assert re.fullmatch(r"cb-\d{8}-\d{5}-[A-Za-z0-9]{5}/part\d\.avro", f.file_id)
    assert {c.id[:3] for c in store.configs.values()} == {"cg-", "og-", "cc-"}


def test_hourly_runs_appear_as_time_passes_whatever_the_request_history() -> None:
    a, b = build_store(0, FROZEN_EPOCH), build_store(0, FROZEN_EPOCH)
    materialize(a, FROZEN_EPOCH + timedelta(minutes=58))
    assert len(a.jobs) == JOB_COUNT
    materialize(a, FROZEN_EPOCH + timedelta(minutes=59))
    materialize(a, FROZEN_EPOCH + timedelta(hours=2))
    materialize(b, FROZEN_EPOCH + timedelta(hours=2))
    materialize(b, FROZEN_EPOCH + timedelta(hours=2))
    assert len(a.jobs) == len(b.jobs) == JOB_COUNT + 2
    assert list(a.jobs) == list(b.jobs)
    newest = list(a.jobs.values())[-1]
    assert newest.start_at == FROZEN_EPOCH + timedelta(hours=2)
    assert a.workflows[newest.workflow_id].created_at == FROZEN_EPOCH + timedelta(hours=2, seconds=-60)


def test_a_big_clock_jump_only_creates_recent_hourly_runs() -> None:
    store = build_store(0, FROZEN_EPOCH)
    materialize(store, FROZEN_EPOCH + timedelta(days=365))
    assert JOB_COUNT + 24 * 8 <= len(store.jobs) <= JOB_COUNT + 24 * 8 + 2
