"""A test-only adapter over in-memory records: offset positions, call counting, injectable failure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from adapters.base import (
    BaseAdapter,
    Capabilities,
    IngestRunQuery,
    JobQuery,
    JobTypeQuery,
    Page,
    PageEntry,
)
from adapters.errors import ErrorKind, UpstreamError
from adapters.model import IngestRunRecord, JobRecord, JobTypeRecord, NativeKey, Source


@dataclass
class MemoryAdapter(BaseAdapter):
    source: Source
    jobs: list[JobRecord] = field(default_factory=list)
    job_types: list[JobTypeRecord] = field(default_factory=list)
    ingest_runs: list[IngestRunRecord] = field(default_factory=list)
    scopes: tuple[str, ...] = ("s1",)
    capabilities: Capabilities = field(
        default_factory=lambda: Capabilities(batch_get_jobs=True, job_types=True, ingest_runs=True, total_count=True)
    )
    fail_with: UpstreamError | None = None
    calls: list[str] = field(default_factory=list)

    def _guard(self, op: str) -> None:
        self.calls.append(op)
        if self.fail_with is not None:
            raise self.fail_with

    @staticmethod
    def _slice(items: Sequence[object], after: str | None, limit: int) -> Page[object]:
        start = 0 if after is None else int(after)
        chunk = items[start : start + limit]
        entries = [PageEntry(r, str(start + i + 1)) for i, r in enumerate(chunk)]
        return Page(entries, has_more=start + limit < len(items), total=len(items))

    async def list_jobs(self, query: JobQuery, after: str | None, limit: int) -> Page[JobRecord]:
        self._guard("list_jobs")
        matching = [j for j in self.jobs if query.matches(j)]
        return self._slice(matching, after, limit)  # type: ignore[return-value]

    async def get_jobs(self, keys: Sequence[NativeKey]) -> list[JobRecord | UpstreamError]:
        self._guard("get_jobs")
        by_key = {j.key: j for j in self.jobs}
        return [by_key.get(k) or UpstreamError(ErrorKind.NOT_FOUND, self.source, "no such job") for k in keys]

    async def list_job_types(self, query: JobTypeQuery, after: str | None, limit: int) -> Page[JobTypeRecord]:
        self._guard("list_job_types")
        return self._slice([t for t in self.job_types if query.matches(t)], after, limit)  # type: ignore[return-value]

    async def get_job_types(self, keys: Sequence[NativeKey]) -> list[JobTypeRecord | UpstreamError]:
        self._guard("get_job_types")
        by_key = {t.key: t for t in self.job_types}
        return [by_key.get(k) or UpstreamError(ErrorKind.NOT_FOUND, self.source, "no such type") for k in keys]

    async def list_ingest_runs(self, query: IngestRunQuery, after: str | None, limit: int) -> Page[IngestRunRecord]:
        self._guard("list_ingest_runs")
        return self._slice([r for r in self.ingest_runs if query.matches(r)], after, limit)  # type: ignore[return-value]

    async def get_ingest_runs(self, keys: Sequence[NativeKey]) -> list[IngestRunRecord | UpstreamError]:
        self._guard("get_ingest_runs")
        by_key = {r.key: r for r in self.ingest_runs}
        return [by_key.get(k) or UpstreamError(ErrorKind.NOT_FOUND, self.source, "no such run") for k in keys]
