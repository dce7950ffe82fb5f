"""Idempotency keys end to end: retries never start a second job, lost answers included.

The documented behaviour is ``gateway/idempotency.py``'s docstring; every rule
there has a test here, over real HTTP with the simulators' fault injection.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.integration.gateway.mutations_support import (
    SUBMIT,
    LoseAnswers,
    _reset,  # noqa: F401  (the autouse fixture, replacing the folder's slower one)
    accepted,
    cancel,
    codes,
    first_job,
    mutating_calls,
    phylodb_dataset,
    phylodb_project,
    post_raw,
    query,
    scale_input,
    scale_job_count,
    scale_job_type,
    scale_type_id,
    stack_with,
    submit,
)
from tests.support.stack import Stack


def _scale_job(stack: Stack, file_id: int = 1234) -> dict[str, Any]:
    job_type = scale_job_type(stack)
    return {"scale": {"jobType": scale_type_id(job_type), "input": scale_input(job_type, file_id)}}


def _wait_for_jobs(stack: Stack, count: int, timeout_s: float = 5.0) -> int:
    deadline = time.monotonic() + timeout_s
    while scale_job_count(stack) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return scale_job_count(stack)


def test_same_key_twice_submits_once_and_replays_the_job(stack: Stack) -> None:
    jobs_before = scale_job_count(stack)
    first = submit(stack, _scale_job(stack), key="same-twice")
    second = submit(stack, _scale_job(stack), key="same-twice")
    assert first["replayed"] is False and second["replayed"] is True
    assert accepted(second)["id"] == accepted(first)["id"]
    assert stack.calls[("SCALE", "submit_job")] == 1
    assert scale_job_count(stack) == jobs_before + 1


def test_without_a_key_every_call_is_a_new_submit(stack: Stack) -> None:
    first = accepted(submit(stack, _scale_job(stack)))
    second = accepted(submit(stack, _scale_job(stack)))
    assert first["id"] != second["id"]
    assert stack.calls[("SCALE", "submit_job")] == 2


def test_same_key_with_another_input_is_an_idempotency_conflict(stack: Stack) -> None:
    accepted(submit(stack, _scale_job(stack, file_id=1), key="reused"))
    other = submit(stack, _scale_job(stack, file_id=2), key="reused")
    assert [(e["code"], e["field"]) for e in other["errors"]] == [("IDEMPOTENCY_CONFLICT", ["input", "idempotencyKey"])]
    assert other["job"] is None
    assert stack.calls[("SCALE", "submit_job")] == 1


def test_a_key_names_one_mutation_whatever_the_source_or_operation(stack: Stack) -> None:
    scale_job = accepted(submit(stack, _scale_job(stack), key="one-mutation"))
    project = phylodb_project(stack)
    inference = {"datasetId": phylodb_dataset(stack, project), "lvs": 2}
    elsewhere = submit(
        stack, {"phylodb": {"projectId": project, "analysis": {"inference": inference}}}, key="one-mutation"
    )
    assert codes(elsewhere) == ["IDEMPOTENCY_CONFLICT"]
    other_operation = cancel(stack, scale_job["id"], key="one-mutation")
    assert codes(other_operation) == ["IDEMPOTENCY_CONFLICT"]
    assert mutating_calls(stack) == {("SCALE", "submit_job"): 1}


def test_keys_belong_to_the_client_credential(stack: Stack) -> None:
    mine = submit(stack, _scale_job(stack), key="shared-name", headers={"Authorization": "Bearer alice"})
    theirs = submit(stack, _scale_job(stack), key="shared-name", headers={"Authorization": "Bearer bob"})
    assert (mine["replayed"], theirs["replayed"]) == (False, False)
    assert accepted(mine)["id"] != accepted(theirs)["id"]


def test_concurrent_retries_wait_for_the_one_upstream_call(stack: Stack) -> None:
    stack.faults("scale", {"latency_ms": 400})
    ask = _scale_job(stack)
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: submit(stack, ask, key="concurrent"), range(3)))
    assert len({accepted(a)["id"] for a in answers}) == 1
    assert sorted(a["replayed"] for a in answers) == [False, True, True]
    assert stack.calls[("SCALE", "submit_job")] == 1


def test_a_client_that_went_away_gets_the_job_on_retry(stack: Stack) -> None:
    jobs_before = scale_job_count(stack)
    stack.faults("scale", {"latency_ms": 800})
    ask = _scale_job(stack)
    with pytest.raises(httpx.TimeoutException):
        post_raw(stack, SUBMIT, {"i": {"job": ask, "idempotencyKey": "client-left"}}, timeout=0.2)

    # The mutation goes on without its client and completes server-side.
    assert _wait_for_jobs(stack, jobs_before + 1) == jobs_before + 1
    stack.faults("scale", {})
    retry = submit(stack, ask, key="client-left")
    assert retry["replayed"] is True
    job = accepted(retry)
    assert int(job["nativeId"]) in stack.sims.simulators["scale"].state.jobs
    assert scale_job_count(stack) == jobs_before + 1, "exactly one job upstream"
    assert stack.calls[("SCALE", "submit_job")] == 1


def test_a_retry_while_the_first_call_still_runs_joins_it(stack: Stack) -> None:
    jobs_before = scale_job_count(stack)
    stack.faults("scale", {"latency_ms": 800})
    ask = _scale_job(stack)
    with pytest.raises(httpx.TimeoutException):
        post_raw(stack, SUBMIT, {"i": {"job": ask, "idempotencyKey": "joined"}}, timeout=0.2)
    retry = submit(stack, ask, key="joined")
    assert retry["replayed"] is True and accepted(retry)["source"] == "SCALE"
    assert scale_job_count(stack) == jobs_before + 1
    assert stack.calls[("SCALE", "submit_job")] == 1


def test_a_dropped_answer_is_outcome_unknown_and_the_retry_starts_nothing(stack: Stack) -> None:
    jobs_before = scale_job_count(stack)
    stack.faults("scale", {"drop_rate": 1.0})
    lost = submit(stack, _scale_job(stack), key="dropped")
    assert codes(lost) == ["OUTCOME_UNKNOWN"] and lost["job"] is None
    assert "may have accepted" in lost["errors"][0]["message"]

    stack.faults("scale", {})
    retry = submit(stack, _scale_job(stack), key="dropped")
    assert retry["replayed"] is True and codes(retry) == ["OUTCOME_UNKNOWN"]
    assert stack.calls[("SCALE", "submit_job")] == 1, "the retry did not reach Scale"
    assert scale_job_count(stack) == jobs_before


def test_an_unreadable_success_is_outcome_unknown(stack: Stack) -> None:
    stack.faults("scale", {"malformed_rate": 1.0})
    answer = submit(stack, _scale_job(stack), key="garbled")
    assert codes(answer) == ["OUTCOME_UNKNOWN"]
    stack.faults("scale", {})
    assert submit(stack, _scale_job(stack), key="garbled")["replayed"] is True
    assert stack.calls[("SCALE", "submit_job")] == 1


@pytest.mark.parametrize(("mode", "kind"), [("drop", "UNAVAILABLE"), ("hang", "TIMEOUT")])
def test_accepted_upstream_but_the_answer_was_lost_is_outcome_unknown_and_never_doubled(mode: str, kind: str) -> None:
    lose = LoseAnswers()
    with stack_with({"scale": {"timeout_s": 0.5}}, wrap=lose) as stack:
        jobs_before = scale_job_count(stack)
        lose.rules[("POST", "/scale/v6/jobs/")] = mode
        lost = submit(stack, _scale_job(stack), key="lost-answer")
        assert codes(lost) == ["OUTCOME_UNKNOWN"] and kind in lost["errors"][0]["message"]
        assert scale_job_count(stack) == jobs_before + 1, "Scale did create the job"

        lose.rules.clear()
        retry = submit(stack, _scale_job(stack), key="lost-answer")
        assert retry["replayed"] is True and codes(retry) == ["OUTCOME_UNKNOWN"]
        assert scale_job_count(stack) == jobs_before + 1, "the retry made no second job"
        assert stack.calls[("SCALE", "submit_job")] == 1


def test_a_failure_that_changed_nothing_is_not_remembered(stack: Stack) -> None:
    stack.faults("scale", {"error_rate": 1.0, "status": 503})
    body = query(stack, SUBMIT, {"i": {"job": _scale_job(stack), "idempotencyKey": "try-again"}})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"

    stack.faults("scale", {})
    retry = submit(stack, _scale_job(stack), key="try-again")
    assert retry["replayed"] is False and accepted(retry)["source"] == "SCALE"
    assert stack.calls[("SCALE", "submit_job")] == 2


def test_a_typed_refusal_is_replayed_without_asking_again(stack: Stack) -> None:
    active = first_job(stack, "WORDLIFT", ["RUNNING", "QUEUED"])
    ask = {"wordlift": {"graphId": active["raw"]["graph_id"], "snapshotDate": active["raw"]["snapshot_date"]}}
    stack.calls.clear()
    first = submit(stack, ask, key="refused")
    second = submit(stack, ask, key="refused")
    assert codes(first) == codes(second) == ["CONFLICT"]
    assert (first["replayed"], second["replayed"]) == (False, True)
    assert stack.calls[("WORDLIFT", "submit_job")] == 1


def test_a_retried_cancel_gets_the_first_answer_not_already_final(stack: Stack) -> None:
    running = first_job(stack, "LEIA", ["RUNNING"], where=lambda j: j["canCancel"])
    first = cancel(stack, running["id"], key="cancel-once")
    second = cancel(stack, running["id"], key="cancel-once")
    assert accepted(first)["status"] == accepted(second)["status"] == "CANCELED"
    assert (first["replayed"], second["replayed"]) == (False, True)
    assert stack.calls[("LEIA", "cancel_job")] == 1
