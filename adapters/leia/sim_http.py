"""HTTP plumbing of the Leia simulator: Connexion-style problem bodies and parameter reading.

Leia is a Connexion (Python) app, so its errors are RFC 7807 problem JSON
(``type``, ``title``, ``status``, ``detail``) served as
``application/problem+json``, and parameter errors use Connexion's wording
("Wrong type, expected 'integer' for query parameter 'offset'", jsonschema's
"'x' is not one of [...]", body errors suffixed with `` - 'field'``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

PROBLEM_TYPE = "application/problem+json"
_JSON_TYPES = {"string": str, "boolean": bool, "object": dict}


class Problem(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def problem_body(status: int, detail: str) -> dict[str, Any]:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    return {"detail": detail, "status": status, "title": title, "type": "about:blank"}


def problem_response(status: int, detail: str) -> JSONResponse:
    return JSONResponse(problem_body(status, detail), status_code=status, media_type=PROBLEM_TYPE)


def error_body(status: int, message: str) -> tuple[bytes, bytes]:
    """Injected faults in Leia's own error shape."""
    return json.dumps(problem_body(status, message)).encode(), PROBLEM_TYPE.encode()


def enum_value(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise Problem(400, f"{value!r} is not one of {list(allowed)}")
    return value


def query_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise Problem(400, f"Wrong type, expected 'integer' for query parameter '{name}'") from None


async def json_body(request: Request) -> dict[str, Any]:
    """The optional JSON object body; ``{}`` when absent."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise Problem(400, "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise Problem(400, f"{body!r} is not of type 'object'")
    return body


async def merged_params(request: Request, spec: Mapping[str, str], body_only: Mapping[str, str]) -> dict[str, Any]:
    """Parameters given as query parameters or, under the same names, in the JSON body.

    ``spec`` maps a query-or-body name to its JSON type, ``body_only`` the names
    only the body carries. A body value wins over a query value. An object in
    the query string is read as JSON text (the spec's form/explode style for
    objects is ambiguous). Unknown names are ignored, as Connexion does.
    """
    body = await json_body(request)
    values: dict[str, Any] = {}
    for name, kind in spec.items():
        raw = request.query_params.get(name)
        if raw is not None:
            values[name] = _from_query(name, kind, raw)
    for name, kind in {**spec, **body_only}.items():
        if name in body and body[name] is not None:
            value = body[name]
            if not isinstance(value, _JSON_TYPES[kind]):
                raise Problem(400, f"{value!r} is not of type '{kind}' - '{name}'")
            values[name] = value
    return values


def _from_query(name: str, kind: str, raw: str) -> Any:
    if kind == "boolean":
        if raw.lower() in ("true", "1"):
            return True
        if raw.lower() in ("false", "0"):
            return False
        raise Problem(400, f"Wrong type, expected 'boolean' for query parameter '{name}'")
    if kind == "object":
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise Problem(400, f"Wrong type, expected 'object' for query parameter '{name}'")
        return value
    return raw
