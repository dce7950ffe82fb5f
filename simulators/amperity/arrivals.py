"""New Amperity work as the clock moves: courier-group runs beside the hourly one, and other workflows.

Besides the hourly courier group the seed already schedules (``seed.materialize``),
the scheduler and users launch courier-group runs (each one workflow and its
ingest job, tables starting a few seconds after the workflow is created and
lasting one to ten minutes, 8% of tables failing and 7% skipped) and,
one time in five, an orchestration or a campaign workflow without an ingest job.
About 5% of runs are stopped part way (their workflow is canceled). Ids are
drawn from the arrival's own random stream, so they depend only on the seed
and the instant.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from adapters.timeparse import truncate_ms
from simulators.amperity.model import Store, workflow_state
from simulators.amperity.seed import RECURRING_GROUP, add_ingest_run, add_other_workflow
from simulators.kit.arrivals import Arrival, Stream

STREAMS = (Stream("workflows", per_min=0.6),)
FINAL = frozenset({"succeeded", "failed", "canceled"})
"""Workflow states a run never leaves."""
STOP_SHARE = 0.05
OTHER_SHARE = 0.2


def arrive(store: Store, arrival: Arrival) -> None:
    ids = arrival.seeded
    rng = ids.rng
    created = truncate_ms(arrival.at)
    configs = sorted(store.configs.values(), key=lambda c: c.name)
    groups = [c for c in configs if c.feeds and c.name != RECURRING_GROUP]
    others = [c for c in configs if not c.feeds]
    if others and rng.random() < OTHER_SHARE:
        add_other_workflow(store, rng.choice(others), created, ids, max_s=900)
        return
    config = rng.choice(groups)
    chosen = [f for f in config.feeds if rng.random() < 0.75] or [config.feeds[0]]
    start = created + timedelta(seconds=rng.uniform(3, 10))
    wf, job = add_ingest_run(store, config, created, start, chosen, min_s=60, max_s=600, ids=ids)
    if rng.random() < STOP_SHARE:
        longest = max(t.duration_s for t in job.tables)
        wf.stop_at = truncate_ms(start + timedelta(seconds=rng.uniform(0.2, 0.8) * longest))


def census(store: Store, now: datetime) -> dict[str, str]:
    """Every ingest job's and workflow's state at ``now``, by id (``python -m simulators.world_stats``)."""
    states: dict[str, str] = {}
    for wf in store.workflows.values():
        if wf.created_at <= now:
            states[wf.id] = workflow_state(store, wf, now)[0]
    return states
