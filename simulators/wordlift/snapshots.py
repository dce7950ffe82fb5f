"""Daily KPI snapshots, derived from completed jobs (the results side of a job).

A snapshot row for a day is the output of that day's most recently finished
``completed`` job; a ``clone`` job's row copies the KPIs of the snapshot it
cloned (``snapshot_origin = cloned``, ``cloned_from_snapshot_date``). Only a
representative subset of the ~70 KPI fields is filled; the others are absent
(null). KPIs come from the job's own counters, so they are stable per job.
"""

from __future__ import annotations

import random
from datetime import date, datetime
from typing import Any

from simulators.wordlift.model import CALCULATE, COMPLETED, VALIDATE, Graph, Job
from simulators.wordlift.render import iso
from simulators.wordlift.store import KPI_WORKER_VERSION, KpiStore


def snapshot_jobs(store: KpiStore, graph_id: str, now: datetime) -> dict[date, Job]:
    rows: dict[date, Job] = {}
    for job in store.graph_jobs(graph_id):
        if job.status(now) != COMPLETED:
            continue
        current = rows.get(job.snapshot_date)
        if current is None or job.finished_at > current.finished_at:
            rows[job.snapshot_date] = job
    return rows


def _origin(job: Job) -> Job:
    while job.clone_of is not None:
        job = job.clone_of
    return job


def _kpis(job: Job, graph: Graph) -> dict[str, Any]:
    rng = random.Random(job.job_id)
    entities = job.documents
    public = round(entities * graph.public_ratio)
    properties = round(entities * rng.uniform(6.5, 8.0))
    edges = round(entities * rng.uniform(2.5, 3.5))
    kpis: dict[str, Any] = {
        "all_total_entities": entities,
        "public_total_entities": public,
        "private_total_entities": entities - public,
        "all_total_properties": properties,
        "all_total_triples": properties + entities,
        "all_edges_count": edges,
        "all_edge_node_ratio": round(edges / entities, 2) if entities else None,
        "all_unique_urls_count": job.urls,
        "public_unique_urls_count": job.urls,
        "private_unique_urls_count": 0,
        "all_orphans_count": round(entities * rng.uniform(0.5, 0.85)),
        "all_broken_links_count": rng.randint(0, 20),
        "all_duplicates_count": rng.randint(0, job.urls // 2),
    }
    if job.validated:
        valid = rng.randint(job.urls, job.urls * 2)
        kpis.update(
            rich_snippets_valid_count=valid,
            rich_snippets_invalid_count=round(valid * rng.uniform(0.2, 0.7)),
            schema_compliance_errors=round(job.issues * rng.uniform(0.002, 0.01)),
            schema_compliance_warnings=job.issues,
            schema_compliance_urls_checked=job.urls,
        )
    kpis["graph_health_score"] = rng.randint(55, 95)
    return kpis


def render_snapshot(store: KpiStore, job: Job, graph: Graph) -> dict[str, Any]:
    origin = _origin(job)
    cloned = job.clone_of is not None
    row: dict[str, Any] = {
        "graph_id": job.graph_id,
        "snapshot_date": job.snapshot_date.isoformat(),
        "calculated_at": iso(job.submitted_at if cloned else job.stage_end(CALCULATE)),
        "dataset_id": graph.dataset_id,
        "snapshot_origin": "cloned" if cloned else "calculated",
        "cloned_from_snapshot_date": job.clone_of.snapshot_date.isoformat() if job.clone_of else None,
        "source_watermark": job.watermark.isoformat(timespec="seconds") if job.watermark else None,
        "kpi_worker_version": KPI_WORKER_VERSION,
        "validation_rules_fingerprint": store.fingerprint,
        "validated_at": iso(job.submitted_at if cloned and job.validated else job.stage_end(VALIDATE)),
        **_kpis(origin, graph),
    }
    return {name: value for name, value in row.items() if value is not None}
