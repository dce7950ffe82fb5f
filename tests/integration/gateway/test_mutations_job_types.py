"""Scale job types through the gateway: validateJobType, createJobType, editJobType."""

from __future__ import annotations

import copy
from typing import Any

from adapters.model import Source
from gateway.ids import encode_id
from tests.integration.gateway.mutations_support import (
    _reset,  # noqa: F401  (the autouse fixture, replacing the folder's slower one)
    accepted,
    codes,
    data,
    mutating_calls,
    scale_input,
    scale_job_type,
    scale_type_id,
    submit,
)
from tests.support.stack import Stack

VALIDATE = """mutation V($i: JobTypeDefinitionInput!) {
  validateJobType(input: $i) { isValid errors { name description } warnings { name description } } }"""
TYPE_PAYLOAD = (
    "errors { code message field } warnings { name description } "
    "jobType { id name version isActive isPaused revision raw }"
)
CREATE = "mutation C($i: JobTypeDefinitionInput!) { createJobType(input: $i) { " + TYPE_PAYLOAD + " } }"
EDIT = "mutation E($i: EditJobTypeInput!) { editJobType(input: $i) { " + TYPE_PAYLOAD + " } }"
TYPE_NODE = "query T($id: ID!) { node(id: $id) { ... on JobType { id isActive isPaused raw } } }"


def _manifest(stack: Stack, name: str, version: str = "1.0.0") -> dict[str, Any]:
    """A valid Seed manifest: a seeded job type's, renamed."""
    manifest: dict[str, Any] = copy.deepcopy(scale_job_type(stack).manifest)
    manifest["job"]["name"] = name
    manifest["job"]["jobVersion"] = version
    return manifest


def _settings(manifest: dict[str, Any]) -> list[str]:
    return [s["name"] for s in manifest["job"]["interface"].get("settings", [])]


def test_validation_warnings_come_back_as_data(stack: Stack) -> None:
    manifest = _manifest(stack, "validated-type")
    answer = data(stack, VALIDATE, {"i": {"manifest": manifest, "configuration": {"settings": {"UNDECLARED": "1"}}}})
    result = answer["validateJobType"]
    assert result["isValid"] is True and result["errors"] == []
    names = {(w["name"], w["description"].split()[1]) for w in result["warnings"]}
    assert ("UNKNOWN_SETTING", "UNDECLARED") in names
    assert {("MISSING_SETTING", s) for s in _settings(manifest)} <= names
    assert stack.calls[("SCALE", "validate_job_type")] == 1
    assert mutating_calls(stack) == {("SCALE", "validate_job_type"): 1}, "validation creates nothing"


def test_validation_errors_come_back_as_data(stack: Stack) -> None:
    bad = {"seedVersion": "1.0.0", "job": {"name": "Not A Name", "jobVersion": "one"}}
    result = data(stack, VALIDATE, {"i": {"manifest": bad}})["validateJobType"]
    assert result["isValid"] is False
    descriptions = " ".join(e["description"] for e in result["errors"])
    assert "job.name" in descriptions and "job.jobVersion" in descriptions


def test_a_manifest_that_is_not_an_object_is_invalid_without_asking_scale(stack: Stack) -> None:
    result = data(stack, VALIDATE, {"i": {"manifest": ["not", "an", "object"]}})["validateJobType"]
    assert result["isValid"] is False and result["errors"][0]["name"] == "input.manifest"
    assert mutating_calls(stack) == {}


def test_create_a_job_type_and_queue_a_job_of_it(stack: Stack) -> None:
    manifest = _manifest(stack, "gateway-made-type")
    payload = data(stack, CREATE, {"i": {"manifest": manifest, "dockerImage": "gateway-made-type:1.0.0"}})[
        "createJobType"
    ]
    assert payload["errors"] == []
    created = payload["jobType"]
    assert (created["name"], created["version"], created["isActive"], created["revision"]) == (
        "gateway-made-type",
        "1.0.0",
        True,
        1,
    )
    stored = {(jt.name, jt.version) for jt in stack.sims.simulators["scale"].state.job_types}
    assert ("gateway-made-type", "1.0.0") in stored

    job_type = next(jt for jt in stack.sims.simulators["scale"].state.job_types if jt.name == "gateway-made-type")
    job = accepted(submit(stack, {"scale": {"jobType": created["id"], "input": scale_input(job_type)}}))
    assert job["jobTypeName"] == "gateway-made-type"


def test_create_without_docker_image_names_the_field_and_sends_nothing(stack: Stack) -> None:
    payload = data(stack, CREATE, {"i": {"manifest": _manifest(stack, "no-image-type")}})["createJobType"]
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID_INPUT", ["input", "dockerImage"])]
    assert payload["jobType"] is None
    assert mutating_calls(stack) == {}


def test_create_with_an_invalid_manifest_is_a_typed_refusal(stack: Stack) -> None:
    payload = data(stack, CREATE, {"i": {"manifest": {"seedVersion": "1.0.0"}, "dockerImage": "x:1"}})["createJobType"]
    assert codes(payload) == ["INVALID_INPUT"] and payload["jobType"] is None
    assert "'job' is a required property" in payload["errors"][0]["message"]


def test_pause_and_resume_a_job_type_and_change_its_limit(stack: Stack) -> None:
    job_type = scale_job_type(stack)
    type_id = scale_type_id(job_type)
    before = data(stack, TYPE_NODE, {"id": type_id})["node"]  # cached by the gateway now
    assert before["isPaused"] is False

    paused = data(stack, EDIT, {"i": {"id": type_id, "isPaused": True, "maxScheduled": 2}})["editJobType"]
    assert paused["errors"] == []
    assert (paused["jobType"]["isPaused"], paused["jobType"]["raw"]["max_scheduled"]) == (True, 2)
    after = data(stack, TYPE_NODE, {"id": type_id})["node"]
    assert (after["isPaused"], after["raw"]["max_scheduled"]) == (True, 2), "no stale cached job type"
    assert job_type.is_paused is True

    resumed = data(stack, EDIT, {"i": {"id": type_id, "isPaused": False}})["editJobType"]
    assert resumed["errors"] == [] and resumed["jobType"]["isPaused"] is False
    assert stack.calls[("SCALE", "edit_job_type")] == 2


def test_a_deactivated_job_type_refuses_jobs_until_activated_again(stack: Stack) -> None:
    job_type = scale_job_type(stack)
    type_id = scale_type_id(job_type)
    ask = {"scale": {"jobType": type_id, "input": scale_input(job_type)}}

    off = data(stack, EDIT, {"i": {"id": type_id, "isActive": False}})["editJobType"]
    assert off["errors"] == [] and off["jobType"]["isActive"] is False
    refused = submit(stack, ask)
    assert codes(refused) == ["INVALID_INPUT"] and "deprecated" in refused["errors"][0]["message"]

    on = data(stack, EDIT, {"i": {"id": type_id, "isActive": True}})["editJobType"]
    assert on["jobType"]["isActive"] is True
    assert accepted(submit(stack, ask))["jobTypeName"] == job_type.name


def test_an_edit_scale_finds_invalid_is_reported_and_changes_nothing(stack: Stack) -> None:
    job_type = scale_job_type(stack)
    before = copy.deepcopy(job_type.configuration)
    payload = data(stack, EDIT, {"i": {"id": scale_type_id(job_type), "configuration": {"priority": -1}}})[
        "editJobType"
    ]
    assert codes(payload) == ["INVALID_INPUT"]
    assert "INVALID_PRIORITY" in payload["errors"][0]["message"]
    declared = _settings(job_type.manifest)
    assert {w["description"] for w in payload["warnings"]} == {f"Setting {s} has no value" for s in declared}
    assert payload["jobType"]["id"] == scale_type_id(job_type)
    assert job_type.configuration == before


def test_edit_input_problems_are_typed_and_send_nothing(stack: Stack) -> None:
    scale_id = scale_type_id(scale_job_type(stack))
    wordlift_type = encode_id("JobType", Source.WORDLIFT, "1506805", "kpi")
    cases = [
        ({"id": scale_id}, ["input"]),
        ({"id": scale_id, "maxScheduled": 0}, ["input", "maxScheduled"]),
        ({"id": wordlift_type, "isPaused": True}, ["input", "id"]),
        ({"id": "garbage", "isPaused": True}, ["input", "id"]),
    ]
    for variables, field in cases:
        payload = data(stack, EDIT, {"i": variables})["editJobType"]
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID_INPUT", field)], variables
    missing = data(stack, EDIT, {"i": {"id": encode_id("JobType", Source.SCALE, "", "99999"), "isPaused": True}})
    assert codes(missing["editJobType"]) == ["NOT_FOUND"]
    assert mutating_calls(stack) == {}
