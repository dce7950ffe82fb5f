"""The Leia simulator's records and the pure life-cycle computation of one job.

A job stores only facts fixed when they happen (created, released from
BLOCKED, canceled) plus its planned phase durations and outcome; its status at
any moment is derived from those facts, so a frozen clock gives reproducible
answers and advancing it moves jobs on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

STATUSES = ("BLOCKED", "WAITING", "READY", "STARTING", "LOADING_MODEL", "PROCESSING", "PROCESSED", "FAILED", "CANCELED")
"""Leia's ``Statuses`` enum, in the upstream's own words (its OpenAPI document)."""
JOB_TYPES = ("predict", "pdf-images", "image-text", "transform")
"""Leia's ``JobTypes`` enum: the values ``GET /job?job_type=`` accepts."""
FINAL = frozenset({"PROCESSED", "FAILED", "CANCELED"})


@dataclass
class SimApplication:
    id: str
    api_key: str
    application_name: str
    first_name: str
    last_name: str
    email: str
    creation_time: datetime


@dataclass
class SimModel:
    id: str
    short_name: str
    name: str
    model_type: str
    """``classification`` or ``key_value_extraction``."""
    application_id: str | None
    """Owner; ``None`` with ``allow_all_applications`` for shared models."""
    creation_time: datetime
    categories: tuple[str, ...] = ()


@dataclass
class SimDocument:
    id: str
    application_id: str
    filename: str
    extension: str
    mime_type: str
    pages: int
    creation_time: datetime


@dataclass
class SimJob:
    id: str
    application_id: str
    job_type: str
    document_ids: list[str]
    creation_time: datetime
    durations: tuple[tuple[str, float], ...]
    """Planned running phases after the job becomes eligible: ``(status, seconds)``."""
    outcome: str
    """``PROCESSED`` or ``FAILED`` once the phases are over."""
    failure: tuple[int, str] | None = None
    """``(http_code, reason)`` when the outcome is FAILED."""
    result: Any = None
    result_type: str | None = None
    model_id: str | None = None
    execute_after_id: str | None = None
    parent_job_id: str | None = None
    page_range: str | None = None
    callback_url: str | None = None
    callback_headers: dict[str, str] = field(default_factory=dict)
    blocked: bool = False
    released_at: datetime | None = None
    canceled_at: datetime | None = None
    rules: dict[str, Any] | None = None
    """Conditional jobs: the rules to evaluate once the prerequisite is PROCESSED."""
    expanded: bool = False
    """Conditional jobs: the children of the matching rules exist."""
    held_until: datetime | None = None
    """Conditional jobs: the rule jobs run inside the conditional job, which ends when the last of them has."""
    rule_jobs: dict[str, list[str]] = field(default_factory=dict)
    """Conditional jobs: rule id -> the ids of the jobs that rule ran, in order."""
    inputs: dict[str, Any] = field(default_factory=dict)
    """Request parameters Leia keeps but does not echo (model_params, output_type, ...)."""


@dataclass(frozen=True, slots=True)
class Timeline:
    """A job's phases ``(status, since)`` in time order, as known now."""

    phases: tuple[tuple[str, datetime], ...]
    reason: str | None = None
    http_code: int | None = None

    def status_at(self, moment: datetime) -> str:
        status = self.phases[0][0]
        for word, since in self.phases:
            if since > moment:
                break
            status = word
        return status

    def since(self, word: str) -> datetime | None:
        return next((t for w, t in self.phases if w == word), None)

    @property
    def final(self) -> tuple[str, datetime] | None:
        word, since = self.phases[-1]
        return (word, since) if word in FINAL else None

    def final_at(self, moment: datetime) -> tuple[str, datetime] | None:
        final = self.final
        return final if final is not None and final[1] <= moment else None


def build_timeline(job: SimJob, prerequisite: Callable[[str], Timeline | None]) -> Timeline:
    """Phases of ``job``; ``prerequisite(id)`` gives the timeline of its execute_after job."""
    phases: list[tuple[str, datetime]] = []
    start = job.creation_time
    if job.blocked:
        phases.append(("BLOCKED", start))
        if job.released_at is None:
            return _canceled(job, phases)
        start = job.released_at
    if job.execute_after_id is not None:
        phases.append(("WAITING", start))
        before = prerequisite(job.execute_after_id)
        done = before.final if before is not None else None
        if done is None:
            return _canceled(job, phases)
        word, at = done
        if word != "PROCESSED":
            phases.append(("FAILED", max(start, at)))
            reason = f"Prerequisite job {job.execute_after_id} is {word}"
            return _canceled(job, phases, reason=reason, http_code=400)
        start = max(start, at)
    moment = start
    for word, seconds in job.durations:
        phases.append((word, moment))
        moment += timedelta(seconds=seconds)
    if job.held_until is not None:
        moment = max(moment, job.held_until)
    phases.append((job.outcome, moment))
    if job.outcome == "FAILED" and job.failure is not None:
        http_code, reason = job.failure
        return _canceled(job, phases, reason=reason, http_code=http_code)
    return _canceled(job, phases)


def _canceled(
    job: SimJob, phases: list[tuple[str, datetime]], reason: str | None = None, http_code: int | None = None
) -> Timeline:
    if job.canceled_at is None:
        return Timeline(tuple(phases), reason, http_code)
    kept = [(w, t) for w, t in phases if t <= job.canceled_at and w not in FINAL]
    kept.append(("CANCELED", job.canceled_at))
    return Timeline(tuple(kept))
