"""Filter inputs, and their translation into the adapters' query objects.

Inputs are checked before any upstream call: every list takes at most
``MAX_FILTER_ITEMS`` values, and a date-time must name its time zone (a naive
one would be read in some zone the client never chose, shifting the window by
hours): both are ``BAD_USER_INPUT`` errors naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import strawberry

from adapters.base import IngestRunQuery, JobQuery, JobTypeQuery
from adapters.model import JobRecord
from adapters.registry import REGISTRY
from gateway.errors import GatewayError
from gateway.ids import GlobalId, InvalidId, decode_id
from gateway.schema.enums import JobStatus, Source

MAX_FILTER_ITEMS = 100
MAX_SEARCH = 200
"""Values per filter list (sources, statuses, jobTypeIds, scopes, states)."""

_LIST = f"At most {MAX_FILTER_ITEMS} values."
_ZONED = "With a time zone (2026-11-22T08:00:00Z or +02:00); a date-time without one is refused."


def _when(description: str) -> Any:
    # A field declaration with its default, as ``strawberry.field`` itself returns.
    return strawberry.field(default=None, description=f"{description} {_ZONED}")


@strawberry.input(description="Narrows a job list; every given field must match.")
class JobFilter:
    sources: list[Source] | None = strawberry.field(default=None, description=_LIST)
    statuses: list[JobStatus] | None = strawberry.field(default=None, description=_LIST)
    job_type_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description=f"Global ids of JobTypes; limits the list to their sources. {_LIST}"
    )
    scopes: list[str] | None = strawberry.field(default=None, description=f"Graphs, applications, projects... {_LIST}")
    created_after: datetime | None = _when("Created at or after this time.")
    created_before: datetime | None = _when("Created before this time.")
    updated_after: datetime | None = _when("Last updated at or after this time.")
    updated_before: datetime | None = _when("Last updated before this time.")
    finished_after: datetime | None = _when(
        "Finished (succeeded, failed or cancelled) at or after this time; jobs not finished are left out."
    )
    finished_before: datetime | None = _when("Finished before this time; jobs not finished are left out.")
    job_type_names: list[str] | None = strawberry.field(
        default=None,
        description=(
            "Job type names, across sources: Scale job type names, Leia job types (`predict`, `transform`, ...), "
            "WordLift `kpi`, phyloDB `inference/goeburst` and `visualization/radial`, Amperity `ingest`. "
            f"Scale applies it upstream; other sources are checked on what is read. {_LIST}"
        ),
    )
    search: str | None = strawberry.field(
        default=None,
        description=(
            f"Case-insensitive text in the native id or the job type name (at most {MAX_SEARCH} characters). "
            "Checked on the jobs read from each source (no upstream has a text search), so upstream reads "
            "per page are bounded: with a rare match a page may hold fewer than `first` jobs while "
            "`hasNextPage` is true (continue with `endCursor`), and `totalCount` is null where the "
            "source's own count no longer applies."
        ),
    )


@strawberry.input
class JobTypeFilter:
    sources: list[Source] | None = strawberry.field(default=None, description=_LIST)
    scopes: list[str] | None = strawberry.field(default=None, description=_LIST)
    name: str | None = None


@strawberry.input
class IngestRunFilter:
    sources: list[Source] | None = strawberry.field(default=None, description=_LIST)
    states: list[JobStatus] | None = strawberry.field(default=None, description=_LIST)
    scopes: list[str] | None = strawberry.field(default=None, description=_LIST)
    started_after: datetime | None = _when("Started at or after this time.")
    started_before: datetime | None = _when("Started before this time.")


def _check_lists(**lists: Sequence[object] | None) -> None:
    for name, values in lists.items():
        if values is not None and len(values) > MAX_FILTER_ITEMS:
            raise GatewayError(f"filter.{name}: at most {MAX_FILTER_ITEMS} values (got {len(values)})")


def _check_zones(**times: datetime | None) -> None:
    for name, value in times.items():
        if value is not None and value.utcoffset() is None:
            raise GatewayError(
                f"filter.{name}: give a time zone, as in {value.isoformat()}Z (a date-time without one is refused)",
            )


def _set(values: Iterable[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(values)


def _check_range(name: str, after: datetime | None, before: datetime | None) -> None:
    if after is not None and before is not None and after >= before:
        raise GatewayError(f"filter.{name}After must be earlier than filter.{name}Before")


def job_plan(
    f: JobFilter | None,
) -> tuple[frozenset[Source] | None, dict[Source, JobQuery], tuple[object, ...]]:
    """Sources to ask, the query for each, and a stable fingerprint of the filter."""
    f = f or JobFilter()
    _check_lists(
        sources=f.sources,
        statuses=f.statuses,
        jobTypeIds=f.job_type_ids,
        scopes=f.scopes,
        jobTypeNames=f.job_type_names,
    )
    if f.search is not None and not 1 <= len(f.search) <= MAX_SEARCH:
        raise GatewayError(f"filter.search: 1 to {MAX_SEARCH} characters (got {len(f.search)})")
    _check_zones(
        createdAfter=f.created_after,
        createdBefore=f.created_before,
        updatedAfter=f.updated_after,
        updatedBefore=f.updated_before,
        finishedAfter=f.finished_after,
        finishedBefore=f.finished_before,
    )
    _check_range("created", f.created_after, f.created_before)
    _check_range("updated", f.updated_after, f.updated_before)
    _check_range("finished", f.finished_after, f.finished_before)
    sources = None if f.sources is None else frozenset(s for s in f.sources)
    type_ids: dict[Source, set[str]] = {}
    type_scopes: dict[Source, set[str]] = {}
    for gid in job_type_keys(f):
        type_ids.setdefault(gid.source, set()).add(gid.key.native_id)
        # A job type lives in one scope (WordLift's ``kpi`` exists once per graph): its jobs too.
        type_scopes.setdefault(gid.source, set()).add(gid.key.scope)
    if f.job_type_ids is not None:
        typed = frozenset(type_ids)
        sources = typed if sources is None else sources & typed
    statuses = None if f.statuses is None else frozenset(s for s in f.statuses)
    queries = {
        source: JobQuery(
            statuses=statuses,
            job_type_ids=frozenset(type_ids[source]) if f.job_type_ids is not None and source in type_ids else None,
            scopes=_type_scopes(_set(f.scopes), type_scopes.get(source))
            if f.job_type_ids is not None
            else _set(f.scopes),
            created_after=f.created_after,
            created_before=f.created_before,
            updated_after=f.updated_after,
            updated_before=f.updated_before,
            finished_after=f.finished_after,
            finished_before=f.finished_before,
            job_type_names=_set(f.job_type_names),
            search=f.search,
        )
        for source in REGISTRY.sources
    }
    fp = (
        sorted(s.value for s in sources) if sources is not None else None,
        sorted(s.value for s in statuses) if statuses is not None else None,
        sorted({(g.source.value, g.key.scope, g.key.native_id) for g in job_type_keys(f)}),
        sorted(f.scopes) if f.scopes is not None else None,
        f.created_after,
        f.created_before,
        f.updated_after,
        f.updated_before,
        f.finished_after,
        f.finished_before,
        sorted(f.job_type_names) if f.job_type_names is not None else None,
        f.search,
    )
    return sources, queries, fp


def job_type_keys(f: JobFilter) -> list[GlobalId]:
    """The decoded ``jobTypeIds``; a malformed one is a clear error naming its index."""
    keys = []
    for i, raw in enumerate(f.job_type_ids or ()):
        try:
            keys.append(decode_id(raw, "JobType"))
        except InvalidId as exc:
            raise GatewayError(f"filter.jobTypeIds[{i}]: {exc}") from None
    return keys


def job_type_matcher(f: JobFilter | None) -> Callable[[JobRecord], bool] | None:
    """The exact (scope, type) check, when ``job_plan``'s per-source query is wider than the filter.

    A query holds a set of type ids and a set of scopes; types of one source named in
    different scopes with different ids (phyloDB ``inference/goeburst`` in project A,
    ``visualization/radial`` in project B) would also match the crossed pairs.
    """
    if f is None or f.job_type_ids is None:
        return None
    wanted = {(g.source, g.key.scope, g.key.native_id) for g in job_type_keys(f)}
    per_source: dict[Source, set[tuple[str, str]]] = {}
    for source, scope, native in wanted:
        per_source.setdefault(source, set()).add((scope, native))
    crossed = any(len(pairs) < len({s for s, _ in pairs}) * len({n for _, n in pairs}) for pairs in per_source.values())
    if not crossed:
        return None
    return lambda job: (job.source, job.scope, job.job_type_id or "") in wanted


def _type_scopes(scopes: frozenset[str] | None, of_types: set[str] | None) -> frozenset[str] | None:
    if of_types is None:
        return scopes
    return frozenset(of_types) if scopes is None else scopes & frozenset(of_types)


def job_type_plan(f: JobTypeFilter | None) -> tuple[frozenset[Source] | None, JobTypeQuery, tuple[object, ...]]:
    f = f or JobTypeFilter()
    _check_lists(sources=f.sources, scopes=f.scopes)
    sources = None if f.sources is None else frozenset(s for s in f.sources)
    query = JobTypeQuery(scopes=_set(f.scopes), name=f.name)
    fp = (sorted(s.value for s in sources) if sources else sources, sorted(f.scopes or ()), f.name)
    return sources, query, fp


def ingest_plan(
    f: IngestRunFilter | None,
) -> tuple[frozenset[Source] | None, IngestRunQuery, tuple[object, ...]]:
    f = f or IngestRunFilter()
    _check_lists(sources=f.sources, states=f.states, scopes=f.scopes)
    _check_zones(startedAfter=f.started_after, startedBefore=f.started_before)
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
