"""``JobResponse`` bodies as the service would send them at a given moment.

Null fields are left out, as every example in the spec does (FastAPI's
``response_model_exclude_none``); timestamps are ``YYYY-MM-DDTHH:MM:SSZ``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from simulators.wordlift.model import CALCULATE, CLONE, FAILED, SUPERSEDED, VALIDATE, Graph, Job

FIELD_ORDER = (
    "job_id",
    "graph_id",
    "snapshot_date",
    "status",
    "stage",
    "started_at",
    "finished_at",
    "heartbeat_at",
    "documents_seen",
    "documents_transformed",
    "triple_rows_written",
    "issues_written",
    "retry_count",
    "error_code",
    "error_message",
    "account_dataset_id",
    "website_url",
    "stage_timings_json",
    "runtime_profile_json",
)
"""The spec's property order, which the examples follow."""


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stage_progress(job: Job, stage: str, at: datetime) -> float | None:
    """How far the latest started attempt of ``stage`` is at ``at`` (None if never started)."""
    started = [a for a in job.attempts if a.stage == stage and a.start <= at]
    if not started:
        return None
    return 1.0 if any(a.ok and a.end <= at for a in started) else started[-1].progress(at)


def _counters(job: Job, graph: Graph, at: datetime) -> dict[str, Any]:
    calculated = _stage_progress(job, CALCULATE, at) or 0.0
    seen = round(job.documents * calculated)
    validated = _stage_progress(job, VALIDATE, at)
    return {
        "documents_seen": seen,
        "documents_transformed": seen,
        "triple_rows_written": round(seen * graph.rows_ratio),
        "issues_written": None if validated is None else round(job.issues * validated),
        "retry_count": sum(1 for a in job.attempts[:-1] if not a.ok and a.end <= at),
    }


def _timings(job: Job, at: datetime) -> dict[str, float] | None:
    timings: dict[str, float] = {}
    for stage in (CALCULATE, VALIDATE):
        attempts = [a for a in job.attempts if a.stage == stage]
        if attempts and attempts[-1].end <= at:
            timings[stage] = round(sum((a.end - a.start).total_seconds() for a in attempts), 2)
    return timings or None


def _error(job: Job, status: str) -> tuple[str | None, str | None]:
    if status == SUPERSEDED:
        return "superseded", f"Replaced by job {job.superseded_by} (force_rerun=true)."
    if status == FAILED and job.error is not None:
        return job.error
    return None, None


def render_job(job: Job, graph: Graph, now: datetime) -> dict[str, Any]:
    status = job.status(now)
    body: dict[str, Any] = {
        "job_id": job.job_id,
        "graph_id": job.graph_id,
        "snapshot_date": job.snapshot_date.isoformat(),
        "status": status,
        "account_dataset_id": graph.dataset_id,
        "website_url": graph.website_url,
    }
    if job.clone_of is not None:
        body.update(
            stage=CLONE,
            started_at=iso(job.submitted_at),
            finished_at=iso(job.submitted_at),
            retry_count=0,
            stage_timings_json={CLONE: job.clone_s},
        )
        return _ordered(body)
    at = job.cut(now)
    attempt = job.attempt_at(at)
    body["stage"] = attempt.stage if attempt else CALCULATE
    if attempt is not None:
        calculated = job.stage_end(CALCULATE)
        body.update(
            started_at=iso(job.started_at),
            finished_at=iso(job.finished_by(now)),
            heartbeat_at=iso(job.heartbeat(now)),
            **_counters(job, graph, at),
            stage_timings_json=_timings(job, at),
            runtime_profile_json=job.profile if calculated is not None and calculated <= at else None,
        )
    elif status == SUPERSEDED:
        body["finished_at"] = iso(job.superseded_at)
    body["error_code"], body["error_message"] = _error(job, status)
    return _ordered(body)


def _ordered(body: dict[str, Any]) -> dict[str, Any]:
    return {name: body[name] for name in FIELD_ORDER if body.get(name) is not None}
