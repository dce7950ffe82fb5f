"""The Leia adapter: model/transform/conditional jobs of one Leia application.

Scope = the application id: the one configured (``application_id``) or else
the one the API key logs in as (learned at the first call; ``scopes`` is
empty until then). A configured id the key does not belong to is refused.

- ``list_jobs``: ``GET /job`` with ``sort=-creation_time`` (newest first),
  ``offset``/``limit`` positions and the filters ``listing.plan`` pushes down;
  a 404 (Leia's "no jobs found") is an empty page. Total from
  ``Content-Range`` when every filter ran on the server.
- ``list_job_groups`` (``GroupedJobLister``): the children of many parents from
  one read sorted by parent (``listing.children_groups``); other lists, or a read
  that cannot tell for sure, are left to ``list_jobs``.
- ``get_jobs``: Leia has no batch Job read (``job_id`` takes one id), so one
  ``GET /job/{id}`` per distinct key, at most 8 at a time.
- ``get_statuses`` / ``get_native_statuses``: the bulk ``GET /job/{ids}/status``,
  chunked to keep URLs short; a 403/404 on a chunk of several ids is retried
  id by id so that one bad id does not fail the others.
- ``submit_job``: see ``params`` for the ``SubmitRequest.params`` contract.
  The submitted params are remembered (bounded, in memory) by job id, because
  a Job does not echo them.
- ``cancel_job``: reads the job first; a final job is refused with CONFLICT
  (Leia would answer 404 "already canceled"); then ``DELETE /job/{id}`` and
  the job read again (CANCELED).
- ``rerun_job``: submits the remembered params again (a new job). A job this
  process did not submit cannot be rerun (NOT_SUPPORTED); a job that is not
  final is refused with CONFLICT. ``can_rerun`` is narrowed accordingly.
- ``start_job`` (Leia-specific): ``POST /job/{id}/start`` releases a BLOCKED job.
- Callbacks: ``with_callback`` sets ``callback_url`` unless the client gave one;
  ``job_of_callback`` reads only which job a callback names.
- Job types: the four ``JobTypes`` values per application, no upstream call.
- ``check``: ``GET /whoami`` (also resets Leia's token idle timeout).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
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
)
from adapters.batching import gather_per_key
from adapters.errors import ErrorKind, FieldError, UpstreamError
from adapters.http import UpstreamClient
from adapters.leia import catalog
from adapters.leia.auth import TOKEN_HEADER, LeiaAuth
from adapters.leia.listing import CHILDREN_SORT, children_groups, children_only, plan
from adapters.leia.paging import StreamPage, encode_position, merged_page
from adapters.leia.params import build_call
from adapters.leia.problems import parse_error
from adapters.leia.translate import JOB_TYPES, job_record, job_records, job_type_record, map_status, status_map
from adapters.memory import LocalMemory
from adapters.model import CatalogRecord, JobRecord, JobStatus, JobTypeRecord, NativeKey, ScopeRecord, Source
from adapters.positions import offset_or_invalid, page_of

log = logging.getLogger("job_gateway.adapters.leia")

MAX_PAGE = 100
"""Largest ``limit`` asked of Leia (its ``Accept-Range`` max is undocumented; the simulator's is 100)."""
GET_CONCURRENCY = 8
STATUS_URL_BUDGET = 1800
REMEMBERED_INPUTS_S = 30 * 86_400.0
"""How long the input of a job submitted here is kept for a rerun."""


class LeiaAdapter(BaseAdapter):
    source = Source.LEIA
    capabilities = Capabilities(
        list_jobs=True,
        get_job=True,
        batch_get_jobs=False,
        filter_status=True,
        filter_job_type=True,
        filter_time=True,
        job_types=True,
        submit=True,
        cancel=True,
        rerun=True,
        callbacks=True,
        children=True,
        total_count=True,
        list_order="created",
    )

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        application_id: str | None = None,
        timeout_s: float = 10.0,
        callback_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._application_id = application_id
        self.scopes: tuple[str, ...] = (application_id,) if application_id else ()
        self._callback_url = callback_url
        self.memory: SourceMemory = LocalMemory()
        self.auth = LeiaAuth(api_key, f"{base_url}/login", on_login=self._on_login)
        self.client = UpstreamClient(
            Source.LEIA,
            base_url,
            auth=self.auth,
            timeout_s=timeout_s,
            error_parser=parse_error,
            secrets=[api_key],
            transport=transport,
        )

    # --- auth and scope ---------------------------------------------------------------

    def _on_login(self, token: str, application: Mapping[str, Any]) -> None:
        self.client.add_secret(token)
        app_id = application.get("id")
        if not isinstance(app_id, str) or not app_id:
            return  # ``id`` is optional in Application; ``check`` reads it from /whoami if still unknown
        if self._application_id is not None and app_id != self._application_id:
            raise UpstreamError(
                ErrorKind.FORBIDDEN,
                Source.LEIA,
                "the LEIA API key belongs to another application than the configured application_id",
            )
        self._application_id = app_id
        self.scopes = (app_id,)

    async def application_id(self) -> str:
        """The scope; logs in (through ``/whoami``) if neither configured nor learned yet."""
        if self._application_id is None:
            await self.check()
        assert self._application_id is not None
        return self._application_id

    catalog_kinds = tuple(catalog.KINDS)

    async def list_catalog(self, kind: str, after: str | None, limit: int) -> Page[CatalogRecord]:
        """Models and documents ``submitJob`` names (``catalog``)."""
        return await catalog.list_catalog(self.client, kind, after, limit)

    async def scope_names(self) -> list[ScopeRecord]:
        """The application (``GET /whoami``), named by its ``application_name``."""
        body = await self._whoami()
        name = body.get("application_name")
        return [ScopeRecord(Source.LEIA, body["id"], name if isinstance(name, str) and name else None)]

    async def check(self) -> None:
        await self._whoami()

    async def _whoami(self) -> dict[str, Any]:
        body = await self.client.get_json("/whoami", operation="whoami")
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise UpstreamError(ErrorKind.BAD_RESPONSE, Source.LEIA, "LEIA whoami answered an unexpected body")
        if self._application_id is None:
            self._application_id = body["id"]
            self.scopes = (body["id"],)
        return body

    async def aclose(self) -> None:
        token = self.auth.token
        if token is not None:
            try:
                # Best effort: free the server-side session; shutdown must not wait on it.
                await self.client.http.get("/logout", headers={TOKEN_HEADER: token}, auth=None, timeout=1.0)
            except Exception:
                log.debug("leia logout failed", exc_info=True)
            self.auth.forget()
        await self.client.aclose()

    # --- records ----------------------------------------------------------------------

    def use_memory(self, memory: SourceMemory) -> None:
        self.memory = memory

    def _record(self, data: Any) -> JobRecord:
        return job_record(data)

    async def _narrowed(self, records: list[JobRecord]) -> list[JobRecord]:
        """Only jobs whose input we kept can be rerun (Leia does not echo a job's parameters): one read for all."""
        candidates = [r for r in records if r.can_rerun]
        if not candidates:
            return records
        kept = await self.memory.get_many([_input_key(r.native_id) for r in candidates])
        known = {r.native_id for r, value in zip(candidates, kept, strict=True) if value is not None}
        return [r if not r.can_rerun or r.native_id in known else replace(r, can_rerun=False) for r in records]

    async def _remember(self, job_id: str, params: Mapping[str, Any]) -> None:
        await self.memory.set(_input_key(job_id), json.dumps(dict(params)).encode(), ttl_s=REMEMBERED_INPUTS_S)

    async def _remembered(self, job_id: str) -> dict[str, Any] | None:
        (found,) = await self.memory.get_many([_input_key(job_id)])
        return None if found is None else dict(json.loads(found))

    # --- jobs -------------------------------------------------------------------------

    async def list_jobs(self, query: JobQuery, after: str | None, limit: int) -> Page[JobRecord]:
        if limit < 1:
            raise UpstreamError(ErrorKind.INVALID, Source.LEIA, "limit must be at least 1")
        the_plan = plan(query, await self.application_id())
        if the_plan is None:
            return Page(entries=(), has_more=False, total=0 if after is None else None)
        size = min(MAX_PAGE, limit) if the_plan.exact else min(MAX_PAGE, max(2 * limit, 20))
        return await merged_page(
            the_plan.streams,
            self._fetch,
            keep=query.matches,
            after=after,
            limit=limit,
            fetch_size=size,
            exact=the_plan.exact,
        )

    async def list_job_groups(self, queries: Sequence[JobQuery], limit: int) -> list[Page[JobRecord] | None]:
        pages: list[Page[JobRecord] | None] = [None] * len(queries)
        app = await self.application_id()
        wanted = [i for i, q in enumerate(queries) if children_only(q, app)]
        if len(wanted) < 2 or limit < 1:
            return pages  # one parent costs one call either way, and its own read is smaller
        read = await self._fetch({"application_id": app, "sort": CHILDREN_SORT}, 0, MAX_PAGE)
        groups = children_groups(read.records, read.exhausted)
        if groups is None:
            return pages
        for i in wanted:
            children = [r for r in groups.get(queries[i].parent_id or "", []) if queries[i].matches(r)]
            # Positions as the parent's own single-stream list gives them: offset right after.
            entries = [PageEntry(r, encode_position([n + 1])) for n, r in enumerate(children[:limit])]
            pages[i] = Page(entries, has_more=len(children) > limit, total=len(children))
        return pages

    async def _fetch(self, params: Mapping[str, str], offset: int, limit: int) -> StreamPage:
        response = await self.client.request(
            "GET",
            "/job",
            operation="list_jobs",
            params={**params, "offset": offset, "limit": limit},
            accept_statuses=(404,),
        )
        if response.status_code == 404:
            return StreamPage((), total=0 if offset == 0 else None, exhausted=True)
        records = await self._narrowed(job_records(self.client.decode(response)))
        total = catalog.content_range_total(response.headers.get("content-range"))
        exhausted = offset + len(records) >= total if total is not None else len(records) < limit
        return StreamPage(records, total, exhausted)

    async def get_jobs(self, keys: Sequence[NativeKey]) -> list[JobRecord | UpstreamError]:
        try:
            app_id = await self.application_id()
        except UpstreamError as err:
            return [err for _ in keys]

        async def one(key: NativeKey) -> JobRecord:
            if key.scope != app_id or not key.native_id:
                raise _not_found(key)
            return await self._get_one(key)

        answers = await gather_per_key(keys, one, GET_CONCURRENCY)
        records = list({id(a): a for a in answers if isinstance(a, JobRecord)}.values())
        narrowed = dict(zip(map(id, records), await self._narrowed(records), strict=True))
        return [a if isinstance(a, UpstreamError) else narrowed[id(a)] for a in answers]

    async def _get_one(self, key: NativeKey) -> JobRecord:
        data = await self.client.get_json(f"/job/{_segment(key.native_id)}", operation="get_job")
        record = self._record(data)
        if record.scope != key.scope:
            raise _not_found(key)
        return record

    async def get_native_statuses(self, keys: Sequence[NativeKey]) -> dict[NativeKey, str | UpstreamError]:
        """Native status words by key, with the bulk ``GET /job/{ids}/status`` (one call per ~70 ids)."""
        try:
            app_id = await self.application_id()
        except UpstreamError as err:
            return {k: err for k in keys}
        ids = list(dict.fromkeys(k.native_id for k in keys if k.scope == app_id and k.native_id))
        found: dict[str, str | UpstreamError] = {}
        for part in await asyncio.gather(*(self._statuses(chunk) for chunk in _chunks(ids))):
            found.update(part)
        return {key: (found.get(key.native_id) if key.scope == app_id else None) or _not_found(key) for key in keys}

    async def get_statuses(self, keys: Sequence[NativeKey]) -> dict[NativeKey, JobStatus | UpstreamError]:
        """Normalized statuses by key; what the subscription watcher polls."""
        natives = await self.get_native_statuses(keys)
        return {k: v if isinstance(v, UpstreamError) else map_status(v) for k, v in natives.items()}

    async def _statuses(self, ids: list[str]) -> dict[str, str | UpstreamError]:
        path = f"/job/{','.join(_segment(i) for i in ids)}/status"
        try:
            answer = status_map(await self.client.get_json(path, operation="get_job_statuses"))
        except UpstreamError as err:
            if err.kind in (ErrorKind.NOT_FOUND, ErrorKind.FORBIDDEN) and len(ids) > 1:
                singles = await asyncio.gather(*(self._statuses([i]) for i in ids))
                return {k: v for single in singles for k, v in single.items()}
            return {i: err for i in ids}
        return {i: answer[i] for i in ids if i in answer}

    # --- mutations --------------------------------------------------------------------

    async def submit_job(self, request: SubmitRequest) -> JobRecord:
        call = build_call(request.params, default_callback_url=self._callback_url)
        app_id = await self.application_id()
        if request.scope and request.scope != app_id:
            raise UpstreamError(
                ErrorKind.INVALID,
                Source.LEIA,
                "LEIA jobs can only be submitted in the configured application",
                field_errors=(FieldError(("scope",), f"must be {app_id}"),),
            )
        response = await self.client.request("POST", call.path, operation="submit_job", json_body=call.body)
        record = job_record(self.client.decode(response))
        await self._remember(record.native_id, request.params)
        (narrowed,) = await self._narrowed([record])
        return narrowed

    async def cancel_job(self, key: NativeKey) -> JobRecord:
        record = await self._owned(key)
        if record.status.is_final:
            raise _already_final(record)
        try:
            await self.client.request("DELETE", f"/job/{_segment(key.native_id)}", operation="cancel_job")
        except UpstreamError as err:
            if err.kind is ErrorKind.NOT_FOUND:
                # Leia says 404 for "already canceled": it may have ended meanwhile.
                latest = await self._get_one(key)
                if latest.status.is_final:
                    raise _already_final(latest) from None
            raise
        (cancelled,) = await self._narrowed([await self._get_one(key)])
        return cancelled

    async def rerun_job(self, key: NativeKey) -> JobRecord:
        record = await self._owned(key)
        if not record.status.is_final:
            raise UpstreamError(
                ErrorKind.CONFLICT, Source.LEIA, f"LEIA job {key.native_id} is {record.native_status}, not final yet"
            )
        params = await self._remembered(key.native_id)
        if params is None:
            raise UpstreamError(
                ErrorKind.NOT_SUPPORTED,
                Source.LEIA,
                "LEIA does not return a job's parameters: only jobs submitted through this gateway can be rerun",
            )
        return await self.submit_job(SubmitRequest(key.scope, params))

    async def start_job(self, key: NativeKey) -> JobRecord:
        """Release a job created with ``block_processing`` (BLOCKED -> eligible)."""
        await self._owned(key)
        response = await self.client.request("POST", f"/job/{_segment(key.native_id)}/start", operation="start_job")
        (started,) = await self._narrowed([self._record(self.client.decode(response))])
        return started

    async def _owned(self, key: NativeKey) -> JobRecord:
        if key.scope != await self.application_id() or not key.native_id:
            raise _not_found(key)
        return await self._get_one(key)

    # --- CallbackSource ----------------------------------------------------------------

    def with_callback(self, request: SubmitRequest, url: str) -> SubmitRequest | None:
        if "callback_url" in request.params:
            return None  # the client's own callback wins; Leia takes one URL per job
        return replace(request, params={**request.params, "callback_url": url})

    def job_of_callback(self, payload: object) -> NativeKey:
        """The job a ``callback_url`` POST names (the Job JSON's ``application_id`` and ``id``).

        The rest of the body (its status above all) is not read: anyone who has the
        URL can POST to it, so the gateway asks Leia itself.
        """
        if not isinstance(payload, Mapping):
            raise ValueError("not a LEIA job: not a JSON object")
        native_id, scope = payload.get("id"), payload.get("application_id")
        if not isinstance(native_id, str) or not native_id or not isinstance(scope, str) or not scope:
            raise ValueError("not a LEIA job: 'id' and 'application_id' must be non-empty strings")
        return NativeKey(scope, native_id)

    # --- job types --------------------------------------------------------------------

    async def list_job_types(self, query: JobTypeQuery, after: str | None, limit: int) -> Page[JobTypeRecord]:
        offset_or_invalid(after, self.source, "job type", bound=len(JOB_TYPES))  # before any request
        app_id = await self.application_id()
        records = [r for r in (job_type_record(n, app_id) for n in JOB_TYPES) if query.matches(r)]
        return page_of(records, after, limit, source=self.source, bound=len(JOB_TYPES))

    async def get_job_types(self, keys: Sequence[NativeKey]) -> list[JobTypeRecord | UpstreamError]:
        try:
            app_id = await self.application_id()
        except UpstreamError as err:
            return [err for _ in keys]
        return [
            job_type_record(k.native_id, k.scope) if k.scope == app_id and k.native_id in JOB_TYPES else _not_found(k)
            for k in keys
        ]


def _segment(value: str) -> str:
    return quote(value, safe="")


def _not_found(key: NativeKey) -> UpstreamError:
    return UpstreamError(
        ErrorKind.NOT_FOUND, Source.LEIA, f"LEIA has no {key.native_id!r} in application {key.scope!r}"
    )


def _already_final(record: JobRecord) -> UpstreamError:
    return UpstreamError(
        ErrorKind.CONFLICT, Source.LEIA, f"LEIA job {record.native_id} is already final ({record.native_status})"
    )


def _chunks(ids: list[str]) -> list[list[str]]:
    chunks: list[list[str]] = []
    current: list[str] = []
    size = 0
    for job_id in ids:
        length = len(_segment(job_id)) + 1
        if current and size + length > STATUS_URL_BUDGET:
            chunks.append(current)
            current, size = [], 0
        current.append(job_id)
        size += length
    if current:
        chunks.append(current)
    return chunks


def _input_key(job_id: str) -> str:
    return f"input:{job_id}"
