from __future__ import annotations

import pytest

from adapters.model import ErrorCategory, JobError, JobStatus, Source
from adapters.phylodb import translate
from adapters.phylodb.params import JobInput
from adapters.phylodb.store import Submission

from .conftest import DATASET, INFERENCE, NOW, P1, job_id


def _submission(analysis: str = "inference") -> Submission:
    second: str | int = 3 if analysis == "inference" else INFERENCE
    algorithm = "goeburst" if analysis == "inference" else "radial"
    return Submission(P1, job_id(1), "ana-1", JobInput(analysis, algorithm, DATASET, second), NOW)


@pytest.mark.parametrize(
    ("completed", "cancelled", "word", "status"),
    [
        (False, False, "running", JobStatus.RUNNING),
        (True, False, "completed", JobStatus.SUCCEEDED),
        (True, True, "cancelled", JobStatus.CANCELED),
        (False, True, "cancelled", JobStatus.CANCELED),
        (None, False, "unknown", JobStatus.UNKNOWN),
        ("yes", False, "unknown", JobStatus.UNKNOWN),
    ],
)
def test_native_word_and_status(completed: object, cancelled: object, word: str, status: JobStatus) -> None:
    entry = {"id": job_id(1), "completed": completed, "cancelled": cancelled}
    assert translate.native_word(entry) == word
    assert translate.status_for(word) is status


def test_status_table_covers_every_word_and_unknown_words_are_unknown() -> None:
    assert set(translate.NATIVE_STATUS) == {"running", "completed", "cancelled"}
    assert translate.status_for("failed") is JobStatus.UNKNOWN
    assert translate.status_for("") is JobStatus.UNKNOWN


def test_job_record_minimal_for_a_job_not_submitted_here() -> None:
    entry = {"id": job_id(7), "completed": False, "cancelled": False}
    record = translate.job_record(P1, entry)
    assert record.source is Source.PHYLODB
    assert (record.native_id, record.scope) == (job_id(7), P1)
    assert record.status is JobStatus.RUNNING and record.native_status == "running"
    assert record.job_type_id is None and record.created_at is None
    assert record.can_cancel and not record.can_rerun
    assert record.raw == entry


def test_job_record_with_submission_carries_type_time_and_input() -> None:
    entry = {"id": job_id(1), "completed": True, "cancelled": False}
    record = translate.job_record(P1, entry, _submission("visualization"), JobStatus.SUCCEEDED)
    assert record.status is JobStatus.SUCCEEDED and record.error is None
    assert record.job_type_id == "visualization/radial"
    assert record.job_type_name == "Radial visualization"
    assert record.created_at == NOW
    assert record.can_rerun and not record.can_cancel
    assert record.raw["submission"]["request"] == {
        "analysis": "visualization",
        "algorithm": "radial",
        "parameters": [DATASET, INFERENCE],
    }
    assert record.raw["completed"] is True


def test_failed_outcome_overrides_completed() -> None:
    entry = {"id": job_id(1), "completed": True, "cancelled": False}
    record = translate.job_record(P1, entry, _submission(), JobStatus.FAILED)
    assert record.status is JobStatus.FAILED
    assert record.native_status == "completed"
    assert record.error == JobError(translate.FAILED_MESSAGE, category=ErrorCategory.ALGORITHM)
    assert record.inputs == _submission().job_input.body() and record.outputs is None


def test_a_succeeded_submission_names_its_result() -> None:
    entry = {"id": job_id(1), "completed": True, "cancelled": False}
    submission = _submission()
    record = translate.job_record(P1, entry, submission, JobStatus.SUCCEEDED)
    assert record.outputs == {"analysis_id": submission.analysis_id, "path": submission.result_path}


def test_outcome_never_overrides_a_cancelled_job() -> None:
    entry = {"id": job_id(1), "completed": True, "cancelled": True}
    record = translate.job_record(P1, entry, _submission(), JobStatus.FAILED)
    assert record.status is JobStatus.CANCELED


def test_unknown_outcome_keeps_the_error() -> None:
    entry = {"id": job_id(1), "completed": True, "cancelled": False}
    record = translate.job_record(P1, entry, _submission(), JobStatus.UNKNOWN, "could not check")
    assert record.status is JobStatus.UNKNOWN and record.error == JobError("could not check")


def test_submitted_and_cancelled_records() -> None:
    sub = _submission()
    running = translate.submitted_record(sub)
    assert running.status is JobStatus.RUNNING and running.can_cancel and running.can_rerun
    assert running.raw["submission"]["response"] == {"job_id": job_id(1), "analysis_id": "ana-1"}
    cancelled = translate.cancelled_record(P1, job_id(1), None)
    assert cancelled.status is JobStatus.CANCELED and not cancelled.can_cancel and not cancelled.can_rerun


@pytest.mark.parametrize("body", [{"id": "x"}, [{"completed": True}], [{"id": ""}], ["x"], None])
def test_job_entries_rejects_other_shapes(body: object) -> None:
    with pytest.raises(translate.TranslateError):
        translate.job_entries(body)


def test_job_entries_accepts_the_documented_example() -> None:
    body = [
        {"id": "c965f4ae-f31c-48ad-8fcf-266c8d0281aa", "completed": False, "cancelled": False},
        {"id": "12c1da88-e997-49d8-be2e-9820245f6ce1", "completed": True, "cancelled": False},
    ]
    assert translate.job_entries(body) == body


def test_job_types_per_project() -> None:
    records = translate.job_type_records(P1)
    assert [r.native_id for r in records] == ["inference/goeburst", "visualization/radial"]
    assert all(r.scope == P1 and r.source is Source.PHYLODB for r in records)
    assert records[0].raw == {"analysis": "inference", "algorithm": "goeburst", "parameters": ("dataset_id", "lvs")}
