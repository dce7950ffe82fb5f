"""``submitJob`` on every source, through the gateway and the simulators over real HTTP."""

from __future__ import annotations

from datetime import timedelta

from adapters.model import Source
from gateway.ids import encode_id
from tests.integration.gateway.mutations_support import (
    _reset,  # noqa: F401  (the autouse fixture, replacing the folder's slower one)
    accepted,
    advance_until,
    codes,
    data,
    first_job,
    is_final,
    leia_documents,
    mutating_calls,
    node,
    phylodb_dataset,
    phylodb_inference,
    phylodb_project,
    scale_input,
    scale_job_type,
    scale_type_id,
    submit,
)
from tests.support.stack import Stack, running_stack

# --- WordLift -------------------------------------------------------------------------------


def _cloneable_graph(stack: Stack) -> str:
    """A graph whose newest validated snapshot matches its source now: a submit there is cloned."""
    sim = stack.sims.simulators["wordlift"]
    now = stack.sims.clock.now()
    for graph in sim.config["graphs"]:
        newest = sim.state.newest_validated(graph, now)
        if newest is not None and newest.watermark == sim.state.graphs[graph].watermark(now):
            return str(graph)
    raise AssertionError("no seeded WordLift graph can clone now")


def test_wordlift_reuses_a_recent_snapshot_and_force_rerun_starts_a_fresh_job() -> None:
    with running_stack() as stack:
        graph = _cloneable_graph(stack)
        day = (stack.sims.clock.now().date() - timedelta(days=40)).isoformat()
        ask = {"wordlift": {"graphId": graph, "snapshotDate": day}}

        clone = accepted(submit(stack, ask))
        assert (clone["status"], clone["raw"]["stage"]) == ("SUCCEEDED", "clone")
        assert clone["raw"]["snapshot_date"] == day

        again = accepted(submit(stack, ask))
        assert again["nativeId"] == clone["nativeId"], "a fresh completed day is answered with its job"

        forced = accepted(submit(stack, {"wordlift": {**ask["wordlift"], "forceRerun": True}}))
        assert forced["nativeId"] != clone["nativeId"]
        assert forced["raw"]["stage"] != "clone" and not is_final(forced)

        # While the forced run is active, a plain submit of that day is a typed conflict.
        conflict = submit(stack, ask)
        assert codes(conflict) == ["CONFLICT"] and conflict["job"] is None
        assert forced["nativeId"] in conflict["errors"][0]["message"]
        assert stack.calls[("WORDLIFT", "submit_job")] == 4


def test_wordlift_second_submit_of_a_completed_run_returns_that_run() -> None:
    with running_stack() as stack:
        graph = _cloneable_graph(stack)
        # An edit of the source graph: nothing may be cloned, the submit really runs.
        stack.sims.simulators["wordlift"].state.touch(graph, stack.sims.clock.now())
        day = (stack.sims.clock.now().date() - timedelta(days=41)).isoformat()
        ask = {"wordlift": {"graphId": graph, "snapshotDate": day, "skipValidation": True}}
        run = accepted(submit(stack, ask))
        assert run["status"] in ("QUEUED", "RUNNING") and run["raw"]["stage"] != "clone"

        done = advance_until(stack, run["id"], is_final, step_s=30)
        assert done["status"] == "SUCCEEDED", done["raw"]
        again = accepted(submit(stack, ask))
        assert (again["nativeId"], again["status"]) == (run["nativeId"], "SUCCEEDED")


def test_wordlift_submit_for_an_active_day_is_a_typed_conflict(stack: Stack) -> None:
    running = first_job(stack, "WORDLIFT", ["RUNNING", "QUEUED"])
    raw = running["raw"]
    payload = submit(stack, {"wordlift": {"graphId": raw["graph_id"], "snapshotDate": raw["snapshot_date"]}})
    assert codes(payload) == ["CONFLICT"]
    assert payload["job"] is None and payload["replayed"] is False
    assert running["nativeId"] in payload["errors"][0]["message"]
    assert stack.calls[("WORDLIFT", "submit_job")] == 1


def test_wordlift_submit_publishes_the_new_job(stack: Stack) -> None:
    graph = stack.sims.simulators["wordlift"].config["graphs"][-1]
    day = (stack.sims.clock.now().date() - timedelta(days=60)).isoformat()
    job = accepted(submit(stack, {"wordlift": {"graphId": graph, "snapshotDate": day, "forceRerun": True}}))
    history = node(stack, job["id"])["statusHistory"]
    assert [h["status"] for h in history] == [job["status"]]


# --- Leia -------------------------------------------------------------------------------------


def test_leia_apply_model_and_transform(stack: Stack) -> None:
    docs = leia_documents(stack, 3)
    model = accepted(submit(stack, {"leia": {"job": {"applyModel": {"modelId": "doctype", "documentIds": docs[:2]}}}}))
    assert (model["source"], model["jobTypeName"], model["status"]) == ("LEIA", "predict", "QUEUED")
    assert model["raw"]["document_ids"] == docs[:2] and model["canCancel"] is True

    transform = accepted(
        submit(stack, {"leia": {"job": {"transform": {"documentIds": docs[2:3], "outputType": "image"}}}})
    )
    assert transform["jobTypeName"] == "pdf-images" and transform["raw"]["document_ids"] == docs[2:3]
    sim_job = stack.sims.simulators["leia"].state.jobs[transform["nativeId"]]
    assert sim_job.job_type == "pdf-images"
    assert stack.calls[("LEIA", "submit_job")] == 2


def test_leia_chained_and_conditional_jobs_wait_for_their_parent() -> None:
    with running_stack() as stack:
        docs = leia_documents(stack, 4)
        parent = accepted(
            submit(stack, {"leia": {"job": {"applyModel": {"modelId": "doctype", "documentIds": docs[:1]}}}})
        )
        child = accepted(
            submit(
                stack,
                {
                    "leia": {
                        "executeAfter": parent["id"],
                        "job": {"transform": {"documentIds": docs[1:2], "outputType": "text"}},
                    }
                },
            )
        )
        rules = {"always": {"conditions": {}, "jobs": [{"job_type": "transform", "output_type": "image"}]}}
        conditional = accepted(
            submit(stack, {"leia": {"executeAfter": parent["id"], "job": {"conditional": {"rules": rules}}}})
        )
        for waiting in (child, conditional):
            assert (waiting["status"], waiting["nativeStatus"]) == ("PENDING", "WAITING")
            assert node(stack, waiting["id"])["dependsOn"] == {"id": parent["id"]}

        stack.advance(1)
        assert node(stack, child["id"])["nativeStatus"] == "WAITING", "still waiting while the parent runs"

        done = advance_until(stack, parent["id"], is_final, step_s=5)
        after = node(stack, child["id"])
        if done["nativeStatus"] == "PROCESSED":
            assert after["nativeStatus"] != "WAITING" and after["status"] != "FAILED"
        else:
            assert after["status"] == "FAILED", "a failed prerequisite fails its dependents"

        cond = advance_until(stack, conditional["id"], is_final, step_s=5)
        if done["nativeStatus"] == "PROCESSED":
            # The rule's job runs inside the conditional job, which ends with that job's result.
            [spawned] = stack.sims.simulators["leia"].state.jobs[cond["nativeId"]].rule_jobs["always"]
            spawned_node = node(stack, encode_id("Job", Source.LEIA, cond["scope"], spawned))
            assert spawned_node["parent"] == {"id": conditional["id"]}
            assert spawned_node["status"] in ("SUCCEEDED", "FAILED")
            if spawned_node["status"] == "SUCCEEDED":
                assert cond["nativeStatus"] == "PROCESSED"
                assert cond["raw"]["result"] == {"always": [spawned_node["raw"]["result"]]}
            else:
                assert cond["nativeStatus"] == "FAILED"


def test_a_conditional_job_lists_the_children_it_spawned(stack: Stack) -> None:
    state = stack.sims.simulators["leia"].state
    app = stack.sims.simulators["leia"].config["application_id"]
    child = next(j for j in state.jobs.values() if j.parent_job_id and j.application_id == app)
    parent_id = encode_id("Job", Source.LEIA, app, child.parent_job_id)
    body = data(
        stack,
        "query($id: ID!) { node(id: $id) { ... on Job { children { edges { node { nativeId } } } } } }",
        {"id": parent_id},
    )
    assert child.id in [e["node"]["nativeId"] for e in body["node"]["children"]["edges"]]


# --- phyloDB -----------------------------------------------------------------------------------


def test_phylodb_inference_and_visualization(stack: Stack) -> None:
    project = phylodb_project(stack)
    dataset = phylodb_dataset(stack, project)
    inference = accepted(
        submit(stack, {"phylodb": {"projectId": project, "analysis": {"inference": {"datasetId": dataset, "lvs": 2}}}})
    )
    assert (inference["source"], inference["scope"], inference["status"]) == ("PHYLODB", project, "RUNNING")
    assert inference["raw"]["submission"]["request"] == {
        "analysis": "inference",
        "algorithm": "goeburst",
        "parameters": [dataset, 2],
    }
    assert inference["canCancel"] is True and inference["canRerun"] is True

    uploaded = phylodb_inference(stack, project, dataset)
    visualization = accepted(
        submit(
            stack,
            {
                "phylodb": {
                    "projectId": project,
                    "analysis": {"visualization": {"datasetId": dataset, "inferenceId": uploaded}},
                }
            },
        )
    )
    assert visualization["raw"]["submission"]["request"] == {
        "analysis": "visualization",
        "algorithm": "radial",
        "parameters": [dataset, uploaded],
    }
    state = stack.sims.simulators["phylodb"].state
    assert {(project, inference["nativeId"]), (project, visualization["nativeId"])} <= set(state.jobs)
    # The gateway knows the jobs it submitted: they are found by id afterwards.
    assert node(stack, visualization["id"])["jobTypeName"] == visualization["jobTypeName"]


def test_phylodb_refusal_of_an_unknown_inference_names_the_field(stack: Stack) -> None:
    project = phylodb_project(stack)
    dataset = phylodb_dataset(stack, project)
    unknown = "00000000-0000-4000-8000-000000000000"
    payload = submit(
        stack,
        {
            "phylodb": {
                "projectId": project,
                "analysis": {"visualization": {"datasetId": dataset, "inferenceId": unknown}},
            }
        },
    )
    assert codes(payload) == ["INVALID_INPUT"]
    assert payload["errors"][0]["field"][:5] == ["input", "job", "phylodb", "analysis", "visualization"]


# --- Scale -------------------------------------------------------------------------------------


def test_scale_job_for_a_job_type_with_input_data(stack: Stack) -> None:
    job_type = scale_job_type(stack)
    data = scale_input(job_type)
    payload = submit(
        stack, {"scale": {"jobType": scale_type_id(job_type), "input": data, "configuration": {"priority": 50}}}
    )
    job = accepted(payload)
    assert (job["source"], job["status"], job["jobTypeName"]) == ("SCALE", "QUEUED", job_type.name)
    stored = stack.sims.simulators["scale"].state.jobs[int(job["nativeId"])]
    assert stored.input == data and stored.configuration["priority"] == 50
    assert stack.calls[("SCALE", "submit_job")] == 1


def test_scale_missing_required_input_is_refused_upstream_as_invalid_input(stack: Stack) -> None:
    job_type = scale_job_type(stack)
    payload = submit(stack, {"scale": {"jobType": scale_type_id(job_type), "input": {"version": "7"}}})
    assert codes(payload) == ["INVALID_INPUT"]
    assert payload["errors"][0]["field"] == ["input", "job", "scale", "input"]
    assert "Required input" in payload["errors"][0]["message"]


# --- Amperity ----------------------------------------------------------------------------------


def test_amperity_submit_is_a_typed_not_supported_refusal(stack: Stack) -> None:
    payload = submit(stack, {"amperity": {}})
    assert codes(payload) == ["NOT_SUPPORTED"] and payload["job"] is None
    assert payload["errors"][0]["field"] == ["input", "job", "amperity"]
    assert "read-only" in payload["errors"][0]["message"]
    assert mutating_calls(stack, Source.AMPERITY) == {}
