"""Reading WordLift KPI error bodies: RFC 7807 problems and FastAPI 422 ``detail[]``.

400/403/404/409 come as ``application/problem+json`` ``{type, title, status,
detail}``; 422 as ``{"detail": [{loc, msg, type, input?, ctx?}]}``. FastAPI's
own fallbacks (unknown route, wrong method) are ``{"detail": "Not Found"}``,
and a gateway in front may answer HTML: anything else falls back to the
shared default parser.

Field paths drop the leading ``body``/``query``/``path``/``header`` element of
``loc``, so a 422 on ``["body", "stage_retries"]`` names the same field as the
submit parameter ``stage_retries``.
"""

from __future__ import annotations

from typing import Any

import httpx

from adapters.errors import FieldError
from adapters.http import default_error_parser

_LOC_ROOTS = frozenset({"body", "query", "path", "header", "cookie"})
_MAX_MESSAGE = 300


def field_path(loc: Any) -> tuple[str, ...]:
    if not isinstance(loc, list):
        return ()
    parts = tuple(str(part) for part in loc)
    if len(parts) > 1 and parts[0] in _LOC_ROOTS:
        return parts[1:]
    return parts


def _validation_errors(items: list[Any]) -> tuple[FieldError, ...]:
    errors: list[FieldError] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        msg = item.get("msg")
        errors.append(FieldError(field_path(item.get("loc")), msg if isinstance(msg, str) else "invalid"))
    return tuple(errors)


def parse_error(response: httpx.Response) -> tuple[str, tuple[FieldError, ...]]:
    """``response -> (message, field errors)`` for ``UpstreamClient(error_parser=...)``."""
    try:
        body = response.json()
    except ValueError:
        return default_error_parser(response)
    if not isinstance(body, dict):
        return default_error_parser(response)
    detail = body.get("detail")
    if isinstance(detail, list):
        fields = _validation_errors(detail)
        text = "; ".join(f"{'.'.join(f.path) or '(request)'}: {f.message}" for f in fields)
        return (text or "validation error")[:_MAX_MESSAGE], fields
    title = body.get("title")
    if isinstance(title, str) and title:
        text = f"{title}: {detail}" if isinstance(detail, str) and detail else title
        return text[:_MAX_MESSAGE], ()
    return default_error_parser(response)
