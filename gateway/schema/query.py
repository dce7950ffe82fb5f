"""``Query``: node lookups, the three connections, and upstream status."""

from __future__ import annotations

import asyncio

import strawberry

from gateway.context import Context, Info
from gateway.errors import GatewayError
from gateway.ids import GlobalId, InvalidId, decode_id
from gateway.reads import PageRequest
from gateway.schema.inputs import (
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
)
from gateway.schema.upstream import Upstream

MAX_NODES = 100


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
        description="Jobs of every configured source, newest first (see README: ordering across sources)."
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
        return CountedConnection.of(page, Job.from_record, info)

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

    @strawberry.field(description="The configured upstreams, their health and capabilities.")
    def upstreams(self, info: Info) -> list[Upstream]:
        return [Upstream.describe(a) for a in info.context.upstreams]
