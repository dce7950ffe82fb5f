"""Planning a fresh worker run: queue wait, stage attempts (with retries), counters, failure.

Durations follow the one real example (58 730 documents calculated in ~55 s,
217 URLs validated in ~68 s): about 1 000 documents and 3 URLs per second.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from simulators.wordlift.model import CALCULATE, VALIDATE, Attempt, Graph, Job

RETRY_BACKOFF_S = 2.0
_ERRORS = {
    CALCULATE: (
        ("mongo_timeout", "Timed out reading source documents from MongoDB."),
        ("calculate_failed", "KPI calculation failed: worker exited with code 137."),
    ),
    VALIDATE: (
        ("validation_unavailable", "SHACL validation service did not answer."),
        ("validate_failed", "Rich-snippet validation failed for the URL batch."),
    ),
}


@dataclass(slots=True)
class FailureRates:
    """Chance that a stage needs one retry, or fails whatever the retries. Tests may set them to 0 or 1."""

    retry: float = 0.08
    fatal: float = 0.03


def _bad_attempts(rng: random.Random, rates: FailureRates) -> int:
    draw = rng.random()
    if draw < rates.fatal:
        return 1_000
    return 1 if draw < rates.fatal + rates.retry else 0


def _duration(rng: random.Random, stage: str, documents: int, urls: int) -> float:
    if stage == CALCULATE:
        return 5.0 + documents / rng.uniform(800, 1200)
    return 8.0 + urls / rng.uniform(2.5, 4.0)


def _profile(rng: random.Random, calculate_s: float, documents: int) -> dict[str, Any]:
    fetch = calculate_s * rng.uniform(0.3, 0.5)
    flush = calculate_s * rng.uniform(0.1, 0.2)
    batches = max(1, documents // 1000)
    p50 = rng.uniform(8, 40)
    return {
        "fetch_s": round(fetch, 2),
        "analyze_s": round(calculate_s - fetch - flush, 2),
        "flush_s": round(flush, 2),
        "mongo_batches": batches,
        "mongo_batch_latency_ms": {"p50": round(p50, 1), "p95": round(p50 * rng.uniform(2, 4), 1)},
    }


def plan_run(
    rng: random.Random,
    rates: FailureRates,
    *,
    job_id: str,
    graph: Graph,
    snapshot_date: date,
    submitted_at: datetime,
    options: Mapping[str, Any],
) -> Job:
    """A fresh ``calculate`` (-> ``validate``) run, its outcome fixed now and revealed as time passes."""
    documents = round(graph.documents * rng.uniform(0.995, 1.005))
    urls = graph.urls
    if options.get("limit_documents") is not None:
        documents = min(documents, int(options["limit_documents"]))
    if options.get("limit_urls") is not None:
        urls = min(urls, int(options["limit_urls"]))
    retries = int(options.get("stage_retries", 1))
    stages = (CALCULATE,) if options.get("skip_validation") else (CALCULATE, VALIDATE)
    moment = submitted_at + timedelta(seconds=rng.uniform(1, 8))
    attempts: list[Attempt] = []
    error: tuple[str, str] | None = None
    for stage in stages:
        duration = _duration(rng, stage, documents, urls)
        bad = _bad_attempts(rng, rates)
        for _ in range(min(bad, retries + 1)):
            end = moment + timedelta(seconds=duration * rng.uniform(0.2, 0.9))
            attempts.append(Attempt(stage, moment, end, ok=False))
            moment = end + timedelta(seconds=RETRY_BACKOFF_S)
        if bad > retries:
            error = rng.choice(_ERRORS[stage])
            break
        end = moment + timedelta(seconds=duration)
        attempts.append(Attempt(stage, moment, end, ok=True))
        moment = end
    calculate_s = sum((a.end - a.start).total_seconds() for a in attempts if a.stage == CALCULATE)
    return Job(
        job_id=job_id,
        graph_id=graph.graph_id,
        snapshot_date=snapshot_date,
        submitted_at=submitted_at,
        options=dict(options),
        documents=documents,
        urls=urls,
        issues=round(urls * graph.issues_per_url * rng.uniform(0.9, 1.1)),
        attempts=tuple(attempts),
        error=error,
        profile=_profile(rng, calculate_s, documents),
        watermark=graph.watermark(attempts[0].start),
    )
