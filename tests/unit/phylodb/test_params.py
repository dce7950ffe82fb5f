from __future__ import annotations

from typing import Any

import pytest

from adapters.errors import ErrorKind, UpstreamError
from adapters.phylodb.params import parse_params

from .conftest import DATASET, INFERENCE


def _paths(params: dict[str, Any]) -> set[tuple[str, ...]]:
    with pytest.raises(UpstreamError) as info:
        parse_params(params)
    assert info.value.kind is ErrorKind.INVALID
    return {f.path for f in info.value.field_errors}


def test_native_body_is_accepted() -> None:
    job = parse_params({"analysis": "inference", "algorithm": "goeburst", "parameters": [DATASET, 3]})
    assert job.body() == {"analysis": "inference", "algorithm": "goeburst", "parameters": [DATASET, 3]}


def test_typed_form_fills_the_algorithm() -> None:
    job = parse_params({"analysis": "visualization", "dataset_id": DATASET, "inference_id": INFERENCE})
    assert job.body() == {"analysis": "visualization", "algorithm": "radial", "parameters": [DATASET, INFERENCE]}


@pytest.mark.parametrize(
    ("params", "paths"),
    [
        ({}, {("analysis",)}),
        ({"analysis": "Inference"}, {("analysis",)}),
        ({"analysis": "inference", "algorithm": "radial", "dataset_id": DATASET, "lvs": 2}, {("algorithm",)}),
        ({"analysis": "inference", "dataset_id": "abc", "lvs": 0}, {("dataset_id",), ("lvs",)}),
        ({"analysis": "inference", "dataset_id": DATASET, "lvs": True}, {("lvs",)}),
        ({"analysis": "inference", "dataset_id": DATASET, "lvs": "3"}, {("lvs",)}),
        ({"analysis": "visualization", "dataset_id": DATASET, "inference_id": 5}, {("inference_id",)}),
        ({"analysis": "inference", "dataset_id": DATASET, "lvs": 3, "inference_id": INFERENCE}, {("inference_id",)}),
        ({"analysis": "inference", "parameters": [DATASET]}, {("parameters",)}),
        ({"analysis": "inference", "parameters": [DATASET, None]}, {("parameters", "1")}),
        ({"analysis": "visualization", "parameters": ["nope", INFERENCE]}, {("parameters", "0")}),
        ({"analysis": "inference", "parameters": [DATASET, 3], "lvs": 3}, {("lvs",)}),
        ({"analysis": "inference", "dataset_id": DATASET, "lvs": 3, "colour": "red"}, {("colour",)}),
    ],
)
def test_invalid_params_name_their_fields(params: dict[str, Any], paths: set[tuple[str, ...]]) -> None:
    assert _paths(params) == paths


def test_message_summarises_every_problem() -> None:
    with pytest.raises(UpstreamError) as info:
        parse_params({"analysis": "inference", "dataset_id": "abc", "lvs": -1})
    assert "dataset_id" in info.value.message and "lvs" in info.value.message
