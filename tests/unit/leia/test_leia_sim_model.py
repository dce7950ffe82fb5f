from __future__ import annotations

from datetime import UTC, datetime, timedelta

from simulators.leia.conditions import matches
from simulators.leia.model import SimJob, Timeline, build_timeline

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PHASES = (("READY", 2.0), ("STARTING", 1.0), ("LOADING_MODEL", 3.0), ("PROCESSING", 4.0))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def make(job_id: str = "j", **kw: object) -> SimJob:
    base: dict[str, object] = {
        "id": job_id,
        "application_id": "app",
        "job_type": "predict",
        "document_ids": ["d"],
        "creation_time": T0,
        "durations": PHASES,
        "outcome": "PROCESSED",
    }
    base.update(kw)
    return SimJob(**base)  # type: ignore[arg-type]


def alone(job: SimJob) -> Timeline:
    return build_timeline(job, lambda _id: None)


def test_plain_life_cycle() -> None:
    timeline = alone(make())
    seen = [timeline.status_at(at(s)) for s in (0, 2, 3, 6, 9.9, 10, 100)]
    assert seen == ["READY", "STARTING", "LOADING_MODEL", "PROCESSING", "PROCESSING", "PROCESSED", "PROCESSED"]
    assert timeline.since("STARTING") == at(2)
    assert timeline.final == ("PROCESSED", at(10))
    assert timeline.final_at(at(5)) is None


def test_failure_carries_reason_and_code() -> None:
    timeline = alone(make(outcome="FAILED", failure=(400, "unreadable")))
    assert timeline.status_at(at(10)) == "FAILED"
    assert (timeline.reason, timeline.http_code) == ("unreadable", 400)


def test_blocked_until_released() -> None:
    job = make(blocked=True)
    assert alone(job).status_at(at(1000)) == "BLOCKED" and alone(job).final is None
    job.released_at = at(100)
    timeline = alone(job)
    assert timeline.status_at(at(99)) == "BLOCKED"
    assert timeline.status_at(at(100)) == "READY"
    assert timeline.final == ("PROCESSED", at(110))


def test_waiting_for_prerequisite() -> None:
    first = make("first")
    second = make("second", execute_after_id="first")
    timeline = build_timeline(second, lambda _id: alone(first))
    assert timeline.status_at(at(5)) == "WAITING"
    assert timeline.status_at(at(10)) == "READY"
    assert timeline.final == ("PROCESSED", at(20))


def test_failed_or_canceled_prerequisite_fails_the_dependent() -> None:
    first = make("first", canceled_at=at(4))
    second = make("second", execute_after_id="first")
    timeline = build_timeline(second, lambda _id: alone(first))
    assert alone(first).status_at(at(4)) == "CANCELED"
    assert timeline.final == ("FAILED", at(4))
    assert timeline.reason == "Prerequisite job first is CANCELED"


def test_prerequisite_never_final_keeps_waiting() -> None:
    second = make("second", execute_after_id="first")
    assert build_timeline(second, lambda _id: alone(make("first", blocked=True))).status_at(at(1e6)) == "WAITING"


def test_cancel_truncates_the_future() -> None:
    timeline = alone(make(canceled_at=at(4)))
    assert [w for w, _ in timeline.phases] == ["READY", "STARTING", "LOADING_MODEL", "CANCELED"]
    assert timeline.status_at(at(3.9)) == "LOADING_MODEL"
    assert timeline.final == ("CANCELED", at(4))


def test_conditions() -> None:
    result = {"category": "invoice", "score": 0.9, "meta": {"pages": 3}}
    assert matches({}, result)
    assert matches({"category": "invoice"}, result)
    assert not matches({"category": "receipt"}, result)
    assert matches({"score": {"$gte": 0.5}, "meta.pages": [{"$gt": 1}, {"$lt": 5}]}, result)
    assert not matches({"score": {"$gt": "x"}}, result)
    assert matches({"category": {"$in": ["invoice", "receipt"]}}, result)
    assert matches({"category": {"$nin": ["receipt"]}, "score": {"$ne": 1}}, result)
    assert not matches({"missing": None}, result)
    assert not matches({"category": "invoice"}, ["not", "a", "dict"])
