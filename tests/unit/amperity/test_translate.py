from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.amperity import translate
from adapters.errors import ErrorKind, UpstreamError
from adapters.model import JobError, JobStatus, Source
from tests.unit.amperity.examples import SEED_JOB, job, table

DOCUMENTED = {
    "scheduled": JobStatus.QUEUED,
    "started": JobStatus.RUNNING,
    "in progress": JobStatus.RUNNING,
    "running": JobStatus.RUNNING,
    "finalizing": JobStatus.RUNNING,
    "succeeded": JobStatus.SUCCEEDED,
    "stopping": JobStatus.RUNNING,
    "stopped": JobStatus.CANCELED,
    "failed": JobStatus.FAILED,
    "skipped": JobStatus.SUCCEEDED,
    "canceled": JobStatus.CANCELED,
}


@pytest.mark.parametrize(("word", "status"), sorted(DOCUMENTED.items()))
def test_every_documented_state_word_is_mapped(word: str, status: JobStatus) -> None:
    assert translate.STATE_TABLE[word] is status
    assert translate.table_status(word.title()) is status


@pytest.mark.parametrize("spelling", ["In progress", "in-progress", "in_progress", "IN  PROGRESS"])
def test_in_progress_spellings(spelling: str) -> None:
    assert translate.table_status(spelling) is JobStatus.RUNNING


def test_unknown_word_keeps_native_state() -> None:
    record = translate.to_ingest_run(job("isj-1", table("defrosting")), "t")
    assert record.state is JobStatus.UNKNOWN
    assert record.native_state == "defrosting"
    assert record.tables[0].state is JobStatus.UNKNOWN


def test_seed_example_translates_to_job_and_ingest_run() -> None:
    record = translate.to_job(SEED_JOB, "socktown")
    assert record.source is Source.AMPERITY
    assert (record.native_id, record.scope, record.job_type_id) == ("isj-1f73r9u2", "socktown", "ingest")
    assert record.status is JobStatus.SUCCEEDED and record.native_status == "succeeded"
    assert record.ingest_run_id == "isj-1f73r9u2"
    assert record.started_at == datetime(2024, 6, 1, 4, 2, 54, 433000, tzinfo=UTC)
    assert record.finished_at == datetime(2024, 6, 1, 4, 2, 57, 433000, tzinfo=UTC)
    assert record.counters == {
        "read": 1000,
        "inserted": 400,
        "updated": 200,
        "rejected": 200,
        "errors": 200,
        "tables": 1,
        "files": 1,
    }
    assert record.progress == 1.0
    assert record.can_cancel is False and record.can_rerun is False
    assert record.raw is SEED_JOB

    run = translate.to_ingest_run(SEED_JOB, "socktown")
    assert run.job_id == run.native_id == "isj-1f73r9u2"
    assert run.workflow_id == "wf-20240618-3423-b45"
    assert (run.read, run.inserted, run.updated, run.rejected, run.errors) == (1000, 400, 200, 200, 200)
    (t,) = run.tables
    assert (t.name, t.feed_id, t.state) == ("My table", "df-5L6d1veh", JobStatus.SUCCEEDED)
    assert t.files[0].file_id == "cb-20240618-71992-SF3Uz/part0.avro"
    assert (t.files[0].name, t.files[0].read, t.files[0].errors) == ("part0.avro", 1000, 200)


def _roll(*words: str) -> tuple[JobStatus, str]:
    return translate.roll_up([translate.to_table(table(w)) for w in words])


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ((), (JobStatus.UNKNOWN, "")),
        (("scheduled", "scheduled"), (JobStatus.QUEUED, "scheduled")),
        (("succeeded", "scheduled"), (JobStatus.RUNNING, "scheduled")),
        (("failed", "in progress"), (JobStatus.RUNNING, "in progress")),
        (("succeeded", "stopping"), (JobStatus.RUNNING, "stopping")),
        (("succeeded", "paused"), (JobStatus.BLOCKED, "paused")),
        (("succeeded", "mystery"), (JobStatus.UNKNOWN, "mystery")),
        (("succeeded", "failed", "stopped"), (JobStatus.FAILED, "failed")),
        (("succeeded", "stopped", "canceled"), (JobStatus.CANCELED, "stopped")),
        (("canceled",), (JobStatus.CANCELED, "canceled")),
        (("succeeded", "skipped"), (JobStatus.SUCCEEDED, "succeeded")),
        (("skipped",), (JobStatus.SUCCEEDED, "skipped")),
    ],
)
def test_roll_up(words: tuple[str, ...], expected: tuple[JobStatus, str]) -> None:
    assert _roll(*words) == expected


def test_running_table_end_is_ignored_and_times_roll_up() -> None:
    raw = job(
        "isj-2",
        table("succeeded", "2026-11-02T10:00:00.000Z", "2026-11-02T10:05:00.000Z"),
        table("running", "2026-11-02T10:01:00.000Z"),
    )
    record = translate.to_job(raw, "t")
    assert record.status is JobStatus.RUNNING
    assert record.created_at == record.started_at == datetime(2026, 11, 2, 10, tzinfo=UTC)
    assert record.finished_at is None
    assert record.progress == 0.5
    assert record.updated_at == datetime(2026, 11, 2, 10, 5, tzinfo=UTC)
    assert record.can_cancel is True
    run = translate.to_ingest_run(raw, "t")
    assert run.tables[1].ended_at is None and run.ended_at is None


def test_queued_run_has_no_start_but_a_creation_time() -> None:
    record = translate.to_job(job("isj-3", table("scheduled", "2026-11-02T12:00:05.000Z")), "t")
    assert record.status is JobStatus.QUEUED
    assert record.started_at is None
    assert record.created_at == datetime(2026, 11, 2, 12, 0, 5, tzinfo=UTC)


def test_failed_run_names_its_failed_tables() -> None:
    raw = job(
        "isj-4",
        table("failed", table_name="Orders", ended="2026-11-02T11:30:00.000Z"),
        table("succeeded", table_name="Customers", ended="2026-11-02T11:40:00.000Z"),
    )
    record = translate.to_job(raw, "t")
    assert record.status is JobStatus.FAILED
    assert record.error == JobError("1 of 2 tables failed: Orders", "tables_failed")
    assert record.finished_at == datetime(2026, 11, 2, 11, 40, tzinfo=UTC)


def test_missing_optional_parts_are_tolerated() -> None:
    raw = {"id": "isj-5", "tables": [{"state": "running"}]}
    record = translate.to_ingest_run(raw, "t")
    assert record.workflow_id is None
    assert record.tables[0].files == () and record.tables[0].read == 0
    assert translate.to_job(raw, "t").can_cancel is False


@pytest.mark.parametrize(
    "raw",
    [None, [], {"tables": []}, {"id": ""}, {"id": "isj-6", "tables": {}}, {"id": "isj-7", "tables": [3]}],
)
def test_wrong_shapes_are_bad_responses(raw: object) -> None:
    with pytest.raises(UpstreamError) as caught:
        translate.to_job(raw, "t")
    assert caught.value.kind is ErrorKind.BAD_RESPONSE


def test_file_without_id_is_a_bad_response() -> None:
    with pytest.raises(UpstreamError):
        translate.to_ingest_run(job("isj-8", table("running", files=[{"read": 1}])), "t")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-06-01T04:02:54.433Z", datetime(2024, 6, 1, 4, 2, 54, 433000, tzinfo=UTC)),
        ("2024-06-01T04:02:54", datetime(2024, 6, 1, 4, 2, 54, tzinfo=UTC)),
        ("2024-06-01T06:02:54+02:00", datetime(2024, 6, 1, 4, 2, 54, tzinfo=UTC)),
        ("yesterday", None),
        (None, None),
        (12, None),
    ],
)
def test_parse_time(text: object, expected: datetime | None) -> None:
    assert translate.parse_time(text) == expected


def test_sort_key_orders_newest_started_first_and_tableless_last() -> None:
    a = job("isj-a", table("succeeded", "2026-11-01T00:00:00.000Z"))
    b = job("isj-b", table("succeeded", "2026-11-02T00:00:00.000Z"))
    c = {"id": "isj-c", "tables": []}
    assert [j["id"] for j in sorted([a, c, b], key=translate.sort_key, reverse=True)] == ["isj-b", "isj-a", "isj-c"]


def test_ingest_job_type() -> None:
    record = translate.ingest_job_type("socktown")
    assert (record.native_id, record.scope, record.name) == ("ingest", "socktown", "Ingest")
