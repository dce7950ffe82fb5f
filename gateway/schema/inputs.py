"""Filter inputs, and their translation into the adapters' query objects."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import strawberry

from adapters.base import IngestRunQuery, JobQuery, JobTypeQuery
from adapters.model import Source as SourceModel
from gateway.errors import GatewayError
from gateway.ids import InvalidId, decode_id
from gateway.schema.enums import JobStatus, Source


@strawberry.input(description="Narrows a job list; every given field must match.")
class JobFilter:
    sources: list[Source] | None = None
    statuses: list[JobStatus] | None = None
    job_type_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Global ids of JobTypes; limits the list to their sources."
    )
    scopes: list[str] | None = strawberry.field(default=None, description="Graphs, applications, projects...")
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None


@strawberry.input
class JobTypeFilter:
    sources: list[Source] | None = None
    scopes: list[str] | None = None
    name: str | None = None


@strawberry.input
class IngestRunFilter:
    sources: list[Source] | None = None
    states: list[JobStatus] | None = None
    scopes: list[str] | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None


def _set(values: Iterable[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(values)


def _check_range(name: str, after: datetime | None, before: datetime | None) -> None:
    if after is not None and before is not None and after >= before:
        raise GatewayError(f"filter.{name}After must be earlier than filter.{name}Before")


def job_plan(
    f: JobFilter | None,
) -> tuple[frozenset[SourceModel] | None, dict[SourceModel, JobQuery], tuple[object, ...]]:
    """Sources to ask, the query for each, and a stable fingerprint of the filter."""
    f = f or JobFilter()
    _check_range("created", f.created_after, f.created_before)
    _check_range("updated", f.updated_after, f.updated_before)
    sources = None if f.sources is None else frozenset(s for s in f.sources)
    type_ids: dict[SourceModel, set[str]] = {}
    for i, raw in enumerate(f.job_type_ids or ()):
        try:
            gid = decode_id(raw, "JobType")
        except InvalidId as exc:
            raise GatewayError(f"filter.jobTypeIds[{i}]: {exc}") from None
        type_ids.setdefault(gid.source, set()).add(gid.key.native_id)
    if f.job_type_ids is not None:
        typed = frozenset(type_ids)
        sources = typed if sources is None else sources & typed
    statuses = None if f.statuses is None else frozenset(s for s in f.statuses)
    queries = {
        source: JobQuery(
            statuses=statuses,
            job_type_ids=frozenset(type_ids[source]) if f.job_type_ids is not None and source in type_ids else None,
            scopes=_set(f.scopes),
            created_after=f.created_after,
            created_before=f.created_before,
            updated_after=f.updated_after,
            updated_before=f.updated_before,
        )
        for source in SourceModel
    }
    fp = (
        sorted(s.value for s in sources) if sources is not None else None,
        sorted(s.value for s in statuses) if statuses is not None else None,
        sorted((s.value, sorted(ids)) for s, ids in type_ids.items()),
        sorted(f.scopes) if f.scopes is not None else None,
        f.created_after,
        f.created_before,
        f.updated_after,
        f.updated_before,
    )
    return sources, queries, fp


def job_type_plan(f: JobTypeFilter | None) -> tuple[frozenset[SourceModel] | None, JobTypeQuery, tuple[object, ...]]:
    f = f or JobTypeFilter()
    sources = None if f.sources is None else frozenset(s for s in f.sources)
    query = JobTypeQuery(scopes=_set(f.scopes), name=f.name)
    fp = (sorted(s.value for s in sources) if sources else sources, sorted(f.scopes or ()), f.name)
    return sources, query, fp


def ingest_plan(
    f: IngestRunFilter | None,
) -> tuple[frozenset[SourceModel] | None, IngestRunQuery, tuple[object, ...]]:
    f = f or IngestRunFilter()
    _check_range("started", f.started_after, f.started_before)
    sources = None if f.sources is None else frozenset(s for s in f.sources)
    states = None if f.states is None else frozenset(s for s in f.states)
    query = IngestRunQuery(
        scopes=_set(f.scopes), states=states, started_after=f.started_after, started_before=f.started_before
    )
    fp = (
        sorted(s.value for s in sources) if sources is not None else None,
        sorted(s.value for s in states) if states is not None else None,
        sorted(f.scopes) if f.scopes is not None else None,
        f.started_after,
        f.started_before,
    )
    return sources, query, fp
