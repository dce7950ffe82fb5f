"""Bad ``submitJob`` inputs: a clear error naming the field, and no upstream mutation at all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from adapters.model import Source
from gateway.ids import encode_id
from tests.integration.gateway.mutations_support import (
    SUBMIT,
    _reset,  # noqa: F401  (the autouse fixture, replacing the folder's slower one)
    cancel,
    leia_documents,
    mutating_calls,
    phylodb_dataset,
    phylodb_project,
    query,
    rerun,
    scale_input,
    scale_job_type,
    scale_type_id,
    submit,
    wordlift_graph,
)
from tests.support.stack import Stack

Build = Callable[[Stack], dict[str, Any]]


def _wordlift(**fields: Any) -> Build:
    return lambda s: {"wordlift": {"graphId": wordlift_graph(s), "snapshotDate": "2026-10-01", **fields}}


def _inference(**fields: Any) -> Build:
    def build(s: Stack) -> dict[str, Any]:
        project = phylodb_project(s)
        inference = {"datasetId": phylodb_dataset(s, project), "lvs": 2, **fields}
        return {"phylodb": {"projectId": project, "analysis": {"inference": inference}}}

    return build


def _apply(count: int = 1, **fields: Any) -> Build:
    return lambda s: {
        "leia": {"job": {"applyModel": {"modelId": "doctype", "documentIds": leia_documents(s, count), **fields}}}
    }


def _scale_job_id(s: Stack) -> str:
    some = min(s.sims.simulators["scale"].state.jobs)
    return encode_id("Job", Source.SCALE, "", str(some))


def _scale(**fields: Any) -> Build:
    def build(s: Stack) -> dict[str, Any]:
        job_type = scale_job_type(s)
        return {"scale": {"jobType": scale_type_id(job_type), "input": scale_input(job_type), **fields}}

    return build


CASES: list[tuple[str, Build, list[str], str]] = [
    ("negative stage retries", _wordlift(stageRetries=-1), ["wordlift", "stageRetries"], "must be >= 0"),
    ("zero documents limit", _wordlift(limitDocuments=0), ["wordlift", "limitDocuments"], "must be >= 1"),
    ("negative urls limit", _wordlift(limitUrls=-5), ["wordlift", "limitUrls"], "must be >= 1"),
    ("graph not configured", _wordlift(graphId="999999"), ["wordlift", "graphId"], "configured graph"),
    ("lvs below one", _inference(lvs=0), ["phylodb", "analysis", "inference", "lvs"], "must be >= 1"),
    (
        "dataset id not a uuid",
        _inference(datasetId="not-a-uuid"),
        ["phylodb", "analysis", "inference", "datasetId"],
        "UUID",
    ),
    (
        "project not configured",
        lambda s: {**_inference()(s), "phylodb": {**_inference()(s)["phylodb"], "projectId": "nope"}},
        ["phylodb", "projectId"],
        "not a configured phyloDB project",
    ),
    (
        "no documents",
        lambda s: {"leia": {"job": {"applyModel": {"modelId": "doctype", "documentIds": []}}}},
        ["leia", "job", "applyModel", "documentIds"],
        "at least one document",
    ),
    ("tag with several documents", _apply(2, tag="x"), ["leia", "job", "applyModel", "tag"], "single document"),
    (
        "page range without executeAfter",
        _apply(1, pageRange="0:2"),
        ["leia", "job", "applyModel", "pageRange"],
        "execute_after_id",
    ),
    (
        "executeAfter of another source",
        lambda s: {**_apply()(s), "leia": {**_apply()(s)["leia"], "executeAfter": _scale_job_id(s)}},
        ["leia", "executeAfter"],
        "is a SCALE Job, not a LEIA one",
    ),
    (
        "conditional without executeAfter",
        lambda s: {"leia": {"job": {"conditional": {"rules": {"r": {"jobs": [{"job_type": "transform"}]}}}}}},
        ["leia", "executeAfter"],
        "needs the job it follows",
    ),
    (
        "callback not http",
        lambda s: {**_apply()(s), "leia": {**_apply()(s)["leia"], "callbackUrl": "ftp://x"}},
        ["leia", "callbackUrl"],
        "http(s)",
    ),
    (
        "callback to the gateway's own loopback",
        lambda s: {**_apply()(s), "leia": {**_apply()(s)["leia"], "callbackUrl": f"{s.url}/graphql"}},
        ["leia", "callbackUrl"],
        "a loopback address",
    ),
    (
        "callback to the cloud metadata endpoint",
        lambda s: {
            **_apply()(s),
            "leia": {**_apply()(s)["leia"], "callbackUrl": "http://169.254.169.254/latest/meta-data/"},
        },
        ["leia", "callbackUrl"],
        "a cloud metadata address",
    ),
    (
        "callback to localhost by name",
        lambda s: {**_apply()(s), "leia": {**_apply()(s)["leia"], "callbackUrl": "http://localhost:9/hook"}},
        ["leia", "callbackUrl"],
        "a loopback name",
    ),
    (
        "callback to a private network",
        lambda s: {**_apply()(s), "leia": {**_apply()(s)["leia"], "callbackUrl": "https://10.20.30.40/hook"}},
        ["leia", "callbackUrl"],
        "a private address",
    ),
    (
        "job type of another source",
        _scale(jobType=encode_id("JobType", Source.WORDLIFT, "1506805", "kpi")),
        ["scale", "jobType"],
        "is a WORDLIFT JobType, not a SCALE one",
    ),
    (
        "a job id where a job type belongs",
        lambda s: {**_scale()(s), "scale": {**_scale()(s)["scale"], "jobType": _scale_job_id(s)}},
        ["scale", "jobType"],
        "not a JobType",
    ),
    ("input not an object", _scale(input=[1, 2]), ["scale", "input"], "JSON object"),
    ("file ids not integers", _scale(input={"files": {"INPUT_FILE": ["a"]}}), ["scale", "input"], "file ids"),
    ("configuration not an object", _scale(configuration="fast"), ["scale", "configuration"], "JSON object"),
]


@pytest.mark.parametrize(("build", "field", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_input_is_a_typed_error_naming_the_field(
    stack: Stack, build: Build, field: list[str], words: str
) -> None:
    payload = submit(stack, build(stack))
    assert payload["job"] is None and payload["replayed"] is False
    [error] = payload["errors"]
    assert error["code"] == "INVALID_INPUT"
    assert error["field"] == ["input", "job", *field]
    assert words in error["message"]
    assert mutating_calls(stack) == {}


def test_every_problem_is_reported_at_once(stack: Stack) -> None:
    payload = submit(stack, _wordlift(stageRetries=-1, limitDocuments=0, limitUrls=0)(stack))
    fields = sorted(e["field"][-1] for e in payload["errors"])
    assert fields == ["limitDocuments", "limitUrls", "stageRetries"]
    assert mutating_calls(stack) == {}


def test_an_idempotency_key_that_is_too_long_is_refused(stack: Stack) -> None:
    payload = submit(stack, _wordlift()(stack), key="k" * 201)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID_INPUT", ["input", "idempotencyKey"])]
    assert mutating_calls(stack) == {}


GRAPHQL_CASES: list[tuple[str, Build, str]] = [
    ("impossible date", _wordlift(snapshotDate="2026-02-30"), "snapshotDate"),
    ("date in another format", _wordlift(snapshotDate="01/10/2026"), "snapshotDate"),
    ("unknown field", _wordlift(bogus=1), "bogus"),
    ("two sources at once", lambda s: {**_wordlift()(s), "amperity": {}}, "JobSubmission"),
    ("no source at all", lambda s: {}, "JobSubmission"),
    (
        "two Leia kinds at once",
        lambda s: {
            "leia": {
                "job": {
                    **_apply()(s)["leia"]["job"],
                    "transform": {"documentIds": leia_documents(s, 1), "outputType": "text"},
                }
            }
        },
        "LeiaJobKind",
    ),
    (
        "two phyloDB analyses at once",
        lambda s: {
            "phylodb": {
                **_inference()(s)["phylodb"],
                "analysis": {
                    **_inference()(s)["phylodb"]["analysis"],
                    "visualization": {"datasetId": "a", "inferenceId": "b"},
                },
            }
        },
        "PhyloDbAnalysis",
    ),
    ("size of the wrong type", _wordlift(limitDocuments="ten"), "limitDocuments"),
]


@pytest.mark.parametrize(("build", "named"), [c[1:] for c in GRAPHQL_CASES], ids=[c[0] for c in GRAPHQL_CASES])
def test_malformed_input_is_a_graphql_validation_error(stack: Stack, build: Build, named: str) -> None:
    body = query(stack, SUBMIT, {"i": {"job": build(stack)}})
    assert body.get("data") is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert named in error["message"]
    assert mutating_calls(stack) == {}


def test_cancel_and_rerun_refuse_ids_that_are_not_jobs(stack: Stack) -> None:
    job_type_id = encode_id("JobType", Source.SCALE, "", "30")
    for answer in (cancel(stack, job_type_id), rerun(stack, "definitely-not-an-id")):
        [error] = answer["errors"]
        assert (error["code"], error["field"]) == ("INVALID_INPUT", ["input", "id"])
    missing = cancel(stack, encode_id("Job", Source.SCALE, "", "987654321"))
    assert [(e["code"], e["field"]) for e in missing["errors"]] == [("NOT_FOUND", ["input", "id"])]
    assert mutating_calls(stack) == {}
