"""Amperity ingest-job JSON -> common records, and the per-table state table.

An Amperity ingest job (``IngestJobDetails``) has no state, times or counts of
its own: each lives on its ``tables[]`` entries. One ingest job becomes BOTH a
``JobRecord`` (job type ``ingest``) and an ``IngestRunRecord`` with the same
native id, linked to each other (``JobRecord.ingest_run_id`` /
``IngestRunRecord.job_id``).

Choices (the docs leave them open):

- Table ``state`` words are matched case-insensitively with ``-``/``_`` read as
  a space, so ``In progress``, ``in progress``, ``in-progress`` and
  ``in_progress`` are one word. ``skipped`` counts as SUCCEEDED (nothing to
  ingest is a normal completion, not a cancellation); ``stopping`` and
  ``canceling`` are still RUNNING (the work has not stopped yet). Unknown words
  map to UNKNOWN and keep the native word.
- Roll-up of the tables into one run state, in this order:
  no tables -> UNKNOWN; any table RUNNING -> RUNNING; any table not yet final:
  UNKNOWN if one is unknown, QUEUED if every table is still scheduled, BLOCKED if
  one is paused, else RUNNING (some tables done, others waiting);
  every table final: any FAILED -> FAILED, else any stopped/canceled -> CANCELED,
  else SUCCEEDED. A run is never final while one of its tables still works, so a
  run with one failed table and others still loading stays RUNNING until they end
  (a final record is cached and no longer watched).
  The run's native state is the word of the first table that decided the roll-up.
- Times: ``created_at`` is the earliest table ``started_at`` (the instant the
  list window filters on); ``started_at`` is the same unless every table is still
  scheduled (then ``None``); ``finished_at`` is the latest ``ended_at`` once every
  table is final. A table's ``ended_at`` is only read while the table is final:
  the schema makes it required even for running tables, so a running table's
  value is a placeholder. ``updated_at`` is the latest instant seen on any table.
- Counters are summed over tables (``read``, ``inserted``, ``updated``,
  ``rejected``, ``errors``) plus ``tables`` and ``files``; ``progress`` is the
  fraction of tables that are final.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from adapters.errors import ErrorKind, UpstreamError
from adapters.model import (
    IngestFileRecord,
    IngestRunRecord,
    IngestTableRecord,
    JobError,
    JobRecord,
    JobStatus,
    JobTypeRecord,
    Source,
)
from adapters.timeparse import parse_time

SOURCE = Source.AMPERITY
JOB_TYPE_ID = "ingest"
JOB_TYPE_NAME = "Ingest"

STATE_TABLE: Mapping[str, JobStatus] = {
    # The documented vocabulary (docs and spec, display form lower-cased).
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
    # Words the workflow pages list for tasks and workflows; tables may show them too.
    "cancelled": JobStatus.CANCELED,
    "canceling": JobStatus.RUNNING,
    "cancelling": JobStatus.RUNNING,
    "paused": JobStatus.BLOCKED,
    "up for retry": JobStatus.QUEUED,
    "running with failures": JobStatus.RUNNING,
}

COUNTER_FIELDS = ("read", "inserted", "updated", "rejected", "errors")


def normalize_state(word: str) -> str:
    return " ".join(word.replace("-", " ").replace("_", " ").lower().split())


def table_status(word: str) -> JobStatus:
    """The JobStatus for one table ``state`` word; UNKNOWN for words we have never seen."""
    return STATE_TABLE.get(normalize_state(word), JobStatus.UNKNOWN)


def _bad(message: str) -> UpstreamError:
    return UpstreamError(ErrorKind.BAD_RESPONSE, SOURCE, f"{SOURCE.value} sent {message}")


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def to_file(raw: Any) -> IngestFileRecord:
    if not isinstance(raw, dict) or not isinstance(raw.get("file_id"), str):
        raise _bad("a file entry without a file_id")
    name = raw.get("name")
    return IngestFileRecord(
        file_id=raw["file_id"],
        name=name if isinstance(name, str) else None,
        read=_count(raw.get("read")),
        errors=_count(raw.get("errors")),
    )


def to_table(raw: Any) -> IngestTableRecord:
    if not isinstance(raw, dict):
        raise _bad("a table entry that is not an object")
    word = raw.get("state")
    native = word if isinstance(word, str) else ""
    status = table_status(native)
    files = raw.get("files")
    name = raw.get("table_name")
    feed = raw.get("feed_id")
    return IngestTableRecord(
        name=name if isinstance(name, str) else "",
        state=status,
        native_state=native,
        feed_id=feed if isinstance(feed, str) else None,
        read=_count(raw.get("read")),
        inserted=_count(raw.get("inserted")),
        updated=_count(raw.get("updated")),
        rejected=_count(raw.get("rejected")),
        errors=_count(raw.get("errors")),
        started_at=parse_time(raw.get("started_at")),
        ended_at=parse_time(raw.get("ended_at")) if status.is_final else None,
        files=tuple(to_file(f) for f in files) if isinstance(files, list) else (),
    )


def roll_up(tables: Sequence[IngestTableRecord]) -> tuple[JobStatus, str]:
    """One state for a whole run from its tables (rule in the module docstring)."""
    if not tables:
        return JobStatus.UNKNOWN, ""

    def first(status: JobStatus) -> IngestTableRecord | None:
        return next((t for t in tables if t.state is status), None)

    running = first(JobStatus.RUNNING)
    if running is not None:
        return JobStatus.RUNNING, running.native_state
    waiting = [t for t in tables if not t.state.is_final]
    if waiting:
        unknown = first(JobStatus.UNKNOWN)
        if unknown is not None:
            return JobStatus.UNKNOWN, unknown.native_state
        if len(waiting) == len(tables) and all(t.state is JobStatus.QUEUED for t in tables):
            return JobStatus.QUEUED, tables[0].native_state
        blocked = first(JobStatus.BLOCKED)
        if blocked is not None:
            return JobStatus.BLOCKED, blocked.native_state
        return JobStatus.RUNNING, waiting[0].native_state
    for status in (JobStatus.FAILED, JobStatus.CANCELED):
        decider = first(status)
        if decider is not None:
            return status, decider.native_state
    done = first(JobStatus.SUCCEEDED)
    return JobStatus.SUCCEEDED, done.native_state if done else ""


class _Summary:
    """What the job and the run records share, computed once from the tables."""

    def __init__(self, raw: Any) -> None:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
            raise _bad("an ingest job without an id")
        tables = raw.get("tables")
        if tables is not None and not isinstance(tables, list):
            raise _bad("an ingest job whose tables are not a list")
        workflow = raw.get("workflow_id")
        self.raw: Mapping[str, Any] = raw
        self.id: str = raw["id"]
        self.workflow_id = workflow if isinstance(workflow, str) else None
        self.tables = tuple(to_table(t) for t in tables or ())
        self.status, self.native = roll_up(self.tables)
        starts = [t.started_at for t in self.tables if t.started_at is not None]
        self.created_at = min(starts) if starts else None
        self.started_at = None if self.status is JobStatus.QUEUED else self.created_at
        ends = [t.ended_at for t in self.tables if t.ended_at is not None]
        all_final = bool(self.tables) and all(t.state.is_final for t in self.tables)
        self.finished_at = max(ends) if all_final and ends else None
        seen = starts + ends
        self.updated_at = max(seen) if seen else None
        self.counters = {name: sum(getattr(t, name) for t in self.tables) for name in COUNTER_FIELDS}
        self.progress = (sum(t.state.is_final for t in self.tables) / len(self.tables)) if self.tables else None

    @property
    def error(self) -> JobError | None:
        failed = [t.name or t.feed_id or "?" for t in self.tables if t.state is JobStatus.FAILED]
        if not failed:
            return None
        return JobError(f"{len(failed)} of {len(self.tables)} tables failed: {', '.join(failed)}", code="tables_failed")


def sort_key(raw: Mapping[str, Any]) -> tuple[bool, datetime, str]:
    """Newest-started-first order key (use with ``reverse=True``); jobs without tables sort last."""
    starts = [
        moment
        for t in raw.get("tables") or ()
        if isinstance(t, dict) and (moment := parse_time(t.get("started_at"))) is not None
    ]
    ident = raw.get("id")
    return (bool(starts), min(starts) if starts else datetime.min.replace(tzinfo=UTC), str(ident))


def to_job(raw: Any, scope: str, *, can_cancel: bool = True) -> JobRecord:
    """An ingest job as a Job; ``can_cancel`` says whether the adapter can stop its workflow."""
    s = _Summary(raw)
    counters = dict(s.counters)
    counters["tables"] = len(s.tables)
    counters["files"] = sum(len(t.files) for t in s.tables)
    return JobRecord(
        source=SOURCE,
        native_id=s.id,
        scope=scope,
        status=s.status,
        native_status=s.native,
        job_type_id=JOB_TYPE_ID,
        job_type_name=JOB_TYPE_NAME,
        created_at=s.created_at,
        started_at=s.started_at,
        finished_at=s.finished_at,
        updated_at=s.updated_at,
        progress=s.progress,
        counters=counters,
        error=s.error,
        parent_id=None,
        ingest_run_id=s.id,
        can_cancel=can_cancel and s.workflow_id is not None and not s.status.is_final,
        can_rerun=False,
        raw=s.raw,
    )


def to_ingest_run(raw: Any, scope: str) -> IngestRunRecord:
    s = _Summary(raw)
    return IngestRunRecord(
        source=SOURCE,
        native_id=s.id,
        scope=scope,
        state=s.status,
        native_state=s.native,
        job_id=s.id,
        workflow_id=s.workflow_id,
        started_at=s.started_at,
        ended_at=s.finished_at,
        updated_at=s.updated_at,
        read=s.counters["read"],
        inserted=s.counters["inserted"],
        updated=s.counters["updated"],
        rejected=s.counters["rejected"],
        errors=s.counters["errors"],
        tables=s.tables,
        raw=s.raw,
    )


def ingest_job_type(scope: str) -> JobTypeRecord:
    """Amperity's one job kind, per tenant: every ingest job has it."""
    return JobTypeRecord(
        source=SOURCE,
        native_id=JOB_TYPE_ID,
        scope=scope,
        name=JOB_TYPE_NAME,
        title="Amperity ingest job",
        description="Loads the files a courier brought into a tenant's feeds and tables; runs inside a workflow.",
        raw={"id": JOB_TYPE_ID},
    )
