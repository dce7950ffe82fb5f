from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.errors import ErrorKind, UpstreamError
from adapters.model import ErrorCategory, JobError, JobStatus, Source
from adapters.wordlift.translate import (
    STATUS_TABLE,
    job_from_json,
    job_page_from_json,
    kpi_job_type,
    parse_time,
    status_for,
)
from tests.unit.wordlift.examples import CURSOR, JOB, JOB_LIST, job


def test_spec_example_job() -> None:
    record = job_from_json(JOB)
    assert record.source is Source.WORDLIFT
    assert (record.scope, record.native_id) == ("1506805", "job_20260313_5bdaac21")
    assert record.status is JobStatus.SUCCEEDED
    assert record.native_status == "completed"
    assert record.job_type_id == "kpi"
    assert record.created_at is None
    assert record.started_at == datetime(2026, 3, 13, 17, 40, 22, tzinfo=UTC)
    assert record.finished_at == datetime(2026, 3, 13, 17, 50, 2, tzinfo=UTC)
    # The later of heartbeat and finish.
    assert record.updated_at == record.finished_at
    assert record.counters == {
        "documents_seen": 58730,
        "documents_transformed": 58730,
        "triple_rows_written": 49499,
        "issues_written": 11534,
        "retry_count": 0,
    }
    assert record.error is None
    assert (record.can_cancel, record.can_rerun) == (False, True)
    assert record.progress == 1.0
    assert record.raw is JOB


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("queued", JobStatus.QUEUED),
        ("running", JobStatus.RUNNING),
        ("completed", JobStatus.SUCCEEDED),
        ("COMPLETED", JobStatus.SUCCEEDED),
        (" failed ", JobStatus.FAILED),
        ("superseded", JobStatus.CANCELED),
        ("pending", JobStatus.PENDING),
    ],
)
def test_status_words(word: str, expected: JobStatus) -> None:
    assert status_for(word, "calculate") is expected


def test_every_table_entry_is_lower_case_and_maps() -> None:
    for word, status in STATUS_TABLE.items():
        assert word == word.lower()
        assert status_for(word, "validate") is status


def test_unknown_status_word_is_unknown_and_kept() -> None:
    record = job_from_json(job(status="paused_by_ops"))
    assert record.status is JobStatus.UNKNOWN
    assert record.native_status == "paused_by_ops"
    assert record.progress is None


def test_unknown_status_on_a_clone_reads_as_succeeded_unless_it_failed() -> None:
    assert status_for("reused", "clone") is JobStatus.SUCCEEDED
    assert status_for("reused", "clone", has_error=True) is JobStatus.UNKNOWN
    assert status_for("completed", "clone") is JobStatus.SUCCEEDED


def test_running_job_without_finish() -> None:
    record = job_from_json(
        job(status="running", stage="calculate", finished_at=None, issues_written=None, stage_timings_json=None)
    )
    assert record.status is JobStatus.RUNNING
    assert record.finished_at is None
    assert record.updated_at == datetime(2026, 3, 13, 17, 49, 55, tzinfo=UTC)
    assert "issues_written" not in record.counters


def test_queued_job_has_no_times() -> None:
    record = job_from_json(
        {
            "job_id": "job_20260313_00000001",
            "graph_id": "1",
            "snapshot_date": "2026-03-13",
            "status": "queued",
            "stage": "calculate",
        }
    )
    assert record.status is JobStatus.QUEUED
    assert (record.started_at, record.finished_at, record.updated_at) == (None, None, None)
    assert record.counters == {}


def test_failed_job_error_keeps_code_and_message_apart() -> None:
    both = job_from_json(job(status="failed", error_code="mongo_timeout", error_message="Timed out."))
    assert both.status is JobStatus.FAILED
    assert both.error == JobError("Timed out.", "mongo_timeout", ErrorCategory.TIMEOUT)
    assert job_from_json(job(status="failed", error_code="mongo_timeout")).error == JobError(
        "mongo_timeout", "mongo_timeout", ErrorCategory.TIMEOUT
    )
    assert job_from_json(job(status="failed", error_message="Timed out.")).error == JobError("Timed out.")
    replaced = job_from_json(job(status="superseded", error_code="superseded", error_message="Replaced."))
    assert replaced.error is not None and replaced.error.category is ErrorCategory.CANCELED


def test_stage_attempts_inputs_and_outputs() -> None:
    running = job_from_json(job(status="running", stage="validate", retry_count=1))
    assert (running.stage, running.attempts, running.outputs) == ("validate", 2, None)
    assert running.inputs == {"graph_id": running.scope, "snapshot_date": running.raw["snapshot_date"]}
    done = job_from_json(job(status="completed", stage="validate", retry_count=None))
    assert done.attempts is None, "not told"
    assert done.outputs == {
        "snapshot_date": done.raw["snapshot_date"],
        "snapshot": f"/kpi/graphs/{done.scope}/snapshots/{done.raw['snapshot_date']}",
    }


def test_nulls_extra_fields_and_odd_types_are_tolerated() -> None:
    record = job_from_json(job(documents_seen=None, retry_count=True, heartbeat_at="yesterday", new_field={"x": 1}))
    assert "documents_seen" not in record.counters
    assert "retry_count" not in record.counters
    assert record.raw["new_field"] == {"x": 1}
    assert record.updated_at == record.finished_at


def test_parse_time_variants() -> None:
    assert parse_time("2026-03-14T06:43:42+00:00") == datetime(2026, 3, 14, 6, 43, 42, tzinfo=UTC)
    assert parse_time("2026-03-14T06:43:42") == datetime(2026, 3, 14, 6, 43, 42, tzinfo=UTC)
    assert parse_time("2026-03-14T08:43:42+02:00") == datetime(2026, 3, 14, 6, 43, 42, tzinfo=UTC)
    assert parse_time(None) is None
    assert parse_time("") is None
    assert parse_time(12) is None
    assert parse_time("not a time") is None


@pytest.mark.parametrize("bad", [[], "job", {"job_id": 1}, {k: v for k, v in JOB.items() if k != "stage"}])
def test_wrong_job_shape_is_bad_response(bad: object) -> None:
    with pytest.raises(UpstreamError) as info:
        job_from_json(bad)
    assert info.value.kind is ErrorKind.BAD_RESPONSE


def test_job_page() -> None:
    records, next_cursor = job_page_from_json(JOB_LIST)
    assert [r.native_id for r in records] == ["job_20260313_5bdaac21"]
    assert records[0].raw == JOB
    assert next_cursor is None
    assert job_page_from_json({"items": [], "page": {"next_cursor": CURSOR}}) == ([], CURSOR)
    assert job_page_from_json({"items": [], "page": {"next_cursor": None}})[1] is None
    assert job_page_from_json({"items": [], "page": {"next_cursor": ""}})[1] is None
    assert job_page_from_json({"items": [], "page": None})[1] is None


@pytest.mark.parametrize(
    "bad",
    [[], {"page": {}}, {"items": {}, "page": {}}, {"items": [], "page": []}, {"items": [], "page": {"next_cursor": 5}}],
)
def test_wrong_page_shape_is_bad_response(bad: object) -> None:
    with pytest.raises(UpstreamError) as info:
        job_page_from_json(bad)
    assert info.value.kind is ErrorKind.BAD_RESPONSE


def test_kpi_job_type() -> None:
    record = kpi_job_type("1506805")
    assert (record.scope, record.native_id, record.name, record.title) == ("1506805", "kpi", "kpi", "KPI snapshot")
    assert record.source is Source.WORDLIFT
