"""New phyloDB analysis jobs as the clock moves: a steady trickle over the three projects.

Arrivals are the heavier analyses a lab queues during the day: goeBURST
inferences (60%; about one in ten asks for more locus variants than the dataset
has and fails) and radial visualizations of an uploaded inference,
running six to sixteen times as long as the seeded ones (minutes; one in seven, on a
large dataset, 40 to 120 times: half an hour or more), and about 8%
are cancelled part way. Ids are UUIDs from the arrival's own random stream.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from simulators.kit.arrivals import Arrival, Stream
from simulators.phylodb.data import SimState

STREAMS = (Stream("jobs", per_min=1.2),)
FINAL = frozenset({"completed", "failed", "cancelled"})
"""States a job never leaves (``census`` words)."""
CANCEL_SHARE = 0.08
LARGE_SHARE = 0.15
FAIL_SHARE = 0.1


def arrive(state: SimState, arrival: Arrival) -> None:
    rng = arrival.seeded.rng
    project = rng.choice(sorted(state.projects.values(), key=lambda p: p.name))
    usable = [d for d in state.datasets_in(project.id) if len(d.profiles) >= 2]
    if not usable:
        return
    dataset = rng.choice(usable)
    # Uploaded inferences only: what an arrival does must not depend on which earlier arrivals were replayed.
    inferences = [
        i
        for i in state.inferences.values()
        if i.project_id == project.id and i.dataset_id == dataset.id and i.job is None
    ]
    params: tuple[Any, ...]
    if rng.random() < 0.6 or not inferences:
        analysis = "inference"
        lvs = dataset.loci + rng.randint(1, 3) if rng.random() < FAIL_SHARE else rng.randint(1, 3)
        params = (dataset.id, lvs)
    else:
        analysis = "visualization"
        params = (dataset.id, rng.choice(inferences).id)
    job = state.submit(project.id, analysis, params, arrival.at, ids=arrival.seeded)
    # Heavier than the seeded ones: minutes, and now and then a large dataset's half hour or more.
    stretch = rng.uniform(40, 120) if rng.random() < LARGE_SHARE else rng.uniform(6, 16)
    job.duration_s = round(job.duration_s * stretch, 1)
    if rng.random() < CANCEL_SHARE:
        job.cancelled_at = arrival.at + timedelta(seconds=job.duration_s * rng.uniform(0.1, 0.9))


def census(state: SimState, now: datetime) -> dict[str, str]:
    """Every job's state at ``now``, by id (``python -m simulators.world_stats``): phyloDB has only
    ``completed`` and ``cancelled``; a completed job's result tells success from failure."""
    words: dict[str, str] = {}
    for job in state.jobs.values():
        if job.submitted_at > now:
            continue
        if job.is_cancelled(now):
            words[job.id] = "cancelled"
        elif not job.is_completed(now):
            words[job.id] = "running"
        else:
            words[job.id] = "failed" if job.fails else "completed"
    return words
