"""The hostile-input suite's gateways and the one check every answer in it must pass.

``hostile`` is a gateway over in-memory adapters, shared by a whole module (the
tests only read, so sharing is safe and keeps the suite fast); ``leia_stack`` is
the real loopback stack, for what only a real upstream exercises (submissions,
callbacks). ``assert_safe`` is the contract: below 500, no traceback, no source
path, no exception class name, no secret, and every GraphQL error coded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from adapters.model import Source
from gateway.app import create_app
from gateway.config import GatewayConfig, GatewaySettings
from gateway.upstreams import Upstreams
from tests.conftest import make_jobs, make_types
from tests.support.memory_adapter import MemoryAdapter
from tests.support.stack import Stack, running_stack

CURSOR_SECRET = "hostile-suite-cursor-secret"
"""Must never show in any answer; it is also what ``foreign_cursor`` is not signed with."""

LEAK_MARKERS = ("Traceback", 'File "', '.py"', ".py:", "site-packages", CURSOR_SECRET)
EXCEPTION_NAME = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception|Exit|Interrupt)\b")
"""A Python exception class name in an error message means a library's text got out unreworded."""


def hostile_config(**settings: Any) -> GatewayConfig:
    return GatewayConfig(gateway=GatewaySettings(cursor_secret=SecretStr(CURSOR_SECRET), **settings))


def memory_upstreams() -> Upstreams:
    return Upstreams(
        {
            Source.SCALE: MemoryAdapter(Source.SCALE, make_jobs(Source.SCALE, 37), make_types(Source.SCALE)),
            Source.LEIA: MemoryAdapter(Source.LEIA, make_jobs(Source.LEIA, 23, step_s=97, offset_s=30)),
            Source.PHYLODB: MemoryAdapter(Source.PHYLODB, make_jobs(Source.PHYLODB, 11, timed=False)),
        }
    )


@pytest.fixture(scope="module")
def hostile() -> Iterator[TestClient]:
    """A gateway over memory adapters with the default limits (introspection on, no client tokens)."""
    with TestClient(create_app(hostile_config(), upstreams=memory_upstreams())) as client:
        yield client


@pytest.fixture(scope="module")
def leia_stack() -> Iterator[Stack]:
    """All five simulators and the gateway on loopback, with callbacks pointed at the gateway itself."""
    with running_stack(gateway={"cursor_secret": CURSOR_SECRET}, public_base_url=True) as stack:
        yield stack


def check_errors(errors: object, *, secrets: Iterable[str] = ()) -> None:
    """Every GraphQL error is coded, not an internal one, and says nothing about our code."""
    assert isinstance(errors, list) and errors, errors
    for error in errors:
        assert isinstance(error, dict), error
        code = (error.get("extensions") or {}).get("code")
        assert isinstance(code, str) and code, f"error without extensions.code: {error}"
        assert code != "INTERNAL_SERVER_ERROR", f"an unexpected exception reached the client: {error}"
        message = error.get("message", "")
        assert isinstance(message, str) and message
        assert not EXCEPTION_NAME.search(message), f"exception class name in {message!r}"
        for secret in secrets:
            assert secret not in message


def assert_safe(response: Any, *, secrets: Iterable[str] = ()) -> dict[str, Any] | None:
    """The contract for any HTTP answer of the gateway; returns the JSON body when there is one."""
    assert response.status_code < 500, (response.status_code, response.text[:500])
    text = response.text
    for marker in (*LEAK_MARKERS, *secrets):
        assert marker not in text, f"{marker!r} in {text[:500]}"
    content_type = response.headers.get("content-type", "")
    if isinstance(content_type, list):  # schemathesis's responses keep every value of a header
        content_type = ",".join(content_type)
    if "json" not in content_type:
        return None
    body = json.loads(text)
    if isinstance(body, dict) and "errors" in body:
        check_errors(body["errors"], secrets=secrets)
    return body if isinstance(body, dict) else None


def codes(body: dict[str, Any] | None) -> set[str]:
    """The ``extensions.code`` of each error of a GraphQL answer."""
    assert body is not None
    return {e["extensions"]["code"] for e in body.get("errors", [])}


def post(client: TestClient, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    """POST a GraphQL request (application/json), check the answer, return its body."""
    response = client.post("/graphql", json={"query": query, "variables": variables or {}}, **kwargs)
    body = assert_safe(response)
    assert body is not None, response.text
    return body
