"""The Amperity simulator's in-memory store and the life cycle of its ingest tables and workflows.

Nothing here stores a state word: each table holds a *plan* (when it starts, how
long it runs, how it ends, its files and row counts) and every answer is
rendered from ``now``. A frozen clock therefore answers the same thing every
time, and ``clock.advance`` moves work on. Stopping a workflow only records the
instant it was stopped; rendering takes it into account.

Table life cycle over its duration ``D`` (wire words, lower case):
``scheduled`` (before its start) -> ``started`` (first 5 %) -> ``in progress``
(files being read, to 50 %) -> ``running`` (rows inserted/updated, to 90 %) ->
``finalizing`` -> ``succeeded``. A failing table turns ``failed`` part-way; a
skipped table (no files) turns ``skipped`` at its start. A stop turns a working
table ``stopping`` for ``STOP_GRACE_S`` and then ``stopped``; a table that had not
started yet turns ``canceled`` at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from adapters.timeparse import format_ms, parse_instant, truncate_ms
from simulators.kit import Seeded

STOP_GRACE_S = 3.0
PHASES = (("started", 0.05), ("in progress", 0.50), ("running", 0.90), ("finalizing", 1.0))
FINAL_TABLE_STATES = frozenset({"succeeded", "failed", "skipped", "stopped", "canceled"})


@dataclass
class FilePlan:
    file_id: str
    name: str
    rows: int
    error_rows: int


@dataclass
class TablePlan:
    feed_id: str
    table_name: str
    start_at: datetime
    duration_s: float
    outcome: str
    """``succeeded``, ``failed`` or ``skipped``."""
    fail_at: float = 1.0
    """Fraction of the duration at which a failing table fails."""
    files: list[FilePlan] = field(default_factory=list)
    rejected_rate: float = 0.0
    update_rate: float = 0.0

    @property
    def natural_end(self) -> datetime:
        if self.outcome == "skipped":
            return self.start_at
        fraction = self.fail_at if self.outcome == "failed" else 1.0
        return truncate_ms(self.start_at + timedelta(seconds=self.duration_s * fraction))

    def render(self, job_id: str, now: datetime, stop_at: datetime | None) -> dict[str, Any]:
        """The ``IngestFeedDetails`` object at ``now``."""
        state, fraction, started, ended = self._state(now, stop_at)
        read_f = min(1.0, max(0.0, (fraction - 0.05) / 0.45))
        load_f = min(1.0, max(0.0, (fraction - 0.50) / 0.40))
        if state == "succeeded":
            read_f = load_f = 1.0
        files, read, errors = self._files(read_f)
        good = read - errors
        rejected = int(good * self.rejected_rate * load_f)
        loaded = int((good - rejected) * load_f)
        updated = int(loaded * self.update_rate)
        return {
            "feed_id": self.feed_id,
            "job_id": job_id,
            "table_name": self.table_name,
            "state": state,
            "read": read,
            "errors": errors,
            "rejected": rejected,
            "inserted": loaded - updated,
            "updated": updated,
            "started_at": format_ms(started),
            # Required and non-nullable in the schema even while the table works:
            # an unfinished table repeats its started_at (see the simulator docstring).
            "ended_at": format_ms(ended if ended is not None else started),
            "files": files,
        }

    def _state(self, now: datetime, stop_at: datetime | None) -> tuple[str, float, datetime, datetime | None]:
        """``(word, fraction of the duration done, started_at, ended_at or None)``."""
        stopped = stop_at is not None and now >= stop_at and stop_at < self.natural_end
        if stopped and stop_at is not None:
            if stop_at <= self.start_at:
                return "canceled", 0.0, stop_at, stop_at
            fraction = self._fraction(stop_at)
            grace_end = truncate_ms(stop_at + timedelta(seconds=STOP_GRACE_S))
            if now < grace_end:
                return "stopping", fraction, self.start_at, None
            return "stopped", fraction, self.start_at, grace_end
        if now < self.start_at:
            return "scheduled", 0.0, self.start_at, None
        if self.outcome == "skipped":
            return "skipped", 0.0, self.start_at, self.start_at
        if now >= self.natural_end:
            return self.outcome, (self.fail_at if self.outcome == "failed" else 1.0), self.start_at, self.natural_end
        fraction = self._fraction(now)
        word = next(name for name, upto in PHASES if fraction < upto)
        return word, fraction, self.start_at, None

    def _fraction(self, moment: datetime) -> float:
        if self.duration_s <= 0:
            return 1.0
        return min(1.0, max(0.0, (moment - self.start_at).total_seconds() / self.duration_s))

    def _files(self, read_f: float) -> tuple[list[dict[str, Any]], int, int]:
        # Files are read one after another, so a file's count only grows once the previous is done.
        budget = int(sum(f.rows for f in self.files) * read_f)
        out: list[dict[str, Any]] = []
        total_read = total_errors = 0
        for plan in self.files:
            got = min(plan.rows, budget)
            budget -= got
            errors = plan.error_rows * got // plan.rows if plan.rows else 0
            out.append({"file_id": plan.file_id, "name": plan.name, "read": got, "errors": errors})
            total_read += got
            total_errors += errors
        return out, total_read, total_errors


@dataclass
class IngestJob:
    id: str
    workflow_id: str
    tables: list[TablePlan]

    @property
    def start_at(self) -> datetime:
        return min(t.start_at for t in self.tables)

    def listed_start(self, now: datetime, stop_at: datetime | None) -> datetime:
        """The instant the list window filters on: the earliest table ``started_at`` as rendered."""
        return min(t._state(now, stop_at)[2] for t in self.tables)

    def render(self, now: datetime, stop_at: datetime | None) -> dict[str, Any]:
        return {
            "id": self.id,
            "workflow_id": self.workflow_id,
            "tables": [t.render(self.id, now, stop_at) for t in self.tables],
        }


@dataclass
class Workflow:
    id: str
    type: str
    name: str
    tenant: str
    config_id: str
    created_at: datetime
    principal_id: str
    principal_name: str
    principal_email: str
    launched_version: str
    ingest_job_ids: list[str] = field(default_factory=list)
    duration_s: float = 60.0
    """For workflows without ingest jobs (campaigns, orchestrations): how long they run."""
    outcome: str = "succeeded"
    stop_at: datetime | None = None
    task_ids: list[str] = field(default_factory=list)


@dataclass
class Config:
    """A courier group (``cg-``), orchestration group (``og-``) or campaign (``cc-``) that can be run."""

    id: str
    name: str
    type: str
    feeds: list[tuple[str, str]] = field(default_factory=list)
    """``(feed_id, table_name)`` a courier group ingests."""
    file_based: bool = False


@dataclass
class Store:
    """Everything the simulator knows; tests may read it."""

    tenant: str
    token: str
    ids: Seeded
    """Draws the ids of what is created after seeding (runs started through the API)."""
    jobs: dict[str, IngestJob] = field(default_factory=dict)
    workflows: dict[str, Workflow] = field(default_factory=dict)
    configs: dict[str, Config] = field(default_factory=dict)
    seed: int = 0
    epoch: datetime | None = None
    """The clock's time when the data was seeded; recurring runs are placed from it."""
    recurring_config: str | None = None
    """The courier group that runs every hour on its own, so a long-lived simulator keeps moving."""
    slots_made: int = 0
    rate_limited: int = 0
    """How many requests the simulator answered 429 because of its own rate limit."""
    requests: int = 0


def _workflow_tables(store: Store, wf: Workflow, now: datetime) -> list[dict[str, Any]]:
    return [
        table
        for job_id in wf.ingest_job_ids
        if job_id in store.jobs
        for table in store.jobs[job_id].render(now, wf.stop_at)["tables"]
    ]


def workflow_state(store: Store, wf: Workflow, now: datetime) -> tuple[str, datetime | None]:
    """``(state word, ended_at)`` of a workflow at ``now``."""
    if wf.ingest_job_ids:
        return _ingest_workflow_state(_workflow_tables(store, wf, now), wf, now)
    started = wf.created_at + timedelta(seconds=2)
    end = truncate_ms(wf.created_at + timedelta(seconds=wf.duration_s))
    if wf.stop_at is not None and now >= wf.stop_at and wf.stop_at < end:
        grace_end = truncate_ms(wf.stop_at + timedelta(seconds=STOP_GRACE_S))
        return ("canceling", None) if now < grace_end else ("canceled", grace_end)
    if now < started:
        return "scheduled", None
    if now < end:
        return "running", None
    return wf.outcome, end


def _ingest_workflow_state(tables: list[dict[str, Any]], wf: Workflow, now: datetime) -> tuple[str, datetime | None]:
    words = [t["state"] for t in tables]
    ended = max((t["ended_at"] for t in tables), default=None)
    ended_at = parse_instant(ended) if ended else None
    if wf.stop_at is not None and now >= wf.stop_at and any(w in ("stopping", "stopped", "canceled") for w in words):
        return ("canceling", None) if "stopping" in words else ("canceled", ended_at)
    if all(w == "scheduled" for w in words):
        return "scheduled", None
    if any(w not in FINAL_TABLE_STATES for w in words):
        return "running", None
    return ("failed" if "failed" in words else "succeeded"), ended_at


def render_workflow(store: Store, wf: Workflow, now: datetime, *, verbose: bool) -> dict[str, Any]:
    """The ``Workflow`` object; ``verbose`` adds ``task_instances`` (one task per ingested table)."""
    state, ended_at = workflow_state(store, wf, now)
    body: dict[str, Any] = {
        "id": wf.id,
        "state": state,
        "type": wf.type,
        "name": wf.name,
        "tenant": wf.tenant,
        "created_at": format_ms(wf.created_at),
    }
    if ended_at is not None:
        body["ended_at"] = format_ms(ended_at)
    if not verbose:
        return body
    body.update(
        principal_id=wf.principal_id,
        principal_name=wf.principal_name,
        principal_email=wf.principal_email,
        launched_version=wf.launched_version,
        current_version=wf.launched_version,
        task_instances=_tasks(store, wf, now, state, ended_at),
    )
    if state == "failed":
        body["error"] = {
            "type": "amperity.workflow.task.ingest/table",
            "message": "One or more tables failed to ingest.",
            "attribution": "customer",
            "data": None,
        }
    return body


def _tasks(store: Store, wf: Workflow, now: datetime, state: str, ended_at: datetime | None) -> list[dict[str, Any]]:
    tables = _workflow_tables(store, wf, now)
    if not tables:
        tables = [{"state": state, "started_at": format_ms(wf.created_at), "table_name": wf.name}]
    tasks: list[dict[str, Any]] = []
    for task_id, table in zip(wf.task_ids, tables, strict=False):
        task: dict[str, Any] = {
            "id": task_id,
            "state": table["state"],
            "tenant": wf.tenant,
            "created_at": table["started_at"],
            "execution_type": "spark-sql",
            "label": f"Ingesting {table['table_name']}",
            "task_definition_type": "ingest" if wf.ingest_job_ids else wf.type,
            "timeout_ms": 172800000,
            "workflow_id": wf.id,
        }
        if table["state"] in FINAL_TABLE_STATES:
            task["ended_at"] = table.get("ended_at") or (format_ms(ended_at) if ended_at else table["started_at"])
            task["state_changed_at"] = task["ended_at"]
        tasks.append(task)
    return tasks
