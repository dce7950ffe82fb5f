"""The simulator's in-memory store: graphs, API keys, jobs, the submit rules and the job list.

Submit rules, checked in this order for one ``(graph, snapshot_date)``:

1. A queued or running job for that day: without ``force_rerun`` -> ``Conflict``
   (409); with it the active job is ``superseded`` and a fresh run starts.
2. ``force_rerun`` -> a fresh run (no reuse, no freshness rule).
3. A ``completed`` job for that day finished less than 24 h ago -> that job is
   returned as is (202, no new job): the freshness rule.
4. The graph's newest validated, unbounded snapshot (any day) was computed from
   the same source watermark, worker version and validation fingerprint -> a new
   job that is ``completed`` at once with stage ``clone``.
5. Otherwise a fresh run (``plan.plan_run``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from adapters.timeparse import parse_instant
from simulators.kit import Seeded
from simulators.wordlift.model import COMPLETED, Graph, Job
from simulators.wordlift.plan import FailureRates, plan_run

FRESHNESS = timedelta(hours=24)
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
KPI_WORKER_VERSION = "0.2.17"


class Conflict(Exception):
    """A submit that clashes with an active job (409)."""


class BadRequest(Exception):
    """A request that is well-formed but semantically invalid (400)."""


class KpiStore:
    def __init__(self, seeded: Seeded) -> None:
        self.seeded = seeded
        self.rates = FailureRates()
        self.graphs: dict[str, Graph] = {}
        self.keys: dict[str, frozenset[str]] = {}
        """API key -> the graph ids it may use."""
        self.jobs: dict[str, Job] = {}
        self.fingerprint = seeded.hex(64)

    # --- reading ----------------------------------------------------------------------

    def graph_jobs(self, graph_id: str) -> list[Job]:
        return [job for job in self.jobs.values() if job.graph_id == graph_id]

    def get(self, graph_id: str, job_id: str) -> Job | None:
        job = self.jobs.get(job_id)
        return job if job is not None and job.graph_id == graph_id else None

    def page(self, graph_id: str, now: datetime, limit: int | None, cursor: str | None) -> tuple[list[Job], str | None]:
        """Newest-updated first, keyset-paged by ``<updated_at>|<job_id>``."""
        size = min(limit or DEFAULT_LIMIT, MAX_LIMIT)
        keyed = sorted(((job.updated_at(now), job.job_id, job) for job in self.graph_jobs(graph_id)), reverse=True)
        if cursor is not None:
            after = parse_cursor(cursor)
            keyed = [entry for entry in keyed if (entry[0], entry[1]) < after]
        chunk = keyed[:size]
        next_cursor = None
        if len(keyed) > size:
            moment, job_id, _ = chunk[-1]
            next_cursor = f"{moment.isoformat()}|{job_id}"
        return [job for _, _, job in chunk], next_cursor

    def newest_validated(self, graph_id: str, now: datetime) -> Job | None:
        sources = [
            job
            for job in self.graph_jobs(graph_id)
            if job.status(now) == COMPLETED and job.validated and not job.bounded and job.finished_at <= now
        ]
        return max(sources, key=lambda j: (j.snapshot_date, j.finished_at), default=None)

    # --- writing ----------------------------------------------------------------------

    def touch(self, graph_id: str, at: datetime) -> None:
        """Record a source-graph edit, so the next submit cannot clone."""
        self.graphs[graph_id].touches.append(at)

    def submit(self, graph_id: str, body: Mapping[str, Any], now: datetime, seeded: Seeded | None = None) -> Job:
        """Apply the submit rules (module docstring); raises ``Conflict`` or ``BadRequest``.

        ``seeded`` is the random stream for the new job's id and plan (default: the store's own).
        """
        seeded = seeded or self.seeded
        day = parse_day(body["snapshot_date"])
        if day > now.astimezone(UTC).date():
            raise BadRequest(f"snapshot_date {day.isoformat()} is in the future.")
        force = bool(body.get("force_rerun", False))
        same_day = [job for job in self.graph_jobs(graph_id) if job.snapshot_date == day]
        active = [job for job in same_day if job.is_active(now)]
        if active and not force:
            raise Conflict(
                f"Job {active[0].job_id} is already {active[0].status(now)} for graph {graph_id} on "
                f"{day.isoformat()}; set force_rerun=true to replace it."
            )
        if not force:
            fresh = [j for j in same_day if j.status(now) == COMPLETED and now - j.finished_at < FRESHNESS]
            if fresh:
                return max(fresh, key=lambda j: j.finished_at)
            source = self.newest_validated(graph_id, now)
            graph = self.graphs[graph_id]
            if source is not None and source.watermark == graph.watermark(now):
                return self._add(self._clone(source, day, body, now, seeded))
        job = plan_run(
            seeded.rng,
            self.rates,
            job_id=self._new_id(now, seeded),
            graph=self.graphs[graph_id],
            snapshot_date=day,
            submitted_at=now,
            options=body,
        )
        for old in active:
            old.superseded_at, old.superseded_by = now, job.job_id
        return self._add(job)

    def _clone(self, source: Job, day: date, body: Mapping[str, Any], now: datetime, seeded: Seeded) -> Job:
        return Job(
            job_id=self._new_id(now, seeded),
            graph_id=source.graph_id,
            snapshot_date=day,
            submitted_at=now,
            options=dict(body),
            documents=source.documents,
            urls=source.urls,
            issues=source.issues,
            watermark=source.watermark,
            clone_of=source,
            clone_s=round(seeded.rng.uniform(0.2, 1.5), 2),
        )

    def _new_id(self, now: datetime, seeded: Seeded) -> str:
        while True:
            job_id = f"job_{now.astimezone(UTC):%Y%m%d}_{seeded.hex(8)}"
            if job_id not in self.jobs:
                return job_id

    def _add(self, job: Job) -> Job:
        self.jobs[job.job_id] = job
        return job


def parse_day(value: str) -> date:
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"Invalid snapshot_date {value!r}: expected YYYY-MM-DD.") from None


def parse_cursor(cursor: str) -> tuple[datetime, str]:
    moment, sep, job_id = cursor.partition("|")
    try:
        if not sep or not job_id:
            raise ValueError(cursor)
        parsed = parse_instant(moment)
    except ValueError:
        raise BadRequest("Invalid cursor.") from None
    return parsed, job_id
