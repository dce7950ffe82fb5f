"""The Amperity adapter: ingest jobs as Jobs and IngestRuns, cancellation through their workflow.

Configuration (``[sources.amperity]``): ``base_url`` (e.g.
``https://app.amperity.com/api``), ``token`` or ``token_env`` (the Bearer access
token), ``tenant`` (the ``amperity-tenant`` header and this source's only scope),
optional ``api_version`` (default ``2024-04-01``), ``timeout_s`` and
``rate_limit_per_s`` (default 9.5, under Amperity's 10 requests/s so we are never
the cause of a 429; a 429 that still comes is retried after its ``Retry-After``).

What it does with the API:

- Lists: ``GET /ingest/jobs`` cannot page (its ``next_token`` is unusable) and
  only covers the previous 7 days, so a list is ONE call for the window
  ``[end - 7 days, end)`` with ``end`` = the server's now + 1 s. The window is
  exactly 7 days because a longer one is refused; the one-second sliver at the
  old end is lost. The server's clock is learned from its ``Date`` header: a
  first page whose answer shows the server's clock elsewhere than assumed (by
  2 s or more) is asked again once. Query time filters narrow the window; a later
  page narrows its end to the last entry's start. The adapter sorts
  newest-started first, filters statuses locally and pages over the answer;
  positions freeze the window end and name entries by sort key (see
  ``positions``; a keyset rather than an index, so jobs ageing out of the
  7-day horizon between pages shift nothing). The total is the number of
  matches in the window, given on the first page when the upstream's
  ``with_total`` confirms nothing was left out. Jobs whose tables are all still
  scheduled for a later time are not listable (the upstream filters on
  ``started_at``), but readable by id.
- Older jobs: Amperity documents only the last 7 days as listable ("only jobs from
  the previous 7 days are returned"; older windows are undocumented, the simulator
  answers them empty). With ``history_days`` above 7 (default 7, at most 366), a list
  that reaches the end of a window goes on with the 7 days before it, window after
  window, newest first, until ``history_days`` back (or a ``created_after`` bound);
  each window is one more call, so the total is then not known. At the default,
  jobs older than 7 days are only readable by id.
- Gets: the API has no batch get. From ``BATCH_MIN_KEYS`` recent ids on (the id
  carries its day), one list call over the days they span answers all it holds;
  the rest get one ``GET /ingest/jobs/{id}`` each, concurrently, under the rate
  limit. A failing id gets its own error (404 -> NOT_FOUND).
- Cancel: Amperity has no ingest-job cancel, but the documented way to stop one
  is to stop its workflow: ``cancel_job`` reads the job, refuses (CONFLICT) if
  it is already final, calls ``POST /workflow/runs/{workflow_id}/stop`` (a 400
  or 409 there is a CONFLICT: the workflow ended meanwhile) and reads the job
  again (if that read fails, the stop still succeeded: the job as read before is
  returned). Stopping a workflow stops every ingest job it runs. The stop is a
  POST and is never retried.
- Submit and rerun are NOT_SUPPORTED: ingest jobs are read-only, started by
  workflows; rerunning means ``POST /workflow/runs {config_id}``, and an ingest
  job does not carry its courier group's ``config_id``. So there are no
  ``SubmitRequest.params`` for this source.
- Job types: one, ``ingest``, per tenant.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from adapters.amperity import translate
from adapters.amperity.positions import ListPosition
from adapters.amperity.server_clock import TOLERANCE_S, ServerClock
from adapters.amperity.wire_errors import parse_error
from adapters.base import (
    BaseAdapter,
    Capabilities,
    IngestRunQuery,
    JobQuery,
    JobTypeQuery,
    Page,
    PageEntry,
    SubmitRequest,
)
from adapters.batching import gather_per_key
from adapters.errors import ErrorKind, UpstreamError
from adapters.http import UpstreamClient
from adapters.model import IngestRunRecord, JobRecord, JobTypeRecord, NativeKey, Source
from adapters.positions import page_of
from adapters.timeparse import format_ms, truncate_ms

log = logging.getLogger("job_gateway.upstream.amperity")

DEFAULT_API_VERSION = "2024-04-01"
DEFAULT_RATE_LIMIT_PER_S = 9.5
WINDOW = timedelta(days=7)
WINDOW_LEAD = timedelta(seconds=1)
_ONE_MS = timedelta(milliseconds=1)
_DAY = timedelta(days=1)
_ID_DAY = re.compile(r"isj-(\d{8})-")
BATCH_MIN_KEYS = 3
"""From this many recent ids on, ``get_jobs`` reads them from one list call."""

R = TypeVar("R")

READ_ONLY = (
    "Amperity ingest jobs are read-only: they are started by workflows (courier group runs) inside Amperity "
    "and cannot be submitted through this gateway"
)
NO_RERUN = (
    "Amperity cannot rerun an ingest job: a rerun starts its courier group again (POST /workflow/runs "
    "with a config_id), and an ingest job does not say which courier group it came from"
)


@dataclasses.dataclass(frozen=True, slots=True)
class _Window:
    """One answer of ``GET /ingest/jobs``: raw jobs newest-started first, after the position."""

    end: datetime
    jobs: list[dict[str, Any]]
    complete: bool
    """The upstream's ``total`` agreed with what it sent (nothing was cut off)."""


RATE_LIMIT_BURST = 3.0


class AmperityAdapter(BaseAdapter):
    source = Source.AMPERITY
    capabilities = Capabilities(
        list_jobs=True,
        get_job=True,
        batch_get_jobs=True,
        filter_status=False,
        filter_job_type=False,
        filter_time=True,
        job_types=True,
        ingest_runs=True,
        submit=False,
        cancel=True,
        rerun=False,
        callbacks=False,
        total_count=True,
        list_order="started",
    )

    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        tenant: str,
        api_version: str = DEFAULT_API_VERSION,
        timeout_s: float = 10.0,
        rate_limit_per_s: float = DEFAULT_RATE_LIMIT_PER_S,
        history_days: int = 7,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.history = timedelta(days=history_days)
        """How far back lists reach: past 7 days, one more ``GET /ingest/jobs`` window per 7 days."""
        self.tenant = tenant
        self.scopes = (tenant,)
        self.clock = ServerClock()
        self.client = UpstreamClient(
            self.source,
            base_url,
            headers={
                "Authorization": f"Bearer {token}",
                "amperity-tenant": tenant,
                "api-version": api_version,
                "Accept": "application/json",
            },
            timeout_s=timeout_s,
            rate_limit_per_s=rate_limit_per_s,
            # A small burst leaves headroom when requests bunch up on their way (a busy
            # event loop, a proxy): Amperity's own window may be stricter than a bucket.
            rate_limit_burst=RATE_LIMIT_BURST,
            error_parser=parse_error,
            secrets=[token],
            transport=transport,
        )
        self.client.http.event_hooks["response"].append(self.clock.on_response)

    # --- lists ----------------------------------------------------------------------

    async def list_jobs(self, query: JobQuery, after: str | None, limit: int) -> Page[JobRecord]:
        if not self._in_scope(query.scopes) or (
            query.job_type_ids is not None and translate.JOB_TYPE_ID not in query.job_type_ids
        ):
            return Page(entries=(), has_more=False, total=0)
        upper = _earliest(query.created_before, query.updated_before)
        return await self._walk(after, query.created_after, upper, limit, self._job, query.matches)

    async def list_ingest_runs(self, query: IngestRunQuery, after: str | None, limit: int) -> Page[IngestRunRecord]:
        if not self._in_scope(query.scopes):
            return Page(entries=(), has_more=False, total=0)
        return await self._walk(after, query.started_after, query.started_before, limit, self._run, query.matches)

    async def _walk(
        self,
        after: str | None,
        lower: datetime | None,
        upper: datetime | None,
        limit: int,
        build: Callable[[dict[str, Any]], R],
        keep: Callable[[R], bool],
    ) -> Page[R]:
        """Newest first through the current 7-day window, then (``history_days`` > 7) each older one in turn."""
        window = await self._window(after, lower, upper)
        page = self._page(window, after, limit, build, keep)
        if self.history <= WINDOW:
            return page
        horizon = self.clock.now() + WINDOW_LEAD - self.history
        if lower is not None:
            horizon = max(horizon, truncate_ms(lower))
        entries = list(page.entries)
        while not page.has_more and len(entries) < limit and window.end - WINDOW > horizon:
            window = await self._fetch_window(window.end - WINDOW, None, lower, upper)
            page = self._page(window, None, limit - len(entries), build, keep)
            entries.extend(page.entries)
        older = window.end - WINDOW > horizon
        return Page(entries, has_more=page.has_more or older, total=None)

    def _page(
        self,
        window: _Window,
        after: str | None,
        limit: int,
        build: Callable[[dict[str, Any]], R],
        keep: Callable[[R], bool],
    ) -> Page[R]:
        matches = [(raw, record) for raw in window.jobs if keep(record := build(raw))]
        entries = [
            PageEntry(record, ListPosition(window.end, _first_start(raw), str(raw["id"])).encode())
            for raw, record in matches[: max(0, limit)]
        ]
        total = len(matches) if after is None and window.complete else None
        return Page(entries=entries, has_more=len(matches) > len(entries), total=total)

    async def _window(self, after: str | None, lower: datetime | None, upper: datetime | None) -> _Window:
        position = _decode(after)
        if position is not None:
            return await self._fetch_window(position.window_end, position, lower, upper)
        skew = self.clock.skew
        window = await self._fetch_window(_window_end(self.clock.now()), None, lower, upper)
        if abs((self.clock.skew - skew).total_seconds()) >= TOLERANCE_S:
            # The answer showed the server's clock elsewhere than we assumed (first call, or its
            # clock jumped): ask once more for the window the server means.
            log.info("amperity: server clock is %s from ours; asking the window again", self.clock.skew)
            window = await self._fetch_window(_window_end(self.clock.now()), None, lower, upper)
        return window

    async def _fetch_window(
        self, end: datetime, position: ListPosition | None, lower: datetime | None, upper: datetime | None
    ) -> _Window:
        start = end - WINDOW
        if lower is not None:
            start = max(start, truncate_ms(lower))
        stop = end if upper is None else min(end, _ceil_ms(upper))
        if position is not None and position.started is not None:
            # Newest first: everything after this position started no later than it did.
            stop = min(stop, position.started + _ONE_MS)
        if start >= stop:
            return _Window(end, [], True)
        params = {"created_from": format_ms(start), "created_to": format_ms(stop), "with_total": "true"}
        body = await self.client.get_json("/ingest/jobs", operation="list_ingest_jobs", params=params)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list) or not all(isinstance(j, dict) and isinstance(j.get("id"), str) for j in data):
            raise UpstreamError(
                ErrorKind.BAD_RESPONSE, self.source, "AMPERITY sent an ingest job list of the wrong shape"
            )
        total = body.get("total")
        complete = not isinstance(total, int) or total <= len(data)
        if not complete:
            log.warning("amperity: window %s..%s holds %s jobs but only %s were sent", start, stop, total, len(data))
        jobs = sorted(data, key=translate.sort_key, reverse=True)
        if position is not None:
            mark = _mark(position)
            jobs = [j for j in jobs if translate.sort_key(j) < mark]
        return _Window(end, jobs, complete)

    # --- gets -----------------------------------------------------------------------

    async def get_jobs(self, keys: Sequence[NativeKey]) -> list[JobRecord | UpstreamError]:
        return await self._get_many(keys, self._job)

    async def get_ingest_runs(self, keys: Sequence[NativeKey]) -> list[IngestRunRecord | UpstreamError]:
        return await self._get_many(keys, self._run)

    async def _get_many(
        self, keys: Sequence[NativeKey], build: Callable[[dict[str, Any]], R]
    ) -> list[R | UpstreamError]:
        distinct = list(dict.fromkeys(keys))
        raws = await self._from_window(distinct)
        missing = [key for key in distinct if key not in raws]
        fetched = await gather_per_key(missing, self._fetch)
        raws.update(zip(missing, fetched, strict=True))
        built = {key: _build(raw, build) for key, raw in raws.items()}
        return [built[key] for key in keys]

    async def _from_window(self, keys: Sequence[NativeKey]) -> dict[NativeKey, dict[str, Any] | UpstreamError]:
        """Many recent ids at once: one list call instead of one GET each (the API has no batch get).

        An ingest job id carries its day (``isj-YYYYMMDD-...``), so the window only
        reaches back to the earliest day asked for. Ids the window does not hold
        (older, not started yet, or not ingest-job shaped) are left to single GETs.
        """
        end = truncate_ms(self.clock.now() + WINDOW_LEAD)
        days = {
            key: day
            for key in keys
            if key.scope == self.tenant and (day := _id_day(key.native_id)) is not None and day + _DAY > end - WINDOW
        }
        if len(days) < BATCH_MIN_KEYS:
            return {}
        try:
            window = await self._fetch_window(end, None, min(days.values()) - _DAY, None)
        except UpstreamError as err:
            if err.kind in (ErrorKind.BAD_RESPONSE, ErrorKind.INVALID):
                return {}  # single GETs may still work
            return dict.fromkeys(days, err)
        by_id = {job["id"]: job for job in window.jobs}
        return {key: by_id[key.native_id] for key in days if key.native_id in by_id}

    async def _fetch(self, key: NativeKey) -> dict[str, Any]:
        if key.scope != self.tenant or not key.native_id:
            raise UpstreamError(
                ErrorKind.NOT_FOUND, self.source, f"no Amperity ingest job {key.native_id!r} in tenant {key.scope!r}"
            )
        path = f"/ingest/jobs/{quote(key.native_id, safe='')}"
        body = await self.client.get_json(path, operation="get_ingest_job")
        if not isinstance(body, dict):
            raise UpstreamError(
                ErrorKind.BAD_RESPONSE, self.source, "AMPERITY sent an ingest job that is not an object"
            )
        return body

    # An ingest job is both a Job and an IngestRun: each record carries the other, so
    # following Job.ingestRun or IngestRun.job costs no second read of the same record.
    def _job(self, raw: dict[str, Any]) -> JobRecord:
        return replace(translate.to_job(raw, self.tenant), ingest_run=translate.to_ingest_run(raw, self.tenant))

    def _run(self, raw: dict[str, Any]) -> IngestRunRecord:
        return replace(translate.to_ingest_run(raw, self.tenant), job=translate.to_job(raw, self.tenant))

    # --- job types ------------------------------------------------------------------

    async def list_job_types(self, query: JobTypeQuery, after: str | None, limit: int) -> Page[JobTypeRecord]:
        record = translate.ingest_job_type(self.tenant)
        matching = [record] if query.matches(record) else []
        return page_of(matching, after, limit, source=self.source, bound=1)

    async def get_job_types(self, keys: Sequence[NativeKey]) -> list[JobTypeRecord | UpstreamError]:
        return [
            translate.ingest_job_type(self.tenant)
            if key.scope == self.tenant and key.native_id == translate.JOB_TYPE_ID
            else UpstreamError(ErrorKind.NOT_FOUND, self.source, f"no Amperity job type {key.native_id!r}")
            for key in keys
        ]

    # --- mutations ------------------------------------------------------------------

    async def submit_job(self, request: SubmitRequest) -> JobRecord:
        raise UpstreamError(ErrorKind.NOT_SUPPORTED, self.source, READ_ONLY)

    async def rerun_job(self, key: NativeKey) -> JobRecord:
        raise UpstreamError(ErrorKind.NOT_SUPPORTED, self.source, NO_RERUN)

    async def cancel_affects(self, key: NativeKey) -> list[JobRecord]:
        """The job and every other unfinished ingest job of its workflow in the current 7-day window:
        the stop ends the whole workflow (its downstream tasks too, which are not ingest jobs)."""
        job = self._job(await self._fetch(key))
        workflow = job.raw.get("workflow_id")
        window = await self._fetch_window(_window_end(self.clock.now()), None, None, None)
        others = [
            record
            for raw in window.jobs
            if raw.get("workflow_id") == workflow and raw.get("id") != key.native_id
            for record in (self._job(raw),)
            if not record.status.is_final
        ]
        return [job, *others]

    async def cancel_job(self, key: NativeKey) -> JobRecord:
        before = self._job(await self._fetch(key))
        if before.status.is_final:
            raise UpstreamError(
                ErrorKind.CONFLICT,
                self.source,
                f"Amperity ingest job {key.native_id} is already {before.native_status or before.status.value}",
            )
        workflow = before.raw.get("workflow_id")
        if not isinstance(workflow, str) or not workflow:
            raise UpstreamError(ErrorKind.CONFLICT, self.source, f"ingest job {key.native_id} names no workflow")
        try:
            await self.client.request(
                "POST", f"/workflow/runs/{quote(workflow, safe='')}/stop", operation="stop_workflow"
            )
        except UpstreamError as err:
            if err.status in (400, 409):
                raise UpstreamError(ErrorKind.CONFLICT, self.source, err.message, status=err.status) from None
            raise
        try:
            return self._job(await self._fetch(key))
        except UpstreamError as err:
            # The stop was accepted; failing to re-read must not turn a done mutation into an error.
            log.warning("amperity: stopped %s but could not re-read it: %s", key.native_id, err.kind.value)
            return dataclasses.replace(before, can_cancel=False)

    # --- health ---------------------------------------------------------------------

    async def check(self) -> None:
        end = truncate_ms(self.clock.now() + WINDOW_LEAD)
        params = {"created_from": format_ms(end - timedelta(minutes=1)), "created_to": format_ms(end)}
        await self.client.request("GET", "/ingest/jobs", operation="check", params=params)

    async def aclose(self) -> None:
        await self.client.aclose()

    def _in_scope(self, scopes: frozenset[str] | None) -> bool:
        return scopes is None or self.tenant in scopes


def _build(raw: dict[str, Any] | UpstreamError, build: Callable[[dict[str, Any]], R]) -> R | UpstreamError:
    if isinstance(raw, UpstreamError):
        return raw
    try:
        return build(raw)
    except UpstreamError as err:
        return err


def _id_day(native_id: str) -> datetime | None:
    match = _ID_DAY.match(native_id)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d").replace(tzinfo=UTC)
    except ValueError:
        return None


def _decode(after: str | None) -> ListPosition | None:
    if after is None:
        return None
    try:
        return ListPosition.decode(after)
    except ValueError:
        raise UpstreamError(ErrorKind.INVALID, Source.AMPERITY, "malformed Amperity list position") from None


def _mark(position: ListPosition) -> tuple[bool, datetime, str]:
    if position.started is None:
        return (False, datetime.min.replace(tzinfo=position.window_end.tzinfo), position.job_id)
    return (True, position.started, position.job_id)


def _first_start(raw: dict[str, Any]) -> datetime | None:
    has_start, started, _ = translate.sort_key(raw)
    return started if has_start else None


def _earliest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return min(known) if known else None


def _window_end(now: datetime) -> datetime:
    """The end of a fresh list window: just ahead of now, rounded up to the whole second.

    Rounding makes lists asked for within the same second identical requests, which
    the client then answers with one upstream call (a big saving under a 10/s limit).
    """
    ahead = now + WINDOW_LEAD
    whole = ahead.replace(microsecond=0)
    return whole if whole == ahead else whole + timedelta(seconds=1)


def _ceil_ms(moment: datetime) -> datetime:
    """An exclusive upper bound rounded up to the wire's millisecond precision (never narrower)."""
    truncated = truncate_ms(moment)
    return truncated if truncated == moment else truncated + _ONE_MS
