"""The Scale simulator's in-memory model: job types, jobs with their executions, ingests.

Nothing here stores a status. Each job holds a *plan* (its executions with planned
queue/start/end times and outcomes) and every status, timestamp and counter is
derived from the plan at a given instant, so a frozen clock gives the same answer
every time and advancing it moves jobs on. Mutations (pause, submit) rewrite the
plan at the instant they happen; cancel and requeue are Scale command messages
(``Message``), queued by the 202 and applied ``MESSAGE_DELAY`` later, as Scale's
message handler does: the answer never shows their effect.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from adapters.timeparse import truncate_ms

PENDING, BLOCKED, QUEUED, RUNNING = "PENDING", "BLOCKED", "QUEUED", "RUNNING"
FAILED, COMPLETED, CANCELED = "FAILED", "COMPLETED", "CANCELED"
JOB_STATUSES = (PENDING, BLOCKED, QUEUED, RUNNING, FAILED, COMPLETED, CANCELED)

INGEST_STATUSES = (
    "TRANSFERRING",
    "TRANSFERRED",
    "DEFERRED",
    "QUEUED",
    "INGESTING",
    "INGESTED",
    "ERRORED",
    "DUPLICATE",
)


@dataclass
class SimError:
    id: int
    name: str
    title: str
    description: str
    category: str
    should_be_retried: bool
    job_type_name: str | None
    is_builtin: bool
    created: datetime


@dataclass
class SimRevision:
    id: int
    revision_num: int
    docker_image: str
    manifest: dict[str, Any]
    created: datetime


@dataclass
class SimJobType:
    id: int
    name: str
    version: str
    title: str
    description: str
    icon_code: str
    is_published: bool
    is_active: bool
    is_paused: bool
    is_system: bool
    max_scheduled: int | None
    max_tries: int
    docker_image: str
    manifest: dict[str, Any]
    configuration: dict[str, Any]
    created: datetime
    last_modified: datetime
    deprecated: datetime | None = None
    paused: datetime | None = None
    unmet_resources: str | None = None
    revisions: list[SimRevision] = field(default_factory=list)

    @property
    def revision_num(self) -> int:
        return self.revisions[-1].revision_num if self.revisions else 1

    @property
    def tags(self) -> list[str]:
        return list(self.manifest.get("job", {}).get("tags", []))


@dataclass
class Execution:
    id: int
    exe_num: int
    queued: datetime
    start: datetime
    end: datetime
    outcome: str
    """COMPLETED or FAILED: how the execution ends if nobody cancels it."""
    error: SimError | None
    node: dict[str, Any]
    cluster_id: str
    canceled_at: datetime | None = None


MESSAGE_DELAY = timedelta(seconds=2)
"""How long after the 202 a queued cancel or requeue message is processed (simulated time)."""


@dataclass(frozen=True, slots=True)
class Message:
    """A cancel or requeue command waiting for Scale's message handler."""

    apply_at: datetime
    kind: str
    """``cancel`` or ``requeue``."""
    job_ids: tuple[int, ...]
    priority: int | None = None


@dataclass
class SimJob:
    id: int
    job_type: SimJobType
    revision_num: int
    created: datetime
    input: dict[str, Any]
    configuration: dict[str, Any]
    max_tries: int
    base_status: str = PENDING
    """PENDING or BLOCKED: the status before the first execution is queued."""
    executions: list[Execution] = field(default_factory=list)
    canceled_at: datetime | None = None
    touched: list[datetime] = field(default_factory=list)
    """Other moments the record was saved (cancel, requeue), for ``last_modified``."""
    event: dict[str, Any] | None = None
    recipe: dict[str, Any] | None = None
    batch: dict[str, Any] | None = None
    superseded_job_id: int | None = None
    superseded_by_id: int | None = None
    superseded: datetime | None = None
    input_file_ids: list[int] = field(default_factory=list)
    input_file_names: dict[str, list[str]] = field(default_factory=dict)
    input_file_size: float | None = None
    source: dict[str, Any] = field(default_factory=dict)
    output: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class JobView:
    """A job as it looks at one instant."""

    status: str
    queued: datetime | None
    started: datetime | None
    ended: datetime | None
    last_status_change: datetime | None
    last_modified: datetime
    num_exes: int
    error: SimError | None
    node: dict[str, Any] | None
    visible_exes: tuple[Execution, ...]
    """Executions that have started (Scale creates an execution row when it schedules one)."""


def _held(job: SimJob, exe: Execution) -> bool:
    """While a job type is paused, nothing of that type is scheduled off the queue."""
    paused = job.job_type.paused if job.job_type.is_paused else None
    return paused is not None and exe.start >= paused


def view(job: SimJob, now: datetime) -> JobView:
    stamps: list[datetime] = [job.created, *(m for m in job.touched if m <= now)]
    counted: list[Execution] = []
    visible: list[Execution] = []
    status = job.base_status
    current: Execution | None = None
    for exe in job.executions:
        if exe.queued > now:
            break
        counted.append(exe)
        current = exe
        stamps.append(exe.queued)
        stop = exe.canceled_at if exe.canceled_at is not None else exe.end
        if exe.canceled_at is not None and exe.canceled_at <= min(exe.start, now):
            # Canceled while still queued: it never ran, but it did count as an execution.
            stamps.append(exe.canceled_at)
            status = CANCELED
            continue
        if exe.start > now or _held(job, exe):
            status = QUEUED
            break
        visible.append(exe)
        stamps.append(exe.start)
        if stop > now:
            status = RUNNING
            break
        stamps.append(stop)
        status = CANCELED if exe.canceled_at is not None else exe.outcome
    canceled = job.canceled_at is not None and job.canceled_at <= now
    if canceled:
        status = CANCELED
        stamps.append(job.canceled_at)  # type: ignore[arg-type]
    started = current.start if current is not None and visible and visible[-1] is current else None
    ended: datetime | None = None
    if canceled:
        ended = job.canceled_at
    elif status in (COMPLETED, FAILED) and current is not None:
        ended = current.end
    error = current.error if status == FAILED and current is not None else None
    node = current.node if started is not None and current is not None else None
    last = max(stamps)
    return JobView(
        status=status,
        queued=current.queued if current is not None else None,
        started=started,
        ended=ended,
        last_status_change=last,
        last_modified=last,
        num_exes=len(counted),
        error=error,
        node=node,
        visible_exes=tuple(visible),
    )


def exe_status(exe: Execution, now: datetime) -> str:
    if exe.canceled_at is not None and exe.canceled_at <= now:
        return CANCELED
    return RUNNING if exe.end > now else exe.outcome


@dataclass
class SimIngest:
    id: int
    file_name: str
    kind: str
    """``normal``, ``deferred`` (matched no ingest rule) or ``duplicate`` (already ingested)."""
    strike: dict[str, Any] | None
    scan: dict[str, Any] | None
    transfer_started: datetime
    transfer_ended: datetime
    file_size: int
    media_type: str
    data_type_tags: list[str]
    file_path: str
    workspace: dict[str, Any]
    new_file_path: str | None
    new_workspace: dict[str, Any] | None
    job: SimJob
    source_file_id: int
    data_started: datetime | None
    data_ended: datetime | None
    created: datetime


@dataclass(frozen=True, slots=True)
class IngestView:
    status: str
    bytes_transferred: int
    transfer_ended: datetime | None
    ingest_started: datetime | None
    ingest_ended: datetime | None
    last_modified: datetime
    job: JobView


_INGEST_BY_JOB = {
    QUEUED: "QUEUED",
    RUNNING: "INGESTING",
    COMPLETED: "INGESTED",
    FAILED: "ERRORED",
    CANCELED: "ERRORED",
}


def ingest_view(ingest: SimIngest, now: datetime) -> IngestView:
    job = view(ingest.job, now)
    stamps = [ingest.created, ingest.transfer_started]
    if now < ingest.transfer_ended and job.status != CANCELED:
        span = (ingest.transfer_ended - ingest.transfer_started).total_seconds() or 1.0
        done = max(0.0, (now - ingest.transfer_started).total_seconds()) / span
        return IngestView("TRANSFERRING", int(ingest.file_size * min(done, 1.0)), None, None, None, max(stamps), job)
    stamps.extend((ingest.transfer_ended, job.last_modified))
    if job.status in (PENDING, BLOCKED):
        status = "DEFERRED" if ingest.kind == "deferred" else "TRANSFERRED"
    elif job.status == COMPLETED and ingest.kind == "duplicate":
        status = "DUPLICATE"
    else:
        status = _INGEST_BY_JOB[job.status]
    ended = job.ended if status in ("INGESTED", "DUPLICATE", "ERRORED") else None
    return IngestView(status, ingest.file_size, ingest.transfer_ended, job.started, ended, max(stamps), job)


@dataclass
class Store:
    """Everything the simulator knows; tests may read and poke it."""

    seed: int
    epoch: datetime
    job_types: list[SimJobType] = field(default_factory=list)
    jobs: dict[int, SimJob] = field(default_factory=dict)
    ingests: dict[int, SimIngest] = field(default_factory=dict)
    errors: list[SimError] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    strikes: list[dict[str, Any]] = field(default_factory=list)
    tokens: dict[str, bool] = field(default_factory=dict)
    """API token -> is_staff. Non-staff tokens may only read (and validate)."""
    next_job_id: int = 1
    next_exe_id: int = 1
    next_job_type_id: int = 1
    next_revision_id: int = 1
    messages: list[Message] = field(default_factory=list)
    """Cancel and requeue commands accepted (202) and not processed yet."""

    # --- lookups -------------------------------------------------------------------------

    def job_type(self, type_id: int) -> SimJobType | None:
        return next((jt for jt in self.job_types if jt.id == type_id), None)

    def job_type_by_key(self, name: str, version: str) -> SimJobType | None:
        return next((jt for jt in self.job_types if jt.name == name and jt.version == version), None)

    def jobs_of_type(self, job_type: SimJobType) -> Iterable[SimJob]:
        return (job for job in self.jobs.values() if job.job_type is job_type)

    # --- planning executions ---------------------------------------------------------------

    def _rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, "scale", *parts)))

    def plan_executions(self, job: SimJob, queued: datetime, *, first_num: int) -> list[Execution]:
        """Draw one execution queued at ``queued`` plus the automatic retries that follow a retryable failure."""
        planned: list[Execution] = []
        exe_num = first_num
        while True:
            rng = self._rng("exe", job.id, exe_num)
            start = truncate_ms(queued + timedelta(seconds=rng.uniform(3, 25)))
            end = truncate_ms(start + timedelta(seconds=rng.uniform(10, 60)))
            fails = rng.random() < 0.2
            error = rng.choice(self.errors) if fails else None
            exe = self.new_execution(job, exe_num, queued, start, end, error, rng)
            planned.append(exe)
            if error is None or not error.should_be_retried or exe_num >= job.max_tries:
                return planned
            exe_num += 1
            queued = end

    def new_execution(
        self,
        job: SimJob,
        exe_num: int,
        queued: datetime,
        start: datetime,
        end: datetime,
        error: SimError | None,
        rng: random.Random,
    ) -> Execution:
        exe_id = self.next_exe_id
        self.next_exe_id += 1
        return Execution(
            id=exe_id,
            exe_num=exe_num,
            queued=queued,
            start=start,
            end=end,
            outcome=FAILED if error is not None else COMPLETED,
            error=error,
            node=rng.choice(self.nodes),
            cluster_id=f"scale_job_{exe_id:04d}_{rng.randint(100, 999)}x{exe_num - 1}",
        )

    # --- mutations ---------------------------------------------------------------------------

    def send(self, message: Message) -> None:
        """Queue a command; ``process`` applies it once the clock reaches ``apply_at``."""
        self.messages.append(message)

    def process(self, now: datetime) -> None:
        """Apply every queued command due by ``now``, each at its own instant, oldest first."""
        due = sorted((m for m in self.messages if m.apply_at <= now), key=lambda m: m.apply_at)
        if not due:
            return
        self.messages = [m for m in self.messages if m.apply_at > now]
        for message in due:
            for job_id in message.job_ids:
                job = self.jobs.get(job_id)
                if job is None:
                    continue
                if message.kind == "cancel":
                    self.cancel(job, message.apply_at)
                else:
                    self.requeue(job, message.apply_at, message.priority)

    def cancel(self, job: SimJob, now: datetime) -> bool:
        """Cancel unless already COMPLETED or CANCELED (``Job.can_be_canceled``); drops executions not yet queued."""
        if view(job, now).status in (COMPLETED, CANCELED):
            return False
        job.executions = [exe for exe in job.executions if exe.queued <= now]
        if job.executions and job.executions[-1].canceled_at is None and job.executions[-1].end > now:
            job.executions[-1].canceled_at = now
        job.canceled_at = now
        job.touched.append(now)
        return True

    def can_requeue(self, job: SimJob, now: datetime) -> bool:
        """Scale's ``Job.can_be_requeued``: not COMPLETED, has input, queued before (``num_exes > 0``),
        not superseded. QUEUED and RUNNING jobs qualify; a job never queued does not."""
        current = view(job, now)
        return current.status != COMPLETED and bool(job.input) and current.num_exes > 0 and job.superseded is None

    def requeue(self, job: SimJob, now: datetime, priority: int | None) -> bool:
        """Requeue per ``can_requeue``: a running or queued execution is canceled, a new one is
        queued, and the job gets as many tries again as its type allows."""
        if not self.can_requeue(job, now):
            return False
        current = view(job, now)
        job.executions = [exe for exe in job.executions if exe.queued <= now]
        last = job.executions[-1] if job.executions else None
        if last is not None and last.canceled_at is None and last.end > now:
            last.canceled_at = now
        job.canceled_at = None
        job.max_tries = current.num_exes + job.job_type.max_tries
        if priority is not None:
            job.configuration = {**job.configuration, "priority": priority}
        job.executions.extend(self.plan_executions(job, now, first_num=current.num_exes + 1))
        job.touched.append(now)
        return True

    def set_paused(self, job_type: SimJobType, paused: bool, now: datetime) -> None:
        if paused == job_type.is_paused:
            return
        if paused:
            job_type.is_paused, job_type.paused = True, now
            return
        since = job_type.paused or now
        job_type.is_paused, job_type.paused = False, None
        for job in self.jobs_of_type(job_type):
            _release(job, since, now)


def _release(job: SimJob, since: datetime, now: datetime) -> None:
    """Unpausing lets held executions start now: shift them (and the retries after them) forward."""
    for index, exe in enumerate(job.executions):
        if since <= exe.start < now and exe.queued <= now and exe.canceled_at is None:
            shift = now - exe.start + timedelta(seconds=1)
            for later in job.executions[index:]:
                if later is not exe:
                    later.queued += shift
                later.start += shift
                later.end += shift
            return
