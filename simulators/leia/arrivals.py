"""New Leia jobs as the clock moves: a steady trickle into the four applications.

Each arrival is a predict or transform job made like the seeded ones
(``seed.plain_job``: the same documents, models, chaining after a recent job of
its application with ``execute_after_id``, the same 10% failures) with phases
one to three times their base length, and about 4% are canceled part way.
Applications get arrivals in proportion to their seeded history (300:150:90:60).
Ids are ObjectId-like from the arrival time and the arrival's own random stream,
so they depend only on the seed and the instant.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from simulators.kit.arrivals import Arrival, Stream
from simulators.leia.seed import APPLICATIONS, cancel_somewhere, plain_job
from simulators.leia.state import LeiaState

STREAMS = (Stream("jobs", per_min=1.5),)
FINAL = frozenset({"PROCESSED", "FAILED", "CANCELED"})
"""Statuses a job never leaves."""
CANCEL_SHARE = 0.04
_CHAIN_WINDOW = 8
"""A chained arrival waits on one of its application's last few jobs."""


def arrive(state: LeiaState, arrival: Arrival) -> None:
    rng = arrival.seeded
    r = rng.rng
    created = arrival.at
    apps = list(state.applications.values())
    app = r.choices(apps, weights=[count for *_, count in APPLICATIONS][: len(apps)])[0]
    docs = [d for d in state.documents.values() if d.application_id == app.id]
    models = [m for m in state.models.values() if m.application_id in (None, app.id)]
    recent = sorted(
        (j for j in state.jobs.values() if j.application_id == app.id and j.parent_job_id is None),
        key=lambda j: j.creation_time,
    )[-_CHAIN_WINDOW:]
    job = plain_job(state, rng, app, recent, created, created, docs, models, False, slowness=r.uniform(1, 3))
    if job.blocked and job.released_at is None:
        # Nobody would start it: a held job stays READY for ever. Arrivals run.
        job.blocked = False
    if r.random() < CANCEL_SHARE:
        cancel_somewhere(state, rng, job, created + timedelta(days=1))


def census(state: LeiaState, now: datetime) -> dict[str, str]:
    """Every job's status at ``now``, by id (``python -m simulators.world_stats``)."""
    return {job.id: state.status(job, now) for job in state.jobs.values() if job.creation_time <= now}
