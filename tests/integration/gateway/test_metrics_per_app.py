"""Each app owns its metrics: two gateways in one process never count each other's upstream calls."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.config import config_from_mapping
from simulators.kit.server import serve
from simulators.suite import build_simulators

UPSTREAM = re.compile(r'^job_gateway_upstream_requests_total\{[^}]*source="SCALE"[^}]*\} (\S+)$', re.M)
GRAPHQL = re.compile(r"^job_gateway_graphql_requests_total\{[^}]*\} (\S+)$", re.M)


def _total(pattern: re.Pattern[str], metrics: str) -> float:
    return sum(float(n) for n in pattern.findall(metrics))


def test_two_apps_in_one_process_count_only_their_own_calls() -> None:
    sims = build_simulators(seed=0, speed=0.0, names=["scale"])
    with serve(sims.app) as sim_url:
        tables = {"sources": sims.gateway_tables(sim_url)}
        with (
            TestClient(create_app(config_from_mapping(tables, {}))) as busy,
            TestClient(create_app(config_from_mapping(tables, {}))) as idle,
        ):
            for _ in range(3):
                answer = busy.post("/graphql", json={"query": "{ jobs(first: 5) { edges { node { id } } } }"})
                assert answer.status_code == 200 and "errors" not in answer.json()
            busy_metrics = busy.get("/metrics").text
            idle_metrics = idle.get("/metrics").text
    assert _total(UPSTREAM, busy_metrics) >= 1
    assert _total(GRAPHQL, busy_metrics) == 3
    assert _total(UPSTREAM, idle_metrics) == 0
    assert _total(GRAPHQL, idle_metrics) == 0
