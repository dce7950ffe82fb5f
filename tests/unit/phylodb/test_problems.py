from __future__ import annotations

import httpx

from adapters.errors import ErrorKind, FieldError, UpstreamError
from adapters.model import Source
from adapters.phylodb.problems import PROJECT_DENIED, CallContext, parse_error, problem_name, refine


def _error(status: int, message: str) -> UpstreamError:
    return UpstreamError(kind=ErrorKind.UNAUTHENTICATED, source=Source.PHYLODB, message=message, status=status)


def test_parse_error_bodies() -> None:
    challenge = httpx.Response(401, headers={"WWW-Authenticate": "Bearer error=INVALID_TOKEN"})
    assert parse_error(challenge) == ("authentication failed (Bearer error=INVALID_TOKEN)", ())
    assert parse_error(httpx.Response(401)) == (PROJECT_DENIED, ())
    problem = httpx.Response(401, json={"message": "/problems/unauthorized"})
    assert parse_error(problem) == ("/problems/unauthorized", ())
    assert parse_error(httpx.Response(500, text="boom")) == ("boom", ())


def test_problem_name() -> None:
    assert problem_name(_error(404, "PHYLODB answered 404: /problems/not_found")) == "not_found"
    assert problem_name(_error(401, "PHYLODB answered 401: authentication failed")) is None


def test_refine_by_context() -> None:
    unknown = CallContext(ErrorKind.NOT_FOUND, "no such job")
    body = _error(401, "PHYLODB answered 401: /problems/unauthorized")
    assert refine(body, unknown).kind is ErrorKind.NOT_FOUND
    assert refine(body, CallContext()).kind is ErrorKind.UNAUTHENTICATED
    denied = _error(401, f"PHYLODB answered 401: {PROJECT_DENIED}")
    assert refine(denied, unknown).kind is ErrorKind.FORBIDDEN
    auth = _error(401, "PHYLODB answered 401: authentication failed (Bearer error=INVALID_TOKEN)")
    assert refine(auth, unknown).kind is ErrorKind.UNAUTHENTICATED
    other = _error(404, "PHYLODB answered 404: /problems/unauthorized")
    assert refine(other, unknown) is other


def test_refine_adds_a_field_error() -> None:
    refused = CallContext(ErrorKind.INVALID, "dataset has fewer than 2 profiles", ("parameters",))
    err = refine(_error(401, "PHYLODB answered 401: /problems/unauthorized"), refused)
    assert err.kind is ErrorKind.INVALID and err.status == 401
    assert err.field_errors == (FieldError(("parameters",), "dataset has fewer than 2 profiles"),)
    assert "fewer than 2 profiles" in err.message
