"""Metric labels stay bounded whatever operation names clients choose."""

from __future__ import annotations

from fastapi.testclient import TestClient

from adapters.model import Source
from gateway.app import create_app
from gateway.metrics import MAX_OPERATION_NAMES, Metrics
from gateway.upstreams import Upstreams
from tests.support.memory_adapter import MemoryAdapter


def test_five_thousand_operation_names_keep_the_scrape_small() -> None:
    metrics = Metrics()
    metrics.observe_upstream(Source.SCALE, "list_jobs", "ok", 0.01)
    for i in range(5000):
        name = f"Op{i:04d}_" + "x" * 58  # as long as a label gets (64 characters)
        metrics.observe_graphql(name, "query", "ok" if i % 2 else "error", 0.002)
    text = metrics.render().decode()
    assert len(text) < 100_000, len(text)
    assert 'operation="Op0000_' in text and f'operation="Op{MAX_OPERATION_NAMES - 1:04d}_' in text
    assert f'operation="Op{MAX_OPERATION_NAMES:04d}_' not in text
    others = sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith('job_gateway_graphql_requests_total{operation="other"')
    )
    assert others == 5000 - MAX_OPERATION_NAMES
    assert 'job_gateway_graphql_request_duration_seconds_count{operation_type="query"} 5000.0' in text


def test_named_operations_through_the_app() -> None:
    app = create_app(upstreams=Upstreams({Source.SCALE: MemoryAdapter(Source.SCALE)}))
    with TestClient(app) as client:
        for i in range(MAX_OPERATION_NAMES + 50):
            client.post("/graphql", json={"query": f"query Q{i} {{ __typename }}"})
        client.post("/graphql", json={"query": "mutation M { nope }"})
        text = client.get("/metrics").text
    assert 'job_gateway_graphql_requests_total{operation="Q0",outcome="ok"} 1.0' in text
    assert 'job_gateway_graphql_requests_total{operation="other",outcome="ok"} 50.0' in text
    assert 'operation_type="query"' in text and 'operation_type="mutation"' in text
