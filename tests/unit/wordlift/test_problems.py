from __future__ import annotations

import httpx

from adapters.errors import FieldError
from adapters.wordlift.problems import field_path, parse_error
from tests.unit.wordlift.examples import PROBLEM, VALIDATION_ERROR


def test_problem_json() -> None:
    response = httpx.Response(403, json=PROBLEM, headers={"content-type": "application/problem+json"})
    assert parse_error(response) == ("Forbidden: Administrator access is required for this endpoint.", ())


def test_problem_without_detail() -> None:
    assert parse_error(httpx.Response(409, json={"type": "about:blank", "title": "Conflict", "status": 409})) == (
        "Conflict",
        (),
    )


def test_fastapi_validation_error() -> None:
    message, fields = parse_error(httpx.Response(422, json=VALIDATION_ERROR))
    assert fields == (
        FieldError(("stage_retries",), "Input should be greater than or equal to 0"),
        FieldError(("colour",), "Extra inputs are not permitted"),
    )
    assert "stage_retries: Input should be greater than or equal to 0" in message


def test_fastapi_plain_detail_and_non_json_bodies() -> None:
    assert parse_error(httpx.Response(404, json={"detail": "Not Found"}))[0] == "Not Found"
    assert parse_error(httpx.Response(502, text="<html>Bad Gateway</html>"))[0] == "<html>Bad Gateway</html>"
    assert parse_error(httpx.Response(500, json=["x"]))[0] == "Internal Server Error"


def test_field_paths() -> None:
    assert field_path(["body", "snapshot_date"]) == ("snapshot_date",)
    assert field_path(["query", "limit"]) == ("limit",)
    assert field_path(["body"]) == ("body",)
    assert field_path(["body", "items", 0]) == ("items", "0")
    assert field_path("body") == ()
