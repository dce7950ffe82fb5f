"""``rerunJob``: natively where the source can (WordLift force_rerun, Scale requeue), by resubmitting
the stored input for jobs this gateway submitted (Leia, phyloDB), and typed refusals elsewhere."""

from __future__ import annotations

from adapters.model import Source
from tests.integration.gateway.mutations_support import (
    _reset,  # noqa: F401  (the autouse fixture, replacing the folder's slower one)
    accepted,
    advance_until,
    cancel,
    codes,
    first_job,
    is_final,
    leia_documents,
    mutating_calls,
    node,
    phylodb_dataset,
    phylodb_project,
    rerun,
    submit,
)
from tests.support.stack import Stack, running_stack


def test_wordlift_rerun_submits_the_day_again_with_force_rerun(stack: Stack) -> None:
    done = first_job(stack, "WORDLIFT", ["SUCCEEDED"])
    job = accepted(rerun(stack, done["id"]))
    assert job["nativeId"] != done["nativeId"] and not is_final(job)
    assert (job["scope"], job["raw"]["snapshot_date"]) == (done["scope"], done["raw"]["snapshot_date"])
    assert job["raw"]["stage"] != "clone", "force_rerun bypasses snapshot reuse"
    assert stack.calls[("WORDLIFT", "submit_job")] == 1


def test_wordlift_rerun_of_an_active_job_replaces_it(stack: Stack) -> None:
    active = first_job(stack, "WORDLIFT", ["RUNNING", "QUEUED"])
    job = accepted(rerun(stack, active["id"]))
    assert job["nativeId"] != active["nativeId"]
    replaced = node(stack, active["id"])
    assert (replaced["status"], replaced["nativeStatus"]) == ("CANCELED", "superseded")


def test_scale_rerun_requeues_a_failed_job_and_no_cache_hides_it(stack: Stack) -> None:
    failed = first_job(stack, "SCALE", ["FAILED"], where=lambda j: j["canRerun"])
    assert node(stack, failed["id"])["status"] == "FAILED"  # final: the gateway caches it now
    job = accepted(rerun(stack, failed["id"]))
    assert (job["id"], job["status"]) == (failed["id"], "QUEUED")
    assert stack.calls[("SCALE", "rerun_job")] >= 1
    after = node(stack, failed["id"])
    assert after["status"] == "QUEUED", "the cached FAILED record was dropped"
    assert after["statusHistory"][-1]["status"] == "QUEUED", "the requeue was published"


def test_scale_rerun_of_a_canceled_job(stack: Stack) -> None:
    queued = first_job(stack, "SCALE", ["QUEUED"])
    canceled = accepted(cancel(stack, queued["id"]))
    assert canceled["canRerun"] is True
    job = accepted(rerun(stack, queued["id"]))
    assert job["status"] == "QUEUED"
    stored = stack.sims.simulators["scale"].state.jobs[int(queued["nativeId"])]
    assert len(stored.executions) >= 1 and stored.executions[-1].canceled_at is None


def test_scale_rerun_of_a_running_job_is_refused_before_any_requeue(stack: Stack) -> None:
    running = first_job(stack, "SCALE", ["RUNNING"])
    assert running["canRerun"] is False
    stack.calls.clear()
    payload = rerun(stack, running["id"])
    assert codes(payload) == ["NOT_RERUNNABLE"] and payload["job"]["status"] == "RUNNING"
    assert mutating_calls(stack) == {}


def test_leia_rerun_resubmits_what_this_gateway_submitted() -> None:
    with running_stack() as stack:
        docs = leia_documents(stack, 2)
        first = accepted(submit(stack, {"leia": {"job": {"applyModel": {"modelId": "doctype", "documentIds": docs}}}}))
        early = rerun(stack, first["id"])
        assert codes(early) == ["NOT_RERUNNABLE"], "a job still running cannot be rerun"

        done = advance_until(stack, first["id"], is_final, step_s=5)
        assert done["canRerun"] is True
        again = accepted(rerun(stack, first["id"]))
        assert again["nativeId"] != first["nativeId"]
        assert (again["raw"]["document_ids"], again["raw"]["model_id"]) == (docs, first["raw"]["model_id"])
        assert stack.calls[("LEIA", "submit_job")] == 2


def test_leia_rerun_of_a_job_submitted_elsewhere_is_refused(stack: Stack) -> None:
    seeded = first_job(stack, "LEIA", ["SUCCEEDED", "FAILED"])
    assert seeded["canRerun"] is False
    stack.calls.clear()
    payload = rerun(stack, seeded["id"])
    assert codes(payload) == ["NOT_RERUNNABLE"]
    assert mutating_calls(stack) == {}


def test_phylodb_rerun_resubmits_the_stored_input(stack: Stack) -> None:
    project = phylodb_project(stack)
    dataset = phylodb_dataset(stack, project)
    first = accepted(
        submit(stack, {"phylodb": {"projectId": project, "analysis": {"inference": {"datasetId": dataset, "lvs": 3}}}})
    )
    again = accepted(rerun(stack, first["id"]))
    assert again["nativeId"] != first["nativeId"] and again["scope"] == project
    assert again["raw"]["submission"]["request"] == first["raw"]["submission"]["request"]
    assert stack.calls[("PHYLODB", "submit_job")] == 2


def test_phylodb_rerun_of_a_seeded_job_is_refused(stack: Stack) -> None:
    seeded = first_job(stack, "PHYLODB", ["SUCCEEDED"])
    assert seeded["canRerun"] is False
    payload = rerun(stack, seeded["id"])
    assert codes(payload) == ["NOT_RERUNNABLE"]
    assert mutating_calls(stack) == {}


def test_amperity_rerun_is_not_supported(stack: Stack) -> None:
    done = first_job(stack, "AMPERITY", ["SUCCEEDED", "FAILED"])
    stack.calls.clear()
    payload = rerun(stack, done["id"])
    assert codes(payload) == ["NOT_SUPPORTED"] and payload["job"] is None
    assert stack.upstream_calls(Source.AMPERITY) == 0
