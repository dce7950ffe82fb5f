"""The simulator's records: graphs and KPI jobs, with each job's state derived from a time.

A job's whole timeline (queue wait, then ``calculate`` and ``validate``
attempts) is planned when it is submitted; what ``GET`` shows is computed from
``now``, so a frozen clock always answers the same and advancing it moves jobs on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

HEARTBEAT_S = 5
CALCULATE, VALIDATE, CLONE = "calculate", "validate", "clone"
QUEUED, RUNNING, COMPLETED, FAILED, SUPERSEDED = "queued", "running", "completed", "failed", "superseded"


@dataclass(slots=True)
class Graph:
    graph_id: str
    dataset_id: str
    website_url: str
    documents: int
    urls: int
    rows_ratio: float
    """Helper/assertion rows written per source document."""
    issues_per_url: float
    public_ratio: float
    edit_every: timedelta
    """The source graph changes this often; an unchanged graph lets a submit clone."""
    edit_phase: datetime
    touches: list[datetime] = field(default_factory=list)
    """Extra source edits (tests call ``KpiStore.touch``)."""

    def watermark(self, at: datetime) -> datetime:
        """The source graph's ``_modified_`` watermark at ``at``."""
        periods = (at - self.edit_phase) // self.edit_every
        mark = self.edit_phase + periods * self.edit_every
        return max([mark, *(t for t in self.touches if t <= at)])


@dataclass(frozen=True, slots=True)
class Attempt:
    stage: str
    start: datetime
    end: datetime
    ok: bool

    def progress(self, at: datetime) -> float:
        span = (self.end - self.start).total_seconds()
        return min(1.0, max(0.0, (at - self.start).total_seconds() / span)) if span > 0 else 1.0


@dataclass(slots=True)
class Job:
    job_id: str
    graph_id: str
    snapshot_date: date
    submitted_at: datetime
    options: Mapping[str, Any]
    documents: int = 0
    urls: int = 0
    issues: int = 0
    attempts: tuple[Attempt, ...] = ()
    error: tuple[str, str] | None = None
    profile: Mapping[str, Any] | None = None
    watermark: datetime | None = None
    clone_of: Job | None = None
    clone_s: float = 0.0
    superseded_at: datetime | None = None
    superseded_by: str | None = None

    @property
    def started_at(self) -> datetime:
        return self.attempts[0].start if self.attempts else self.submitted_at

    @property
    def finished_at(self) -> datetime:
        """When the job ends (or ended) unless superseded first."""
        return self.attempts[-1].end if self.attempts else self.submitted_at

    @property
    def validated(self) -> bool:
        if self.clone_of is not None:
            return self.clone_of.validated
        return any(a.stage == VALIDATE and a.ok for a in self.attempts)

    @property
    def bounded(self) -> bool:
        """A smoke run capped by ``limit_documents``/``limit_urls``: never a clone source."""
        return self.options.get("limit_documents") is not None or self.options.get("limit_urls") is not None

    def cut(self, now: datetime) -> datetime:
        """The moment the visible state is frozen at: ``now`` or the supersede time."""
        if self.superseded_at is not None and self.superseded_at <= now:
            return self.superseded_at
        return now

    def status(self, now: datetime) -> str:
        if self.clone_of is not None:
            return COMPLETED
        at = self.cut(now)
        if at >= self.finished_at:
            return COMPLETED if self.attempts[-1].ok else FAILED
        if self.superseded_at is not None and self.superseded_at <= now:
            return SUPERSEDED
        return QUEUED if at < self.started_at else RUNNING

    def is_active(self, now: datetime) -> bool:
        return self.status(now) in (QUEUED, RUNNING)

    def finished_by(self, now: datetime) -> datetime | None:
        status = self.status(now)
        if status in (COMPLETED, FAILED):
            return self.finished_at
        return self.superseded_at if status == SUPERSEDED else None

    def attempt_at(self, at: datetime) -> Attempt | None:
        current = None
        for attempt in self.attempts:
            if attempt.start <= at:
                current = attempt
        return current

    def stage_end(self, stage: str) -> datetime | None:
        """When ``stage`` finished successfully, if it did."""
        return next((a.end for a in self.attempts if a.stage == stage and a.ok), None)

    def heartbeat(self, now: datetime) -> datetime | None:
        if self.clone_of is not None:
            return None
        at = min(self.cut(now), self.finished_at)
        if at < self.started_at:
            return None
        beats = int((at - self.started_at).total_seconds() // HEARTBEAT_S)
        return self.started_at + timedelta(seconds=beats * HEARTBEAT_S)

    def updated_at(self, now: datetime) -> datetime:
        """The (hidden) update time the list is ordered by, to the second."""
        finished = self.finished_by(now)
        if finished is not None:
            moment = finished
        elif self.clone_of is not None or self.cut(now) < self.started_at:
            moment = self.submitted_at
        else:
            attempt = self.attempt_at(now)
            heartbeat = self.heartbeat(now) or self.started_at
            moment = max(heartbeat, attempt.start) if attempt else heartbeat
        return moment.replace(microsecond=0)
