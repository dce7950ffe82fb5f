"""New Scale work as the clock moves: user jobs at a steady pace, and strike ingests in bursts.

Each arrival is planned in full when it arrives (its executions, retries,
failures, an occasional cancel) and then revealed by the clock like every
seeded job (``store.view``). About 20% of executions fail (system failures are
retried up to the type's ``max_tries``) and 4% of arrivals are canceled part way.
Strike ingests come in groups (a landing zone receiving several files at once);
each is an ingest with its ``scale-ingest`` job, some of them duplicates or
deferred (no ingest rule matched), like the seeded ones.

Ids come from the arrival's ``serial``, never from a counter, so they depend
only on the seed and the instant: jobs ``1_000_000 + serial``, their executions
``job id * 10 + exe_num``, ingests ``100_000 + serial`` and their source files
``500_000 + serial``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from adapters.timeparse import truncate_ms
from simulators.kit.arrivals import Arrival, Stream
from simulators.scale.seed import FILES, make_ingest
from simulators.scale.store import SimJob, SimJobType, Store, view

STREAMS = (
    Stream("jobs", per_min=1.5),
    Stream("ingests", per_min=0.75, group=(3, 10)),
)
FINAL = frozenset({"COMPLETED", "FAILED", "CANCELED"})
"""Statuses a job never leaves (unless requeued)."""
JOB_ID_BASE = 1_000_000
INGEST_ID_BASE = 100_000
FILE_ID_BASE = 500_000
CANCEL_SHARE = 0.04
_STRIKES = ("landsat", "sentinel", "weather")


def arrive(store: Store, arrival: Arrival) -> None:
    if arrival.stream == "ingests":
        _ingest(store, arrival)
    else:
        _user_job(store, arrival)


def _user_job(store: Store, arrival: Arrival) -> None:
    rng = arrival.seeded.rng
    types = [jt for jt in store.job_types if not jt.is_system and jt.is_active and not jt.is_paused]
    if not types:
        return
    job_type = rng.choice(types)
    data: dict[str, Any] = {"THRESHOLD": round(rng.uniform(0, 1), 2)} if rng.random() < 0.4 else {}
    job = _new_job(store, arrival, job_type, data)
    file_id = rng.randint(90000, 99999)
    job.input["files"] = {"INPUT_FILE": [file_id]}
    job.input_file_ids = [file_id]
    job.input_file_names = {"INPUT_FILE": [f"file_{file_id}.tif"]}
    job.input_file_size = round(rng.uniform(1, 900), 2)
    job.event = {"id": job.id, "type": "PARSE" if rng.random() < 0.6 else "USER", "occurred": job.created}
    _plan(store, arrival, job, truncate_ms(job.created + timedelta(seconds=rng.uniform(1, 30))))


def _ingest(store: Store, arrival: Arrival) -> None:
    rng = arrival.seeded.rng
    chosen = rng.choice(FILES)
    pattern, _, family, _ = chosen
    file_name = pattern.format(a=rng.randint(0, 99), b=rng.randint(0, 99))
    strike = store.strikes[_STRIKES.index(family)] if family in _STRIKES else None
    ingest_type = next(jt for jt in store.job_types if jt.name == "scale-ingest")
    job = _new_job(store, arrival, ingest_type, {"workspace": f"{family}-landing"})
    job.event = {"id": job.id, "type": "STRIKE_TRANSFER" if strike else "SCAN_TRANSFER", "occurred": job.created}
    roll = rng.random()
    kind = "deferred" if roll < 0.06 else "duplicate" if roll < 0.12 else "normal"
    transfer_ended = truncate_ms(job.created + timedelta(seconds=rng.uniform(1, 20)))
    if kind != "deferred":
        _plan(store, arrival, job, truncate_ms(transfer_ended + timedelta(seconds=rng.uniform(1, 3))))
    else:
        store.jobs[job.id] = job
    ingest_id = INGEST_ID_BASE + arrival.serial
    job.input["json"]["ingest_id"] = ingest_id
    ingest = make_ingest(
        rng, job, file_name, chosen, strike, kind, transfer_ended, ingest_id, FILE_ID_BASE + arrival.serial
    )
    store.ingests[ingest_id] = ingest


def _new_job(store: Store, arrival: Arrival, job_type: SimJobType, data: dict[str, Any]) -> SimJob:
    return SimJob(
        id=JOB_ID_BASE + arrival.serial,
        job_type=job_type,
        revision_num=job_type.revision_num,
        created=truncate_ms(arrival.at),
        input={"version": "7", "files": {}, "json": data},
        configuration={**job_type.configuration, "priority": arrival.seeded.rng.choice((100, 100, 50, 200))},
        max_tries=job_type.max_tries,
    )


def _plan(store: Store, arrival: Arrival, job: SimJob, queued: datetime) -> None:
    """Executions (and retries) from ``queued``, ids from the job's, and now and then a cancel part way."""
    rng = arrival.seeded.rng
    job.executions = store.plan_executions(job, queued, first_num=1)
    for exe in job.executions:
        exe.id = job.id * 10 + exe.exe_num
        exe.cluster_id = f"scale_job_{exe.id}_{rng.randint(100, 999)}x{exe.exe_num - 1}"
    if rng.random() < CANCEL_SHARE:
        _cancel_at(job, job.created + (job.executions[-1].end - job.created) * rng.uniform(0.1, 0.9))
    store.jobs[job.id] = job


def _cancel_at(job: SimJob, moment: datetime) -> None:
    """A cancel planned at ``moment``, as ``Store.cancel`` would apply it then."""
    moment = truncate_ms(moment)
    job.executions = [exe for exe in job.executions if exe.queued <= moment]
    if job.executions and job.executions[-1].end > moment:
        job.executions[-1].canceled_at = moment
    job.canceled_at = moment
    job.touched.append(moment)


def census(store: Store, now: datetime) -> dict[str, str]:
    """Every job's status at ``now``, by id (``python -m simulators.world_stats``)."""
    return {str(job.id): view(job, now).status for job in store.jobs.values() if job.created <= now}
