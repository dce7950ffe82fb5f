"""What a gateway promised survives its restart: real processes, a real SQLite file.

The same ``idempotencyKey`` sent before and after a restart (SIGTERM, then SIGKILL)
makes one upstream job, and every later answer is that job with ``replayed: true``.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from tests.support.processes import Process, gateway, simulators

SUBMIT = """
mutation($job: JobSubmission!, $key: String) {
  submitJob(input: {job: $job, idempotencyKey: $key}) { replayed job { id nativeId } errors { code message } }
}"""
LEIA_JOBS = "{ jobs(first: 5, filter: {sources: [LEIA]}) { totalCount edges { node { raw } } } }"


def leia_job(process: Process) -> dict[str, Any]:
    """A valid Leia submission, built from a seeded job's model and document."""
    edges = process.graphql(LEIA_JOBS)["jobs"]["edges"]
    raw = next(e["node"]["raw"] for e in edges if e["node"]["raw"].get("model_id"))
    return {"leia": {"job": {"applyModel": {"modelId": raw["model_id"], "documentIds": raw["document_ids"][:1]}}}}


def leia_total(process: Process) -> int:
    total: int = process.graphql(LEIA_JOBS)["jobs"]["totalCount"]
    return total


def test_one_key_makes_one_job_across_sigterm_and_sigkill_restarts(tmp_path: Path) -> None:
    state_url = f"sqlite:///{tmp_path / 'state' / 'gateway.db'}"
    with simulators(tmp_path) as config:
        first = gateway(config, tmp_path, state_url=state_url, name="first")
        try:
            job = leia_job(first)
            before = leia_total(first)
            made = first.graphql(SUBMIT, {"job": job, "key": "nightly-1"})["submitJob"]
            assert made["errors"] == [] and made["replayed"] is False
        finally:
            # uvicorn re-raises the signal once it has shut down: -SIGTERM is a clean exit too.
            assert first.stop(signal.SIGTERM) in (0, -signal.SIGTERM)

        second = gateway(config, tmp_path, state_url=state_url, name="second")
        try:
            again = second.graphql(SUBMIT, {"job": job, "key": "nightly-1"})["submitJob"]
            assert again["replayed"] is True and again["job"] == made["job"]
        finally:
            second.stop(signal.SIGKILL)

        third = gateway(config, tmp_path, state_url=state_url, name="third")
        try:
            once_more = third.graphql(SUBMIT, {"job": job, "key": "nightly-1"})["submitJob"]
            assert once_more["replayed"] is True and once_more["job"] == made["job"]
            assert leia_total(third) == before + 1, "one upstream job for one key"
            other = third.graphql(SUBMIT, {"job": job, "key": "nightly-2"})["submitJob"]
            assert other["replayed"] is False and other["job"]["id"] != made["job"]["id"]
        finally:
            third.stop()
    assert (tmp_path / "state" / "gateway.db").exists()
