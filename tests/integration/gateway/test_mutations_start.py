"""``startJob``: releases a held job (Leia ``blockProcessing``) through the ``HeldJobStarter`` capability."""

from __future__ import annotations

from tests.integration.gateway.mutations_support import (
    _reset,  # noqa: F401  (the autouse fixture, replacing the folder's slower one)
    accepted,
    codes,
    first_job,
    leia_documents,
    mutating_calls,
    node,
    start,
    submit,
)
from tests.support.stack import Stack


def test_a_held_leia_job_starts_once(stack: Stack) -> None:
    docs = leia_documents(stack, 1)
    held = accepted(
        submit(
            stack,
            {"leia": {"job": {"applyModel": {"modelId": "doctype", "documentIds": docs}}, "blockProcessing": True}},
        )
    )
    assert held["status"] == "BLOCKED" and held["canStart"] is True

    started = accepted(start(stack, held["id"], key="start-once"))
    assert started["nativeId"] == held["nativeId"]
    assert started["status"] != "BLOCKED" and started["canStart"] is False
    assert node(stack, held["id"])["status"] == started["status"]
    assert mutating_calls(stack)[("LEIA", "start_job")] == 1

    replay = start(stack, held["id"], key="start-once")
    assert replay["replayed"] is True and replay["job"]["nativeId"] == held["nativeId"]
    again = start(stack, held["id"])
    assert codes(again) == ["NOT_STARTABLE"], "a job no longer held cannot be started again"
    assert mutating_calls(stack)[("LEIA", "start_job")] == 1, "refusals send nothing"


def test_a_source_without_held_jobs_answers_not_supported(stack: Stack) -> None:
    job = first_job(stack, "SCALE", ["RUNNING", "QUEUED", "SUCCEEDED"])
    answer = start(stack, job["id"])
    assert codes(answer) == ["NOT_SUPPORTED"] and answer["job"] is None
    assert job["canStart"] is False
