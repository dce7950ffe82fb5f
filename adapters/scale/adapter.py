"""The Scale v6 adapter: jobs, job types and ingests of one Scale cluster (a single namespace, scope ``""``).

Requests go to ``{base_url}/v6/...`` (e.g. ``http://host/api/v6/jobs/``; a base URL
already ending in ``/v6`` is accepted too) with ``Authorization: Token <token>``.

Lists:

- Jobs are listed newest first: ``order=-last_modified&order=-id``. Status
  (``status``, repeated, native words), job type (``job_type_id``, repeated) and
  the updated range (``started``/``ended``, which filter on ``last_modified``) and job
  type names (``job_type_name``, repeated) are applied by Scale; ``search`` is checked here; ``updated_before`` is sent as one microsecond earlier because
  Scale's ``ended`` is inclusive. A created range cannot be asked for: its lower
  bound narrows ``started`` (a job is modified after it is created) and the rest is
  checked here, and then ``total`` is ``None``; otherwise it is Scale's ``count``.
- A position is the offset of the next record in that ordered list. Scale pages
  by number, so a read of ``limit`` records at offset ``o`` uses the smallest page
  size that holds them in one page, else two pages fetched concurrently
  (``paging.plan_window``). Offsets shift when jobs change: paging is exact while
  the data stands still, like every offset API.
- Ingests are listed the same way (``status`` pushed down, started range local);
  job types are listed by ``name, version`` (or through ``/v6/job-types/{name}/``
  when a name is asked for).

Jobs of many job types at once (``list_job_groups``, for ``JobType.jobs`` under a
page of job types): one ``GET /v6/jobs/?job_type_id=..&job_type_id=..`` of Scale's
largest page, split by job type here. It answers every type (entries, positions
as the type's own list gives them, totals) when it holds the whole combined list;
otherwise each type is read on its own.

Batches: ``get_jobs`` sends one ``GET /v6/jobs/?job_id=..&job_id=..`` per 100 ids
and ``get_job_types`` one ``GET /v6/job-types/?id=..`` per 100 ids. Scale cannot
filter ingests by id, so ``get_ingest_runs`` reads ``/v6/ingests/{id}/``
concurrently, one per id.

Mutations (never retried): ``submit_job`` is ``POST /v6/jobs/``. Cancel and
requeue are Scale's bulk filters used with ``{"job_ids": [id]}``, answered 202
with no body: Scale queues a command message and changes the job later. Both read
the job first and refuse (CONFLICT) what Scale would skip silently or what the
gateway refuses (``translate``: ``can_cancel``, ``can_rerun``), then post, and
answer the job as read with ``pending_status`` (CANCELED, QUEUED): the change is
accepted, not yet visible; the gateway follows the job until it shows.

``SubmitRequest.params`` (Scale's own names)::

    {"job_type_id": 12,                       # int, required
     "input": {"version": "7",                # Scale Data JSON, required
               "files": {"INPUT_FILE": [1234]},
               "json": {"THRESHOLD": 0.5}},
     "configuration": {"priority": 50, ...}}  # job configuration, optional
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx

from adapters.base import (
    BaseAdapter,
    Capabilities,
    IngestRunQuery,
    JobQuery,
    JobTypeEdit,
    JobTypeQuery,
    JobTypeValidation,
    Page,
    PageEntry,
    SubmitRequest,
)
from adapters.batching import gather_per_key
from adapters.errors import ErrorKind, FieldError, UpstreamError
from adapters.http import UpstreamClient
from adapters.model import IngestRunRecord, JobRecord, JobStatus, JobTypeRecord, LogRecord, NativeKey, Source
from adapters.positions import encode_offset
from adapters.scale import job_types, logs
from adapters.scale import translate as tr
from adapters.scale.listing import (
    MAX_PAGE_SIZE,
    Params,
    chunks,
    list_body,
    list_page,
    read_page,
    translated,
    when,
)
from adapters.scale.problems import parse_error

BATCH = 100
_SUBMIT_KEYS = frozenset({"job_type_id", "input", "configuration"})
R = TypeVar("R")
_JOB_ORDER: Params = [("order", "-last_modified"), ("order", "-id")]
_TYPE_ORDER: Params = [("order", "name"), ("order", "version")]


def _native_int(key: NativeKey) -> int | None:
    """The integer id behind a key, or ``None`` if no Scale record can have it."""
    text = key.native_id
    if key.scope != "" or not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return int(text)


def _not_found(what: str, key: NativeKey) -> UpstreamError:
    return UpstreamError(ErrorKind.NOT_FOUND, Source.SCALE, f"SCALE has no {what} {key.native_id!r}", status=404)


def _invalid(message: str, *fields: tuple[str, str]) -> UpstreamError:
    errors = tuple(FieldError((name,), text) for name, text in fields)
    return UpstreamError(ErrorKind.INVALID, Source.SCALE, message, field_errors=errors)


DETAIL_CONCURRENCY = 8
_LOCAL_TIMES = frozenset({"created_after", "created_before", "finished_after", "finished_before"})


class ScaleAdapter(BaseAdapter):
    source = Source.SCALE
    capabilities = Capabilities(
        list_jobs=True,
        get_job=True,
        batch_get_jobs=True,
        filter_status=True,
        filter_job_type=True,
        filter_time=True,
        job_types=True,
        ingest_runs=True,
        submit=True,
        cancel=True,
        rerun=True,
        callbacks=False,
        total_count=True,
        # Scale UI's job page (scale-ui ``processing/jobs/:id``; not checked against a deployment).
        web_path="/processing/jobs/{native_id}",
    )
    scopes = ("",)

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.client = UpstreamClient(
            Source.SCALE,
            # The spec's server URL ends in /v6; our paths carry the version themselves.
            base_url.rstrip("/").removesuffix("/v6"),
            headers={"Authorization": f"Token {token}", "Accept": "application/json"},
            timeout_s=timeout_s,
            error_parser=parse_error,
            secrets=[token],
            transport=transport,
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def check(self) -> None:
        await self.client.get_json("/v6/job-type-names/", operation="check", params={"page_size": "1"})

    # --- jobs -------------------------------------------------------------------------------------

    async def list_jobs(self, query: JobQuery, after: str | None, limit: int) -> Page[JobRecord]:
        return await self._list(
            "/v6/jobs/", _job_params(query), query.matches, tr.job_record, after, limit, "list_jobs"
        )

    async def list_job_groups(self, queries: Sequence[JobQuery], limit: int) -> list[Page[JobRecord] | None]:
        pages: list[Page[JobRecord] | None] = [None] * len(queries)
        by_type = {i: t for i, q in enumerate(queries) if (t := _single_type(q)) is not None}
        type_ids = sorted(set(by_type.values()))
        if len(type_ids) < 2 or limit < 1:
            return pages  # one type costs one call either way, and its own read is smaller
        reads = await asyncio.gather(*(self._jobs_of_types(chunk) for chunk in chunks(type_ids, BATCH)))
        groups: dict[str, list[JobRecord]] = {}
        for read in reads:
            if read is None:
                return pages  # more jobs than one page holds: each type is read on its own
            for record in read:
                groups.setdefault(record.job_type_id or "", []).append(record)
        for i, type_id in by_type.items():
            jobs = [r for r in groups.get(str(type_id), []) if queries[i].matches(r)]
            entries = [PageEntry(r, encode_offset(n + 1)) for n, r in enumerate(jobs[:limit])]
            pages[i] = Page(entries, has_more=len(jobs) > limit, total=len(jobs))
        return pages

    async def _jobs_of_types(self, type_ids: list[int]) -> list[JobRecord] | None:
        """Every job of these types in ``_JOB_ORDER``, or ``None`` when they do not fit one page."""
        params = [*(("job_type_id", str(t)) for t in type_ids), *_JOB_ORDER]
        body = await read_page(self.client, "/v6/jobs/", params, 1, MAX_PAGE_SIZE, "list_jobs")
        if body is None:
            return []
        if body.count > len(body.results):
            return None
        return [translated(tr.job_record, item, "a job") for item in body.results]

    async def get_jobs(self, keys: Sequence[NativeKey]) -> list[JobRecord | UpstreamError]:
        found = await self._jobs_by_id(keys)
        return [found.get(key) or _not_found("job", key) for key in keys]

    async def _jobs_by_id(self, keys: Iterable[NativeKey]) -> dict[NativeKey, JobRecord | UpstreamError]:
        ids = sorted({i for key in keys if (i := _native_int(key)) is not None})
        batches = await asyncio.gather(*(self._job_batch(chunk) for chunk in chunks(ids, BATCH)))
        by_id: dict[int, JobRecord | UpstreamError] = {}
        for batch in batches:
            by_id.update(batch)
        return {key: by_id[i] for key in keys if (i := _native_int(key)) is not None and i in by_id}

    async def _job_batch(self, ids: list[int]) -> dict[int, JobRecord | UpstreamError]:
        params = [*(("job_id", str(i)) for i in ids), ("page_size", str(len(ids)))]
        try:
            body = list_body(await self.client.get_json("/v6/jobs/", operation="get_jobs", params=params))
            records = [translated(tr.job_record, item, "a job") for item in body.results]
        except UpstreamError as err:
            return dict.fromkeys(ids, err)
        return {int(r.native_id): r for r in records if r.native_id.isdigit()}

    async def _job(self, job_id: int, operation: str) -> JobRecord:
        body = await self.client.get_json(f"/v6/jobs/{job_id}/", operation=operation)
        return translated(tr.job_record, body, "a job")

    # --- mutations ----------------------------------------------------------------------------------

    async def submit_job(self, request: SubmitRequest) -> JobRecord:
        body = _submit_body(request)
        try:
            response = await self.client.request("POST", "/v6/jobs/", operation="submit_job", json_body=body)
        except UpstreamError as err:
            if err.kind is ErrorKind.NOT_FOUND:
                message = f"SCALE has no job type {body['job_type_id']}"
                raise _invalid(message, ("job_type_id", message)) from None
            raise
        return translated(tr.job_record, self.client.decode(response), "a job")

    def _job_id(self, key: NativeKey) -> int:
        job_id = _native_int(key)
        if job_id is None:
            raise _not_found("job", key)
        return job_id

    async def cancel_job(self, key: NativeKey) -> JobRecord:
        job_id = self._job_id(key)
        before = await self._job(job_id, "cancel_job")
        if not before.can_cancel:
            message = f"SCALE job {job_id} is {before.native_status} and cannot be canceled"
            raise UpstreamError(ErrorKind.CONFLICT, Source.SCALE, message)
        await self.client.request("POST", "/v6/jobs/cancel/", operation="cancel_job", json_body={"job_ids": [job_id]})
        return replace(before, pending_status=JobStatus.CANCELED)

    async def rerun_job(self, key: NativeKey) -> JobRecord:
        job_id = self._job_id(key)
        before = await self._job(job_id, "rerun_job")
        if not before.can_rerun:
            message = (
                f"SCALE job {job_id} is {before.native_status}; Scale requeues only a job queued before "
                "(num_exes > 0) that is not COMPLETED or superseded"
            )
            raise UpstreamError(ErrorKind.CONFLICT, Source.SCALE, message)
        await self.client.request("POST", "/v6/jobs/requeue/", operation="rerun_job", json_body={"job_ids": [job_id]})
        return replace(before, pending_status=JobStatus.QUEUED)

    async def job_logs(self, key: NativeKey, after: str | None, limit: int) -> Page[LogRecord]:
        return await logs.job_logs(self.client, self._job_id(key), after, limit)

    # --- job types -------------------------------------------------------------------------------------

    async def list_job_types(self, query: JobTypeQuery, after: str | None, limit: int) -> Page[JobTypeRecord]:
        if query.scopes is not None and "" not in query.scopes:
            return Page(entries=(), has_more=False, total=0)
        path, params = "/v6/job-types/", _TYPE_ORDER
        if query.name is not None:
            if not query.name:
                return Page(entries=(), has_more=False, total=0)
            # The versions of one name: Scale's own list for it, ordered by version.
            path, params = job_types.versions_path(query.name), []
        return await list_page(
            self.client,
            path,
            params,
            after,
            limit,
            translate=tr.job_type_record,
            keep=query.matches,
            exact=True,
            operation="list_job_types",
        )

    async def get_job_types(self, keys: Sequence[NativeKey]) -> list[JobTypeRecord | UpstreamError]:
        ids = sorted({i for key in keys if (i := _native_int(key)) is not None})
        batches = await asyncio.gather(*(self._job_type_batch(chunk) for chunk in chunks(ids, BATCH)))
        by_id: dict[int, JobTypeRecord | UpstreamError] = {}
        for batch in batches:
            by_id.update(batch)
        answers: list[JobTypeRecord | UpstreamError] = []
        for key in keys:
            i = _native_int(key)
            answers.append(by_id[i] if i is not None and i in by_id else _not_found("job type", key))
        return answers

    async def _job_type_batch(self, ids: list[int]) -> dict[int, JobTypeRecord | UpstreamError]:
        params = [*(("id", str(i)) for i in ids), ("page_size", str(len(ids)))]
        try:
            body = list_body(await self.client.get_json("/v6/job-types/", operation="get_job_types", params=params))
            records = [translated(tr.job_type_record, item, "a job type") for item in body.results]
        except UpstreamError as err:
            return dict.fromkeys(ids, err)
        return {int(r.native_id): r for r in records if r.native_id.isdigit()}

    async def validate_job_type(self, definition: Mapping[str, object]) -> JobTypeValidation:
        return await job_types.validate(self.client, definition)

    async def create_job_type(self, definition: Mapping[str, object]) -> JobTypeEdit:
        return await job_types.create(self.client, definition)

    async def edit_job_type(self, job_type: JobTypeRecord, patch: Mapping[str, object]) -> JobTypeEdit:
        """The job type after the PATCH, with Scale's validation answer."""
        return await job_types.edit(self.client, job_type.name, job_type.version or "", patch)

    # --- ingests -------------------------------------------------------------------------------------

    async def list_ingest_runs(self, query: IngestRunQuery, after: str | None, limit: int) -> Page[IngestRunRecord]:
        pushed = _ingest_params(query)
        return await self._list(
            "/v6/ingests/", pushed, query.matches, tr.ingest_record, after, limit, "list_ingest_runs"
        )

    async def _list(
        self,
        path: str,
        pushed: tuple[Params, bool] | None,
        keep: Callable[[R], bool],
        translate: Callable[[Any], R],
        after: str | None,
        limit: int,
        operation: str,
    ) -> Page[R]:
        """A list in ``_JOB_ORDER`` with the filters ``pushed`` down (``None``: nothing can match)."""
        if pushed is None:
            return Page(entries=(), has_more=False, total=0)
        params, exact = pushed
        return await list_page(
            self.client,
            path,
            [*params, *_JOB_ORDER],
            after,
            limit,
            translate=translate,
            keep=keep,
            exact=exact,
            operation=operation,
        )

    async def ingest_run_ids(self, jobs: Sequence[JobRecord]) -> list[str | None]:
        """List items carry no job input, so an ingest job's ingest is read from its details.

        Only ``scale-ingest`` jobs whose record lacks it cost a call (one GET each, bounded).
        """
        unknown = [
            j.key
            for j in jobs
            if j.ingest_run_id is None and j.job_type_name == tr.INGEST_JOB_TYPE and j.native_id.isdigit()
        ]

        async def details(key: NativeKey) -> JobRecord:
            return await self._job(int(key.native_id), "get_job")

        found = dict(zip(unknown, await gather_per_key(unknown, details, DETAIL_CONCURRENCY), strict=True))
        out: list[str | None] = []
        for job in jobs:
            record = found.get(job.key)
            out.append(record.ingest_run_id if isinstance(record, JobRecord) else job.ingest_run_id)
        return out

    async def get_ingest_runs(self, keys: Sequence[NativeKey]) -> list[IngestRunRecord | UpstreamError]:
        return await gather_per_key(keys, self._ingest)

    async def _ingest(self, key: NativeKey) -> IngestRunRecord:
        ingest_id = _native_int(key)
        if ingest_id is None:
            raise _not_found("ingest", key)
        body = await self.client.get_json(f"/v6/ingests/{ingest_id}/", operation="get_ingest_runs")
        return translated(tr.ingest_record, body, "an ingest")


# --- pushing filters down -----------------------------------------------------------------------------


def _time_range(lower: datetime | None, before: datetime | None) -> tuple[Params, bool] | None:
    """``started``/``ended`` on ``last_modified`` for ``lower <= t < before``; ``None`` if nothing can match."""
    params: Params = []
    exact = True
    upper = before - timedelta(microseconds=1) if before is not None else None
    if lower is not None and upper is not None and lower >= upper:
        if lower > upper:
            return None
        # Scale refuses equal bounds: ask from ``lower`` and check the end here.
        upper, exact = None, False
    if lower is not None:
        params.append(("started", when(lower)))
    if upper is not None:
        params.append(("ended", when(upper)))
    return params, exact


def _status_params(words: list[str] | None) -> tuple[Params, bool] | None:
    """``status`` filters for a status query's native words and whether they are exact;
    ``None`` when no native word matches (nothing can match)."""
    if words is None:
        return [], False
    if not words:
        return None
    return [("status", word) for word in words], True


def _single_type(query: JobQuery) -> int | None:
    """The job type of a query for one type's jobs and nothing else (``JobType.jobs``)."""
    ids = query.job_type_ids
    if ids is None or len(ids) != 1 or query.scopes not in (None, frozenset({""})):
        return None
    (only,) = ids
    plain = query == JobQuery(job_type_ids=ids, scopes=query.scopes)
    return int(only) if plain and only.isascii() and only.isdigit() else None


def _job_params(query: JobQuery) -> tuple[Params, bool] | None:
    """Scale filters for ``query`` and whether they are all of it; ``None`` when no job can match."""
    if (query.scopes is not None and "" not in query.scopes) or query.parent_id is not None:
        return None
    params: Params = []
    exact = True
    if query.statuses is not None:
        status = _status_params(tr.native_job_statuses(query.statuses))
        if status is None:
            return None
        params, exact = status
    if query.job_type_ids is not None:
        ids = sorted((i for i in query.job_type_ids if i.isascii() and i.isdigit()), key=int)
        if not ids:
            return None
        params.extend(("job_type_id", i) for i in ids)
    if query.set_filters(_LOCAL_TIMES) or query.search is not None:
        exact = False  # checked here: Scale filters times on last_modified only, and has no text search
    if query.job_type_names is not None:
        if not query.job_type_names:
            return None
        params.extend(("job_type_name", name) for name in sorted(query.job_type_names))
    bounds = [t for t in (query.updated_after, query.created_after) if t is not None]
    window = _time_range(max(bounds) if bounds else None, query.updated_before)
    if window is None:
        return None
    params.extend(window[0])
    return params, exact and window[1]


def _ingest_params(query: IngestRunQuery) -> tuple[Params, bool] | None:
    if query.scopes is not None and "" not in query.scopes:
        return None
    params: Params = []
    exact = True
    if query.states is not None:
        status = _status_params(tr.native_ingest_statuses(query.states))
        if status is None:
            return None
        params, exact = status
    if query.started_after is not None:
        # An ingest is modified after it starts: a bound Scale can apply, the exact check is local.
        params.append(("started", when(query.started_after)))
        exact = False
    if query.started_before is not None:
        exact = False
    return params, exact


def _submit_body(request: SubmitRequest) -> dict[str, Any]:
    """Check ``SubmitRequest.params`` before anything is sent."""
    params = request.params
    problems: list[tuple[str, str]] = []
    if request.scope != "":
        problems.append(("scope", "SCALE has a single namespace: the scope must be empty"))
    problems.extend((key, "unknown parameter") for key in sorted(set(params) - _SUBMIT_KEYS))
    job_type_id = params.get("job_type_id")
    if isinstance(job_type_id, bool) or not isinstance(job_type_id, int) or job_type_id < 1:
        problems.append(("job_type_id", "a positive integer job type id is required"))
    data = params.get("input")
    if not isinstance(data, Mapping):
        problems.append(("input", "Scale Data JSON (an object with 'files' and/or 'json') is required"))
    else:
        files = data.get("files", {})
        if not isinstance(files, Mapping) or not all(
            isinstance(ids, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
            for ids in files.values()
        ):
            problems.append(("input", "'files' must map each input name to a list of file ids"))
        if not isinstance(data.get("json", {}), Mapping):
            problems.append(("input", "'json' must be an object"))
    if "configuration" in params and not isinstance(params["configuration"], Mapping):
        problems.append(("configuration", "the job configuration must be an object"))
    if problems:
        raise _invalid("invalid SCALE submit parameters: " + "; ".join(f"{k}: {m}" for k, m in problems), *problems)
    body: dict[str, Any] = {"job_type_id": job_type_id, "input": dict(data)}  # type: ignore[arg-type]
    if params.get("configuration") is not None:
        body["configuration"] = dict(params["configuration"])
    return body
