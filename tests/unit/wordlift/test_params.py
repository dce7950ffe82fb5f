from __future__ import annotations

from typing import Any

import pytest

from adapters.errors import ErrorKind, UpstreamError
from adapters.wordlift.params import PARAM_NAMES, submit_body
from tests.unit.wordlift.examples import SUBMIT_BODY


def _errors(params: dict[str, Any]) -> dict[tuple[str, ...], str]:
    with pytest.raises(UpstreamError) as info:
        submit_body(params)
    assert info.value.kind is ErrorKind.INVALID
    return {e.path: e.message for e in info.value.field_errors}


def test_spec_example_body_passes_unchanged() -> None:
    assert submit_body(SUBMIT_BODY) == SUBMIT_BODY


def test_every_field() -> None:
    params = {
        "snapshot_date": "2026-03-13",
        "force_rerun": True,
        "stage_retries": 0,
        "limit_documents": 10,
        "limit_urls": None,
        "skip_validation": True,
        "replace_validation": False,
    }
    assert set(params) == set(PARAM_NAMES)
    assert submit_body(params) == params


def test_snapshot_date_is_required() -> None:
    assert _errors({"force_rerun": True}) == {("snapshot_date",): "is required"}


@pytest.mark.parametrize("day", ["2026-3-13", "13/03/2026", "2026-02-30", 20260313, None, "2026-03-13T00:00:00"])
def test_bad_snapshot_dates(day: Any) -> None:
    assert ("snapshot_date",) in _errors({"snapshot_date": day})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("force_rerun", "true"),
        ("force_rerun", 1),
        ("stage_retries", -1),
        ("stage_retries", True),
        ("stage_retries", 1.5),
        ("limit_documents", 0),
        ("limit_urls", "10"),
        ("skip_validation", None),
        ("replace_validation", "no"),
    ],
)
def test_bad_values_name_their_field(name: str, value: Any) -> None:
    assert list(_errors({"snapshot_date": "2026-03-13", name: value})) == [(name,)]


def test_unknown_fields_are_refused_and_all_problems_reported_together() -> None:
    errors = _errors({"colour": "red", "stage_retries": -2})
    assert set(errors) == {("snapshot_date",), ("colour",), ("stage_retries",)}
    assert "not a WordLift KPI job parameter" in errors[("colour",)]
