"""The phyloDB adapter: PHYLOViZ's per-project inference and visualization jobs in the common model.

phyloDB offers little to build on: a paged list of ``{id, completed,
cancelled}`` per project (0-based ``page``, a fixed page size, no total, no
filters), POST to start a job, DELETE to cancel one. How the rest is made:

- ``list_jobs`` walks the configured projects one after another
  (``page_across_scopes``); inside a project a position is
  ``"<page>:<index>:<job id>"`` (see ``positions.py``). Pages are read only
  while entries are still needed; nothing is filtered upstream, so every
  filter is applied here with ``JobQuery.matches``. A page shorter than
  ``page_size`` is the last one. No job ever has a finish time, so a finished
  range is declared unappliable (``Capabilities.no_data_for``): the gateway leaves
  phyloDB out of such a list with FILTER_NOT_SUPPORTED instead of an empty answer.
- ``get_jobs``: there is no single-job GET. For each project among the keys,
  its pages are read from page 0, once per call for all its keys, until every
  id is found or the last page is read; an id not found is NOT_FOUND. The page
  each job was last seen on is remembered (bounded TTL cache) and read first.
- Jobs this gateway submitted are remembered (``store.py``): their records carry
  ``job_type_id`` (``"inference/goeburst"``, ``"visualization/radial"``),
  ``created_at`` (the submit time) and ``can_rerun``. When such a job is
  completed, its result resource is looked up once (one GET): missing → FAILED
  with an error, present → SUCCEEDED; the verdict is final and kept. Other
  completed jobs can only be SUCCEEDED.
- 401 means several things in phyloDB (``problems.py``): failed authentication →
  UNAUTHENTICATED; project not shared / unknown (empty body, no challenge) →
  FORBIDDEN; ``/problems/unauthorized`` from DELETE → NOT_FOUND (unknown job) and
  from POST → INVALID (dataset missing or with fewer than 2 profiles, inference
  missing).
- ``cancel_job`` = DELETE, then the job is listed again: CONFLICT if it had
  already completed (phyloDB answers 204 and changes nothing).
- ``rerun_job`` submits the remembered input again, as a new job; for a job not
  submitted through this gateway the input is unknown → NOT_SUPPORTED.

``SubmitRequest.params`` (see ``params.py``): phyloDB's own body
``{"analysis", "algorithm", "parameters": [dataset_id, lvs | inference_id]}``,
or typed ``{"analysis", "algorithm"?, "dataset_id", "lvs" | "inference_id"}``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
from cachetools import TTLCache

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
from adapters.errors import ErrorKind, FieldError, UpstreamError
from adapters.http import UpstreamClient
from adapters.model import JobRecord, JobStatus, JobTypeRecord, NativeKey, ScopeRecord, Source
from adapters.phylodb import translate
from adapters.phylodb.auth import BearerProviderAuth
from adapters.phylodb.params import JobInput, is_uuid, parse_params
from adapters.phylodb.positions import ListPosition, decode_position
from adapters.phylodb.problems import CallContext, parse_error, refine
from adapters.phylodb.store import Submission, SubmissionStore
from adapters.positions import page_of

DEFAULT_PAGE_SIZE = 500
"""phyloDB's ``application.limits.pagination.json``."""

_MAX_HINTS = 50_000
_HINT_TTL_S = 600.0
_PLAIN = CallContext()
_UNKNOWN_JOB = CallContext(ErrorKind.NOT_FOUND, "no such job in this project")
_REFUSED = {
    "inference": "the dataset does not exist in this project or has fewer than 2 profiles",
    "visualization": "the dataset or the inference does not exist (or the inference is not computed yet)",
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


class PhyloDBAdapter(BaseAdapter):
    source = Source.PHYLODB
    capabilities = Capabilities(
        list_jobs=True,
        get_job=True,
        batch_get_jobs=True,
        job_types=True,
        submit=True,
        cancel=True,
        rerun=True,
        list_order="none",
        # phyloDB tells no times at all; jobs submitted here have our submit time as creation
        # (and so as their only time, for updated ranges), but none ever has a finish time.
        no_data_for=frozenset({"finished_after", "finished_before"}),
    )

    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        provider: str,
        projects: Sequence[str],
        page_size: int = DEFAULT_PAGE_SIZE,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        store: SubmissionStore | None = None,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.scopes = tuple(projects)
        self.page_size = page_size
        self.store = store if store is not None else SubmissionStore()
        self._now = now
        self._page_hints: TTLCache[tuple[str, str], int] = TTLCache(maxsize=_MAX_HINTS, ttl=_HINT_TTL_S)
        """``(project, job id)`` → the page it was last seen on."""
        self.client = UpstreamClient(
            Source.PHYLODB,
            base_url,
            auth=BearerProviderAuth(token, provider),
            headers={"Accept": "application/json"},
            timeout_s=timeout_s,
            error_parser=parse_error,
            secrets=[token],
            transport=transport,
        )

    # --- plumbing -------------------------------------------------------------------------

    async def _call(
        self, method: str, path: str, *, operation: str, context: CallContext = _PLAIN, **kwargs: Any
    ) -> httpx.Response:
        try:
            return await self.client.request(method, path, operation=operation, **kwargs)
        except UpstreamError as err:
            raise refine(err, context) from None

    def _error(self, kind: ErrorKind, message: str, *fields: FieldError) -> UpstreamError:
        return UpstreamError(kind, self.source, message, field_errors=fields)

    def _key_error(self, key: NativeKey) -> UpstreamError | None:
        if key.scope not in self.scopes:
            return self._error(ErrorKind.NOT_FOUND, f"phyloDB project {key.scope!r} is not configured")
        if not is_uuid(key.native_id):
            return self._error(ErrorKind.NOT_FOUND, f"phyloDB job {key.native_id!r} not found (ids are UUIDs)")
        return None

    async def scope_names(self) -> list[ScopeRecord]:
        """Each configured project, named by ``GET /projects/{project}`` (its ``name``), read concurrently."""

        async def named(project: str) -> ScopeRecord:
            response = await self._call("GET", f"/projects/{quote(project, safe='')}", operation="get_project")
            body = self.client.decode(response)
            name = body.get("name") if isinstance(body, dict) else None
            return ScopeRecord(self.source, project, name if isinstance(name, str) and name else None)

        return list(await asyncio.gather(*(named(p) for p in self.scopes)))

    async def _fetch_page(self, project: str, page: int) -> list[dict[str, Any]]:
        response = await self._call("GET", f"/projects/{project}/jobs", operation="list_jobs", params={"page": page})
        try:
            return translate.job_entries(self.client.decode(response))
        except translate.TranslateError as exc:
            raise self._error(ErrorKind.BAD_RESPONSE, str(exc)) from None

    async def _records(self, project: str, items: Sequence[dict[str, Any]]) -> list[JobRecord]:
        submissions = await self.store.get_many(project, [item["id"] for item in items])
        verdicts = await asyncio.gather(*(self._verdict(s, i) for s, i in zip(submissions, items, strict=True)))
        return [
            translate.job_record(project, item, sub, outcome, error)
            for item, sub, (outcome, error) in zip(items, submissions, verdicts, strict=True)
        ]

    async def _verdict(self, sub: Submission | None, item: dict[str, Any]) -> tuple[JobStatus | None, str | None]:
        """For a completed job we submitted: SUCCEEDED if its result exists, FAILED if not."""
        if sub is None or translate.native_word(item) != "completed":
            return None, None
        if sub.outcome is not None:
            return sub.outcome, None
        try:
            response = await self._call("GET", sub.result_path, operation="get_result", accept_statuses=(404,))
        except UpstreamError as err:
            return JobStatus.UNKNOWN, f"could not check the job's result: {err.message}"
        outcome = JobStatus.FAILED if response.status_code == 404 else JobStatus.SUCCEEDED
        await self.store.settle(sub, outcome)
        return outcome, None

    def use_memory(self, memory: SourceMemory) -> None:
        self.store = SubmissionStore(memory)

    # --- jobs -------------------------------------------------------------------------------

    async def list_jobs(self, query: JobQuery, after: str | None, limit: int) -> Page[JobRecord]:
        if limit < 1:
            raise self._error(ErrorKind.INVALID, "limit must be >= 1")
        scopes = [s for s in self.scopes if query.scopes is None or s in query.scopes]
        _, inner = parse_scoped_position(after, source=self.source, scope_count=len(scopes))
        if inner is not None:
            self._position(inner)  # refuse a bad position before any request

        async def list_project(project: str, inner: str | None, wanted: int) -> Page[JobRecord]:
            return await self._list_project(query, project, inner, wanted)

        return await page_across_scopes(scopes, list_project, after, limit, source=self.source)

    def _position(self, inner: str) -> ListPosition:
        try:
            return decode_position(inner)
        except ValueError:
            raise self._error(ErrorKind.INVALID, "malformed phyloDB list position") from None

    async def _list_project(self, query: JobQuery, project: str, inner: str | None, limit: int) -> Page[JobRecord]:
        position = self._position(inner).skip_full_page(self.page_size) if inner else None
        page = position.page if position else 0
        entries: list[PageEntry[JobRecord]] = []
        while True:
            items = await self._fetch_page(project, page)
            index = position.resume_index(items) if position else 0
            while index < len(items) and len(entries) < limit:
                # Translate only as many as may still be needed: a completed job we
                # submitted costs a result lookup the first time.
                chunk = items[index : index + limit - len(entries)]
                for offset, record in enumerate(await self._records(project, chunk)):
                    if query.matches(record):
                        where = ListPosition(page, index + offset, record.native_id)
                        self._page_hints[(project, record.native_id)] = page
                        entries.append(PageEntry(record, where.encode()))
                index += len(chunk)
            full = len(items) >= self.page_size
            if len(entries) >= limit:
                return Page(entries, has_more=index < len(items) or full)
            if not full:
                return Page(entries, has_more=False)
            page, position = page + 1, None

    async def get_jobs(self, keys: Sequence[NativeKey]) -> list[JobRecord | UpstreamError]:
        answers: list[JobRecord | UpstreamError | None] = [None] * len(keys)
        wanted: dict[str, set[str]] = {}
        for n, key in enumerate(keys):
            problem = self._key_error(key)
            if problem is not None:
                answers[n] = problem
            else:
                wanted.setdefault(key.scope, set()).add(key.native_id)
        projects = list(wanted)
        found = await asyncio.gather(*(self._find(p, wanted[p]) for p in projects))
        by_project = dict(zip(projects, found, strict=True))
        for n, key in enumerate(keys):
            if answers[n] is None:
                records, failure = by_project[key.scope]
                answers[n] = records.get(key.native_id) or failure or self._not_found(key)
        return [a for a in answers if a is not None]

    async def _find(self, project: str, ids: set[str]) -> tuple[dict[str, JobRecord], UpstreamError | None]:
        """Read the project's pages until every id is found; each page is read once for all ids.

        Pages where an id was last seen are read first: a watcher polling a job on
        page 3 then costs one request, not four. A stale hint costs one extra page.
        """
        pages: dict[int, list[dict[str, Any]]] = {}
        items: dict[str, dict[str, Any]] = {}

        def take(page: int, batch: list[dict[str, Any]]) -> None:
            pages[page] = batch
            for item in batch:
                if item["id"] in ids:
                    items[item["id"]] = item
                    self._page_hints[(project, item["id"])] = page

        failure: UpstreamError | None = None
        try:
            hinted = sorted({h for i in ids if (h := self._page_hints.get((project, i))) is not None})
            for page, batch in zip(
                hinted, await asyncio.gather(*(self._fetch_page(project, p) for p in hinted)), strict=True
            ):
                take(page, batch)
            page = 0
            while len(items) < len(ids):
                if page not in pages:
                    take(page, await self._fetch_page(project, page))
                if len(pages[page]) < self.page_size:
                    break
                page += 1
        except UpstreamError as err:
            failure = err
        records = await self._records(project, list(items.values()))
        return {r.native_id: r for r in records}, failure

    def _not_found(self, key: NativeKey) -> UpstreamError:
        return self._error(ErrorKind.NOT_FOUND, f"phyloDB job {key.native_id} not found in project {key.scope}")

    # --- mutations ---------------------------------------------------------------------------

    async def submit_job(self, request: SubmitRequest) -> JobRecord:
        if request.scope not in self.scopes:
            field = FieldError(("scope",), "not a configured phyloDB project")
            raise self._error(ErrorKind.INVALID, f"phyloDB project {request.scope!r} is not configured", field)
        return await self._submit(request.scope, parse_params(request.params))

    async def _submit(self, project: str, job_input: JobInput) -> JobRecord:
        refused = CallContext(ErrorKind.INVALID, _REFUSED[job_input.analysis], ("parameters",))
        response = await self._call(
            "POST", f"/projects/{project}/jobs", operation="submit_job", json_body=job_input.body(), context=refused
        )
        reply = self.client.decode(response)
        job_id = reply.get("job_id") if isinstance(reply, dict) else None
        analysis_id = reply.get("analysis_id") if isinstance(reply, dict) else None
        if not isinstance(job_id, str) or not isinstance(analysis_id, str) or not job_id:
            raise self._error(ErrorKind.BAD_RESPONSE, "phyloDB accepted the job but its reply lacks job_id/analysis_id")
        submission = Submission(project, job_id, analysis_id, job_input, self._now())
        await self.store.put(submission)
        return translate.submitted_record(submission)

    async def cancel_job(self, key: NativeKey) -> JobRecord:
        problem = self._key_error(key)
        if problem is not None:
            raise problem
        path = f"/projects/{key.scope}/jobs/{key.native_id}"
        await self._call("DELETE", path, operation="cancel_job", context=_UNKNOWN_JOB)
        [after] = await self.get_jobs([key])
        if isinstance(after, UpstreamError):
            # The DELETE was accepted; report that rather than a failed re-read.
            return translate.cancelled_record(key.scope, key.native_id, await self.store.get(key.scope, key.native_id))
        if after.native_status == "completed":
            raise self._error(ErrorKind.CONFLICT, f"phyloDB job {key.native_id} had already completed")
        return after

    async def rerun_job(self, key: NativeKey) -> JobRecord:
        problem = self._key_error(key)
        if problem is not None:
            raise problem
        submission = await self.store.get(key.scope, key.native_id)
        if submission is None:
            raise self._error(
                ErrorKind.NOT_SUPPORTED,
                "phyloDB does not tell a job's input; only jobs submitted through this gateway can be rerun",
            )
        return await self._submit(key.scope, submission.job_input)

    # --- job types ----------------------------------------------------------------------------

    async def list_job_types(self, query: JobTypeQuery, after: str | None, limit: int) -> Page[JobTypeRecord]:
        if limit < 1:
            raise self._error(ErrorKind.INVALID, "limit must be >= 1")
        catalogue = [r for s in self.scopes for r in translate.job_type_records(s)]
        records = [r for r in catalogue if query.matches(r)]
        return page_of(records, after, limit, source=self.source, bound=len(catalogue))

    async def get_job_types(self, keys: Sequence[NativeKey]) -> list[JobTypeRecord | UpstreamError]:
        return [
            translate.job_type_record(k.scope, k.native_id)
            if k.scope in self.scopes and k.native_id in translate.JOB_TYPES
            else self._error(ErrorKind.NOT_FOUND, f"phyloDB job type {k.native_id!r} not found in {k.scope!r}")
            for k in keys
        ]

    # --- lifecycle ------------------------------------------------------------------------------

    async def check(self) -> None:
        await self._call("GET", "/projects", operation="check", params={"page": 0})

    async def aclose(self) -> None:
        await self.client.aclose()
