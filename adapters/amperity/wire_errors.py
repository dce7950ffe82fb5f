"""Reads Amperity's error body ``{status, message[, request_id, trace_id]}``.

The spec allows only ``status`` and ``message``; the docs add optional
``request_id`` and ``trace_id``. Both forms are read; a request id is kept in the
message because it is what Amperity support asks for. Amperity has no
field-level errors.
"""

from __future__ import annotations

import httpx

from adapters.errors import FieldError
from adapters.http import default_error_parser


def parse_error(response: httpx.Response) -> tuple[str, tuple[FieldError, ...]]:
    try:
        body = response.json()
    except ValueError:
        return default_error_parser(response)
    if not isinstance(body, dict) or not isinstance(body.get("message"), str) or not body["message"]:
        return default_error_parser(response)
    message = body["message"][:300]
    request_id = body.get("request_id")
    if isinstance(request_id, str) and request_id:
        message = f"{message} (request_id {request_id[:64]})"
    return message, ()
