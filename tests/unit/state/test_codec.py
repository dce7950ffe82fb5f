"""Records survive the trip through the state store's JSON unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.model import IngestFileRecord, IngestRunRecord, IngestTableRecord, JobRecord, JobStatus, Source
from gateway.mutations import MutationErrorCode, Outcome, Problem
from gateway.state import codec


def test_an_outcome_with_a_full_job_record_round_trips() -> None:
    at = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
    run = IngestRunRecord(
        Source.AMPERITY,
        "ing-1",
        "tenant",
        JobStatus.RUNNING,
        "in progress",
        started_at=at,
        tables=(IngestTableRecord("t", JobStatus.SUCCEEDED, "done", files=(IngestFileRecord("f", None, 3, 0),)),),
    )
    job = JobRecord(
        Source.AMPERITY,
        "ing-1",
        "tenant",
        JobStatus.RUNNING,
        "in progress",
        created_at=at,
        counters={"read": 3},
        raw={"nested": {"list": [1, "two", None]}, "flag": True},
        ingest_run=run,
        can_cancel=True,
    )
    outcome = Outcome(job, (Problem(MutationErrorCode.CONFLICT, "busy", ("input", "id")),), replayed=False)
    back = codec.loads(Outcome, codec.dumps(outcome))
    assert back == outcome
    assert back.job is not None and back.job.source is Source.AMPERITY and back.job.status is JobStatus.RUNNING


def test_an_empty_outcome_round_trips() -> None:
    assert codec.loads(Outcome, codec.dumps(Outcome(None))) == Outcome(None)
