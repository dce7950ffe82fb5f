"""Reading phyloDB's error answers, whose meaning depends on the call that got them.

phyloDB answers 401 for three different things: a failed authentication (empty
body, ``WWW-Authenticate: Bearer error=...``), a failed project authorization
(empty body, no challenge) and, from its controllers, ``{"message":
"/problems/unauthorized"}`` for an unknown job (DELETE) or a refused job input
(POST). ``parse_error`` keeps those apart in the message; ``refine`` turns them
into the right ``ErrorKind`` once the caller says what the call was.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from adapters.errors import ErrorKind, FieldError, UpstreamError
from adapters.http import default_error_parser

PROBLEM_PREFIX = "/problems/"
AUTH_FAILED = "authentication failed"
PROJECT_DENIED = "project not found or not shared with this user"


def parse_error(response: httpx.Response) -> tuple[str, tuple[FieldError, ...]]:
    """``(message, field errors)`` for the UpstreamClient; the message names the problem path."""
    if response.status_code == 401 and not response.content.strip():
        challenge = response.headers.get("www-authenticate")
        if challenge:
            return f"{AUTH_FAILED} ({challenge[:100]})", ()
        return PROJECT_DENIED, ()
    return default_error_parser(response)


def problem_name(err: UpstreamError) -> str | None:
    """The ``<name>`` of the ``/problems/<name>`` body the upstream sent, if it sent one."""
    _, found, rest = err.message.partition(PROBLEM_PREFIX)
    if not found:
        return None
    return rest.split()[0] if rest.split() else None


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a controller-level ``/problems/unauthorized`` 401 means for this call."""

    unauthorized_kind: ErrorKind | None = None
    unauthorized_message: str = ""
    unauthorized_field: tuple[str, ...] | None = None


def refine(err: UpstreamError, context: CallContext) -> UpstreamError:
    """Re-kind a 401 by what it means here; every other error is returned unchanged."""
    if err.status != 401:
        return err
    if PROJECT_DENIED in err.message:
        return _rekind(err, ErrorKind.FORBIDDEN, err.message)
    if problem_name(err) == "unauthorized" and context.unauthorized_kind is not None:
        fields = err.field_errors
        if context.unauthorized_field is not None:
            fields = (*fields, FieldError(context.unauthorized_field, context.unauthorized_message))
        message = f"{err.message} ({context.unauthorized_message})" if context.unauthorized_message else err.message
        return _rekind(err, context.unauthorized_kind, message, fields)
    return err


def _rekind(
    err: UpstreamError, kind: ErrorKind, message: str, fields: tuple[FieldError, ...] | None = None
) -> UpstreamError:
    return UpstreamError(
        kind,
        err.source,
        message,
        status=err.status,
        retry_after=err.retry_after,
        field_errors=err.field_errors if fields is None else fields,
    )
