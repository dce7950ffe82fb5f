"""Prometheus metrics: upstream calls by source/operation/outcome, GraphQL requests by operation.

Label values come from a bounded set, whatever clients send: operation names are
client-chosen, so only the first ``MAX_OPERATION_NAMES`` distinct ones get a label
of their own and every later one counts as ``other``; latency is labelled by
operation type (query, mutation, subscription), not by name, since each
histogram series costs some twenty lines of every scrape.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from adapters.model import Source

MAX_OPERATION_NAMES = 100
OTHER_OPERATIONS = "other"

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


class Metrics:
    """One registry per app, so several apps in one process (tests) never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.upstream_requests = Counter(
            "job_gateway_upstream_requests_total",
            "Upstream HTTP requests by source, operation and outcome.",
            ["source", "operation", "outcome"],
            registry=self.registry,
        )
        self.upstream_latency = Histogram(
            "job_gateway_upstream_request_duration_seconds",
            "Upstream request latency.",
            ["source", "operation"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.graphql_requests = Counter(
            "job_gateway_graphql_requests_total",
            f"GraphQL operations by operation name (the first {MAX_OPERATION_NAMES} names seen, then "
            f"{OTHER_OPERATIONS!r}) and outcome.",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.graphql_latency = Histogram(
            "job_gateway_graphql_request_duration_seconds",
            "GraphQL operation latency by operation type.",
            ["operation_type"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._operation_names: set[str] = set()

    def observe_upstream(self, source: Source, operation: str, outcome: str, seconds: float) -> None:
        self.upstream_requests.labels(source.value, operation, outcome).inc()
        self.upstream_latency.labels(source.value, operation).observe(seconds)

    def observe_graphql(self, operation: str, operation_type: str, outcome: str, seconds: float) -> None:
        self.graphql_requests.labels(self._operation_label(operation), outcome).inc()
        self.graphql_latency.labels(operation_type).observe(seconds)

    def _operation_label(self, name: str) -> str:
        if name in self._operation_names:
            return name
        if len(self._operation_names) < MAX_OPERATION_NAMES:
            self._operation_names.add(name)
            return name
        return OTHER_OPERATIONS

    def render(self) -> bytes:
        return generate_latest(self.registry)
