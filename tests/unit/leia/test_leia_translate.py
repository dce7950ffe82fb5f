from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.errors import ErrorKind, UpstreamError
from adapters.leia.translate import (
    JOB_TYPES,
    NATIVE_STATUSES,
    STATUS_TABLE,
    job_record,
    job_records,
    job_type_record,
    map_status,
    parse_time,
    query_time,
    status_map,
)
from adapters.model import ErrorCategory, JobError, JobStatus, Source
from adapters.timeparse import format_ms

# The Job example of the 1.0.0 OpenAPI document, verbatim.
SPEC_JOB = {
    "application_id": "example_id",
    "creation_time": "2018-11-07T16:02:29.761Z",
    "document_ids": ["example_id"],
    "execute_after_id": "example_id",
    "finished_time": "2018-11-07T16:02:29.761Z",
    "id": "example_id",
    "job_type": "image-text",
    "parent_job_id": "example_id",
    "result": {
        "application_id": "example_id",
        "creation_time": "2018-11-07T16:02:29.761Z",
        "extension": "txt",
        "filename": "mydoc",
        "id": "example_id",
        "mime_type": "text/plain",
        "original_id": "example_id",
        "page": 0,
        "rotation_angle": 0,
        "size": 1000000,
    },
    "result_type": "document",
    "starting_time": "2018-11-07T16:02:29.761Z",
    "status": "PROCESSED",
}

EXPECTED = {
    "BLOCKED": JobStatus.BLOCKED,
    "WAITING": JobStatus.PENDING,
    "READY": JobStatus.QUEUED,
    "STARTING": JobStatus.RUNNING,
    "LOADING_MODEL": JobStatus.RUNNING,
    "PROCESSING": JobStatus.RUNNING,
    "PROCESSED": JobStatus.SUCCEEDED,
    "FAILED": JobStatus.FAILED,
    "CANCELED": JobStatus.CANCELED,
}


@pytest.mark.parametrize(("word", "status"), EXPECTED.items())
def test_every_native_status_is_mapped(word: str, status: JobStatus) -> None:
    assert map_status(word) is status


def test_table_covers_exactly_the_nine_statuses() -> None:
    assert set(STATUS_TABLE) == set(EXPECTED)


def test_reverse_table() -> None:
    assert NATIVE_STATUSES[JobStatus.RUNNING] == ("STARTING", "LOADING_MODEL", "PROCESSING")
    assert NATIVE_STATUSES[JobStatus.UNKNOWN] == ()


def test_unknown_word_keeps_native_status() -> None:
    record = job_record({**SPEC_JOB, "status": "ARCHIVED"})
    assert record.status is JobStatus.UNKNOWN
    assert record.native_status == "ARCHIVED"
    assert not record.can_cancel and not record.can_rerun


def test_spec_example_job() -> None:
    record = job_record(SPEC_JOB)
    assert record.source is Source.LEIA
    assert record.key.scope == "example_id" and record.native_id == "example_id"
    assert record.status is JobStatus.SUCCEEDED
    assert record.job_type_id == "image-text" and record.job_type_name == "image-text"
    assert record.created_at == datetime(2018, 11, 7, 16, 2, 29, 761000, tzinfo=UTC)
    assert record.started_at == record.finished_at == record.created_at
    assert record.depends_on_id == "example_id" and record.parent_id == "example_id"
    assert record.can_rerun and not record.can_cancel
    assert record.raw["result"]["filename"] == "mydoc"


def test_failed_job_reason_and_running_job_flags() -> None:
    failed = job_record({**SPEC_JOB, "status": "FAILED", "reason": "bad page", "http_code": 400})
    assert failed.error == JobError("bad page", "400", ErrorCategory.DATA, retryable=False)
    assert failed.raw["http_code"] == 400
    ours = job_record({**SPEC_JOB, "status": "FAILED", "reason": "worker lost", "http_code": 500}).error
    assert ours == JobError("worker lost", "500", ErrorCategory.SYSTEM, retryable=True)
    chained = job_record({**SPEC_JOB, "status": "FAILED", "reason": "Prerequisite job x is CANCELED", "http_code": 400})
    assert chained.error is not None and chained.error.category is ErrorCategory.CANCELED


def test_submitter_inputs_and_result() -> None:
    done = job_record({**SPEC_JOB, "status": "PROCESSED", "submitter_id": "app-1"})
    assert done.submitted_by == "app-1"
    assert done.inputs is not None and done.inputs["document_ids"] == SPEC_JOB["document_ids"]
    assert "callback_url" not in done.inputs
    assert done.outputs == {"result": SPEC_JOB["result"], "result_type": SPEC_JOB.get("result_type")}
    assert job_record({**SPEC_JOB, "status": "PROCESSING"}).outputs is None
    running = job_record({**SPEC_JOB, "status": "LOADING_MODEL"})
    assert running.can_cancel and not running.can_rerun


def test_job_type_outside_the_enum_has_no_job_type_id() -> None:
    record = job_record({**SPEC_JOB, "job_type": "conditional"})
    assert record.job_type_id is None and record.job_type_name == "conditional"


@pytest.mark.parametrize("missing", ["id", "application_id", "status", "job_type", "creation_time"])
def test_missing_required_field_is_bad_response(missing: str) -> None:
    data = {k: v for k, v in SPEC_JOB.items() if k != missing}
    with pytest.raises(UpstreamError) as err:
        job_record(data)
    assert err.value.kind is ErrorKind.BAD_RESPONSE


def test_list_and_status_map_shapes() -> None:
    assert len(job_records([SPEC_JOB, SPEC_JOB])) == 2
    for bad in ({"a": 1}, "x", None):
        with pytest.raises(UpstreamError):
            job_records(bad)
    assert status_map({"a": "READY"}) == {"a": "READY"}
    with pytest.raises(UpstreamError):
        status_map(["READY"])
    with pytest.raises(UpstreamError):
        status_map({"a": 3})


def test_times() -> None:
    assert parse_time("2018-11-07T16:02:29") == datetime(2018, 11, 7, 16, 2, 29, tzinfo=UTC)
    assert parse_time("2018-11-07T17:02:29+01:00") == datetime(2018, 11, 7, 16, 2, 29, tzinfo=UTC)
    assert parse_time("yesterday") is None and parse_time(None) is None and parse_time("") is None
    moment = datetime(2026, 1, 2, 3, 4, 5, 678900, tzinfo=UTC)
    assert format_ms(moment) == "2026-01-02T03:04:05.678Z"
    assert query_time(moment) == ("2026-01-02T03:04:05", False)
    assert query_time(moment, round_up=True) == ("2026-01-02T03:04:06", False)
    assert query_time(moment.replace(microsecond=0), round_up=True) == ("2026-01-02T03:04:05", True)


def test_job_types() -> None:
    assert list(JOB_TYPES) == ["predict", "pdf-images", "image-text", "transform"]
    record = job_type_record("predict", "app")
    assert record.key.native_id == "predict" and record.scope == "app" and record.title
