"""``Query.upstreams``: what an operator needs to know about each configured source."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from adapters.base import Adapter, Catalog, HeldJobStarter, LogReader
from gateway.schema.enums import CircuitState, Source
from gateway.upstreams import Upstreams


@strawberry.type(description="What a source can do through this gateway.")
class Capabilities:
    list_jobs: bool
    get_job: bool
    batch_get_jobs: bool
    filter_status: bool = strawberry.field(description="Status filters are applied by the upstream itself.")
    filter_job_type: bool
    filter_time: bool
    job_types: bool
    ingest_runs: bool
    submit: bool
    cancel: bool
    rerun: bool
    start: bool = strawberry.field(description="Held jobs can be released with `startJob`.")
    callbacks: bool = strawberry.field(description="The upstream can push job changes (Leia callback_url).")
    children: bool = strawberry.field(description="Jobs link the jobs they spawned (`Job.children`).")
    total_count: bool
    list_order: str = strawberry.field(
        description="The time this source's lists follow, newest first: updated, created, started or none."
    )
    logs: bool = strawberry.field(default=False, description="`Job.logs` has the job's log lines (Scale).")
    catalogs: list[str] = strawberry.field(
        default_factory=list, description="The `Query.catalog` kinds this source lists (Leia: models, documents)."
    )


@strawberry.type(description="The latest call the gateway made to a source.")
class UpstreamCall:
    outcome: str = strawberry.field(
        description="OK, or the error kind (UNAVAILABLE also when the open circuit refused the call)."
    )
    at: datetime
    status: int | None = strawberry.field(description="The HTTP status, when an answer came.")


@strawberry.type(description="The latest readiness probe of a source (a cheap authenticated call made for /readyz).")
class UpstreamProbe:
    ok: bool
    at: datetime
    error: str | None


def _when(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


@strawberry.type(description="A configured upstream and how it is doing.")
class Upstream:
    source: Source
    healthy: bool = strawberry.field(
        description=(
            "The circuit is closed (not HALF_OPEN), no call failed since the last good answer, and neither a "
            "401/403 nor a failed readiness probe came after it: the same notion as /readyz. Read after the "
            "other fields of the same query have made their upstream calls."
        )
    )
    circuit_state: CircuitState | None
    last_latency_ms: float | None
    last_error: str | None = strawberry.field(description="The latest failure, however long ago (see lastErrorAt).")
    last_error_at: datetime | None
    last_call: UpstreamCall | None
    last_probe: UpstreamProbe | None
    requests: int
    failures: int
    scopes: list[str]
    capabilities: Capabilities

    @classmethod
    def describe(cls, adapter: Adapter) -> Upstream:
        health = Upstreams.health(adapter)
        c = adapter.capabilities
        caps = Capabilities(
            list_jobs=c.list_jobs,
            get_job=c.get_job,
            batch_get_jobs=c.batch_get_jobs,
            filter_status=c.filter_status,
            filter_job_type=c.filter_job_type,
            filter_time=c.filter_time,
            job_types=c.job_types,
            ingest_runs=c.ingest_runs,
            submit=c.submit,
            cancel=c.cancel,
            rerun=c.rerun,
            start=isinstance(adapter, HeldJobStarter),
            callbacks=c.callbacks,
            children=c.children,
            total_count=c.total_count,
            list_order=c.list_order,
            logs=isinstance(adapter, LogReader),
            catalogs=list(adapter.catalog_kinds) if isinstance(adapter, Catalog) else [],
        )
        if health is None:
            return cls(
                source=adapter.source,
                healthy=True,
                circuit_state=None,
                last_latency_ms=None,
                last_error=None,
                last_error_at=None,
                last_call=None,
                last_probe=None,
                requests=0,
                failures=0,
                scopes=list(adapter.scopes),
                capabilities=caps,
            )
        return cls(
            source=adapter.source,
            healthy=health.healthy,
            circuit_state=health.circuit,
            last_latency_ms=None if health.last_latency_s is None else round(health.last_latency_s * 1000, 3),
            last_error=health.last_error,
            last_error_at=_when(health.last_error_at),
            last_call=None
            if (call := health.last_call) is None
            else UpstreamCall(
                outcome=call.outcome.upper(), at=datetime.fromtimestamp(call.at, UTC), status=call.status
            ),
            last_probe=None
            if (probe := health.last_probe) is None
            else UpstreamProbe(ok=probe.ok, at=datetime.fromtimestamp(probe.at, UTC), error=probe.error),
            requests=health.requests,
            failures=health.failures,
            scopes=list(adapter.scopes),
            capabilities=caps,
        )
