"""No upstream credential ever shows in a response, a log line, metrics or health output.

Runs the whole system with faults and wrong credentials, captures every log
record at DEBUG, and greps all of it for every secret the gateway holds
(configured keys and tokens, and Leia's session token learned at login).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from adapters.model import Source
from gateway.app import create_app
from gateway.config import config_from_mapping
from simulators.kit.server import serve
from tests.support.stack import Stack, running_stack

SECRET_KEYS = ("api_key", "token")
QUERIES = [
    "{ upstreams { source healthy lastError } jobs(first: 30) { edges { node { id status raw } } } }",
    "{ ingestRuns(first: 10) { edges { node { id job { id } } } } jobTypes(first: 10) { edges { node { id } } } }",
    'mutation { submitJob(input: {job: {wordlift: {graphId: "1506805", snapshotDate: "2026-11-01"}}}) { errors { message } } }',
    'mutation { cancelJob(input: {id: "Sm9iOlNDQUxFOjox"}) { errors { message } } }',
]


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack() as s:
        yield s


def secrets_of(stack: Stack) -> set[str]:
    found = {
        str(table[key])
        for sim in stack.sims.simulators.values()
        for table in (sim.config,)
        for key in SECRET_KEYS
        if table.get(key)
    }
    leia = stack.app.state.services.upstreams.get(Source.LEIA)
    found.update(s for s in getattr(leia.client, "_secrets", ()) if s)
    assert len(found) >= 5
    return found


def exercise(client: httpx.Client, url: str) -> str:
    seen = []
    for query in QUERIES:
        response = client.post(f"{url}/graphql", json={"query": query})
        seen.append(response.text)
    for path in ("/readyz", "/metrics", "/healthz"):
        seen.append(client.get(f"{url}{path}").text)
    return "\n".join(seen)


def log_text(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(r) for r in records)


def test_no_secret_leaks_under_faults(stack: Stack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    output = exercise(stack.http, stack.url)
    for name in stack.sims.simulators:
        for faults in (
            {"error_rate": 1.0, "status": 401},
            {"burst_429": 5, "retry_after_s": 1},
            {"malformed_rate": 1.0},
        ):
            stack.faults(name, faults)
            output += exercise(stack.http, stack.url)
            stack.faults(name, {})
    everything = output + log_text(caplog.records)
    leaked = [s for s in secrets_of(stack) if s in everything]
    assert leaked == []
    assert "errors" in output  # the faults did produce errors that were checked


def test_no_secret_leaks_with_wrong_credentials(stack: Stack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    tables: dict[str, dict[str, Any]] = stack.sims.gateway_tables(stack.sim_url)
    wrong: set[str] = set()
    for name, table in tables.items():
        for key in SECRET_KEYS:
            if key in table:
                table[key] = f"wrong-{name}-{key}-0123456789abcdef"
                wrong.add(table[key])
    app = create_app(config_from_mapping({"sources": tables}, {}))
    with serve(app) as url, httpx.Client(timeout=60) as client:
        output = exercise(client, url)
    everything = output + log_text(caplog.records)
    assert "UPSTREAM_UNAUTHENTICATED" in output or "UPSTREAM_FORBIDDEN" in output
    assert [s for s in wrong if s in everything] == []
