from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.model import ErrorCategory, JobError, JobStatus, Source
from adapters.scale import translate as tr
from tests.unit.scale import examples as ex


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("PENDING", JobStatus.PENDING),
        ("BLOCKED", JobStatus.BLOCKED),
        ("QUEUED", JobStatus.QUEUED),
        ("RUNNING", JobStatus.RUNNING),
        ("COMPLETED", JobStatus.SUCCEEDED),
        ("FAILED", JobStatus.FAILED),
        ("CANCELED", JobStatus.CANCELED),
    ],
)
def test_every_job_status_word_is_mapped(word: str, status: JobStatus) -> None:
    assert tr.JOB_STATUS[word] is status
    assert tr.NATIVE_JOB_STATUS[status] == word


def test_job_status_table_covers_the_model_exactly() -> None:
    assert set(tr.JOB_STATUS) == {"PENDING", "BLOCKED", "QUEUED", "RUNNING", "FAILED", "COMPLETED", "CANCELED"}


@pytest.mark.parametrize(
    ("word", "state"),
    [
        ("TRANSFERRING", JobStatus.RUNNING),
        ("TRANSFERRED", JobStatus.QUEUED),
        ("DEFERRED", JobStatus.CANCELED),
        ("QUEUED", JobStatus.QUEUED),
        ("INGESTING", JobStatus.RUNNING),
        ("INGESTED", JobStatus.SUCCEEDED),
        ("ERRORED", JobStatus.FAILED),
        ("DUPLICATE", JobStatus.CANCELED),
    ],
)
def test_every_ingest_status_word_is_mapped(word: str, state: JobStatus) -> None:
    assert tr.ingest_status(word) is state


def test_unknown_status_words_are_unknown_and_kept() -> None:
    job = tr.job_record({**ex.JOB, "status": "SUPERSEDED"})
    assert job.status is JobStatus.UNKNOWN
    assert job.native_status == "SUPERSEDED"
    run = tr.ingest_record({**ex.INGEST, "status": "PARKED"})
    assert run.state is JobStatus.UNKNOWN and run.native_state == "PARKED"


def test_native_filters_for_statuses() -> None:
    assert tr.native_job_statuses(frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED})) == ["COMPLETED", "FAILED"]
    assert tr.native_job_statuses(frozenset({JobStatus.UNKNOWN, JobStatus.FAILED})) is None
    assert tr.native_ingest_statuses(frozenset({JobStatus.RUNNING})) == ["INGESTING", "TRANSFERRING"]
    assert tr.native_ingest_statuses(frozenset({JobStatus.BLOCKED})) == []


def test_job_record_from_the_spec_example() -> None:
    job = tr.job_record(ex.JOB)
    assert job.source is Source.SCALE and job.scope == "" and job.native_id == "1"
    assert job.status is JobStatus.QUEUED and job.native_status == "QUEUED"
    assert job.job_type_id == "1" and job.job_type_name == "my-job"
    assert job.created_at == datetime(2015, 9, 10, 15, 24, 53, 503000, tzinfo=UTC)
    assert job.updated_at == datetime(2015, 9, 10, 15, 24, 53, 987000, tzinfo=UTC)
    assert job.started_at is None and job.finished_at is None
    assert job.counters == {"num_exes": 1, "max_tries": 3}
    assert job.can_cancel and job.can_rerun  # queued once: Scale would requeue it
    assert job.ingest_run_id is None
    assert job.raw == ex.JOB


@pytest.mark.parametrize(
    ("word", "num_exes", "cancel", "rerun"),
    [
        ("PENDING", 0, True, False),
        ("BLOCKED", 0, True, False),
        ("QUEUED", 1, True, True),
        ("RUNNING", 1, True, True),
        ("FAILED", 2, False, True),
        ("COMPLETED", 1, False, False),
        ("CANCELED", 1, False, True),
        ("CANCELED", 0, False, False),
    ],
)
def test_cancel_and_rerun_follow_scale_guards(word: str, num_exes: int, cancel: bool, rerun: bool) -> None:
    """``can_rerun`` is Scale's ``can_be_requeued`` (queued before, not COMPLETED); FAILED is final for cancel."""
    job = tr.job_record({**ex.JOB, "status": word, "num_exes": num_exes})
    assert (job.can_cancel, job.can_rerun) == (cancel, rerun)


def test_a_superseded_job_or_one_without_input_is_not_requeued() -> None:
    assert not tr.job_record({**ex.JOB, "status": "FAILED", "is_superseded": True}).can_rerun
    assert not tr.job_record({**ex.JOB, "status": "FAILED", "input": {}}).can_rerun
    assert tr.job_record({**ex.JOB, "status": "FAILED", "input": {"json": {"X": 1}}}).can_rerun


def test_job_error_keeps_scale_category_and_retryability() -> None:
    error = {"id": 4, "name": "node-lost", "title": "Node Lost", "category": "SYSTEM", "should_be_retried": True}
    assert tr.job_record({**ex.JOB, "status": "FAILED", "error": error}).error == JobError(
        "Node Lost", "node-lost", ErrorCategory.SYSTEM, retryable=True
    )
    bare = tr.job_record({**ex.JOB, "error": {"id": 1, "name": "unknown"}}).error
    assert bare == JobError("unknown", "unknown", ErrorCategory.UNKNOWN, None)
    timeout = {"id": 2, "name": "timeout", "title": "Timeout", "category": "SYSTEM", "should_be_retried": False}
    assert tr.job_record({**ex.JOB, "status": "FAILED", "error": timeout}).error == JobError(
        "Timeout", "timeout", ErrorCategory.TIMEOUT, retryable=False
    )


def test_attempts_and_data() -> None:
    job = tr.job_record({**ex.JOB, "num_exes": 3, "input": {"json": {"X": 1}}, "output": {"files": {"OUT": [5]}}})
    assert job.attempts == 3 and job.inputs == {"json": {"X": 1}} and job.outputs == {"files": {"OUT": [5]}}


def test_ingest_job_details_name_their_ingest() -> None:
    details = {
        **ex.JOB,
        "job_type": {**ex.JOB["job_type"], "name": "scale-ingest"},
        "input": {"version": "7", "files": {}, "json": {"ingest_id": 4312, "workspace": "raw"}},
    }
    assert tr.job_record(details).ingest_run_id == "4312"


@pytest.mark.parametrize("broken", [{}, {"id": 1}, {"status": "QUEUED"}, [], "x", {"id": True, "status": "QUEUED"}])
def test_records_without_id_or_status_are_shape_errors(broken: object) -> None:
    with pytest.raises(tr.ShapeError):
        tr.job_record(broken)


def test_unreadable_times_are_none() -> None:
    job = tr.job_record({**ex.JOB, "created": "yesterday", "last_modified": 5})
    assert job.created_at is None and job.updated_at is None


def test_job_type_record_from_the_seed_list_item() -> None:
    item = ex.JOB_TYPE_LIST["results"][0]
    jt = tr.job_type_record(item)
    assert (jt.native_id, jt.name, jt.version, jt.title, jt.revision) == ("3", "my-job", "1.0.0", "My Job", 1)
    assert jt.is_active is True and jt.is_paused is False
    assert jt.created_at == datetime(2015, 3, 11, tzinfo=UTC)
    assert jt.raw == item


def test_job_type_details_keep_manifest_and_configuration() -> None:
    jt = tr.job_type_record(ex.JOB_TYPE_DETAILS)
    assert "manifest" in jt.raw and "configuration" in jt.raw


def test_validation_answer_is_normalized() -> None:
    answer = tr.validation(ex.VALIDATION_RESPONSE)
    assert answer.is_valid is ex.VALIDATION_RESPONSE["is_valid"]
    assert [(w.name, w.description) for w in answer.warnings] == [
        (w["name"], w["description"]) for w in ex.VALIDATION_RESPONSE["warnings"]
    ]
    with pytest.raises(tr.ShapeError):
        tr.validation({"errors": []})


def test_ingest_record_from_the_spec_example() -> None:
    run = tr.ingest_record(ex.INGEST)
    assert (run.native_id, run.job_id, run.file_name) == ("4", "7", "file_name.txt")
    assert run.state is JobStatus.SUCCEEDED and run.native_state == "INGESTED"
    assert run.started_at == datetime(2015, 9, 10, 14, 48, 8, 920000, tzinfo=UTC)
    assert run.ended_at == datetime(2015, 9, 10, 15, 24, 53, 987000, tzinfo=UTC)
    assert run.updated_at == datetime(2015, 9, 10, 15, 24, 53, 987000, tzinfo=UTC)


def test_never_ingested_runs_end_with_their_transfer() -> None:
    run = tr.ingest_record({**ex.INGEST, "status": "DEFERRED", "ingest_started": None, "ingest_ended": None})
    assert run.state is JobStatus.CANCELED
    assert run.ended_at == datetime(2015, 9, 10, 14, 48, 8, 956000, tzinfo=UTC)
    transferring = tr.ingest_record({**ex.INGEST, "status": "TRANSFERRING", "ingest_ended": None, "job": None})
    assert transferring.ended_at is None and transferring.job_id is None
