"""``rerunJob``: natively where the source can (WordLift force_rerun, Scale requeue), by resubmitting
the stored input for jobs this gateway submitted (Leia, phyloDB), and typed refusals elsewhere."""

from __future__ import annotations

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
    leia_documents,
    mutating_calls,
    node,
    phylodb_dataset,
    phylodb_project,
    rerun,
    settled,
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


def test_wordlift_rerun_keeps_the_options_the_job_was_submitted_with(stack: Stack) -> None:
    graph = stack.sims.simulators["wordlift"].config["graphs"][0]
    options = {"skipValidation": True, "limitDocuments": 7, "stageRetries": 0}
    job = {"wordlift": {"graphId": graph, "snapshotDate": "2026-01-03", "forceRerun": True, **options}}
    first = accepted(submit(stack, job))
    store = stack.sims.simulators["wordlift"].state
    wanted = {"skip_validation": True, "limit_documents": 7, "stage_retries": 0}
    assert {k: store.jobs[first["nativeId"]].options.get(k) for k in wanted} == wanted
    again = accepted(rerun(stack, first["id"]))
    assert again["nativeId"] != first["nativeId"]
    assert {k: store.jobs[again["nativeId"]].options.get(k) for k in wanted} == wanted, "the options were kept"
    third = accepted(rerun(stack, again["id"]))
    assert {k: store.jobs[third["nativeId"]].options.get(k) for k in wanted} == wanted, "and carried to the new job"


def test_wordlift_rerun_of_an_active_job_replaces_it(stack: Stack) -> None:
    active = first_job(stack, "WORDLIFT", ["RUNNING", "QUEUED"])
    job = accepted(rerun(stack, active["id"]))
    assert job["nativeId"] != active["nativeId"]
    replaced = node(stack, active["id"])
    assert (replaced["status"], replaced["nativeStatus"]) == ("CANCELED", "superseded")


def test_scale_rerun_requeues_a_failed_job_later_and_no_cache_hides_it(stack: Stack) -> None:
    failed = first_job(stack, "SCALE", ["FAILED"], where=lambda j: j["canRerun"])
    assert node(stack, failed["id"])["status"] == "FAILED"  # final: the gateway caches it now
    payload = rerun(stack, failed["id"])
    job = accepted(payload)
    assert (job["id"], job["status"]) == (failed["id"], "FAILED"), "Scale requeues when it processes the message"
    assert (payload["pending"], payload["pendingStatus"]) == (True, "QUEUED")
    assert stack.calls[("SCALE", "rerun_job")] >= 1
    assert node(stack, failed["id"])["status"] == "FAILED", "read (and cached, being final) before Scale acts"
    stack.advance(MESSAGE_DELAY.total_seconds())
    settled(
        stack, failed["id"], lambda j: j["statusHistory"][-1:] == [{"previousStatus": "FAILED", "status": "QUEUED"}]
    )
    # Asked anew: the answer that showed the event may have read the job just before the event
    # (its record and its history are two reads of one request), never one made after it.
    after = node(stack, failed["id"])
    assert after["status"] == "QUEUED", "the cached FAILED record was dropped"


def test_scale_rerun_of_a_canceled_job(stack: Stack) -> None:
    queued = first_job(stack, "SCALE", ["QUEUED"])
    assert accepted(cancel(stack, queued["id"]))["canRerun"] is True
    stack.advance(MESSAGE_DELAY.total_seconds())
    settled(stack, queued["id"], lambda j: j["status"] == "CANCELED")
    assert accepted(rerun(stack, queued["id"]))["status"] == "CANCELED"
    stack.advance(MESSAGE_DELAY.total_seconds())
    settled(stack, queued["id"], lambda j: j["status"] == "QUEUED")
    stored = stack.sims.simulators["scale"].state.jobs[int(queued["nativeId"])]
    assert len(stored.executions) >= 2 and stored.executions[-1].canceled_at is None


def test_scale_requeues_a_running_job_as_scale_does(stack: Stack) -> None:
    """``can_be_requeued`` admits QUEUED and RUNNING jobs that were queued before."""
    running = first_job(stack, "SCALE", ["RUNNING"])
    assert running["canRerun"] is True
    stored = stack.sims.simulators["scale"].state.jobs[int(running["nativeId"])]
    executions = len(stored.executions)
    payload = rerun(stack, running["id"])
    assert payload["pending"] is True and accepted(payload)["status"] == "RUNNING"
    stack.advance(MESSAGE_DELAY.total_seconds())
    settled(
        stack, running["id"], lambda j: j["statusHistory"][-1:] == [{"previousStatus": "RUNNING", "status": "QUEUED"}]
    )
    assert stored.executions[executions - 1].canceled_at is not None, "the running execution was stopped"


def test_scale_never_requeues_a_job_never_queued(stack: Stack) -> None:
    pending = first_job(stack, "SCALE", ["PENDING"])
    assert pending["canRerun"] is False
    stack.calls.clear()
    payload = rerun(stack, pending["id"])
    assert codes(payload) == ["NOT_RERUNNABLE"] and payload["job"]["status"] == "PENDING"
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
