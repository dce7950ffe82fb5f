"""``job-gateway serve --log-format json`` as an operator reads it: every line one JSON object, written once.

One access line per request with its request id, operation, duration, upstream calls and
error codes; an upstream failure names its source and kind; a client token and a webhook
path's token never appear.
"""

from __future__ import annotations

import json
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.processes import gateway, simulators

pytestmark = pytest.mark.integration

QUERY = "query RecentScale { jobs(first: 2, filter: {sources: [SCALE, LEIA]}) { edges { node { id } } } }"
WEBHOOK_TOKEN = "wh-7c1e9f-secret-token"


def test_json_lines_one_access_line_per_request_no_secrets(tmp_path: Path) -> None:
    with simulators(tmp_path) as (_, config):
        process = gateway(
            config,
            tmp_path,
            state_url=f"sqlite:///{tmp_path / 'state.db'}",
            args=("--log-format", "json", "--log-level", "info"),
        )
        try:
            sim_url = process_sim_origin(config)
            httpx.post(f"{sim_url}/scale/_sim/faults", json={"error_rate": 1.0, "status": 503}).raise_for_status()
            answer = httpx.post(
                f"{process.url}/graphql",
                json={"query": QUERY, "variables": {"secret": "variable-value-never-logged"}},
                headers={"x-request-id": "req-42", "authorization": "Bearer client-token-never-logged"},
                timeout=30,
            )
            httpx.post(f"{process.url}/webhooks/leia/{WEBHOOK_TOKEN}", json={}, timeout=10)
        finally:
            assert process.stop(signal.SIGTERM) == 0
    assert answer.headers["x-request-id"] == "req-42"
    assert answer.json()["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    text = process.log.read_text()
    lines = [line for line in text.splitlines() if line.strip()]
    entries: list[dict[str, Any]] = [json.loads(line) for line in lines]  # every line is JSON
    assert all({"ts", "level", "logger", "message"} <= e.keys() for e in entries)
    repeated = [
        m for m, n in Counter(e["message"] for e in entries if e["logger"].startswith("uvicorn")).items() if n > 1
    ]
    assert repeated == [], repeated  # start-up and shutdown lines appear once
    access = [e for e in entries if e["logger"] == "job_gateway.access" and e.get("request_id") == "req-42"]
    assert len(access) == 1, entries
    line = access[0]
    print("\naccess line:", json.dumps(line))
    assert line["operations"] == ["query RecentScale"] and line["status"] == 200
    assert line["error_codes"] == {"UPSTREAM_UNAVAILABLE": 1}
    assert any(k.startswith("SCALE list_jobs ") for k in line["upstream_calls"]), line
    assert any(k.startswith("LEIA ") and k.endswith(" ok") for k in line["upstream_calls"]), line
    assert line["duration_ms"] > 0
    failures = [e for e in entries if e["logger"] == "job_gateway.upstream" and e.get("source") == "SCALE"]
    assert failures and all(e["kind"] == "UNAVAILABLE" for e in failures), failures
    assert any(e["logger"] == "job_gateway.access" and e["path"] == "/webhooks/leia/***" for e in entries)
    for secret in (WEBHOOK_TOKEN, "client-token-never-logged", "variable-value-never-logged"):
        assert secret not in text


def process_sim_origin(config: Path) -> str:
    text = config.read_text()
    start = text.index('base_url = "') + len('base_url = "')
    return text[start : text.index('"', start)].rsplit("/", 1)[0]
