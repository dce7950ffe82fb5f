"""``Query``: node lookups, the three connections, and upstream status."""

from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from adapters.model import CatalogRecord, NativeKey, Source
from gateway.context import Context, Info
from gateway.counts import READ_CAP
from gateway.errors import GatewayError
from gateway.ids import GlobalId, InvalidId, decode_id
from gateway.reads import PageRequest
from gateway.schema.enums import JobStatus
from gateway.schema.inputs import (
    MAX_FILTER_ITEMS,
    IngestRunFilter,
    JobFilter,
    JobTypeFilter,
    ingest_plan,
    job_plan,
    job_type_matcher,
    job_type_plan,
)
from gateway.schema.nodes import (
    CountedConnection,
    IngestRun,
    Job,
    JobType,
    Node,
    ingest_run_node,
    job_node,
    job_type_node,
    json_copy,
)
from gateway.schema.upstream import Upstream

MAX_NODES = 100


@strawberry.type(description="A scope jobs live in: a WordLift graph, Leia application, phyloDB project, ...")
class Scope:
    source: Source
    id: str = strawberry.field(description="What `Job.scope` and the `scopes` filter use.")
    name: str | None = strawberry.field(
        description=(
            "A name for people: the Leia application's name, the phyloDB project's name, the website of a "
            "WordLift graph (from its latest job); null where the source has none (Scale, Amperity)."
        )
    )


@strawberry.type(description="An item of a source's catalog (`Query.catalog`): a Leia model or document.")
class CatalogItem:
    source: Source
    kind: str = strawberry.field(description="The catalog it is in: `models`, `documents`.")
    scope: str = strawberry.field(description="The application (or other scope) it belongs to; empty if shared.")
    native_id: str = strawberry.field(description="What a submission names it by.")
    name: str | None
    description: str | None = strawberry.field(description="Leia: the model type, or the document's MIME type.")
    created_at: datetime | None
    raw: JSON = strawberry.field(description="The upstream's own record, unchanged.")

    @classmethod
    def from_record(cls, r: CatalogRecord) -> CatalogItem:
        return cls(
            source=r.source,
            kind=r.kind,
            scope=r.scope,
            native_id=r.native_id,
            name=r.name,
            description=r.description,
            created_at=r.created_at,
            raw=json_copy(r.raw),
        )


@strawberry.type(description="How many jobs of one source have one status (`Query.jobCounts`).")
class JobCount:
    source: Source
    status: JobStatus
    count: int
    exact: bool = strawberry.field(
        description="False: `count` is a lower bound (the source cannot count by status and has more to read)."
    )


MAX_NATIVE_ID = 200


async def _resolve(context: Context, gid: GlobalId) -> Node | None:
    if gid.type_name == "Job":
        return await job_node(context, gid.source, gid.key)
    if gid.type_name == "JobType":
        return await job_type_node(context, gid.source, gid.key)
    return await ingest_run_node(context, gid.source, gid.key)


def _decode(value: str, where: str) -> GlobalId:
    try:
        return decode_id(value)
    except InvalidId as exc:
        raise GatewayError(f"{where}: {exc}") from None


@strawberry.type
class Query:
    @strawberry.field(description="Any Job, JobType or IngestRun by its global id; null if it no longer exists.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await _resolve(info.context, _decode(id, "id"))

    @strawberry.field(description=f"Several nodes at once (at most {MAX_NODES}), batched per source.")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise GatewayError(f"ids: at most {MAX_NODES} ids per call (got {len(ids)})")
        gids = [_decode(value, f"ids[{i}]") for i, value in enumerate(ids)]
        return list(await asyncio.gather(*(_resolve(info.context, g) for g in gids)))

    @strawberry.field(
        description=(
            "Jobs of every configured source, newest first. Each source is read in its own newest-first order "
            "(last update for Scale and WordLift, creation for Leia, start for Amperity; "
            "`upstreams { capabilities { listOrder } }` says which) and the streams are merged on that time; "
            "phyloDB jobs have no time and come last; ties keep the order WORDLIFT, LEIA, PHYLODB, SCALE, "
            "AMPERITY. Cursors are opaque and tied to the filter; paging to the end yields each job once "
            "while the data stands still. A source that fails or cannot apply a filter is left out with an "
            "error naming it (`extensions.code`: UPSTREAM_..., FILTER_NOT_SUPPORTED); the others still answer."
        )
    )
    async def jobs(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: JobFilter | None = None,
    ) -> CountedConnection[Job]:
        sources, queries, fp = job_plan(filter)
        req = PageRequest(first, after, last, before)
        also = job_type_matcher(filter)
        page = await info.context.reads.jobs(sources, queries, fp, req, info.path.as_list(), also=also)
        return CountedConnection.of(page, Job.page_of(info.context), info)

    @strawberry.field(
        description=(
            "How many jobs each source has per status, under the same filter as `jobs` (e.g. "
            '`{sources: [SCALE], statuses: [FAILED], finishedAfter: ...}` for "12 failed today on Scale"). '
            "`exact` is true where the upstream counts by status itself (Scale, Leia) or the whole "
            f"filtered list was read; elsewhere at most {READ_CAP} jobs per source are read and `count` "
            "is a lower bound with `exact: false`. Statuses default to all but UNKNOWN. A failing source is "
            "left out with an error naming it."
        )
    )
    async def job_counts(self, info: Info, filter: JobFilter | None = None) -> list[JobCount]:
        sources, queries, _ = job_plan(filter)
        if filter is not None and filter.job_type_ids is not None and job_type_matcher(filter) is not None:
            raise GatewayError("filter.jobTypeIds: job types of one source in several scopes cannot be counted")
        counts = await info.context.reads.job_counts(sources, queries, info.path.as_list())
        return [JobCount(source=c.source, status=c.status, count=c.count, exact=c.exact) for c in counts]

    @strawberry.field(
        description=(
            "One job by the id its upstream shows (what a user copies from the upstream's UI): Scale's number, "
            "Leia's or WordLift's job id, a phyloDB job UUID, an Amperity `isj-...` id. `scope` (graph, "
            "application, project, tenant) is needed only where the source has several and the id could be "
            "in more than one; without it every configured scope of the source is tried. Null if none has it."
        )
    )
    async def job(self, info: Info, source: Source, native_id: str, scope: str | None = None) -> Job | None:
        context = info.context
        if not native_id or len(native_id) > MAX_NATIVE_ID or not native_id.isprintable():
            raise GatewayError(f"nativeId: 1 to {MAX_NATIVE_ID} printable characters are required")
        if source not in context.upstreams:
            raise GatewayError(f"source: {source.value} is not configured", code="NOT_FOUND")
        adapter = context.upstreams.get(source)
        if scope is not None and scope not in adapter.scopes:
            raise GatewayError(f"scope: {scope!r} is not a configured {source.value} scope")
        scopes = [scope] if scope is not None else list(adapter.scopes)
        found = await asyncio.gather(*(job_node(context, source, NativeKey(s, native_id)) for s in scopes))
        jobs = [j for j in found if j is not None]
        if len(jobs) > 1:
            raise GatewayError(f"nativeId: {native_id!r} is in several {source.value} scopes; give `scope`")
        return jobs[0] if jobs else None

    @strawberry.field(description="Job types of every configured source, source by source.")
    async def job_types(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: JobTypeFilter | None = None,
    ) -> CountedConnection[JobType]:
        sources, query, fp = job_type_plan(filter)
        req = PageRequest(first, after, last, before)
        page = await info.context.reads.job_types(sources, query, fp, req, info.path.as_list())
        return CountedConnection.of(page, JobType.from_record, info)

    @strawberry.field(description="Ingest runs (Amperity ingest jobs, Scale ingests), newest first.")
    async def ingest_runs(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: IngestRunFilter | None = None,
    ) -> CountedConnection[IngestRun]:
        sources, query, fp = ingest_plan(filter)
        req = PageRequest(first, after, last, before)
        page = await info.context.reads.ingest_runs(sources, query, fp, req, info.path.as_list())
        return CountedConnection.of(page, IngestRun.from_record, info)

    @strawberry.field(
        description=(
            "The scopes of the configured sources (all, or those in `sources`), with names where the source "
            "tells them. A source whose names cannot be read is listed by id, with an error naming it."
        )
    )
    async def scopes(self, info: Info, sources: list[Source] | None = None) -> list[Scope]:
        if sources is not None and len(sources) > MAX_FILTER_ITEMS:
            raise GatewayError(f"sources: at most {MAX_FILTER_ITEMS} values (got {len(sources)})")
        wanted = None if sources is None else frozenset(sources)
        found = await info.context.reads.scopes(wanted, info.path.as_list())
        return [Scope(source=s.source, id=s.id, name=s.name) for s in found]

    @strawberry.field(
        description=(
            "What a source's submissions name, listed so a client can offer them: LEIA `models` (ids or short "
            "names for `submitJob(job: {leia: {job: {applyModel: {modelId}}}})`) and `documents` (for "
            "`documentIds`), oldest first. `upstreams { capabilities { catalogs } }` says which source has "
            "which; another kind is a BAD_USER_INPUT error naming the ones there are."
        )
    )
    async def catalog(
        self, info: Info, source: Source, kind: str, first: int | None = None, after: str | None = None
    ) -> CountedConnection[CatalogItem]:
        page = await info.context.reads.catalog(source, kind, PageRequest(first, after), info.path.as_list())
        return CountedConnection.of(page, CatalogItem.from_record, info)

    @strawberry.field(description="The configured upstreams, their health and capabilities.")
    def upstreams(self, info: Info) -> list[Upstream]:
        return [Upstream.describe(a) for a in info.context.upstreams]
