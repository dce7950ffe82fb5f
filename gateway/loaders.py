"""Per-request dataloaders: one batch call per source and record kind, behind a shared cache.

Built fresh for every operation (and every subscription event), so a request
never sees another's half-loaded state; the TTL cache underneath is what
outlives a request, and only for final jobs and job types.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from aiodataloader import DataLoader

from adapters.errors import ErrorKind, UpstreamError
from adapters.model import IngestRunRecord, JobRecord, JobTypeRecord, NativeKey, Source
from gateway.cache import RecordCache
from gateway.upstreams import Upstreams


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
        record: JobRecord | None = await self._load("job", source, key)
        return record

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

    def prime_job(self, record: JobRecord) -> None:
        """Lists already hold full records: later lookups of them in this request cost nothing.

        A final job from a list also goes into the shared cache, like one read by id.
        """
        self._loader("job", record.source).prime(record.key, record)
        if _cacheable("job", record):
            self._cache.put("job", (self._upstreams.cache_scope(record.source), record.key), record)

    def forget_job(self, source: Source, key: NativeKey) -> None:
        self._cache.evict("job", (self._upstreams.cache_scope(source), key))
        loader = self._loaders.get(("job", source))
        if loader is not None:
            loader.clear(key)
