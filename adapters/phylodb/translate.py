"""phyloDB JSON → common records. Pure: no I/O, no clock.

A phyloDB job is only ``{"id", "completed", "cancelled"}``. Its native status
word is made from the two booleans (``cancelled`` wins, since a cancelled APOC
job also reports done), and mapped by ``NATIVE_STATUS``:

=============  ===========  ==========================================================
native word    JobStatus    when
=============  ===========  ==========================================================
``running``    RUNNING      ``completed: false, cancelled: false``
``completed``  SUCCEEDED    ``completed: true, cancelled: false`` (see below)
``cancelled``  CANCELED     ``cancelled: true`` (whatever ``completed`` says)
=============  ===========  ==========================================================

Anything else (a flag missing or not a boolean) is ``unknown`` → UNKNOWN.

phyloDB has no failed state: a job whose procedure throws ends ``completed``
with no result resource. For jobs this gateway submitted, the adapter looks
the result up once and passes the verdict here as ``outcome`` (FAILED when the
result is missing); other completed jobs can only be reported SUCCEEDED.
There are no timestamps; ``created_at`` is the gateway's submit time when the
job was submitted here, else ``None``. ``raw`` is the listed object, plus
``submission`` (the POST body and reply) when known.

For jobs submitted here, ``inputs`` is the POST body (``analysis``, ``algorithm``,
``parameters``) and ``outputs`` names the result phyloDB creates (``analysis_id``
and its path) once the job completed successfully. A job that completed without
its result has an ``error`` of category ALGORITHM (the procedure threw; phyloDB
says nothing more).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapters.model import ErrorCategory, JobError, JobRecord, JobStatus, JobTypeRecord, Source
from adapters.phylodb.store import Submission

NATIVE_STATUS: Mapping[str, JobStatus] = {
    "running": JobStatus.RUNNING,
    "completed": JobStatus.SUCCEEDED,
    "cancelled": JobStatus.CANCELED,
}

JOB_TYPES: Mapping[str, tuple[str, str, tuple[str, str]]] = {
    "inference/goeburst": (
        "goeBURST inference",
        "Infers a goeBURST tree from a dataset's typing profiles, grouping up to lvs locus variants.",
        ("dataset_id", "lvs"),
    ),
    "visualization/radial": (
        "Radial visualization",
        "Lays out an inferred tree radially: coordinates for every profile.",
        ("dataset_id", "inference_id"),
    ),
}
"""The job types phyloDB has: ``"<analysis>/<algorithm>"`` → (title, description, parameter names)."""

FAILED_MESSAGE = "completed without creating its result (the analysis procedure failed)"


class TranslateError(ValueError):
    """The upstream JSON does not have the documented shape."""


def native_word(entry: Mapping[str, Any]) -> str:
    completed, cancelled = entry.get("completed"), entry.get("cancelled")
    if not isinstance(completed, bool) or not isinstance(cancelled, bool):
        return "unknown"
    if cancelled:
        return "cancelled"
    return "completed" if completed else "running"


def status_for(word: str) -> JobStatus:
    return NATIVE_STATUS.get(word, JobStatus.UNKNOWN)


def job_entries(body: Any) -> list[dict[str, Any]]:
    """The job objects of a list page; each must at least have a string ``id``."""
    if not isinstance(body, list):
        raise TranslateError("phyloDB job list is not a JSON array")
    for entry in body:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
            raise TranslateError("phyloDB job list holds an entry without an id")
    return body


def job_record(
    project_id: str,
    entry: Mapping[str, Any],
    submission: Submission | None = None,
    outcome: JobStatus | None = None,
    outcome_error: str | None = None,
) -> JobRecord:
    """One listed job; ``outcome`` overrides SUCCEEDED for a completed job whose result was checked."""
    word = native_word(entry)
    status = status_for(word)
    error = None
    if status is JobStatus.SUCCEEDED and outcome is not None:
        status = outcome
        message = FAILED_MESSAGE if outcome is JobStatus.FAILED else outcome_error
        if message is not None:
            category = ErrorCategory.ALGORITHM if outcome is JobStatus.FAILED else ErrorCategory.UNKNOWN
            error = JobError(message, category=category)
    raw = dict(entry)
    if submission is not None:
        raw["submission"] = submission.as_raw()
    return _record(project_id, str(entry["id"]), status, word, submission, error, word == "running", raw)


def submitted_record(submission: Submission) -> JobRecord:
    """A job just accepted (202): phyloDB starts it at once, so it is running."""
    raw = {"submission": submission.as_raw()}
    return _record(submission.project_id, submission.job_id, JobStatus.RUNNING, "running", submission, None, True, raw)


def cancelled_record(project_id: str, job_id: str, submission: Submission | None) -> JobRecord:
    """A job phyloDB accepted a DELETE for, when it could not be listed again afterwards."""
    raw: dict[str, Any] = {"id": job_id}
    if submission is not None:
        raw["submission"] = submission.as_raw()
    return _record(project_id, job_id, JobStatus.CANCELED, "cancelled", submission, None, False, raw)


def _record(
    project_id: str,
    job_id: str,
    status: JobStatus,
    word: str,
    submission: Submission | None,
    error: JobError | None,
    can_cancel: bool,
    raw: Mapping[str, Any],
) -> JobRecord:
    type_id = submission.job_type_id if submission is not None else None
    return JobRecord(
        source=Source.PHYLODB,
        native_id=job_id,
        scope=project_id,
        status=status,
        native_status=word,
        job_type_id=type_id,
        job_type_name=JOB_TYPES[type_id][0] if type_id is not None and type_id in JOB_TYPES else None,
        created_at=submission.submitted_at if submission is not None else None,
        error=error,
        inputs=submission.job_input.body() if submission is not None else None,
        outputs=(
            {"analysis_id": submission.analysis_id, "path": submission.result_path}
            if submission is not None and status is JobStatus.SUCCEEDED
            else None
        ),
        can_cancel=can_cancel,
        can_rerun=submission is not None,
        raw=raw,
    )


def job_type_records(project_id: str) -> list[JobTypeRecord]:
    return [job_type_record(project_id, type_id) for type_id in JOB_TYPES]


def job_type_record(project_id: str, type_id: str) -> JobTypeRecord:
    title, description, parameters = JOB_TYPES[type_id]
    analysis, _, algorithm = type_id.partition("/")
    raw: dict[str, Sequence[str] | str] = {"analysis": analysis, "algorithm": algorithm, "parameters": parameters}
    return JobTypeRecord(
        source=Source.PHYLODB,
        native_id=type_id,
        scope=project_id,
        name=type_id,
        title=title,
        description=description,
        raw=raw,
    )
