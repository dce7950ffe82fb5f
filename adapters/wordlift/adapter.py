"""The WordLift Graph KPI adapter: jobs of the configured graphs, one upstream client.

Upstream operations used (paths relative to the base URL, e.g. ``https://api.wordlift.io``):
``GET /kpi/graphs/{graph_id}/jobs?limit&cursor`` (list, newest-updated first,
no filters, no total), ``GET /kpi/graphs/{graph_id}/jobs/{job_id}`` (one job;
there is no batch form, so ``get_jobs`` runs one GET per key concurrently) and
``POST /kpi/graphs/{graph_id}/jobs`` (submit). Auth is ``Authorization: Key <key>``.

- Scopes are the configured graph ids; lists walk them in configured order
  (``page_across_scopes``). Inside a graph a position is
  ``"<native cursor or empty>|<skip>"`` (see ``positions``).
- Nothing can be filtered upstream: scope and job type (``kpi``) are decided
  before any call; status and update time are checked here with
  ``JobQuery.matches``, reading larger pages while filtering. A WordLift job has no
  creation time: ``Capabilities.no_data_for`` says so, and the gateway leaves
  WordLift out of a created-range list with a ``FILTER_NOT_SUPPORTED`` error
  (called anyway, it answers nothing). Parent filters can never match.
- The upstream's largest page size is undocumented; we never ask for more than
  ``MAX_PAGE``.
- ``submit_job``: ``SubmitRequest.scope`` is a configured graph id and
  ``params`` are the ``SubmitJobBody`` fields (see ``params``). 202 is success,
  whether the job is new, cloned or an existing one returned; 409 (an active job
  for that graph/day) is ``CONFLICT``; 422 is ``INVALID`` with field errors.
- ``rerun_job`` reads the job, then submits its ``snapshot_date`` again with
  ``force_rerun=true`` (which bypasses reuse and replaces an active job) and the
  options it was submitted with (``skip_validation``, ``limit_documents``,
  ``limit_urls``, ``stage_retries``, ``replace_validation``). ``JobResponse`` never
  echoes them, so they are kept (``KeptInputs``, in the gateway's state store) for
  jobs submitted through the gateway, and carried over to the rerun's new job; a job
  submitted elsewhere is rerun with WordLift's defaults for them.
- There is no cancel endpoint: ``cancel_job`` is NOT_SUPPORTED.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx

from adapters.base import (
    BaseAdapter,
    Capabilities,
    JobQuery,
    JobTypeQuery,
    Page,
    PageEntry,
    SourceMemory,
    SubmitRequest,
    page_across_scopes,
    parse_scoped_position,
)
from adapters.batching import gather_per_key
from adapters.errors import ErrorKind, FieldError, UpstreamError
from adapters.http import UpstreamClient
from adapters.memory import KeptInputs
from adapters.model import JobRecord, JobTypeRecord, NativeKey, ScopeRecord, Source
from adapters.positions import page_of
from adapters.wordlift import positions
from adapters.wordlift.params import submit_body
from adapters.wordlift.positions import GraphPosition
from adapters.wordlift.problems import parse_error
from adapters.wordlift.translate import JOB_TYPE_ID, bad_response, job_from_json, job_page_from_json, kpi_job_type

log = logging.getLogger("job_gateway.adapters.wordlift")

RERUN_KEPT = frozenset({"stage_retries", "limit_documents", "limit_urls", "skip_validation", "replace_validation"})
"""Submit options a rerun repeats (``snapshot_date`` is read from the job, ``force_rerun`` is the rerun)."""

_LOCAL_FILTERS = frozenset(
    {"updated_after", "updated_before", "finished_after", "finished_before", "job_type_names", "search"}
)

MAX_PAGE = 100
"""Largest ``limit`` we send; the upstream documents no maximum."""
FILTER_BATCH = 50
"""Page size while filtering here, so sparse matches cost fewer round trips."""
GET_CONCURRENCY = 10

_ACCEPT = "application/json, application/problem+json"


def _graph_path(graph_id: str) -> str:
    return f"/kpi/graphs/{quote(graph_id, safe='')}/jobs"


def _empty() -> Page[Any]:
    return Page(entries=(), has_more=False, total=0)


class WordLiftAdapter(BaseAdapter):
    source = Source.WORDLIFT
    capabilities = Capabilities(
        list_jobs=True,
        get_job=True,
        batch_get_jobs=False,
        job_types=True,
        submit=True,
        cancel=False,
        rerun=True,
        total_count=False,
        no_data_for=frozenset({"created_after", "created_before"}),
    )

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        graphs: Sequence[str],
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.scopes = tuple(graphs)
        # The generated client sends the bare key; the service wants "Key <key>".
        header = api_key if api_key.startswith("Key ") else f"Key {api_key}"
        self.client = UpstreamClient(
            Source.WORDLIFT,
            base_url,
            headers={"Authorization": header, "Accept": _ACCEPT},
            timeout_s=timeout_s,
            error_parser=parse_error,
            secrets=(api_key, header),
            transport=transport,
        )
        self._get_slots = asyncio.Semaphore(GET_CONCURRENCY)
        self.inputs = KeptInputs()

    def use_memory(self, memory: SourceMemory) -> None:
        self.inputs.memory = memory

    # --- jobs ---------------------------------------------------------------------

    async def list_jobs(self, query: JobQuery, after: str | None, limit: int) -> Page[JobRecord]:
        _, inner = parse_scoped_position(after, source=self.source, scope_count=len(self.scopes))
        positions.decode(inner)  # refuse a bad position before any request
        if limit < 1:
            return Page(entries=(), has_more=True)
        if not self._can_match(query):
            return _empty()
        graphs = [g for g in self.scopes if query.scopes is None or g in query.scopes]

        async def list_graph(graph: str, inner_after: str | None, want: int) -> Page[JobRecord]:
            return await self._list_graph(graph, query, positions.decode(inner_after), want)

        return await page_across_scopes(graphs, list_graph, after, limit, source=self.source)

    @staticmethod
    def _can_match(query: JobQuery) -> bool:
        if query.job_type_ids is not None and JOB_TYPE_ID not in query.job_type_ids:
            return False
        if query.job_type_names is not None and JOB_TYPE_ID not in query.job_type_names:
            return False
        # JobResponse has no creation time and no parent, so these filters never match.
        return query.created_after is None and query.created_before is None and query.parent_id is None

    async def _list_graph(self, graph: str, query: JobQuery, start: GraphPosition, limit: int) -> Page[JobRecord]:
        filtering = query.statuses is not None or bool(query.set_filters(_LOCAL_FILTERS))
        cursor, skip = start.cursor, start.skip
        entries: list[PageEntry[JobRecord]] = []
        while True:
            missing = limit - len(entries)
            want = min(MAX_PAGE, skip + (max(missing, FILTER_BATCH) if filtering else missing))
            records, next_cursor = await self._fetch_page(graph, cursor, want)
            for index in range(skip, len(records)):
                record = records[index]
                if not query.matches(record):
                    continue
                at_page_end = index + 1 == len(records) and next_cursor is not None
                after = GraphPosition(next_cursor, 0) if at_page_end else GraphPosition(cursor, index + 1)
                entries.append(PageEntry(record, after.encode()))
                if len(entries) == limit:
                    return Page(entries, has_more=index + 1 < len(records) or next_cursor is not None)
            if next_cursor is None:
                return Page(entries, has_more=False)
            if next_cursor == cursor:
                raise bad_response("the same job list cursor again")
            cursor, skip = next_cursor, 0

    async def _fetch_page(self, graph: str, cursor: str | None, limit: int) -> tuple[list[JobRecord], str | None]:
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        body = await self.client.get_json(_graph_path(graph), operation="list_jobs", params=params)
        return job_page_from_json(body)

    async def get_jobs(self, keys: Sequence[NativeKey]) -> list[JobRecord | UpstreamError]:
        return await gather_per_key(keys, self._get_job, self._get_slots)

    async def _get_job(self, key: NativeKey) -> JobRecord:
        if key.scope not in self.scopes:
            raise UpstreamError(ErrorKind.NOT_FOUND, self.source, f"graph {key.scope!r} is not configured")
        path = f"{_graph_path(key.scope)}/{quote(key.native_id, safe='')}"
        return job_from_json(await self.client.get_json(path, operation="get_job"))

    # --- job types: one synthetic "kpi" type per graph --------------------------------

    async def list_job_types(self, query: JobTypeQuery, after: str | None, limit: int) -> Page[JobTypeRecord]:
        matching = [t for t in map(kpi_job_type, self.scopes) if query.matches(t)]
        return page_of(matching, after, limit, source=self.source, bound=len(self.scopes))

    async def get_job_types(self, keys: Sequence[NativeKey]) -> list[JobTypeRecord | UpstreamError]:
        return [
            kpi_job_type(k.scope)
            if k.native_id == JOB_TYPE_ID and k.scope in self.scopes
            else UpstreamError(ErrorKind.NOT_FOUND, self.source, f"no WordLift job type {k.native_id!r} in {k.scope!r}")
            for k in keys
        ]

    # --- mutations ----------------------------------------------------------------------

    async def submit_job(self, request: SubmitRequest) -> JobRecord:
        if request.scope not in self.scopes:
            raise UpstreamError(
                ErrorKind.INVALID,
                self.source,
                f"{request.scope!r} is not a configured WordLift graph",
                field_errors=(FieldError(("scope",), "must be one of the configured graph ids"),),
            )
        return await self._submit(request.scope, submit_body(request.params))

    async def rerun_job(self, key: NativeKey) -> JobRecord:
        current = await self._get_job(key)
        options = {k: v for k, v in (await self.inputs.recall(key.native_id) or {}).items() if k in RERUN_KEPT}
        body = {**options, "snapshot_date": current.raw["snapshot_date"], "force_rerun": True}
        return await self._submit(key.scope, submit_body(body))

    async def _submit(self, graph: str, body: dict[str, Any]) -> JobRecord:
        response = await self.client.request("POST", _graph_path(graph), operation="submit_job", json_body=body)
        job = job_from_json(self.client.decode(response))
        try:
            await self.inputs.keep(job.native_id, {k: v for k, v in body.items() if k in RERUN_KEPT})
        except Exception:  # WordLift has the job: a state store hiccup must not turn that into an error
            log.warning("wordlift: job %s submitted, but its options could not be kept for a rerun", job.native_id)
        return job

    async def scope_names(self) -> list[ScopeRecord]:
        """Each graph, named by the ``website_url`` of its latest job (the KPI API has no graph resource):
        one ``limit=1`` list read per graph; ``None`` for a graph without jobs."""

        async def named(graph: str) -> ScopeRecord:
            records, _ = await self._fetch_page(graph, None, 1)
            site = records[0].raw.get("website_url") if records else None
            return ScopeRecord(self.source, graph, site if isinstance(site, str) and site else None)

        return list(await asyncio.gather(*(named(g) for g in self.scopes)))

    # --- lifecycle ----------------------------------------------------------------------

    async def check(self) -> None:
        if not self.scopes:
            raise UpstreamError(ErrorKind.INVALID, self.source, "no WordLift graph is configured")
        await self.client.get_json(_graph_path(self.scopes[0]), operation="check", params={"limit": 1})

    async def aclose(self) -> None:
        await self.client.aclose()
