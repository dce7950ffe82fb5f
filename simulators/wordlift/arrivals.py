"""New WordLift KPI jobs as the clock moves: nightly-ish submissions, reruns by day.

Clients submit KPI jobs for a graph's snapshot day through the store's own
submit rules, so an arrival may start a fresh run, clone a validated snapshot
(completed at once), return a fresh completed job (no new job), or meet a 409
(dropped, as a scheduler would). Most submissions come in the small hours UTC
(twice the daytime rate from 00:00 to 06:00), for today or yesterday;
40% backfill a day of the last month, and 70% force a rerun, which
supersedes a job still active for that day (WordLift's cancellation). Job ids
come from the arrival's own random stream, so they depend only on the seed
and the instant.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from simulators.kit.arrivals import Arrival, Stream
from simulators.wordlift.store import BadRequest, Conflict, KpiStore

NIGHTLY = tuple(2.0 if hour < 6 else 1.0 for hour in range(24))
STREAMS = (Stream("kpi", per_min=5.0, hourly=NIGHTLY),)
FINAL = frozenset({"completed", "failed", "superseded"})
"""Statuses a job never leaves."""
FORCE_SHARE = 0.7
BACKFILL_SHARE = 0.4


def arrive(store: KpiStore, arrival: Arrival) -> None:
    rng = arrival.seeded.rng
    graphs = sorted(set().union(*store.keys.values()))
    graph_id = rng.choice(graphs)
    back = rng.randint(2, 30) if rng.random() < BACKFILL_SHARE else rng.randint(0, 1)
    body: dict[str, object] = {"snapshot_date": (arrival.at.date() - timedelta(days=back)).isoformat()}
    if rng.random() < FORCE_SHARE:
        body["force_rerun"] = True
    draw = rng.random()
    if draw < 0.10:
        body["skip_validation"] = True
    elif draw < 0.14:
        body["limit_urls"] = 50
    try:
        store.submit(graph_id, body, arrival.at, arrival.seeded)
    except (Conflict, BadRequest):
        return


def census(store: KpiStore, now: datetime) -> dict[str, str]:
    """Every job's status at ``now``, by id (``python -m simulators.world_stats``)."""
    return {job.job_id: job.status(now) for job in store.jobs.values() if job.submitted_at <= now}
