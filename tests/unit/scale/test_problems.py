from __future__ import annotations

import httpx

from adapters.errors import FieldError
from adapters.scale.problems import parse_error


def _response(status: int, **kwargs: object) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", "http://scale/v6/jobs/"), **kwargs)  # type: ignore[arg-type]


def test_drf_detail() -> None:
    assert parse_error(_response(404, json={"detail": "Not found."})) == ("Not found.", ())


def test_parameter_messages_name_their_field() -> None:
    message, fields = parse_error(_response(400, json={"detail": 'Missing required parameter: "job_type_id"'}))
    assert fields == (FieldError(("job_type_id",), message),)
    _, fields = parse_error(_response(400, json={"detail": "Invalid ISO timestamp format for parameter: started"}))
    assert fields[0].path == ("started",)


def test_bare_string_job_data_error_is_about_input() -> None:
    body = "Invalid job data: Required input 'INPUT_FILE' was not provided"
    message, fields = parse_error(_response(400, json=body))
    assert message == body
    assert fields == (FieldError(("input",), body),)


def test_serializer_field_errors() -> None:
    message, fields = parse_error(_response(400, json={"name": ["This field is required."], "version": "bad"}))
    assert FieldError(("name",), "This field is required.") in fields
    assert FieldError(("version",), "bad") in fields
    assert "name: This field is required." in message


def test_django_html_pages_use_the_reason_phrase() -> None:
    html = "<!doctype html><html><body><h1>Not Found</h1></body></html>"
    assert parse_error(_response(404, text=html, headers={"content-type": "text/html"})) == ("Not Found", ())


def test_plain_text_and_empty_bodies() -> None:
    assert parse_error(_response(502, text="upstream connect error")) == ("upstream connect error", ())
    assert parse_error(_response(503, content=b"")) == ("Service Unavailable", ())
    assert parse_error(_response(400, json=["a", "b"])) == ("a; b", ())
