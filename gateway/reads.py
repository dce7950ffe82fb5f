"""The read side of the graph: Relay connections over every configured source.

Resolvers call into this module; it plans which sources to ask, merges their
pages (``gateway.paging``), encodes cursors (``gateway.cursor``) and reports a
failing source (``report``) so the others' data still comes back. It returns
``Connection``s of records; the GraphQL layer turns them into its own types.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Generic, TypeVar

from adapters.base import (
    Adapter,
    Catalog,
    IngestRunQuery,
    JobQuery,
    JobTypeQuery,
    LogReader,
    Page,
    ScopeNamer,
    list_time,
)
from adapters.errors import UpstreamError
from adapters.model import CatalogRecord, IngestRunRecord, JobRecord, JobTypeRecord, LogRecord, ScopeRecord, Source
from gateway.counts import JobCount, count_jobs
from gateway.cursor import CursorCodec, CursorState, InvalidCursor, fingerprint
from gateway.errors import FilterNotSupported, GatewayError
from gateway.freshness import FreshLists
from gateway.loaders import Loaders
from gateway.paging import MergedEdge, MergedPage, Positions, SourceStream, merge_page
from gateway.upstreams import Upstreams

T = TypeVar("T")

Report = Callable[[Sequence[str | int], UpstreamError], None]
"""Records a failing source at a response path; its error joins the response."""


@dataclass(frozen=True, slots=True)
class PageLimits:
    default: int = 20
    maximum: int = 100


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


@dataclass(frozen=True, slots=True)
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


NO_PAGE = PageInfo(has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None)


def _no_cursor(positions: Positions) -> str:
    raise LookupError("an empty connection has no edge to seal a cursor for")


@dataclass(frozen=True, slots=True)
class Connection(Generic[T]):
    """One page of a merged list: records with their positions, Relay's page info, the total if known.

    An edge's cursor is sealed only if someone asks (``cursor``): sealing (AES-GCM over the
    positions) costs more than the rest of an edge, and most clients read ``pageInfo.endCursor``
    and no edge's cursor.
    """

    edges: list[MergedEdge[T]]
    page_info: PageInfo
    total_count: int | None = None
    seal: Callable[[Positions], str] = _no_cursor

    def cursor(self, edge: MergedEdge[T]) -> str:
        return self.seal(edge.positions)


class Reads:
    def __init__(
        self,
        upstreams: Upstreams,
        codec: CursorCodec,
        limits: PageLimits,
        loaders: Loaders,
        report: Report,
        fresh: FreshLists | None = None,
        aged: Callable[[Source, float], None] | None = None,
    ) -> None:
        """``fresh``: the freshness window for list pages; ``aged`` hears the age of every page it served."""
        self._fresh = fresh
        self._aged = aged
        self._report = report
        self._loaders = loaders
        self._upstreams = upstreams
        self._codec = codec
        self._limits = limits
        self._list_orders: dict[Source, str] = {}

    async def _listed(self, source: Source, key: Hashable, fetch: Callable[[], Awaitable[Page[T]]]) -> Page[T]:
        """One list page, from the freshness window when an identical read was answered within it."""
        if self._fresh is None:
            return await fetch()
        page, age = await self._fresh.read(source, key, fetch)
        if age and self._aged is not None:
            self._aged(source, age)
        return page

    def _size(self, req: PageRequest) -> int:
        if req.last is not None or req.before is not None:
            raise GatewayError(
                "Backward paging (last/before) is not supported: merged upstream lists can only be "
                "read forward. Page with first/after.",
                code="BAD_USER_INPUT",
            )
        if req.first is None:
            return self._limits.default
        if req.first < 0:
            raise GatewayError("first must not be negative")
        if req.first > self._limits.maximum:
            raise GatewayError(f"first must be at most {self._limits.maximum} (got {req.first})")
        return req.first

    def _start(self, req: PageRequest, fp: str) -> CursorState:
        if req.after is None:
            return CursorState({})
        try:
            return self._codec.decode(req.after, fp)
        except InvalidCursor as exc:
            raise GatewayError(f"after: {exc}") from None

    async def _page(
        self,
        name: str,
        streams: Sequence[SourceStream[T]],
        fp_parts: tuple[object, ...],
        req: PageRequest,
        sort_time: Callable[[T], datetime | None],
        matches: Callable[[T], bool],
        path: Sequence[str | int],
    ) -> tuple[MergedPage[T], Callable[[Positions], str], PageInfo]:
        size = self._size(req)
        fp = fingerprint(name, fp_parts)
        start = self._start(req, fp)
        page = await merge_page(streams, start.positions, size, sort_time, matches)
        # A source split into several streams (one per scope) is reported once, with the
        # most telling of its errors (an upstream status over "circuit open").
        by_source: dict[Source, UpstreamError] = {}
        for _stream, err in page.errors:
            known = by_source.get(err.source)
            if known is None or (known.status is None and err.status is not None):
                by_source[err.source] = err
        for err in by_source.values():
            self._report(path, err)

        def cursor(positions: Positions) -> str:
            return self._codec.encode(CursorState(positions), fp)

        # With no edges (a sparse filter, a failed source) the end cursor still records
        # how far the sources were read, so the client can continue from there.
        resumable = page.has_next or bool(page.errors)
        end = cursor(page.edges[-1].positions) if page.edges else (cursor(page.end_positions) if resumable else None)
        info = PageInfo(
            has_next_page=page.has_next,
            has_previous_page=req.after is not None,
            start_cursor=cursor(page.edges[0].positions) if page.edges else None,
            end_cursor=end,
        )
        return page, cursor, info

    def able(
        self, sources: frozenset[Source] | None, queries: dict[Source, JobQuery], path: Sequence[str | int]
    ) -> list[Adapter]:
        """The selected sources that can apply their query; each other one is reported (FILTER_NOT_SUPPORTED)."""
        adapters = []
        for adapter in self._upstreams.select(sources):
            unfit = queries[adapter.source].set_filters(adapter.capabilities.no_data_for)
            if unfit:
                self._report(path, FilterNotSupported(adapter.source, [_camel(name) for name in unfit]))
            else:
                adapters.append(adapter)
        return adapters

    async def job_counts(
        self, sources: frozenset[Source] | None, queries: dict[Source, JobQuery], path: Sequence[str | int]
    ) -> list[JobCount]:
        """Jobs per source and status (``gateway.counts``); a failing source is reported and left out."""
        adapters = self.able(sources, queries, path)
        answers = await asyncio.gather(*(count_jobs(a, queries[a.source]) for a in adapters), return_exceptions=True)
        counts: list[JobCount] = []
        for answer in answers:
            if isinstance(answer, UpstreamError):
                self._report(path, answer)
            elif isinstance(answer, BaseException):
                raise answer
            else:
                counts.extend(answer)
        return counts

    async def job_logs(self, job: JobRecord, req: PageRequest, path: Sequence[str | int]) -> Connection[LogRecord]:
        """A job's log lines (``LogReader``); an empty connection where the source serves no logs."""
        adapter = self._upstreams.get(job.source)
        if not isinstance(adapter, LogReader):
            self._size(req)
            return Connection([], NO_PAGE, 0)

        async def fetch(after: str | None, limit: int) -> Page[LogRecord]:
            return await adapter.job_logs(job.key, after, limit)

        fp = ("logs", job.source.value, job.scope, job.native_id)
        streams = [SourceStream(job.source.value, fetch)]
        page, cursor, info = await self._page("logs", streams, fp, req, _no_log_time, _any, path)
        return Connection(page.edges, info, page.total, cursor)

    async def catalog(
        self, source: Source, kind: str, req: PageRequest, path: Sequence[str | int]
    ) -> Connection[CatalogRecord]:
        """One of a source's catalogs (``Catalog.catalog_kinds``), as a connection of its own."""
        adapter = self._upstreams.get(source) if source in self._upstreams.sources else None
        kinds = adapter.catalog_kinds if isinstance(adapter, Catalog) else ()
        if not isinstance(adapter, Catalog) or kind not in kinds:
            has = f"has the catalogs {', '.join(kinds)}" if kinds else "has no catalog (or is not configured)"
            raise GatewayError(f"kind: {source.value} {has}; not {kind[:40]!r}")

        async def fetch(after: str | None, limit: int) -> Page[CatalogRecord]:
            return await adapter.list_catalog(kind, after, limit)

        streams = [SourceStream(source.value, fetch)]
        fp = ("catalog", source.value, kind)
        page, cursor, info = await self._page("catalog", streams, fp, req, _no_catalog_time, _any, path)
        return Connection(page.edges, info, page.total, cursor)

    async def scopes(self, sources: frozenset[Source] | None, path: Sequence[str | int]) -> list[ScopeRecord]:
        """Every configured scope of the selected sources, named where the source can tell (``ScopeNamer``);
        a source whose names cannot be read is reported, and its scopes listed by id."""
        adapters = self._upstreams.select(sources)

        async def of(adapter: Adapter) -> list[ScopeRecord]:
            if isinstance(adapter, ScopeNamer):
                try:
                    return await adapter.scope_names()
                except UpstreamError as err:
                    self._report(path, err)
            return [ScopeRecord(adapter.source, scope) for scope in adapter.scopes]

        return [scope for found in await asyncio.gather(*(of(a) for a in adapters)) for scope in found]

    def _list_time(self, record: JobRecord | IngestRunRecord) -> datetime | None:
        """The time the record's own source lists it by: merging on it interleaves the streams exactly."""
        order = self._list_orders.get(record.source)
        if order is None:
            order = self._upstreams.get(record.source).capabilities.list_order
            self._list_orders[record.source] = order
        return list_time(record, order)

    # --- jobs --------------------------------------------------------------------------

    def _job_streams(
        self, adapters: Sequence[Adapter], queries: dict[Source, JobQuery], nested: bool
    ) -> list[SourceStream[JobRecord]]:
        def stream(adapter: Adapter, name: str, query: JobQuery) -> SourceStream[JobRecord]:
            async def fetch(after: str | None, limit: int) -> Page[JobRecord]:
                if nested and after is None:
                    # A first page under each parent of a page: the loader groups them per source.
                    page = await self._loaders.first_jobs_page(adapter.source, query, limit)
                    self._loaders.share_final_jobs(entry.record for entry in page.entries)
                    return page

                async def read() -> Page[JobRecord]:
                    # Shared once per upstream read, not per request that the freshness window serves.
                    page = await adapter.list_jobs(query, after, limit)
                    self._loaders.share_final_jobs(entry.record for entry in page.entries)
                    return page

                return await self._listed(adapter.source, ("jobs", name, query, after, limit), read)

            return SourceStream(name, fetch, untimed=adapter.capabilities.list_order == "none")

        return [
            stream(adapter, name, query)
            for adapter in adapters
            if adapter.capabilities.list_jobs
            for name, query in _per_scope(adapter, queries[adapter.source])
        ]

    async def jobs(
        self,
        sources: frozenset[Source] | None,
        queries: dict[Source, JobQuery],
        fp_parts: tuple[object, ...],
        req: PageRequest,
        path: Sequence[str | int],
        *,
        also: Callable[[JobRecord], bool] | None = None,
        nested: bool = False,
    ) -> Connection[JobRecord]:
        """``also``: a gateway-side check on top of the per-source queries; ``nested``: a
        connection under a parent (one of many on a page), whose first read is batched."""
        adapters = self.able(sources, queries, path)
        streams = self._job_streams(adapters, queries, nested)

        def matches(job: JobRecord) -> bool:
            return queries[job.source].matches(job) and (also is None or also(job))

        # With no filter at all, every record matches: no check per record of the merge.
        unfiltered = also is None and all(queries[a.source].filters_nothing for a in adapters)
        check: Callable[[JobRecord], bool] = _any if unfiltered else matches
        page, cursor, info = await self._page("jobs", streams, fp_parts, req, self._list_time, check, path)
        self._loaders.prime_jobs([e.record for e in page.edges])
        return Connection(page.edges, info, page.total, cursor)

    async def jobs_of_type(
        self, job_type: JobTypeRecord, req: PageRequest, path: Sequence[str | int]
    ) -> Connection[JobRecord]:
        query = JobQuery(job_type_ids=frozenset({job_type.native_id}), scopes=frozenset({job_type.scope}))
        fp = ("type", job_type.source.value, job_type.scope, job_type.native_id)
        return await self.jobs(frozenset({job_type.source}), {job_type.source: query}, fp, req, path, nested=True)

    async def job_children(self, job: JobRecord, req: PageRequest, path: Sequence[str | int]) -> Connection[JobRecord]:
        adapter = self._upstreams.get(job.source)
        if not adapter.capabilities.children:
            self._size(req)
            return Connection([], NO_PAGE, 0)
        query = JobQuery(parent_id=job.native_id, scopes=frozenset({job.scope}))
        fp = ("children", job.source.value, job.scope, job.native_id)
        return await self.jobs(frozenset({job.source}), {job.source: query}, fp, req, path, nested=True)

    # --- job types -----------------------------------------------------------------------

    async def job_types(
        self,
        sources: frozenset[Source] | None,
        query: JobTypeQuery,
        fp_parts: tuple[object, ...],
        req: PageRequest,
        path: Sequence[str | int],
    ) -> Connection[JobTypeRecord]:
        def stream(adapter: Adapter) -> SourceStream[JobTypeRecord]:
            async def fetch(after: str | None, limit: int) -> Page[JobTypeRecord]:
                return await self._listed(
                    adapter.source,
                    ("jobTypes", query, after, limit),
                    lambda: adapter.list_job_types(query, after, limit),
                )

            return SourceStream(adapter.source.value, fetch)

        streams = [stream(a) for a in self._upstreams.select(sources)]
        page, cursor, info = await self._page("jobTypes", streams, fp_parts, req, _no_time, query.matches, path)
        return Connection(page.edges, info, page.total, cursor)

    # --- ingest runs ---------------------------------------------------------------------

    async def ingest_runs(
        self,
        sources: frozenset[Source] | None,
        query: IngestRunQuery,
        fp_parts: tuple[object, ...],
        req: PageRequest,
        path: Sequence[str | int],
    ) -> Connection[IngestRunRecord]:
        def stream(adapter: Adapter, name: str, query: IngestRunQuery) -> SourceStream[IngestRunRecord]:
            async def fetch(after: str | None, limit: int) -> Page[IngestRunRecord]:
                return await self._listed(
                    adapter.source,
                    ("ingestRuns", name, query, after, limit),
                    lambda: adapter.list_ingest_runs(query, after, limit),
                )

            return SourceStream(name, fetch, untimed=adapter.capabilities.list_order == "none")

        adapters = [a for a in self._upstreams.select(sources) if a.capabilities.ingest_runs]
        streams = [stream(a, name, q) for a in adapters for name, q in _per_scope(a, query)]
        page, cursor, info = await self._page(
            "ingestRuns", streams, fp_parts, req, self._list_time, query.matches, path
        )
        return Connection(page.edges, info, page.total, cursor)


Q = TypeVar("Q", JobQuery, IngestRunQuery)


def _per_scope(adapter: Adapter, query: Q) -> list[tuple[str, Q]]:
    """One stream per scope of a source with several (WordLift graphs, phyloDB projects).

    An adapter walks its scopes one after another, each newest first, so its list
    as a whole is not newest first: graph 2's newest job would come after graph
    1's oldest. Merging the scopes as separate streams keeps the documented order.
    Stream names are ``SOURCE`` for a single scope and ``SOURCE/<scope>`` otherwise;
    they key the positions inside cursors.
    """
    scopes = [s for s in adapter.scopes if query.scopes is None or s in query.scopes]
    if len(adapter.scopes) <= 1 or not scopes:
        return [(adapter.source.value, query)]
    return [(f"{adapter.source.value}/{s}", replace(query, scopes=frozenset({s}))) for s in scopes]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _no_catalog_time(_: CatalogRecord) -> datetime | None:
    return None  # one stream, in the source's own order


def _no_log_time(_: LogRecord) -> datetime | None:
    return None  # one stream, in the source's own order


def _any(_: object) -> bool:
    return True


def _no_time(_: JobTypeRecord) -> datetime | None:
    # Job types are listed source by source, each in the source's own order.
    return None
