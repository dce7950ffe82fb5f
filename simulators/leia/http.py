"""HTTP plumbing of the Leia simulator: Connexion-style parameter reading.

Leia is a Connexion (Python) app, so its errors are RFC 7807 problem JSON
(``simulators.kit.problems``), and parameter errors use Connexion's wording
("Wrong type, expected 'integer' for query parameter 'offset'", jsonschema's
"'x' is not one of [...]", body errors suffixed with `` - 'field'``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from simulators.kit.problems import Problem

_JSON_TYPES = {"string": str, "boolean": bool, "object": dict}


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
