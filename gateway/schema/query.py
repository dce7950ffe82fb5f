"""``Query``: node lookups, the three connections, and upstream status."""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry

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
from gateway.schema.nodes import IngestRunConnection, JobConnection, JobTypeConnection, Node
from gateway.schema.upstream import Upstream

Info = strawberry.Info[Any, None]
"""Resolvers get a ``gateway.context.Context``; typed loosely to keep the import graph acyclic."""

MAX_NODES = 100


async def _resolve(context: Any, gid: GlobalId) -> Any:
    if gid.type_name == "Job":
        return await context.load_job(gid.source, gid.key)
    if gid.type_name == "JobType":
        return await context.load_job_type(gid.source, gid.key)
    return await context.load_ingest_run(gid.source, gid.key)


def _decode(value: str, where: str) -> GlobalId:
    try:
        return decode_id(value)
    except InvalidId as exc:
        raise GatewayError(f"{where}: {exc}") from None


@strawberry.type
class Query:
    @strawberry.field(description="Any Job, JobType or IngestRun by its global id; null if it no longer exists.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await _resolve(info.context, _decode(id, "id"))  # type: ignore[no-any-return]

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
    ) -> JobConnection:
        sources, queries, fp = job_plan(filter)
        req = PageRequest(first, after, last, before)
        also = job_type_matcher(filter)
        return await info.context.reads.jobs(sources, queries, fp, req, info.path.as_list(), also=also)

    @strawberry.field(description="Job types of every configured source, source by source.")
    async def job_types(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: JobTypeFilter | None = None,
    ) -> JobTypeConnection:
        sources, query, fp = job_type_plan(filter)
        req = PageRequest(first, after, last, before)
        return await info.context.reads.job_types(sources, query, fp, req, info.path.as_list())

    @strawberry.field(description="Ingest runs (Amperity ingest jobs, Scale ingests), newest first.")
    async def ingest_runs(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: IngestRunFilter | None = None,
    ) -> IngestRunConnection:
        sources, query, fp = ingest_plan(filter)
        req = PageRequest(first, after, last, before)
        return await info.context.reads.ingest_runs(sources, query, fp, req, info.path.as_list())

    @strawberry.field(description="The configured upstreams, their health and capabilities.")
    def upstreams(self, info: Info) -> list[Upstream]:
        return [Upstream.describe(a) for a in info.context.upstreams]
