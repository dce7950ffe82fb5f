"""What a gateway learned survives its restart: real gateway processes on one SQLite state file.

- the same ``idempotencyKey`` before and after a restart (SIGTERM, then SIGKILL) makes one
  upstream job, and every later answer is that job with ``replayed: true``;
- Leia and phyloDB jobs submitted before a restart can be rerun after it (their inputs are
  kept in the state store: neither upstream tells them again);
- a phyloDB job that failed before a restart still reads FAILED after it (phyloDB has no
  failed state; only what the gateway submitted tells it), and the status history the
  first gateway observed is still there;
- two gateways on one store (a SQLite file, or a redis-server) act as one: the same key sent to both at once makes one
  job, and a cursor from one continues on the other (no cursor secret configured: the
  secret generated once lives in the store).
"""

from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.processes import Process, gateway, simulators

SUBMIT = """
mutation($job: JobSubmission!, $key: String) {
  submitJob(input: {job: $job, idempotencyKey: $key}) { replayed job { id nativeId status } errors { code message } }
}"""
RERUN = "mutation($id: ID!) { rerunJob(input: {id: $id}) { job { id nativeId status } errors { code message } } }"
NODE = "query($id: ID!) { node(id: $id) { ... on Job { nativeId status canRerun statusHistory { id status } } } }"
LEIA_JOBS = "{ jobs(first: 5, filter: {sources: [LEIA]}) { totalCount edges { node { raw } } } }"


def leia_job(process: Process) -> dict[str, Any]:
    """A valid Leia submission, built from a seeded job's model and document."""
    edges = process.graphql(LEIA_JOBS)["jobs"]["edges"]
    raw = next(e["node"]["raw"] for e in edges if e["node"]["raw"].get("model_id"))
    return {"leia": {"job": {"applyModel": {"modelId": raw["model_id"], "documentIds": raw["document_ids"][:1]}}}}


def leia_total(process: Process) -> int:
    total: int = process.graphql(LEIA_JOBS)["jobs"]["totalCount"]
    return total


def submitted(process: Process, job: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = process.graphql(SUBMIT, {"job": job, "key": key})["submitJob"]
    assert payload["errors"] == [], payload
    return payload


def test_one_key_makes_one_job_across_sigterm_and_sigkill_restarts(tmp_path: Path) -> None:
    state_url = f"sqlite:///{tmp_path / 'state' / 'gateway.db'}"
    with simulators(tmp_path) as (_, config):
        first = gateway(config, tmp_path, state_url=state_url, name="first")
        try:
            job = leia_job(first)
            before = leia_total(first)
            made = submitted(first, job, "nightly-1")
            assert made["replayed"] is False
        finally:
            # uvicorn re-raises the signal once it has shut down: -SIGTERM is a clean exit too.
            assert first.stop(signal.SIGTERM) in (0, -signal.SIGTERM)

        second = gateway(config, tmp_path, state_url=state_url, name="second")
        try:
            again = submitted(second, job, "nightly-1")
            assert again["replayed"] is True and again["job"] == made["job"]
        finally:
            second.stop(signal.SIGKILL)

        third = gateway(config, tmp_path, state_url=state_url, name="third")
        try:
            once_more = submitted(third, job, "nightly-1")
            assert once_more["replayed"] is True and once_more["job"] == made["job"]
            assert leia_total(third) == before + 1, "one upstream job for one key"
            other = submitted(third, job, "nightly-2")
            assert other["replayed"] is False and other["job"]["id"] != made["job"]["id"]
        finally:
            third.stop()
    assert (tmp_path / "state" / "gateway.db").exists()


def test_reruns_and_phylodb_failures_outlive_a_restart(tmp_path: Path) -> None:
    state_url = f"sqlite:///{tmp_path / 'gateway.db'}"
    with simulators(tmp_path) as (sims, config):
        phylodb = sims.simulators["phylodb"]
        project = phylodb.config["projects"][0]
        dataset = next(d for d in phylodb.state.datasets_in(project) if len(d.profiles) >= 2)
        inference = {"datasetId": str(dataset.id)}
        before = gateway(config, tmp_path, state_url=state_url, name="before")
        try:
            leia = submitted(before, leia_job(before))["job"]
            fine = submitted(
                before, {"phylodb": {"projectId": project, "analysis": {"inference": {**inference, "lvs": 1}}}}
            )
            # More loci than the dataset has: phyloDB completes the job without a result (a failure).
            doomed = {
                "phylodb": {"projectId": project, "analysis": {"inference": {**inference, "lvs": dataset.loci + 1}}}
            }
            failing = submitted(before, doomed)
            sims.clock.advance(3600)
            assert before.graphql(NODE, {"id": failing["job"]["id"]})["node"]["status"] == "FAILED"
            assert before.graphql(NODE, {"id": leia["id"]})["node"]["canRerun"] is True
            observed = before.graphql(NODE, {"id": leia["id"]})["node"]["statusHistory"]
            assert observed, "the submit was observed"
        finally:
            before.stop(signal.SIGKILL)

        after = gateway(config, tmp_path, state_url=state_url, name="after")
        try:
            assert after.graphql(NODE, {"id": failing["job"]["id"]})["node"]["status"] == "FAILED"
            kept = after.graphql(NODE, {"id": leia["id"]})["node"]["statusHistory"]
            assert kept[: len(observed)] == observed, "the history survives the restart"
            assert after.graphql(NODE, {"id": fine["job"]["id"]})["node"]["status"] == "SUCCEEDED"
            for job_id in (leia["id"], fine["job"]["id"]):
                node = after.graphql(NODE, {"id": job_id})["node"]
                assert node["canRerun"] is True, node
                rerun = after.graphql(RERUN, {"id": job_id})["rerunJob"]
                assert rerun["errors"] == [] and rerun["job"]["nativeId"] != node["nativeId"], rerun
        finally:
            after.stop()


PAGE = "query($after: String) { jobs(first: 7, after: $after) { edges { node { id } } pageInfo { endCursor } } }"


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_two_gateways_on_one_store_share_keys_and_cursors(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    state_url = request.getfixturevalue("redis_url") if backend == "redis" else f"sqlite:///{tmp_path / 'shared.db'}"
    with simulators(tmp_path) as (_, config):
        a = gateway(config, tmp_path, state_url=state_url, name="a")
        b = gateway(config, tmp_path, state_url=state_url, name="b")
        try:
            job = leia_job(a)
            before = leia_total(a)
            with ThreadPoolExecutor(4) as pool:
                answers = list(pool.map(lambda g: submitted(g, job, "both-at-once"), [a, b, a, b]))
            assert len({answer["job"]["id"] for answer in answers}) == 1
            assert sorted(answer["replayed"] for answer in answers) == [False, True, True, True]
            assert leia_total(b) == before + 1

            first = a.graphql(PAGE)["jobs"]
            on_b = b.graphql(PAGE, {"after": first["pageInfo"]["endCursor"]})["jobs"]
            on_a = a.graphql(PAGE, {"after": first["pageInfo"]["endCursor"]})["jobs"]
            assert on_b["edges"] == on_a["edges"] and on_b["edges"], "B continues A's cursor exactly as A does"
        finally:
            a.stop()
            b.stop()
        elsewhere = gateway(config, tmp_path, state_url=f"sqlite:///{tmp_path / 'other.db'}", name="elsewhere")
        try:
            refused = httpx.post(
                f"{elsewhere.url}/graphql",
                json={"query": PAGE, "variables": {"after": first["pageInfo"]["endCursor"]}},
                timeout=30,
            ).json()
            assert "another deployment" in refused["errors"][0]["message"]
        finally:
            elsewhere.stop()
