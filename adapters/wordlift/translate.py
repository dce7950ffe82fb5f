"""WordLift Graph KPI JSON -> common records, and the status mapping table.

A KPI job is one attempt at computing the daily snapshot of one graph
(``graph_id``) for one logical day (``snapshot_date``). Choices, since the
spec leaves them open:

- ``status`` is a free string with no enum; only ``completed`` is documented.
  ``STATUS_TABLE`` maps every word we know (the simulator's ``queued``,
  ``running``, ``completed``, ``failed``, ``superseded`` plus common synonyms),
  case-insensitively. Any other word maps to ``JobStatus.UNKNOWN`` and is kept
  verbatim in ``native_status``.
- ``stage`` is a second axis (``calculate``, ``validate``, ``clone``). It only
  refines an unknown status word: a ``clone`` row is made synchronously at
  submit time by copying a validated snapshot, so it is never in progress and
  reads as SUCCEEDED unless it carries an error.
- There is no ``created_at``/``updated_at`` in ``JobResponse``: ``created_at``
  stays ``None``; ``updated_at`` is the latest of ``heartbeat_at`` and
  ``finished_at`` (the upstream orders its list by an update time it does not
  show). Timestamps are strings without a declared format: ISO-8601 is parsed,
  a naive one is read as UTC, anything else becomes ``None`` (kept in ``raw``).
- Counters are the integer progress fields that are present and not null.
  ``progress`` is only known when the job succeeded (``1.0``): there is no total.
- The job type is synthetic: one ``kpi`` type per graph.
- Jobs cannot be cancelled (no endpoint); any job can be rerun by submitting
  its ``snapshot_date`` again with ``force_rerun=true``.
- ``error``: ``code`` is ``error_code``, ``message`` is ``error_message``. The codes
  are not documented: one naming a timeout is TIMEOUT, ``superseded`` (a job replaced
  by ``force_rerun``) is CANCELED, any other is UNKNOWN; ``retryable`` is not told.
- ``stage`` is the job's ``stage``; ``attempts`` is ``retry_count + 1`` (stage
  retries used, plus the first try) once it is known. ``inputs`` is the graph and
  ``snapshot_date``; ``outputs``, once completed, names the snapshot the job wrote
  (``GET /kpi/graphs/{graph_id}/snapshots/{snapshot_date}``).

A body that is not the documented shape raises ``UpstreamError(BAD_RESPONSE)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from adapters.errors import ErrorKind, UpstreamError
from adapters.model import ErrorCategory, JobError, JobRecord, JobStatus, JobTypeRecord, Source
from adapters.timeparse import parse_time

SOURCE = Source.WORDLIFT
JOB_TYPE_ID = "kpi"
JOB_TYPE_TITLE = "KPI snapshot"
CLONE_STAGE = "clone"

STATUS_TABLE: Mapping[str, JobStatus] = {
    "pending": JobStatus.PENDING,
    "queued": JobStatus.QUEUED,
    "submitted": JobStatus.QUEUED,
    "accepted": JobStatus.QUEUED,
    "running": JobStatus.RUNNING,
    "in_progress": JobStatus.RUNNING,
    "processing": JobStatus.RUNNING,
    "calculating": JobStatus.RUNNING,
    "validating": JobStatus.RUNNING,
    "retrying": JobStatus.RUNNING,
    "completed": JobStatus.SUCCEEDED,
    "succeeded": JobStatus.SUCCEEDED,
    "success": JobStatus.SUCCEEDED,
    "done": JobStatus.SUCCEEDED,
    "cloned": JobStatus.SUCCEEDED,
    "failed": JobStatus.FAILED,
    "error": JobStatus.FAILED,
    "cancelled": JobStatus.CANCELED,
    "canceled": JobStatus.CANCELED,
    "superseded": JobStatus.CANCELED,
    "replaced": JobStatus.CANCELED,
}
"""Every native status word we know -> JobStatus. Keys are lower case."""

COUNTER_FIELDS = ("documents_seen", "documents_transformed", "triple_rows_written", "issues_written", "retry_count")

_REQUIRED_STRINGS = ("job_id", "graph_id", "snapshot_date", "status", "stage")


def bad_response(message: str) -> UpstreamError:
    return UpstreamError(ErrorKind.BAD_RESPONSE, SOURCE, f"{SOURCE.value} sent {message}")


def status_for(status: str, stage: str, *, has_error: bool = False) -> JobStatus:
    """Map ``status`` (and, for unknown words, ``stage``) to the common status."""
    known = STATUS_TABLE.get(status.strip().lower())
    if known is not None:
        return known
    if stage.strip().lower() == CLONE_STAGE and not has_error:
        return JobStatus.SUCCEEDED
    return JobStatus.UNKNOWN


def _latest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def _counters(data: Mapping[str, Any]) -> dict[str, int]:
    return {
        name: value
        for name in COUNTER_FIELDS
        if isinstance(value := data.get(name), int) and not isinstance(value, bool)
    }


def _error(data: Mapping[str, Any]) -> JobError | None:
    code, message = data.get("error_code"), data.get("error_message")
    code = code if isinstance(code, str) and code else None
    message = message if isinstance(message, str) and message else None
    if code is None and message is None:
        return None
    if code is not None and "timeout" in code.lower():
        category = ErrorCategory.TIMEOUT
    elif code == "superseded":
        category = ErrorCategory.CANCELED
    else:
        category = ErrorCategory.UNKNOWN
    return JobError(message=message or code or "failed", code=code, category=category)


def _attempts(data: Mapping[str, Any]) -> int | None:
    retries = data.get("retry_count")
    return retries + 1 if isinstance(retries, int) and not isinstance(retries, bool) and retries >= 0 else None


def _outputs(data: Mapping[str, Any], status: JobStatus) -> dict[str, Any] | None:
    if status is not JobStatus.SUCCEEDED:
        return None
    graph, day = data["graph_id"], data["snapshot_date"]
    return {"snapshot_date": day, "snapshot": f"/kpi/graphs/{graph}/snapshots/{day}"}


def job_from_json(data: Any) -> JobRecord:
    """One ``JobResponse`` -> ``JobRecord`` (scope = graph id)."""
    if not isinstance(data, dict):
        raise bad_response("a job that is not a JSON object")
    for name in _REQUIRED_STRINGS:
        if not isinstance(data.get(name), str):
            raise bad_response(f"a job without a string {name!r}")
    error = _error(data)
    status = status_for(data["status"], data["stage"], has_error=error is not None)
    started = parse_time(data.get("started_at"))
    finished = parse_time(data.get("finished_at"))
    heartbeat = parse_time(data.get("heartbeat_at"))
    return JobRecord(
        source=SOURCE,
        native_id=data["job_id"],
        scope=data["graph_id"],
        status=status,
        native_status=data["status"],
        job_type_id=JOB_TYPE_ID,
        job_type_name=JOB_TYPE_ID,
        created_at=None,
        started_at=started,
        finished_at=finished,
        updated_at=_latest(heartbeat, finished),
        progress=1.0 if status is JobStatus.SUCCEEDED else None,
        counters=_counters(data),
        error=error,
        stage=data["stage"],
        attempts=_attempts(data),
        inputs={"graph_id": data["graph_id"], "snapshot_date": data["snapshot_date"]},
        outputs=_outputs(data, status),
        can_cancel=False,
        can_rerun=True,
        raw=data,
    )


def job_page_from_json(data: Any) -> tuple[list[JobRecord], str | None]:
    """A ``JobListResponse`` -> (records, next cursor or ``None``)."""
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise bad_response("a job list without an 'items' array")
    page = data.get("page")
    if page is None:
        page = {}
    if not isinstance(page, dict):
        raise bad_response("a job list whose 'page' is not an object")
    next_cursor = page.get("next_cursor")
    if next_cursor is not None and not isinstance(next_cursor, str):
        raise bad_response("a non-string 'page.next_cursor'")
    return [job_from_json(item) for item in data["items"]], next_cursor or None


def kpi_job_type(graph_id: str) -> JobTypeRecord:
    """The one synthetic job type of a graph: its daily KPI snapshot job."""
    return JobTypeRecord(
        source=SOURCE,
        native_id=JOB_TYPE_ID,
        scope=graph_id,
        name=JOB_TYPE_ID,
        title=JOB_TYPE_TITLE,
        description="Computes (or clones) the daily KPI snapshot of a WordLift graph.",
        raw={"graph_id": graph_id, "job_type": JOB_TYPE_ID},
    )
