"""``cancelJob`` on every source: accepted where the upstream can stop a job, typed refusals elsewhere."""

from __future__ import annotations

import pytest

from adapters.model import Source
from simulators.scale.store import MESSAGE_DELAY
from tests.integration.gateway.mutations_support import (
    _reset,  # noqa: F401  (the autouse fixture, replacing the folder's slower one)
    accepted,
    advance_until,
    cancel,
    codes,
    first_job,
    is_final,
    mutating_calls,
    node,
    settled,
)
from tests.support.stack import Stack, running_stack


def _bus_last_id(stack: Stack) -> int:
    last: int = stack.app.state.services.live.bus.stats().last_id
    return last


@pytest.mark.parametrize(
    ("source", "operation"),
    [("LEIA", "cancel_job"), ("PHYLODB", "cancel_job")],
)
def test_cancel_a_running_job(stack: Stack, source: str, operation: str) -> None:
    running = first_job(stack, source, ["RUNNING"], where=lambda j: j["canCancel"])
    published = _bus_last_id(stack)

    job = accepted(cancel(stack, running["id"]))

    assert (job["id"], job["status"], job["canCancel"]) == (running["id"], "CANCELED", False)
    assert stack.calls[(source, operation)] >= 1
    assert _bus_last_id(stack) == published + 1, "the accepted cancel is published at once"
    # Read again right away: no cache may answer with the running job.
    after = node(stack, running["id"])
    assert after["status"] == "CANCELED"
    assert after["statusHistory"][-1]["status"] == "CANCELED"


def test_scale_cancel_is_pending_until_scale_processes_it_then_published(stack: Stack) -> None:
    """Scale answers 202 and cancels later: the payload says so, the event comes with the real change."""
    running = first_job(stack, "SCALE", ["RUNNING"], where=lambda j: j["canCancel"])
    store = stack.sims.simulators["scale"].state
    before = {i for i, j in store.jobs.items() if j.canceled_at is not None}

    payload = cancel(stack, running["id"])
    job = accepted(payload)

    assert (payload["pending"], payload["pendingStatus"]) == (True, "CANCELED")
    assert (job["status"], job["nativeStatus"]) == ("RUNNING", "RUNNING"), "Scale has not processed it yet"
    assert node(stack, running["id"])["status"] == "RUNNING"
    stack.advance(MESSAGE_DELAY.total_seconds())
    done = settled(
        stack, running["id"], lambda j: j["statusHistory"][-1:] == [{"previousStatus": "RUNNING", "status": "CANCELED"}]
    )
    assert done["status"] == "CANCELED" and done["canRerun"] is True
    now_canceled = {i for i, j in store.jobs.items() if j.canceled_at is not None}
    assert now_canceled - before == {int(running["nativeId"])}, "the bulk filter named this job only"


def test_a_failed_scale_job_is_not_cancelled(stack: Stack) -> None:
    """Scale would turn a FAILED job CANCELED and lose why it failed: the gateway refuses, asking nothing."""
    failed = first_job(stack, "SCALE", ["FAILED"])
    assert failed["canCancel"] is False
    stack.calls.clear()
    payload = cancel(stack, failed["id"])
    assert codes(payload) == ["NOT_CANCELLABLE"] and payload["job"]["status"] == "FAILED"
    assert mutating_calls(stack) == {}


def test_amperity_cancel_stops_the_workflow_and_the_job_ends_canceled() -> None:
    with running_stack() as stack:
        running = first_job(stack, "AMPERITY", ["RUNNING"], where=lambda j: j["canCancel"])
        payload = cancel(stack, running["id"])
        job = accepted(payload)
        # The stop ends the whole workflow: the payload names every ingest job it stops.
        affected = payload["affectedJobs"]
        assert running["id"] in {a["id"] for a in affected}
        assert {a["raw"]["workflow_id"] for a in affected} == {running["raw"]["workflow_id"]}
        assert next(a for a in affected if a["id"] == running["id"])["status"] == job["status"]
        assert job["id"] == running["id"] and job["nativeStatus"] == "stopping"
        assert mutating_calls(stack, Source.AMPERITY) == {("AMPERITY", "stop_workflow"): 1}
        workflow = running["raw"]["workflow_id"]
        done = advance_until(stack, running["id"], is_final, step_s=2, steps=30)
        assert (done["status"], done["nativeStatus"]) == ("CANCELED", "stopped")
        assert done["raw"]["workflow_id"] == workflow


def test_wordlift_cancel_is_not_supported_and_asks_nothing_upstream(stack: Stack) -> None:
    running = first_job(stack, "WORDLIFT", ["RUNNING", "QUEUED"])
    assert running["canCancel"] is False
    stack.calls.clear()
    payload = cancel(stack, running["id"])
    assert codes(payload) == ["NOT_SUPPORTED"] and payload["job"] is None
    assert stack.upstream_calls(Source.WORDLIFT) == 0


@pytest.mark.parametrize("source", ["LEIA", "PHYLODB", "SCALE", "AMPERITY"])
def test_cancelling_a_final_job_is_a_harmless_not_cancellable_answer(stack: Stack, source: str) -> None:
    final = first_job(stack, source, ["SUCCEEDED"])
    assert final["canCancel"] is False
    payload = cancel(stack, final["id"])
    assert codes(payload) == ["NOT_CANCELLABLE"]
    assert "already final" in payload["errors"][0]["message"]
    assert payload["job"]["id"] == final["id"] and payload["job"]["status"] == "SUCCEEDED"
    assert mutating_calls(stack) == {}


def test_cancelling_twice_answers_the_second_time_with_not_cancellable(stack: Stack) -> None:
    running = first_job(stack, "LEIA", ["RUNNING", "QUEUED"], where=lambda j: j["canCancel"])
    accepted(cancel(stack, running["id"]))
    deletes = stack.calls[("LEIA", "cancel_job")]
    again = cancel(stack, running["id"])
    assert codes(again) == ["NOT_CANCELLABLE"] and again["job"]["status"] == "CANCELED"
    assert stack.calls[("LEIA", "cancel_job")] == deletes, "no second DELETE"


def test_the_cancel_event_names_the_status_it_left(stack: Stack) -> None:
    running = first_job(stack, "LEIA", ["RUNNING"], where=lambda j: j["canCancel"])
    accepted(cancel(stack, running["id"]))
    last = node(stack, running["id"])["statusHistory"][-1]
    assert (last["previousStatus"], last["status"]) == ("RUNNING", "CANCELED")
