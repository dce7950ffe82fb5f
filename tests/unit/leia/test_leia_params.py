from __future__ import annotations

from typing import Any

import pytest

from adapters.errors import ErrorKind, UpstreamError
from adapters.leia.params import build_call
from adapters.leia.syntax import page_range_ok

RULES = {
    "rule_name_1": {
        "conditions": {"field_1": "value_1"},
        "jobs": [
            {"job_type": "apply_model", "model_id": "m1", "document_ids": ["d1"], "format_type": "classification"}
        ],
    }
}


def fields(params: dict[str, Any]) -> set[tuple[str, ...]]:
    with pytest.raises(UpstreamError) as err:
        build_call(params)
    assert err.value.kind is ErrorKind.INVALID
    return {f.path for f in err.value.field_errors}


def test_apply_model_call() -> None:
    call = build_call(
        {
            "kind": "apply_model",
            "model_id": "doctype",
            "document_ids": ["d1", "d2"],
            "format_type": "classification",
            "model_params": {"a": 1},
            "callback_url": "https://hooks.example.com/leia",
            "callback_headers": {"x-hook": "1"},
            "block_processing": True,
        }
    )
    assert call.path == "/model/doctype/apply/d1,d2"
    assert call.body == {
        "format_type": "classification",
        "model_params": {"a": 1},
        "callback_url": "https://hooks.example.com/leia",
        "callback_headers": {"x-hook": "1"},
        "block_processing": True,
    }


def test_transform_call_and_default_callback() -> None:
    call = build_call(
        {
            "kind": "transform",
            "document_ids": ["d 1"],
            "output_type": "text",
            "execute_after_id": "j",
            "page_range": "0,2:5,-1",
        },
        default_callback_url="http://gw/hooks/leia",
    )
    assert call.path == "/document/d%201/transform/text"
    assert call.body == {"execute_after_id": "j", "page_range": "0,2:5,-1", "callback_url": "http://gw/hooks/leia"}


def test_conditional_call() -> None:
    call = build_call({"kind": "conditional", "execute_after_id": "abc", "rules": RULES})
    assert call.path == "/job/conditional/abc"
    assert call.body == {"rules": RULES}


def test_unknown_kind() -> None:
    assert fields({"kind": "train"}) == {("kind",)}
    assert fields({}) == {("kind",)}


def test_required_and_typed_fields_are_named_all_at_once() -> None:
    problems = fields(
        {"kind": "apply_model", "document_ids": [], "block_processing": "yes", "callback_url": "ftp://x", "oops": 1}
    )
    assert problems == {("model_id",), ("document_ids",), ("block_processing",), ("callback_url",), ("oops",)}


def test_misplaced_parameters_are_refused() -> None:
    assert ("model_id",) in fields({"kind": "transform", "document_ids": ["d"], "output_type": "text", "model_id": "m"})
    assert ("rules",) in fields({"kind": "apply_model", "model_id": "m", "document_ids": ["d"], "rules": RULES})


def test_cross_field_rules() -> None:
    assert fields({"kind": "apply_model", "model_id": "m", "document_ids": ["a", "b"], "tag": "t"}) == {("tag",)}
    assert fields({"kind": "apply_model", "model_id": "m", "document_ids": ["a"], "page_range": "1:"}) == {
        ("page_range",)
    }
    assert fields({"kind": "transform", "document_ids": ["a,b"], "output_type": "pdf"}) == {
        ("document_ids",),
        ("output_type",),
    }


def test_rules_are_checked_in_depth() -> None:
    bad = {
        "r": {"conditions": [], "jobs": [{"job_type": "apply_model"}, {"job_type": "transform", "output_type": "x"}]}
    }
    problems = fields({"kind": "conditional", "execute_after_id": "j", "rules": bad})
    assert problems == {
        ("rules", "r", "conditions"),
        ("rules", "r", "jobs", "0", "model_id"),
        ("rules", "r", "jobs", "1", "output_type"),
    }
    assert fields({"kind": "conditional", "execute_after_id": "j", "rules": {}}) == {("rules",)}


@pytest.mark.parametrize("value", ["4", "-4", "2:", ":5", "2:5", "-4:-2", "::2", "1::2", "0,2:5,-2:-1", ":"])
def test_page_range_accepts_slice_syntax(value: str) -> None:
    assert page_range_ok(value)


@pytest.mark.parametrize("value", ["", "a", "1:2:3:4", "::0", "1,,2", "1.5"])
def test_page_range_refuses_garbage(value: str) -> None:
    assert not page_range_ok(value)
