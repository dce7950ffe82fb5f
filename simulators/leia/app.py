"""A faithful in-memory copy of the Leia API (leia.io) job endpoints, as a Starlette app.

Reproduces, relative to the base URL ``https://api.leia.io/leia/1.0.0``:

- Auth: ``POST /login`` ``{"api_key"}`` -> 200 ``{token, application}``; the
  deprecated ``GET /login/{api_key}`` too; a bad key -> 403. Every other call
  reads the header ``token``; missing, unknown or expired -> 401 problem JSON
  with ``detail: "Not logged in"``. ``GET /whoami`` (200 Application),
  ``GET /logout`` (204), ``GET /health``.
- Jobs: ``GET /job`` (filters ``job_id, application_id, job_type, model_id,
  document_id, execute_after_id, parent_job_id, status, created_after,
  created_before``, ``sort``, ``offset``, ``limit``; bare JSON array with
  ``Content-Range: first-last/total`` and ``Accept-Range: job 100``; 404 when
  the page is empty), ``GET /job/{id}``, ``GET /job/{ids}/status``,
  ``DELETE /job/{id}`` (204, marks CANCELED), ``POST /job/{id}/start``.
- What jobs are made of: ``GET /model`` and ``GET /document`` (paged the same way;
  see ``catalog``).
- Creation (200 Job): ``POST /model/{model_id}/apply/{document_ids}``,
  ``POST /document/{document_ids}/transform/{output_type}``,
  ``POST /job/conditional/{execute_after_id}``; parameters as query parameters
  or under the same names in a JSON body (``callback_headers`` and ``rules``
  only in the body).
- Life cycle from the clock: BLOCKED (``block_processing``) until ``start``;
  WAITING until the ``execute_after_id`` job is PROCESSED (FAILED, with a
  reason, if it FAILED or was CANCELED); READY -> STARTING -> LOADING_MODEL
  (predict only) -> PROCESSING -> PROCESSED or FAILED (``reason``,
  ``http_code``). Conditional jobs spawn one chain of children per matching
  rule (``parent_job_id`` = the conditional job).
- Callbacks: when a job with ``callback_url`` becomes PROCESSED, FAILED or
  CANCELED, the Job JSON is POSTed there with ``callback_headers``. A
  background task started by the app's lifespan notices transitions every
  ``state.tick_interval_s``; tests without a server call ``state.tick()``, and
  a host mounting this app runs ``extra["background"]`` (mounted apps get no
  lifespan).
- Errors in Connexion's problem JSON (``application/problem+json``), injected
  faults too.

Unconfirmed by the documentation, and how this copy models it:

- Token expiry is sliding, ``state.token_idle_s`` (600) simulated seconds
  after the last authenticated call; a frozen clock never expires a token
  unless advanced. ``state.expire_tokens()`` drops them all. Tokens are UUIDs.
- Missing ``token`` header -> 401, not Connexion's 400 for a missing
  required header (the notes say 401 "Not logged in").
- The Application in login/whoami answers has no ``api_key``.
- Job JSON omits absent fields rather than sending nulls; times are
  ``yyyy-MM-ddTHH:MM:SS.mmmZ``; ``submitter_id`` = the application id.
  ``starting_time`` is when the job entered STARTING, ``finished_time`` when
  it became final; ``result``/``result_type`` only on PROCESSED jobs.
- Transform jobs get ``job_type`` ``pdf-images`` (output ``image``),
  ``image-text`` (``text``, ``text_tree``) or ``transform`` (the rest);
  conditional jobs get ``job_type`` ``conditional`` (not in ``JobTypes``) and
  ``result_type`` ``conditional`` with ``result`` = ``{rule id: [child job ids]}``.
- ``GET /job/{ids}/status``: unknown ids are left out of the map; 404 only if
  none is found; 403 if any belongs to another application.
- ``DELETE`` of any final job (not only a CANCELED one) -> 404; cancelling a
  job makes its dependents FAILED at once.
- ``POST /job/{id}/start`` on a job that is not BLOCKED returns it unchanged.
- Apply: an unknown model or document, or another application's document ->
  404; ``format_type=classification`` on a non-classification model -> 403;
  a tag with several ids, ``page_range`` without ``execute_after_id`` or a bad
  ``page_range`` -> 400; an unknown ``execute_after_id`` -> 404. Transform:
  another application's document -> 403. Conditional: rules must be an object
  of ``{conditions, jobs}`` (400 otherwise), models/documents they name must
  exist (404). Object parameters in a query string are JSON text.
- Callback delivery: 200 or 204 acknowledges; anything else (or no answer
  within 5 s) is retried on the next ticks, 3 attempts in all. Every attempt
  is recorded in ``state.callback_log``.
- No rate limit (none documented).

Seeded data (``seed``): 4 applications, 600 jobs; the config logs in as
the first application, which owns 300 of them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from functools import partial

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from simulators.kit import FaultInjector, Faults, Seeded, SimClock
from simulators.kit.app import SimulatorApp
from simulators.kit.arrivals import ArrivalGate
from simulators.kit.openapi import OpenApiDocument
from simulators.kit.problems import Problem, problem_error_body, problem_response
from simulators.kit.world import World
from simulators.leia.arrivals import FINAL, STREAMS, arrive, census
from simulators.leia.routes import routes
from simulators.leia.seed import seed as seed_history
from simulators.leia.spec import document
from simulators.leia.state import LeiaState

_ROUTE_NOT_FOUND = "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."


def create_simulator(
    *, seed: int = 0, clock: SimClock | None = None, faults: Faults | None = None, world: World | None = None
) -> SimulatorApp:
    clock = clock or SimClock()
    world = world or World.standalone(seed, clock)
    state = LeiaState(clock, Seeded(seed, "leia"), Seeded(seed, "leia-tokens"))
    seed_history(state, state.rng, world.epoch.replace(microsecond=0))
    arrivals = world.arrivals("leia", STREAMS, partial(arrive, state))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(state.run_callbacks())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return problem_response(exc.status, exc.detail)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        detail = _ROUTE_NOT_FOUND if exc.status_code == 404 else "The method is not allowed for the requested URL."
        return problem_response(exc.status_code, detail)

    app = Starlette(
        routes=routes(state),
        exception_handlers={Problem: on_problem, HTTPException: on_http},
        lifespan=lifespan,
    )
    gate = ArrivalGate(app, clock, arrivals)
    injector = FaultInjector(gate, clock, seed=seed, faults=faults, error_body=problem_error_body)
    main = next(iter(state.applications.values()))
    config = {"api_key": main.api_key, "application_id": main.id}
    # A host that mounts this app inside its own (Starlette does not run a mounted app's lifespan)
    # runs extra["background"] itself so callbacks still fire.
    extra = {
        "background": state.run_callbacks,
        "tick": state.tick,
        "final": FINAL,
        "census": partial(census, state),
        "arrivals": arrivals,
    }
    return SimulatorApp(
        app=OpenApiDocument(injector, document), injector=injector, config=config, state=state, extra=extra
    )
