"""Reads Scale's error bodies: DRF ``{"detail": ...}``, serializer ``{field: [msgs]}``, bare strings, Django HTML.

Scale's parameter errors name the parameter in the message (``Missing required
parameter: "job_type_id"``, ``Invalid ISO timestamp format for parameter:
started``); those become field errors, and the bare ``"Invalid job data: ..."``
string of ``POST /v6/jobs/`` is a field error on ``input``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx

from adapters.errors import FieldError

_LIMIT = 300
_QUOTED_PARAM = re.compile(r'[Pp]arameter[^"]*"([^"]+)"')
_NAMED_PARAM = re.compile(r"for parameter: (\w+)")
_JOB_DATA = "Invalid job data"


def _fields(message: str) -> tuple[FieldError, ...]:
    if message.startswith(_JOB_DATA):
        return (FieldError(("input",), message),)
    match = _QUOTED_PARAM.search(message) or _NAMED_PARAM.search(message)
    return (FieldError((match.group(1),), message),) if match else ()


def parse_error(response: httpx.Response) -> tuple[str, tuple[FieldError, ...]]:
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        # Django's own pages (404, 500) are HTML: the status line says more than the markup.
        if not text or text.startswith("<"):
            return response.reason_phrase or f"HTTP {response.status_code}", ()
        return text[:_LIMIT], ()
    if isinstance(body, str):
        return body[:_LIMIT], _fields(body)
    if isinstance(body, Mapping):
        detail = body.get("detail")
        if isinstance(detail, str):
            return detail[:_LIMIT], _fields(detail)
        errors = tuple(
            FieldError((str(key),), "; ".join(str(m) for m in (value if isinstance(value, list) else [value])))
            for key, value in body.items()
        )
        if errors:
            return "; ".join(f"{e.path[0]}: {e.message}" for e in errors)[:_LIMIT], errors
    if isinstance(body, list) and body:
        return "; ".join(str(m) for m in body)[:_LIMIT], ()
    return response.reason_phrase or f"HTTP {response.status_code}", ()
