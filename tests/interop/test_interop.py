"""Third-party tools against the running gateway: the GraphQL-over-HTTP audit and JS subscription clients.

Needs Node.js and ``npm ci`` in this folder (``make test`` does it when npm is
present; ``.ci/run`` always has it). Missing, the tests fail in CI and skip
elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.stack import Stack, running_stack

HERE = Path(__file__).resolve().parent


def _require_node() -> str:
    node = shutil.which("node")
    ready = node is not None and (HERE / "node_modules" / "graphql-http").is_dir()
    if not ready:
        message = "node and tests/interop/node_modules are needed (npm ci --prefix tests/interop)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    assert node is not None
    return node


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack() as s:
        yield s


def _node(node: str, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([node, str(HERE / script), *args], capture_output=True, text=True, timeout=60, cwd=HERE)


def test_graphql_over_http_audit_passes_every_check(stack: Stack) -> None:
    node = _require_node()
    run = _node(node, "audit.mjs", stack.graphql_url)
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["failed"] == [], summary
    assert summary["ok"] == summary["total"] >= 40


def test_graphql_sse_and_graphql_ws_clients_receive_final_states(stack: Stack) -> None:
    node = _require_node()
    body = stack.query(
        "{ jobs(first: 3, filter: {statuses: [SUCCEEDED, FAILED], sources: [SCALE, LEIA]}) { edges { node { id status } } } }"
    )
    jobs = [e["node"] for e in body["data"]["jobs"]["edges"]]
    assert len(jobs) == 3
    run = _node(node, "clients.mjs", stack.graphql_url, *(j["id"] for j in jobs))
    assert run.returncode == 0, run.stderr
    received = json.loads(run.stdout.strip().splitlines()[-1])
    for transport in ("sse", "ws"):
        statuses = {
            p["data"]["jobStatusChanged"]["job"]["id"]: p["data"]["jobStatusChanged"]["status"]
            for p in received[transport]
        }
        assert statuses == {j["id"]: j["status"] for j in jobs}, (transport, received)
    assert httpx.get(f"{stack.url}/healthz").status_code == 200


@pytest.mark.parametrize("source", ["SCALE", "WORDLIFT"])
def test_apollo_client_and_urql_page_through_a_source(stack: Stack, source: str) -> None:
    node = _require_node()
    run = _node(node, "frameworks.mjs", stack.graphql_url, source)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    expected = stack.query(f"{{ jobs(first: 1, filter: {{sources: [{source}]}}) {{ edges {{ node {{ id }} }} }} }}")
    first_id = expected["data"]["jobs"]["edges"][0]["node"]["id"]
    for client in ("apollo", "urql"):
        got = seen[client]
        assert got["count"] == got["distinct"] > 25, (client, got)
        assert got["first"] == first_id and got["node"]["id"] == first_id, (client, got)
    assert seen["apollo"]["count"] == seen["urql"]["count"]
