"""Scale v6 JSON -> common records: jobs, job types, ingests, plus the status tables.

Pure functions; each record keeps the upstream object in ``raw``. A record
missing what every Scale object has (``id``, ``status``) raises ``ShapeError``,
which the adapter reports as a BAD_RESPONSE.

Choices:

- Job status words map one to one, with Scale's ``COMPLETED`` as ``SUCCEEDED``.
  Any other word is ``UNKNOWN`` and keeps the word in ``native_status``.
- ``can_cancel`` = status not COMPLETED, CANCELED or FAILED. Scale itself
  (``Job.can_be_canceled``) would also turn a FAILED job CANCELED; the gateway refuses
  it: the job is already final and the cancel would only erase why it failed.
- ``can_rerun`` = Scale's ``Job.can_be_requeued``: queued before (``num_exes > 0``),
  not COMPLETED, not superseded (and with input, where the object carries ``input``).
  QUEUED and RUNNING jobs qualify; a job never queued (even CANCELED) does not.
- ``error``: ``code`` is the error's ``name``, ``message`` its ``title`` (else
  ``description``, else ``name``), ``category`` Scale's own (SYSTEM, DATA,
  ALGORITHM), ``retryable`` its ``should_be_retried``. Counters are ``num_exes`` and
  ``max_tries``; ``attempts`` is ``num_exes``. ``inputs``/``outputs`` are the
  ``input``/``output`` Data JSON, which only a job's details carry.
- ``ingest_run_id`` is known only from a job's details (a ``scale-ingest`` job's
  input names its ``ingest_id``); list items leave it ``None``.
- Ingest statuses: TRANSFERRING and INGESTING are RUNNING, TRANSFERRED and
  QUEUED are QUEUED, INGESTED is SUCCEEDED, ERRORED is FAILED, and DEFERRED
  (no ingest rule matched) and DUPLICATE (already ingested) are CANCELED: final,
  nothing ingested, nothing failed. An ingest run starts with its transfer and
  ends with its ingest (or its transfer, when it was never ingested).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.base import JobTypeValidation, ValidationIssue
from adapters.model import ErrorCategory, IngestRunRecord, JobError, JobRecord, JobStatus, JobTypeRecord, Source
from adapters.timeparse import parse_time

INGEST_JOB_TYPE = "scale-ingest"

JOB_STATUS: Mapping[str, JobStatus] = {
    "PENDING": JobStatus.PENDING,
    "BLOCKED": JobStatus.BLOCKED,
    "QUEUED": JobStatus.QUEUED,
    "RUNNING": JobStatus.RUNNING,
    "COMPLETED": JobStatus.SUCCEEDED,
    "FAILED": JobStatus.FAILED,
    "CANCELED": JobStatus.CANCELED,
}
"""Every Scale job status word (``Job.JOB_STATUSES``) and its common status."""

NATIVE_JOB_STATUS: Mapping[JobStatus, str] = {status: word for word, status in JOB_STATUS.items()}
"""The ``status`` filter word for each common status Scale can filter on."""

INGEST_STATUS: Mapping[str, JobStatus] = {
    "TRANSFERRING": JobStatus.RUNNING,
    "TRANSFERRED": JobStatus.QUEUED,
    "DEFERRED": JobStatus.CANCELED,
    "QUEUED": JobStatus.QUEUED,
    "INGESTING": JobStatus.RUNNING,
    "INGESTED": JobStatus.SUCCEEDED,
    "ERRORED": JobStatus.FAILED,
    "DUPLICATE": JobStatus.CANCELED,
}
"""Every Scale ingest status word (``Ingest.INGEST_STATUSES``) and its common status."""

_NOT_CANCELABLE = frozenset({"COMPLETED", "CANCELED", "FAILED"})


class ShapeError(ValueError):
    """An upstream object lacks a field every object of its kind has."""


def job_status(word: str) -> JobStatus:
    return JOB_STATUS.get(word, JobStatus.UNKNOWN)


def ingest_status(word: str) -> JobStatus:
    return INGEST_STATUS.get(word, JobStatus.UNKNOWN)


def native_job_statuses(statuses: frozenset[JobStatus]) -> list[str] | None:
    """The ``status`` filter values for ``statuses``, or ``None`` when Scale cannot express them (UNKNOWN)."""
    if JobStatus.UNKNOWN in statuses:
        return None
    return sorted(NATIVE_JOB_STATUS[s] for s in statuses)


def native_ingest_statuses(states: frozenset[JobStatus]) -> list[str] | None:
    if JobStatus.UNKNOWN in states:
        return None
    return sorted(word for word, state in INGEST_STATUS.items() if state in states)


def _id(obj: Any, what: str) -> str:
    if not isinstance(obj, Mapping):
        raise ShapeError(f"{what} is not an object")
    value = obj.get("id")
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise ShapeError(f"{what} has no id")
    return str(value)


def _word(obj: Mapping[str, Any], key: str, what: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise ShapeError(f"{what} has no {key}")
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


# --- jobs -----------------------------------------------------------------------------------------


def _ingest_id(item: Mapping[str, Any], job_type: Mapping[str, Any]) -> str | None:
    if job_type.get("name") != INGEST_JOB_TYPE:
        return None
    data = item.get("input")
    values = data.get("json") if isinstance(data, Mapping) else None
    ingest_id = values.get("ingest_id") if isinstance(values, Mapping) else None
    return str(ingest_id) if _int(ingest_id) is not None else None


TIMEOUT_ERROR = "timeout"
"""The name of Scale's own system error for a job that ran past its job type's timeout."""


def job_error(error: Mapping[str, Any]) -> JobError:
    """Scale's ``error`` object (``{name, title, description, category, should_be_retried, ...}``)."""
    name = _text(error.get("name"))
    message = _text(error.get("title")) or _text(error.get("description")) or name or "failed"
    category = _text(error.get("category"))
    if name == TIMEOUT_ERROR:
        # Scale files its built-in "timeout" error (the job ran past its type's timeout) under
        # SYSTEM; a dashboard asks "did it time out?", which the common category answers.
        kind = ErrorCategory.TIMEOUT
    elif category in ("SYSTEM", "DATA", "ALGORITHM"):
        kind = ErrorCategory(category)
    else:
        kind = ErrorCategory.UNKNOWN
    return JobError(message=message, code=name, category=kind, retryable=_bool(error.get("should_be_retried")))


def _data(value: Any) -> dict[str, Any] | None:
    return dict(value) if isinstance(value, Mapping) and value else None


def job_record(item: Any) -> JobRecord:
    """A ``Job`` (list item) or ``JobDetails`` object."""
    native_id = _id(item, "job")
    word = _word(item, "status", "job")
    job_type = item.get("job_type") if isinstance(item.get("job_type"), Mapping) else {}
    error = item.get("error") if isinstance(item.get("error"), Mapping) else None
    counters = {k: v for k in ("num_exes", "max_tries") if (v := _int(item.get(k))) is not None}
    return JobRecord(
        source=Source.SCALE,
        native_id=native_id,
        scope="",
        status=job_status(word),
        native_status=word,
        job_type_id=str(job_type["id"]) if _int(job_type.get("id")) is not None else None,
        job_type_name=_text(job_type.get("name")),
        created_at=parse_time(item.get("created")),
        started_at=parse_time(item.get("started")),
        finished_at=parse_time(item.get("ended")),
        updated_at=parse_time(item.get("last_modified")),
        counters=counters,
        error=job_error(error) if error else None,
        attempts=counters.get("num_exes"),
        inputs=_data(item.get("input")),
        outputs=_data(item.get("output")),
        ingest_run_id=_ingest_id(item, job_type),
        can_cancel=word not in _NOT_CANCELABLE,
        can_rerun=can_requeue(item, word),
        raw=dict(item),
    )


def can_requeue(item: Mapping[str, Any], word: str) -> bool:
    """Scale's ``Job.can_be_requeued`` on a job object (``input`` is checked only where the object has it)."""
    if word == "COMPLETED" or (_int(item.get("num_exes")) or 0) < 1 or item.get("is_superseded") is True:
        return False
    return "input" not in item or bool(item.get("input"))


# --- job types --------------------------------------------------------------------------------------


def job_type_record(item: Any) -> JobTypeRecord:
    """A job type list item, version item, details object or the ``job_type`` inside another object."""
    native_id = _id(item, "job type")
    return JobTypeRecord(
        source=Source.SCALE,
        native_id=native_id,
        scope="",
        name=_word(item, "name", "job type"),
        version=_text(item.get("version")),
        title=_text(item.get("title")),
        description=_text(item.get("description")),
        revision=_int(item.get("revision_num")),
        is_active=_bool(item.get("is_active")),
        is_paused=_bool(item.get("is_paused")),
        created_at=parse_time(item.get("created")),
        updated_at=parse_time(item.get("last_modified")),
        raw=dict(item),
    )


def validation(body: Any) -> JobTypeValidation:
    """The ``{is_valid, errors, warnings}`` answer of validation and PATCH, each issue ``{name, description}``."""
    if not isinstance(body, Mapping) or not isinstance(body.get("is_valid"), bool):
        raise ShapeError("validation answer has no is_valid")
    return JobTypeValidation(body["is_valid"], issues(body.get("errors")), issues(body.get("warnings")))


def issues(found: Any) -> tuple[ValidationIssue, ...]:
    """Scale's validation messages; anything that is not one is left out."""
    return tuple(
        ValidationIssue(str(i.get("name", "")), str(i.get("description", "")))
        for i in (found if isinstance(found, list) else [])
        if isinstance(i, Mapping)
    )


# --- ingests ------------------------------------------------------------------------------------------


def ingest_record(item: Any) -> IngestRunRecord:
    native_id = _id(item, "ingest")
    word = _word(item, "status", "ingest")
    job = item.get("job")
    state = ingest_status(word)
    ended = parse_time(item.get("ingest_ended"))
    if ended is None and state.is_final:
        ended = parse_time(item.get("transfer_ended"))
    return IngestRunRecord(
        source=Source.SCALE,
        native_id=native_id,
        scope="",
        state=state,
        native_state=word,
        job_id=str(job["id"]) if isinstance(job, Mapping) and _int(job.get("id")) is not None else None,
        file_name=_text(item.get("file_name")),
        started_at=parse_time(item.get("transfer_started")) or parse_time(item.get("ingest_started")),
        ended_at=ended,
        updated_at=parse_time(item.get("last_modified")),
        raw=dict(item),
    )
