"""A faithful in-memory copy of the Amperity API's ingest-job and workflow endpoints (version 2024-04-01).

Routes (relative to the base URL, e.g. ``https://app.amperity.com/api``):
``GET /ingest/jobs`` (required 7-day ``created_from``/``created_to`` window,
``with_total``), ``GET /ingest/jobs/{job-id}``, ``GET /workflow/runs`` (filters,
cursor paging with ``limit``/``next_token``/``with_total``), ``POST /workflow/runs``
(201), ``GET /workflow/runs/{workflow-id}`` (``view``), ``POST
/workflow/runs/{workflow-id}/stop``. Every call needs ``Authorization: Bearer
<token>``, ``amperity-tenant`` and ``api-version`` (or ``?api_version=``); the
simulator answers 429 above 10 requests/s per tenant. Errors are
``{status, message, request_id, trace_id}`` JSON, injected faults included.
Every answer carries a ``Date`` header from the simulated clock.

Behaviours the docs leave open, and the choice made here:

- Check order and codes: 429 -> 401 (bad token) -> 400 (missing/unsupported
  version) -> 400 (missing tenant header) / 403 (other tenant). A 429 carries
  ``Retry-After`` (whole seconds) although no rate-limit header is documented.
  The limit is a token bucket (10/s, bursts of 10) per ``amperity-tenant`` value
  on real time; ``create_simulator(rate_limit_per_s=None)`` turns it off.
- Data (``seed``): tenant ``socktown``, 150 ingest jobs (90 in the last 7
  days, 6 of them live), each run by its own courier-group workflow, 20 other
  workflows, and an hourly courier group that keeps adding runs as the clock
  moves.
- ``/ingest/jobs`` filters on the earliest table ``started_at`` (the docs'
  ``created_at`` does not exist). A window longer than 7 days, an end not after
  its start, or an unreadable timestamp is 400; jobs that started more than 7
  days before now are never listed (an older window answers ``data: []``) but
  stay readable by id. ``data`` is ordered oldest first; ``next_token`` is sent
  whenever ``data`` is not empty and is ignored when passed back (the docs say
  it cannot be used). All matches come in one answer.
- Table ``state`` words are the documented display words in lower case;
  multi-word ones keep their space: ``in progress``. A table that has not ended
  (scheduled, started, in progress, running, finalizing, stopping) has an
  ``ended_at`` equal to its ``started_at``, because the schema makes ``ended_at``
  required and non-nullable. A scheduled table's ``started_at`` is when it is
  planned to start; a job whose tables are all scheduled in the future is
  therefore listed only once its start time has passed.
- Workflow states: ``scheduled``, ``running``, ``canceling``, ``canceled``,
  ``failed``, ``succeeded``. Stopping a workflow stops every ingest job it runs;
  stopping one already stopping answers 200 with its current state, stopping a
  finished one is 409. ``GET /workflow/runs`` is newest first, ``limit`` 1..100
  (default 20), ``next_token`` is an opaque keyset cursor (400 when unreadable).
- ``POST /workflow/runs`` validates like the schema (``additionalProperties:
  false``, ``run_mode`` enum, ``range_to`` needs ``range_from``, range fields
  for courier groups only, file-based courier groups need ``range_from``); an
  unknown ``config_id`` is 400 (no 404 is documented for this call). A courier
  group run creates a workflow at once and one ingest job whose tables start 5 s
  later; orchestrations and campaigns create a workflow that runs 60 s.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters import timeparse
from adapters.timeparse import format_ms, truncate_ms
from simulators.amperity.arrivals import FINAL, STREAMS, arrive, census
from simulators.amperity.gate import ErrorRenderer, Gate
from simulators.amperity.model import Store, Workflow, render_workflow, workflow_state
from simulators.amperity.seed import add_ingest_run, build_store, materialize, task_id, version_id, workflow_id
from simulators.amperity.spec import document
from simulators.kit import FaultInjector, Faults, SimClock
from simulators.kit.app import SimulatorApp
from simulators.kit.arrivals import ArrivalGate
from simulators.kit.dates import DateHeader
from simulators.kit.openapi import OpenApiDocument
from simulators.kit.world import World

LIST_HORIZON = timedelta(days=7)
MAX_WINDOW = timedelta(days=7)
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
RUN_FIELDS = frozenset({"config_id", "range_from", "range_to", "run_mode"})
RUN_MODES = frozenset({"source", "refresh", "full"})


class BadRequest(Exception):
    """A 4xx in Amperity's error shape, raised from deep inside a handler."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def parse_instant(name: str, value: str | None, *, required: bool) -> datetime | None:
    """ISO-8601 in UTC, full or partial (``YYYY-MM-DD``); naive means UTC."""
    if value is None or value == "":
        if required:
            raise BadRequest(f"Missing required query parameter: {name}")
        return None
    try:
        return timeparse.parse_instant(value)
    except ValueError:
        raise BadRequest(f"Invalid ISO-8601 timestamp for {name}: {value}") from None


def parse_bool(name: str, value: str | None) -> bool:
    if value is None:
        return False
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise BadRequest(f"Invalid boolean for {name}: {value}")


class Api:
    def __init__(self, store: Store, clock: SimClock) -> None:
        self.store = store
        self.clock = clock

    def now(self) -> datetime:
        now = truncate_ms(self.clock.now())
        materialize(self.store, now)
        return now

    # --- ingest jobs ----------------------------------------------------------------

    async def list_ingest_jobs(self, request: Request) -> Response:
        q = request.query_params
        start = parse_instant("created_from", q.get("created_from"), required=True)
        end = parse_instant("created_to", q.get("created_to"), required=True)
        with_total = parse_bool("with_total", q.get("with_total"))
        assert start is not None and end is not None
        if end <= start:
            raise BadRequest("created_to must be later than created_from")
        if end - start > MAX_WINDOW:
            raise BadRequest("The window between created_from and created_to must not exceed 7 days")
        now = self.now()
        horizon = now - LIST_HORIZON
        found: list[tuple[datetime, str, dict[str, Any]]] = []
        for job in self.store.jobs.values():
            stop_at = self.store.workflows[job.workflow_id].stop_at
            started = job.listed_start(now, stop_at)
            # A job whose tables all start later is not listed yet, whatever ``created_to`` says.
            if horizon <= started <= now and start <= started < end:
                found.append((started, job.id, job.render(now, stop_at)))
        found.sort(key=lambda item: (item[0], item[1]))
        body: dict[str, Any] = {"data": [item[2] for item in found]}
        if found:
            digest = hashlib.sha256(f"{start}|{end}|{len(found)}".encode()).digest()
            body["next_token"] = base64.urlsafe_b64encode(digest[:12]).decode().rstrip("=")
        if with_total:
            body["total"] = len(found)
        return JSONResponse(body)

    async def get_ingest_job(self, request: Request) -> Response:
        job = self.store.jobs.get(request.path_params["job_id"])
        if job is None:
            raise BadRequest(f"Ingest job {request.path_params['job_id']} not found", 404)
        stop_at = self.store.workflows[job.workflow_id].stop_at
        return JSONResponse(job.render(self.now(), stop_at))

    # --- workflows ------------------------------------------------------------------

    async def list_workflows(self, request: Request) -> Response:
        q = request.query_params
        bounds = {name: parse_instant(name, q.get(name), required=False) for name in _WORKFLOW_TIME_FILTERS}
        with_total = parse_bool("with_total", q.get("with_total"))
        limit = _limit(q.get("limit"))
        after = _decode_token(q["next_token"]) if "next_token" in q else None
        state, kind = q.get("state"), q.get("type")
        now = self.now()
        rows: list[tuple[datetime, str, dict[str, Any]]] = []
        for wf in self.store.workflows.values():
            body = render_workflow(self.store, wf, now, verbose=False)
            ended = timeparse.parse_instant(body["ended_at"]) if "ended_at" in body else None
            if not _between(wf.created_at, bounds["created_from"], bounds["created_to"]):
                continue
            if (bounds["ended_from"] or bounds["ended_to"]) and (
                ended is None or not _between(ended, bounds["ended_from"], bounds["ended_to"])
            ):
                continue
            if state and body["state"] != state.strip().lower():
                continue
            if kind and wf.type != kind:
                continue
            rows.append((wf.created_at, wf.id, body))
        rows.sort(key=lambda r: (r[0], r[1]), reverse=True)
        total = len(rows)
        if after is not None:
            rows = [r for r in rows if (r[0], r[1]) < after]
        page = rows[:limit]
        out: dict[str, Any] = {"data": [r[2] for r in page]}
        if len(rows) > limit:
            out["next_token"] = _encode_token(page[-1][0], page[-1][1])
        if with_total:
            out["total"] = total
        return JSONResponse(out)

    async def get_workflow(self, request: Request) -> Response:
        wf = self._workflow(request)
        view = request.query_params.get("view", "overview")
        if view not in ("overview", "verbose"):
            raise BadRequest(f"Invalid value for view: {view} (overview or verbose)")
        return JSONResponse(render_workflow(self.store, wf, self.now(), verbose=view == "verbose"))

    async def stop_workflow(self, request: Request) -> Response:
        wf = self._workflow(request)
        now = self.now()
        state, _ = workflow_state(self.store, wf, now)
        if state in ("succeeded", "failed", "canceled"):
            raise BadRequest(f"Workflow {wf.id} is not running (state: {state})", 409)
        if wf.stop_at is None:
            wf.stop_at = now
        return JSONResponse(render_workflow(self.store, wf, now, verbose=True))

    async def run_workflow(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            raise BadRequest("Request body must be a JSON object") from None
        if not isinstance(body, dict):
            raise BadRequest("Request body must be a JSON object")
        unknown = sorted(set(body) - RUN_FIELDS)
        if unknown:
            raise BadRequest(f"Unknown request field(s): {', '.join(unknown)}")
        config_id = body.get("config_id")
        if not isinstance(config_id, str) or not config_id:
            raise BadRequest("Missing required field: config_id")
        config = self.store.configs.get(config_id)
        if config is None:
            raise BadRequest(f"Can't find a courier group, orchestration group or campaign with id {config_id}")
        for name in ("range_from", "range_to", "run_mode"):
            if name in body and not isinstance(body[name], str):
                raise BadRequest(f"{name} must be a string")
        range_from = parse_instant("range_from", body.get("range_from"), required=False)
        range_to = parse_instant("range_to", body.get("range_to"), required=False)
        if "run_mode" in body and body["run_mode"] not in RUN_MODES:
            raise BadRequest("run_mode must be one of: full, refresh, source")
        if not config.feeds and any(name in body for name in ("range_from", "range_to", "run_mode")):
            raise BadRequest("range_from, range_to and run_mode apply to courier groups only")
        if range_to is not None and range_from is None:
            raise BadRequest("range_from is required when range_to is given")
        if range_from is not None and range_to is not None and range_to <= range_from:
            raise BadRequest("range_to must be later than range_from")
        if config.file_based and range_from is None:
            raise BadRequest(f"range_from is required for file-based courier group {config_id}")
        now = self.now()
        if config.feeds:
            wf, _ = add_ingest_run(
                self.store,
                config,
                now,
                now + timedelta(seconds=5),
                list(config.feeds),
                min_s=30,
                max_s=120,
                fail_rate=0.0,
                skip_rate=0.0,
                principal=("api-key", "API client", "api@socktown.com"),
            )
        else:
            ids = self.store.ids
            wf = Workflow(
                id=workflow_id(ids, now),
                type=config.type,
                name=config.name,
                tenant=self.store.tenant,
                config_id=config.id,
                created_at=now,
                principal_id="api-key",
                principal_name="API client",
                principal_email="api@socktown.com",
                launched_version=version_id(ids, now),
                duration_s=60.0,
            )
            wf.task_ids = [task_id(ids, now)]
            self.store.workflows[wf.id] = wf
        return JSONResponse(render_workflow(self.store, wf, now, verbose=True), status_code=201)

    def _workflow(self, request: Request) -> Workflow:
        wf = self.store.workflows.get(request.path_params["workflow_id"])
        if wf is None:
            raise BadRequest(f"Workflow {request.path_params['workflow_id']} not found", 404)
        return wf


_WORKFLOW_TIME_FILTERS = ("created_from", "created_to", "ended_from", "ended_to")


def _between(moment: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or moment >= start) and (end is None or moment < end)


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise BadRequest(f"limit must be an integer from 1 to {MAX_LIMIT}")
    return int(value)


def _encode_token(created: datetime, ident: str) -> str:
    return base64.urlsafe_b64encode(f"{format_ms(created)}|{ident}".encode()).decode().rstrip("=")


def _decode_token(token: str) -> tuple[datetime, str]:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        stamp, ident = text.split("|", 1)
        return timeparse.parse_instant(stamp), ident
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("Invalid next_token") from None


def create_simulator(
    *,
    seed: int = 0,
    clock: SimClock | None = None,
    faults: Faults | None = None,
    rate_limit_per_s: float | None = 10.0,
    world: World | None = None,
) -> SimulatorApp:
    """The Amperity simulator; ``rate_limit_per_s=None`` turns its rate limit off."""
    clock = clock or SimClock()
    world = world or World.standalone(seed, clock)
    store = build_store(seed, truncate_ms(world.epoch))
    errors = ErrorRenderer(seed)
    gate = Gate(store, errors, rate_limit_per_s)
    api = Api(store, clock)

    async def on_bad_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BadRequest)
        return errors.response(exc.status, exc.message)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return errors.response(exc.status_code, str(exc.detail))

    routes = [
        Route("/ingest/jobs", gate.guard(api.list_ingest_jobs), methods=["GET"]),
        Route("/ingest/jobs/{job_id}", gate.guard(api.get_ingest_job), methods=["GET"]),
        Route("/workflow/runs", gate.guard(api.list_workflows), methods=["GET"]),
        Route("/workflow/runs", gate.guard(api.run_workflow), methods=["POST"]),
        Route("/workflow/runs/{workflow_id}", gate.guard(api.get_workflow), methods=["GET"]),
        Route("/workflow/runs/{workflow_id}/stop", gate.guard(api.stop_workflow), methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={BadRequest: on_bad_request, HTTPException: on_http})
    arrivals = world.arrivals("amperity", STREAMS, partial(arrive, store))
    arriving = ArrivalGate(DateHeader(app, clock), clock, arrivals)
    injector = FaultInjector(arriving, clock, seed=seed, faults=faults, error_body=errors.body)
    config = {"token": store.token, "tenant": store.tenant, "api_version": "2024-04-01"}
    extra = {"final": FINAL, "census": partial(census, store), "arrivals": arrivals}
    return SimulatorApp(
        app=OpenApiDocument(injector, document), injector=injector, config=config, state=store, extra=extra
    )
