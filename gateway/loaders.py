"""Per-request dataloaders: one batch call per source and record kind, behind a shared cache.

Nested connections load the same way: the first page of every parent's list
(``Job.children``, ``JobType.jobs``) asked for in one tick goes to the source
together (``GroupedJobLister``), and only what it cannot group is read parent by
parent. Later pages (``after``) are one parent's own business and are not batched.

Built fresh for every operation (and every subscription event), so a request
never sees another's half-loaded state; the TTL cache underneath is what
outlives a request, and only for final jobs and job types.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any

from aiodataloader import DataLoader

from adapters.base import GroupedJobLister, JobQuery, Page
from adapters.errors import ErrorKind, UpstreamError
from adapters.model import IngestRunRecord, JobRecord, JobTypeRecord, NativeKey, Source
from gateway.cache import RecordCache
from gateway.upstreams import Upstreams

_SOURCE_DOWN = frozenset({ErrorKind.UNAVAILABLE, ErrorKind.TIMEOUT, ErrorKind.RATE_LIMITED})


def _cacheable(kind: str, record: object) -> bool:
    if kind == "job":
        return isinstance(record, JobRecord) and record.status.is_final
    return kind == "job_type" and isinstance(record, JobTypeRecord)


class Loaders:
    def __init__(self, upstreams: Upstreams, cache: RecordCache) -> None:
        self._upstreams = upstreams
        self._cache = cache
        self._loaders: dict[tuple[str, Source], DataLoader[NativeKey, Any]] = {}
        self._ingest_jobs: dict[Source, dict[NativeKey, JobRecord]] = {}
        self._first_pages: dict[Source, DataLoader[tuple[JobQuery, int], Page[JobRecord]]] = {}
        self._listed: dict[tuple[Source, NativeKey], JobRecord] = {}
        """Jobs this request already holds from lists: a plain dict, since priming the dataloader
        would cost a future per listed job, whether or not anything looks it up."""
        self._unindexed: list[Sequence[JobRecord]] = []
        """Listed records not yet in ``_listed``: most requests never look a listed job up."""

    def _loader(self, kind: str, source: Source) -> DataLoader[NativeKey, Any]:
        loader = self._loaders.get((kind, source))
        if loader is None:
            loader = DataLoader(self._batch_fn(kind, source), max_batch_size=100)
            self._loaders[(kind, source)] = loader
        return loader

    def _batch_fn(self, kind: str, source: Source) -> Callable[[list[NativeKey]], Coroutine[Any, Any, list[Any]]]:
        adapter = self._upstreams.get(source)
        get: Any = {
            "job": adapter.get_jobs,
            "job_type": adapter.get_job_types,
            "ingest_run": adapter.get_ingest_runs,
        }[kind]
        scope = self._upstreams.cache_scope(source)

        async def batch(keys: list[NativeKey]) -> list[Any]:
            results: list[Any] = [self._cache.get(kind, (scope, k)) for k in keys]
            missing = [i for i, r in enumerate(results) if r is None]
            if not missing:
                return results
            try:
                fetched = await get([keys[i] for i in missing])
            except UpstreamError as err:
                fetched = [err] * len(missing)
            for i, record in zip(missing, fetched, strict=True):
                results[i] = record
                if _cacheable(kind, record):
                    self._cache.put(kind, (scope, keys[i]), record)
            return results

        return batch

    async def _load(self, kind: str, source: Source, key: NativeKey) -> Any:
        try:
            return await self._loader(kind, source).load(key)
        except UpstreamError as err:
            if err.kind is ErrorKind.NOT_FOUND:
                return None
            raise

    async def job(self, source: Source, key: NativeKey) -> JobRecord | None:
        listed = self._index_listed().get((source, key))
        if listed is not None:
            return listed
        record: JobRecord | None = await self._load("job", source, key)
        return record

    def cached_job_type(self, source: Source, key: NativeKey) -> JobTypeRecord | None:
        """The job type when the cross-request cache holds it: no call, nothing to await."""
        found = self._cache.get("job_type", (self._upstreams.cache_scope(source), key))
        return found if isinstance(found, JobTypeRecord) else None

    async def job_type(self, source: Source, key: NativeKey) -> JobTypeRecord | None:
        record: JobTypeRecord | None = await self._load("job_type", source, key)
        return record

    async def ingest_run(self, source: Source, key: NativeKey) -> IngestRunRecord | None:
        record: IngestRunRecord | None = await self._load("ingest_run", source, key)
        return record

    async def ingest_run_id(self, job: JobRecord) -> str | None:
        """Which ingest run a job performed, asking the adapter (batched) when its record cannot say."""
        if job.ingest_run_id is not None:
            return job.ingest_run_id
        # The batch needs whole records, the loader keys them: the records wait here.
        records = self._ingest_jobs.setdefault(job.source, {})
        loader = self._loaders.get(("ingest_run_id", job.source))
        if loader is None:
            adapter = self._upstreams.get(job.source)

            async def batch(keys: list[NativeKey]) -> list[Any]:
                try:
                    return list(await adapter.ingest_run_ids([records[k] for k in keys]))
                except UpstreamError as err:
                    return [err] * len(keys)

            loader = DataLoader(batch, max_batch_size=100)
            self._loaders[("ingest_run_id", job.source)] = loader
        records[job.key] = job
        found: str | None = await loader.load(job.key)
        return found

    async def first_jobs_page(self, source: Source, query: JobQuery, limit: int) -> Page[JobRecord]:
        """``list_jobs(query, None, limit)``, sharing upstream calls with the other parents of this tick."""
        loader = self._first_pages.get(source)
        if loader is None:
            loader = DataLoader(self._first_pages_fn(source), max_batch_size=100)
            self._first_pages[source] = loader
        page: Page[JobRecord] = await loader.load((query, limit))
        return page

    def _first_pages_fn(self, source: Source) -> Callable[[list[tuple[JobQuery, int]]], Coroutine[Any, Any, list[Any]]]:
        adapter = self._upstreams.get(source)

        async def one(query: JobQuery, limit: int) -> Page[JobRecord] | UpstreamError:
            try:
                return await adapter.list_jobs(query, None, limit)
            except UpstreamError as err:
                return err

        async def batch(keys: list[tuple[JobQuery, int]]) -> list[Any]:
            # A page per key, or the UpstreamError the loader raises for that key alone.
            results: list[Page[JobRecord] | UpstreamError | None] = [None] * len(keys)
            if isinstance(adapter, GroupedJobLister) and len(keys) > 1:
                by_limit: dict[int, list[int]] = {}
                for i, (_, limit) in enumerate(keys):
                    by_limit.setdefault(limit, []).append(i)
                for limit, indexes in by_limit.items():
                    try:
                        grouped: list[Page[JobRecord] | None] = await adapter.list_job_groups(
                            [keys[i][0] for i in indexes], limit
                        )
                    except UpstreamError as err:
                        if err.kind in _SOURCE_DOWN:
                            # Each parent's own read would fail the same way: N more calls for nothing.
                            for i in indexes:
                                results[i] = err
                        # Otherwise (say the shared read's parameters were refused) each parent's own
                        # read may still work, and reports its own error if not.
                        continue
                    for i, page in zip(indexes, grouped, strict=True):
                        results[i] = page
            rest = [i for i, r in enumerate(results) if r is None]
            for i, page_or_error in zip(rest, await asyncio.gather(*(one(*keys[i]) for i in rest)), strict=True):
                results[i] = page_or_error
            return [r for r in results if r is not None]

        return batch

    def prime_jobs(self, records: Sequence[JobRecord]) -> None:
        """Lists already hold full records: later lookups of them in this request cost nothing."""
        self._unindexed.append(records)

    def share_final_jobs(self, records: Iterable[JobRecord]) -> None:
        """Final jobs read in a list go into the shared cache, like ones read by id."""
        for record in records:
            if record.status.is_final:
                self._cache.put("job", (self._upstreams.cache_scope(record.source), record.key), record)

    def _index_listed(self) -> dict[tuple[Source, NativeKey], JobRecord]:
        for records in self._unindexed:
            for record in records:
                self._listed[(record.source, record.key)] = record
        self._unindexed.clear()
        return self._listed

    def forget_job(self, source: Source, key: NativeKey) -> None:
        self._index_listed().pop((source, key), None)
        self._cache.evict("job", (self._upstreams.cache_scope(source), key))
        loader = self._loaders.get(("job", source))
        if loader is not None:
            loader.clear(key)
