"""Reads Leia's error bodies: Connexion problem JSON (``detail``, ``title``).

Connexion names the offending field in two wordings, which become field
errors: "... for query parameter 'offset'" (parameter errors) and
"... - 'block_processing'" (request body errors, jsonschema path). Anything
else (HTML from a proxy, empty bodies) falls back to the status phrase.
"""

from __future__ import annotations

import re

import httpx

from adapters.errors import FieldError

_PARAMETER = re.compile(r"for (?:query|path|header|formData) parameter '([^']+)'")
_BODY_PATH = re.compile(r" - '([^']+)'$")
_MAX_MESSAGE = 300


def parse_error(response: httpx.Response) -> tuple[str, tuple[FieldError, ...]]:
    message = _message(response)
    return message, _field_errors(message)


def _message(response: httpx.Response) -> str:
    fallback = response.reason_phrase or f"HTTP {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        return fallback
    if isinstance(body, dict):
        for key in ("detail", "title", "message"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:_MAX_MESSAGE]
    if isinstance(body, str) and body:
        return body[:_MAX_MESSAGE]
    return fallback


def _field_errors(message: str) -> tuple[FieldError, ...]:
    match = _PARAMETER.search(message) or _BODY_PATH.search(message)
    if match is None:
        return ()
    return (FieldError(tuple(match.group(1).split(".")), message),)
