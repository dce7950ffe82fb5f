"""A faithful in-memory copy of Scale's v6 REST API for job types, jobs and ingests.

Reproduces, relative to the base URL (``http://host/api`` in a deployment, where
paths are ``/v6/...``):

- Job types: ``GET /v6/job-type-names/``, ``GET|POST /v6/job-types/``,
  ``POST /v6/job-types/validation/``, ``GET /v6/job-types/{status,pending,running,system-failures}/``,
  ``GET /v6/job-types/{name}/``, ``GET|PATCH /v6/job-types/{name}/{version}/``,
  ``GET .../revisions/`` and ``.../revisions/{n}/``.
- Jobs: ``GET|POST /v6/jobs/`` (every documented filter, repeatable where documented,
  ``order``), ``GET /v6/jobs/{id}/``, ``GET /v6/jobs/{id}/executions/[{exe_num}/]``,
  ``GET /v6/jobs/{id}/input_files/``, ``GET /v6/job-executions/{id}/logs/{stream}/``,
  bulk ``POST /v6/jobs/cancel/`` and ``/v6/jobs/requeue/`` (202, empty body).
- Ingests: ``GET /v6/ingests/``, ``/v6/ingests/{id}/``, ``/v6/ingests/{id}/jobs/``,
  ``/v6/ingests/status/``.
- DRF token auth (``Authorization: Token <key>``) with DRF's 401 bodies and
  ``WWW-Authenticate: Token``; a second, non-staff token may only read and validate
  (403 otherwise), like ``ScaleAPIPermissions``.
- DRF page-number paging (see ``query``), ``{"detail": ...}`` errors, the bare
  JSON string 400 of ``POST /v6/jobs/`` for bad job data, Django's 301 to the
  trailing-slash URL and its HTML 404 for unknown paths.
- 800 jobs over 40 job types (with versions, revisions, paused and deprecated
  ones, five system types) and 100 ingests, seeded; every state is derived from
  the clock (see ``store``).

Behaviours the docs leave open, and the choice made here:

- Cancel and requeue are asynchronous, as in Scale (a command message): the 202 only
  queues them; the jobs matching the filter at that moment are changed
  ``store.MESSAGE_DELAY`` (2 s simulated) later, so a GET right after the 202 still shows
  the old status.
- Cancel skips COMPLETED and CANCELED jobs (``Job.can_be_canceled``: a FAILED job does
  become CANCELED). Requeue follows ``Job.can_be_requeued``: any job queued before
  (``num_exes > 0``), not COMPLETED, with input and not superseded, QUEUED and RUNNING
  included; a job never queued is skipped silently. A requeued job's running or queued
  execution is canceled, a new execution is queued (``num_exes``+1, status QUEUED) and
  ``max_tries`` becomes ``num_exes + job type max_tries``.
- ``started``/``ended`` in cancel/requeue bodies filter on ``last_modified``, as on the list.
- Equal sort keys are broken by ``id`` ascending, so paging is stable while data stands still.
- An unknown ``order`` field answers 400 ``{"detail": "Invalid order field: x"}``
  (Django would fail with a 500).
- Every ingest is linked to its ``scale-ingest`` job from the start of the transfer:
  the job is PENDING while the file transfers, and the ingest status follows the
  job (QUEUED→QUEUED, RUNNING→INGESTING, COMPLETED→INGESTED or DUPLICATE,
  FAILED/CANCELED→ERRORED; a DEFERRED ingest's job is never queued).
- While a job type is paused, its queued jobs are not scheduled; unpausing lets
  them start at once.
- ``POST /v6/jobs/`` for a deprecated (inactive) job type answers the bare-string 400
  ``"Invalid job data: ..."``; input Data JSON is checked for required inputs only.
- ``GET /v6/job-types/{name}/`` for an unknown name answers an empty page (it is a filter).
- ``/v6/job-types/pending/`` counts PENDING jobs (``longest_pending`` = oldest ``created``);
  ``/running/`` uses the oldest ``started``; ``/system-failures/`` counts FAILED jobs
  whose error category is SYSTEM, over all time.
- Secret settings are returned as ``*****`` in configurations.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import partial

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Match, Route, Router
from starlette.types import Receive, Scope, Send

from adapters.timeparse import truncate_ms
from simulators.kit import FaultInjector, Faults, SimClock
from simulators.kit.app import SimulatorApp
from simulators.kit.arrivals import ArrivalGate
from simulators.kit.openapi import OpenApiDocument
from simulators.kit.world import World
from simulators.scale.arrivals import FINAL, STREAMS, arrive, census
from simulators.scale.files import ENDPOINTS as FILE_ENDPOINTS
from simulators.scale.http import Ctx, Endpoint
from simulators.scale.job_types import ENDPOINTS as JOB_TYPE_ENDPOINTS
from simulators.scale.jobs import ENDPOINTS as JOB_ENDPOINTS
from simulators.scale.query import ApiError, Params
from simulators.scale.seed import seed_store
from simulators.scale.spec import document
from simulators.scale.store import Store

_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_NOT_FOUND_HTML = (
    "<!doctype html><html><head><title>Not Found</title></head><body><h1>Not Found</h1>"
    "<p>The requested resource was not found on this server.</p></body></html>"
)


class _Api:
    def __init__(self, store: Store, clock: SimClock, endpoints: list[Endpoint]) -> None:
        self.store = store
        self.clock = clock
        routes = [Route(e.path, self._endpoint(e), methods=_ALL_METHODS) for e in endpoints]
        self.router = Router(routes=routes, redirect_slashes=False, default=self._not_found)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.router(scope, receive, send)

    def _endpoint(self, endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            try:
                self._authorize(request, endpoint)
                view = endpoint.views.get(request.method) or (
                    endpoint.views.get("GET") if request.method == "HEAD" else None
                )
                if view is None:
                    raise ApiError(405, {"detail": f'Method "{request.method}" not allowed.'})
                now = truncate_ms(self.clock.now())
                self.store.process(now)  # Scale's message handler catches up before anything is read
                return await view(Ctx(request, self.store, self.clock, now, Params(request.query_params, now)))
            except ApiError as err:
                return JSONResponse(err.body, status_code=err.status, headers=err.headers)

        return handle

    def _authorize(self, request: Request, endpoint: Endpoint) -> None:
        header = request.headers.get("authorization", "")
        parts = header.split()
        if not parts or parts[0].lower() != "token":
            raise _unauthorized("Authentication credentials were not provided.")
        if len(parts) == 1:
            raise _unauthorized("Invalid token header. No credentials provided.")
        if len(parts) > 2:
            raise _unauthorized("Invalid token header. Token string should not contain spaces.")
        is_staff = self.store.tokens.get(parts[1])
        if is_staff is None:
            raise _unauthorized("Invalid token.")
        if is_staff or request.method in _SAFE_METHODS or (endpoint.open_posts and request.method == "POST"):
            return
        raise ApiError(403, {"detail": "You do not have permission to perform this action."})

    async def _not_found(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Django's APPEND_SLASH redirect, else its plain HTML 404."""
        path: str = scope["path"]
        if not path.endswith("/"):
            probe = {**scope, "path": path + "/"}
            if any(route.matches(probe)[0] is not Match.NONE for route in self.router.routes):
                query = scope.get("query_string", b"").decode()
                target = path + "/" + (f"?{query}" if query else "")
                await RedirectResponse(target, status_code=301)(scope, receive, send)
                return
        await HTMLResponse(_NOT_FOUND_HTML, status_code=404)(scope, receive, send)


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, {"detail": message}, {"WWW-Authenticate": "Token"})


def error_body(status: int, message: str) -> tuple[bytes, bytes]:
    """Injected faults answer in DRF's shape."""
    detail = "Request was throttled." if status == 429 else message
    return json.dumps({"detail": detail}).encode(), b"application/json"


def create_simulator(
    *, seed: int = 0, clock: SimClock | None = None, faults: Faults | None = None, world: World | None = None
) -> SimulatorApp:
    clock = clock or SimClock()
    world = world or World.standalone(seed, clock)
    store = seed_store(seed, truncate_ms(world.epoch))
    api = _Api(store, clock, [*JOB_TYPE_ENDPOINTS, *JOB_ENDPOINTS, *FILE_ENDPOINTS])
    arrivals = world.arrivals("scale", STREAMS, partial(arrive, store))
    injector = FaultInjector(ArrivalGate(api, clock, arrivals), clock, seed=seed, faults=faults, error_body=error_body)
    staff_token = next(token for token, staff in store.tokens.items() if staff)
    extra = {"final": FINAL, "census": partial(census, store), "arrivals": arrivals}
    return SimulatorApp(
        app=OpenApiDocument(injector, document),
        injector=injector,
        config={"token": staff_token},
        state=store,
        extra=extra,
    )
