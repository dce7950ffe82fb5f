"""``Job.canCancel`` / ``Job.canRerun`` promise exactly what ``cancelJob`` / ``rerunJob`` then accept.

For a sample of jobs per source (a few of every status the seed shows, plus
jobs this gateway submitted where that changes the answer), each flag is
checked against the mutation: true means accepted, false means a typed
refusal with no mutating upstream request.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.gateway.mutations_support import (
    _reset,  # noqa: F401  (the autouse fixture, replacing the folder's slower one)
    accepted,
    advance_until,
    cancel,
    is_final,
    jobs,
    leia_documents,
    mutating_calls,
    node,
    phylodb_dataset,
    phylodb_project,
    rerun,
    submit,
)
from tests.support.stack import Stack

PER_STATUS = 1
STATUSES = ("PENDING", "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED")
REFUSALS = {"NOT_CANCELLABLE", "NOT_RERUNNABLE", "NOT_SUPPORTED"}


def _sample(stack: Stack, source: str) -> list[dict[str, Any]]:
    """Up to ``PER_STATUS`` jobs of every status the source has now."""
    return [job for status in STATUSES for job in jobs(stack, source, [status], first=PER_STATUS)]


def _submit_one(stack: Stack, source: str) -> dict[str, Any]:
    if source == "LEIA":
        docs = leia_documents(stack, 1)
        return accepted(submit(stack, {"leia": {"job": {"applyModel": {"modelId": "doctype", "documentIds": docs}}}}))
    project = phylodb_project(stack)
    inference = {"datasetId": phylodb_dataset(stack, project), "lvs": 1}
    return accepted(submit(stack, {"phylodb": {"projectId": project, "analysis": {"inference": inference}}}))


def _submitted(stack: Stack, source: str) -> list[dict[str, Any]]:
    """Jobs this gateway submitted, one run to its end and one running: Leia and phyloDB answer
    differently for them (they can resubmit what they were given)."""
    if source not in ("LEIA", "PHYLODB"):
        return []
    ended = advance_until(stack, _submit_one(stack, source)["id"], is_final, step_s=10)
    return [ended, _submit_one(stack, source)]


def _check(stack: Stack, job: dict[str, Any], flag: str, act: Any) -> bool:
    stack.calls.clear()
    payload = act(stack, job["id"])
    if job[flag]:
        assert payload["errors"] == [], (job["status"], job["nativeStatus"], payload["errors"])
        assert mutating_calls(stack), "an accepted mutation asks the upstream"
        return True
    assert {e["code"] for e in payload["errors"]} <= REFUSALS and payload["errors"], (job["status"], payload)
    assert mutating_calls(stack) == {}, (job["status"], dict(stack.calls))
    return False


@pytest.mark.parametrize("source", ["WORDLIFT", "LEIA", "PHYLODB", "SCALE", "AMPERITY"])
def test_flags_agree_with_the_mutations(stack: Stack, source: str) -> None:
    sample = _submitted(stack, source) + _sample(stack, source)
    assert len({j["status"] for j in sample}) >= 3, "the sample spans several statuses"
    reruns = [_check(stack, j, "canRerun", rerun) for j in sample]
    # A rerun may have changed the job (Scale requeues in place): judge the cancel on a fresh read.
    cancels = [_check(stack, node(stack, j["id"]), "canCancel", cancel) for j in sample]
    # Both answers occur where the source has both (Amperity never reruns, WordLift never cancels).
    assert any(cancels) == (source != "WORDLIFT")
    assert any(reruns) == (source != "AMPERITY")
    assert not all(cancels)
