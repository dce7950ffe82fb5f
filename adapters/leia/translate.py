"""Leia Job JSON -> common records, the status mapping table and the job-type catalogue.

Choices, where the spec leaves room:

- Status words (``Statuses``): BLOCKED -> BLOCKED (held until ``POST /job/{id}/start``),
  WAITING -> PENDING (waits for its ``execute_after_id`` job), READY -> QUEUED
  (runnable, waiting for a worker), STARTING / LOADING_MODEL / PROCESSING ->
  RUNNING (a worker has picked it up), PROCESSED -> SUCCEEDED, FAILED -> FAILED,
  CANCELED -> CANCELED. Any other word is ``JobStatus.UNKNOWN`` and kept in
  ``native_status``; such a job is neither cancellable nor rerunnable.
- ``job_type`` is a free string in the Job model; the filter enum ``JobTypes``
  has four values (``predict``, ``pdf-images``, ``image-text``, ``transform``).
  Those four are the source's JobTypes (one set per application), so
  ``job_type_id`` is the word when it is one of them and ``None`` otherwise
  (e.g. ``conditional``, which the simulator uses for conditional jobs);
  ``job_type_name`` is always the word.
- Times: ``creation_time`` -> created, ``starting_time`` -> started,
  ``finished_time`` -> finished; Leia has no update time. ISO-8601 with ``Z``,
  an offset, or none (read as UTC) is accepted.
- ``reason`` with ``http_code`` -> error: the spec says Leia-side errors carry 500
  (SYSTEM, retryable) and data problems 400 (DATA, not retryable); a reason naming a
  CANCELED prerequisite is CANCELED. ``submitter_id`` -> submitted_by (a field the
  server sends beyond the spec). ``inputs`` are ``document_ids``, ``model_id``,
  ``execute_after_id`` and ``page_range``; ``outputs``, once PROCESSED, ``result`` and
  ``result_type`` (a conditional job's result maps each matching rule id to the
  results of the jobs it ran). ``execute_after_id`` -> depends_on_id; ``parent_job_id``
  -> parent_id. The raw Job (with ``result``, ``http_code``, ...) stays in ``raw``,
  except that ``callback_url`` and ``callback_headers`` are redacted wherever
  they appear in it (a conditional job's ``result`` may hold child jobs): the URL
  carries the gateway's callback token or a client's own secret, and ``raw`` is
  readable by every client.
- ``can_start`` for BLOCKED jobs (created with ``block_processing``).
- ``can_cancel`` for every non-final known status. ``can_rerun`` for final
  jobs: a rerun is a new submit; the adapter narrows it to the jobs whose
  inputs it remembers, because the Job does not echo its request parameters.

A body that is not the documented shape raises ``UpstreamError(BAD_RESPONSE)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from adapters.errors import ErrorKind, UpstreamError
from adapters.model import ErrorCategory, JobError, JobRecord, JobStatus, JobTypeRecord, Source
from adapters.timeparse import parse_time

STATUS_TABLE: Mapping[str, JobStatus] = MappingProxyType(
    {
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
)

NATIVE_STATUSES: Mapping[JobStatus, tuple[str, ...]] = MappingProxyType(
    {status: tuple(word for word, mapped in STATUS_TABLE.items() if mapped is status) for status in JobStatus}
)
"""Reverse of ``STATUS_TABLE``: the native words to ask for one normalized status."""

_PREREQUISITE_CANCELED = re.compile(r"\bCANCEL+ED\b")

FINAL_WORDS = frozenset({"PROCESSED", "FAILED", "CANCELED"})

JOB_TYPES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "predict": ("Apply a model", "Applies a model (classification or extraction) to documents."),
        "pdf-images": ("PDF to images", "Extracts one image per page of a PDF (transform to image)."),
        "image-text": ("Image to text", "OCR of an image into text or a text tree (transform to text)."),
        "transform": ("Transform documents", "Other document transforms: autorotate, trim, merge, split, ..."),
    }
)
"""The ``JobTypes`` enum: name -> (title, description)."""


REDACTED = "[redacted]"
SECRET_KEYS = frozenset({"callback_url", "callback_headers"})
"""Job fields that hold where and how Leia calls back: a bearer of the URL can POST to it."""


def redacted(value: Any) -> Any:
    """``value`` with every ``SECRET_KEYS`` entry, at any depth, replaced by ``REDACTED``."""
    if isinstance(value, Mapping):
        return {k: REDACTED if k in SECRET_KEYS and v is not None else redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(item) for item in value]
    return value


def map_status(word: str) -> JobStatus:
    return STATUS_TABLE.get(word, JobStatus.UNKNOWN)


def query_time(value: datetime, *, round_up: bool = False) -> tuple[str, bool]:
    """A filter time in the documented query format ``yyyy-MM-ddThh:mm:ss`` (UTC).

    The format has whole seconds, so a finer time is floored (or, with
    ``round_up``, ceiled) to widen the server filter; the second value says
    whether the time was exact, i.e. the server filter equals the asked one.
    """
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    exact = value.microsecond == 0
    whole = value.replace(microsecond=0)
    if round_up and not exact:
        whole += timedelta(seconds=1)
    return whole.strftime("%Y-%m-%dT%H:%M:%S"), exact


def _bad(message: str) -> UpstreamError:
    return UpstreamError(ErrorKind.BAD_RESPONSE, Source.LEIA, f"LEIA sent an unexpected job: {message}")


def _required_str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise _bad(f"'{key}' is missing or not a string")
    return value


def _optional_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _error(data: Mapping[str, Any], status: JobStatus) -> JobError | None:
    """``reason`` with ``http_code``: Leia gives 400 for data problems and 500 for its own errors."""
    reason = _optional_str(data, "reason")
    if reason is None and status is not JobStatus.FAILED:
        return None
    code = data.get("http_code")
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    message = reason or "failed"
    if _PREREQUISITE_CANCELED.search(message):
        category = ErrorCategory.CANCELED
    elif code is not None and code >= 500:
        category = ErrorCategory.SYSTEM
    elif code is not None and code >= 400:
        category = ErrorCategory.DATA
    else:
        category = ErrorCategory.UNKNOWN
    retryable = None if code is None else code >= 500
    return JobError(message, None if code is None else str(code), category, retryable)


def _inputs(data: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("document_ids", "model_id", "execute_after_id", "page_range")
    return {key: data[key] for key in keys if data.get(key) is not None}


def _outputs(data: Mapping[str, Any], status: JobStatus) -> dict[str, Any] | None:
    """``result`` and its ``result_type`` (a conditional job's: rule id -> results of the jobs it ran)."""
    if status is not JobStatus.SUCCEEDED or "result" not in data:
        return None
    return {"result": data.get("result"), "result_type": data.get("result_type")}


def job_record(data: Any) -> JobRecord:
    """One Leia ``Job`` object as a ``JobRecord`` scoped to its ``application_id``."""
    if not isinstance(data, Mapping):
        raise _bad("not a JSON object")
    native_id = _required_str(data, "id")
    scope = _required_str(data, "application_id")
    word = _required_str(data, "status")
    job_type = _required_str(data, "job_type")
    created = parse_time(data.get("creation_time"))
    if created is None:
        raise _bad("'creation_time' is missing or not a date-time")
    status = map_status(word)
    known = status is not JobStatus.UNKNOWN
    return JobRecord(
        source=Source.LEIA,
        native_id=native_id,
        scope=scope,
        status=status,
        native_status=word,
        job_type_id=job_type if job_type in JOB_TYPES else None,
        job_type_name=job_type,
        created_at=created,
        started_at=parse_time(data.get("starting_time")),
        finished_at=parse_time(data.get("finished_time")),
        error=_error(data, status),
        submitted_by=_optional_str(data, "submitter_id"),
        inputs=_inputs(data),
        outputs=_outputs(data, status),
        depends_on_id=_optional_str(data, "execute_after_id"),
        parent_id=_optional_str(data, "parent_job_id"),
        can_cancel=known and not status.is_final,
        can_rerun=status.is_final,
        can_start=status is JobStatus.BLOCKED,
        raw=redacted(data),
    )


def job_records(data: Any) -> list[JobRecord]:
    """The bare JSON array ``GET /job`` answers."""
    if not isinstance(data, list):
        raise _bad("the job list is not a JSON array")
    return [job_record(item) for item in data]


def status_map(data: Any) -> dict[str, str]:
    """The ``{job_id: status}`` object of ``GET /job/{ids}/status``."""
    if not isinstance(data, Mapping) or not all(isinstance(v, str) for v in data.values()):
        raise _bad("the status map is not an object of strings")
    return {str(k): v for k, v in data.items()}


def job_type_record(name: str, scope: str) -> JobTypeRecord:
    """One of the four ``JobTypes`` values as a JobType of an application."""
    title, description = JOB_TYPES[name]
    return JobTypeRecord(
        source=Source.LEIA,
        native_id=name,
        scope=scope,
        name=name,
        title=title,
        description=description,
        raw={"job_type": name},
    )
