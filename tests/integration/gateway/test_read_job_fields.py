"""What a dashboard reads of a job over the real simulators: error, duration, who, stage, attempts,
inputs and outputs, and the link into the upstream's own UI."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from tests.support.stack import Stack, running_stack

FIELDS = (
    "id source nativeId scope status startedAt finishedAt durationSeconds submittedBy stage attempts "
    "inputs outputs webUrl error { code category message retryable } raw"
)
QUERY = "query($f: JobFilter) { jobs(first: 100, filter: $f) { edges { node { " + FIELDS + " } } } }"
UI = {"scale": "https://scale.example/ui", "leia": "https://leia.example/jobs/{scope}/{native_id}"}


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack(sources={name: {"ui_base_url": url} for name, url in UI.items()}) as running:
        yield running


def jobs(stack: Stack, source: str, statuses: list[str]) -> list[dict[str, Any]]:
    body = stack.query(QUERY, {"f": {"sources": [source], "statuses": statuses}})
    assert "errors" not in body, body["errors"]
    return [e["node"] for e in body["data"]["jobs"]["edges"]]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_failed_scale_job_says_why_with_scale_category_and_retryability(stack: Stack) -> None:
    failed = jobs(stack, "SCALE", ["FAILED"])
    assert failed
    for job in failed:
        upstream = job["raw"]["error"]
        # Scale files its built-in "timeout" error under SYSTEM; the common category says TIMEOUT.
        category = "TIMEOUT" if upstream["name"] == "timeout" else upstream["category"]
        assert job["error"] == {
            "code": upstream["name"],
            "category": category,
            "message": upstream["title"],
            "retryable": upstream["should_be_retried"],
        }
        assert job["attempts"] == job["raw"]["num_exes"]
        assert job["webUrl"] == f"https://scale.example/ui/processing/jobs/{job['nativeId']}"


def test_duration_is_finish_minus_start_and_grows_while_running(stack: Stack) -> None:
    done = [j for j in jobs(stack, "SCALE", ["SUCCEEDED", "FAILED"]) if j["startedAt"] and j["finishedAt"]]
    assert done
    for job in done:
        expected = (_at(job["finishedAt"]) - _at(job["startedAt"])).total_seconds()
        assert job["durationSeconds"] == pytest.approx(expected)
    running = jobs(stack, "LEIA", ["RUNNING"])
    assert running and all(j["durationSeconds"] is not None and j["durationSeconds"] >= 0 for j in running)
    assert all(j["durationSeconds"] is None for j in jobs(stack, "LEIA", ["QUEUED", "PENDING"]) if not j["startedAt"])


def test_leia_jobs_say_who_submitted_them_and_what_they_produced(stack: Stack) -> None:
    done = jobs(stack, "LEIA", ["SUCCEEDED"])
    assert done
    for job in done:
        assert job["submittedBy"] == job["raw"]["submitter_id"]
        assert job["inputs"]["document_ids"] == job["raw"]["document_ids"]
        assert job["outputs"] == {"result": job["raw"].get("result"), "result_type": job["raw"].get("result_type")}
        assert job["webUrl"] == f"https://leia.example/jobs/{job['scope']}/{job['nativeId']}"
    failed = jobs(stack, "LEIA", ["FAILED"])
    assert failed and all(j["error"]["message"] == j["raw"]["reason"] for j in failed)
    assert all(j["error"]["code"] == str(j["raw"]["http_code"]) for j in failed)


def test_wordlift_jobs_show_stage_attempts_and_their_snapshot(stack: Stack) -> None:
    every = jobs(stack, "WORDLIFT", ["SUCCEEDED", "FAILED", "RUNNING", "QUEUED", "CANCELED"])
    assert every and all(j["stage"] == j["raw"]["stage"] for j in every)
    assert all(j["webUrl"] is None for j in every), "no ui_base_url for WordLift"
    retried = [j for j in every if isinstance(j["raw"].get("retry_count"), int)]
    assert retried and all(j["attempts"] == j["raw"]["retry_count"] + 1 for j in retried)
    done = [j for j in every if j["status"] == "SUCCEEDED"]
    assert done and all(j["outputs"]["snapshot_date"] == j["raw"]["snapshot_date"] for j in done)
    failed = [j for j in every if j["status"] == "FAILED"]
    assert failed and all(j["error"]["code"] == j["raw"]["error_code"] for j in failed)


def test_ingest_runs_are_named_as_jobs_and_the_old_names_still_answer(stack: Stack) -> None:
    query = (
        "{ ingestRuns(first: 60) { edges { node { source status nativeStatus finishedAt errorCount "
        "state nativeState endedAt errors job { status nativeStatus finishedAt } } } } }"
    )
    body = stack.query(query)
    assert "errors" not in body, body["errors"]
    runs = [e["node"] for e in body["data"]["ingestRuns"]["edges"]]
    assert {r["source"] for r in runs} == {"SCALE", "AMPERITY"}
    for run in runs:
        old = (run["state"], run["nativeState"], run["endedAt"], run["errors"])
        assert (run["status"], run["nativeStatus"], run["finishedAt"], run["errorCount"]) == old
    amperity = [r for r in runs if r["source"] == "AMPERITY"]
    assert amperity and all(r["status"] == r["job"]["status"] for r in amperity), "the same words as its Job"
    deprecated = stack.query('{ __type(name: "IngestRun") { fields(includeDeprecated: true) { name isDeprecated } } }')
    flags = {f["name"]: f["isDeprecated"] for f in deprecated["data"]["__type"]["fields"]}
    assert {n for n, d in flags.items() if d} == {"state", "nativeState", "endedAt", "errors"}


LOOKUP = (
    "query($s: Source!, $n: String!, $c: String) { job(source: $s, nativeId: $n, scope: $c) { id nativeId scope } }"
)


@pytest.mark.parametrize("source", ["WORDLIFT", "LEIA", "PHYLODB", "SCALE", "AMPERITY"])
def test_a_job_is_found_by_the_id_its_upstream_shows(stack: Stack, source: str) -> None:
    listed = stack.query(
        "query($f: JobFilter) { jobs(first: 3, filter: $f) { edges { node { id nativeId scope } } } }",
        {"f": {"sources": [source]}},
    )["data"]["jobs"]["edges"][-1]["node"]
    found = stack.query(LOOKUP, {"s": source, "n": listed["nativeId"]})
    assert found["data"]["job"] == listed, "no scope needed"
    scoped = stack.query(LOOKUP, {"s": source, "n": listed["nativeId"], "c": listed["scope"]})
    assert scoped["data"]["job"] == listed


def test_an_unknown_or_malformed_id_is_null_or_a_clear_error(stack: Stack) -> None:
    assert stack.query(LOOKUP, {"s": "SCALE", "n": "999999999"})["data"]["job"] is None
    assert stack.query(LOOKUP, {"s": "SCALE", "n": "not-a-number"})["data"]["job"] is None
    refused = stack.query(LOOKUP, {"s": "SCALE", "n": "x" * 500})
    assert (
        refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "nativeId" in refused["errors"][0]["message"]
    )
    other = stack.query(LOOKUP, {"s": "LEIA", "n": "abc", "c": "not-configured"})
    assert "scope" in other["errors"][0]["message"]
