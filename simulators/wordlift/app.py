"""A faithful in-memory copy of the WordLift Graph KPI API's job endpoints (spec v0.2.17).

Reproduced (paths relative to the base URL, as in the spec):

- ``POST /kpi/graphs/{graph_id}/jobs`` (body ``SubmitJobBody``, unknown fields
  refused) -> 202 ``JobResponse``; ``GET /kpi/graphs/{graph_id}/jobs?limit&cursor``
  -> ``{items, page: {next_cursor?}}`` newest-updated first;
  ``GET /kpi/graphs/{graph_id}/jobs/{job_id}``; and, minimally, the snapshot
  reads ``GET /kpi/graphs/{graph_id}/snapshots[?date_from&date_to&limit&metrics]``
  and ``GET /kpi/graphs/{graph_id}/snapshots/{date}`` (with ``snapshot_origin``
  ``calculated``/``cloned`` and ``cloned_from_snapshot_date``).
- Errors: RFC 7807 ``application/problem+json`` ``{type, title, status,
  detail}`` for 400/403/404/409 (and for injected faults); FastAPI's own 422
  ``{"detail": [{type, loc, msg, input, ctx}]}`` (the app *is* FastAPI with a
  pydantic ``SubmitJobBody``), and FastAPI's ``{"detail": "Not Found"}`` for
  unknown routes.
- Auth ``Authorization: Key <key>``; ``config`` = ``{"api_key", "graphs"}``.
- Data (``Seeded(seed, "wordlift")``): four graphs, three open to the key
  (``1506805`` from the spec's examples plus two random ids) holding 110 + 100 +
  90 = 300 jobs made by replaying ~100 days of daily submissions through the
  submit rules, and a fourth graph the key may not use (403). Job ids are
  ``job_<YYYYMMDD>_<8 hex>``.
- Life cycle, derived from ``clock.now()``: ``queued`` (1-8 s) -> ``running``
  with stage ``calculate`` (~1 000 documents/s) -> ``validate`` (~3 URLs/s,
  skipped with ``skip_validation``) -> ``completed``; a stage attempt may fail
  and is retried up to ``stage_retries`` times (``retry_count``), after which the
  job is ``failed`` with ``error_code``/``error_message``. Heartbeats every 5 s;
  counters grow with progress. ``KpiStore.rates`` sets the failure odds.

Not confirmed by the docs, and chosen here:

- Status words: only ``completed`` is documented. We use ``queued``,
  ``running``, ``completed``, ``failed`` and ``superseded`` (a job replaced by a
  ``force_rerun`` submit while active; its ``error_code`` is ``superseded``). A
  queued job reports stage ``calculate`` (the stage it waits for).
- Submit rules (``sim.store``): an active job for the same graph/day -> 409
  unless ``force_rerun`` (which supersedes it); a ``completed`` job for that day
  finished < 24 h ago -> that same job, 202, nothing new (the "24-hour freshness
  rule"); else if the graph's newest validated, unbounded snapshot was computed
  from the current source watermark (graphs change periodically; tests can
  ``touch`` one) -> a new job ``completed`` at once with stage ``clone``; else a
  fresh run. ``force_rerun`` skips both reuse rules. Worker version and
  validation fingerprint never change here, so only the watermark decides.
- ``snapshot_date`` not ``YYYY-MM-DD`` or in the future -> 400 Problem (the spec
  types it as a plain string, so it is not a 422). A malformed ``cursor`` -> 400.
- A missing or unknown key -> 403 Problem (the spec lists no 401); an unknown
  graph -> 404, a graph the key may not use -> 403. The key must carry the
  ``Key `` prefix.
- List: ``limit`` defaults to 20 and is capped at 100 silently (no maximum is
  documented). Order is by a hidden update time (last heartbeat, stage change,
  finish or supersede, to the second), ties by ``job_id``, both descending; the
  cursor is ``<updated_at>|<job_id>`` like the spec's example and pages by key,
  so nothing is lost or repeated while data stands still. ``page`` is ``{}`` on
  the last page.
- ``limit_documents``/``limit_urls`` cap the counters and durations and make
  the run a smoke run that is never cloned from; ``replace_validation`` is
  accepted and has no visible effect.
- Null fields are omitted from bodies, as in every spec example.
- Job ids use the UTC submission day. No rate limit (none documented).
- Snapshot list: ascending by day, ``limit`` keeps the first rows, ``metrics``
  projects fields (unknown names are ignored), ``page`` is always ``{}``.
"""

from __future__ import annotations

from functools import partial

from simulators.kit import FaultInjector, Faults, SimClock
from simulators.kit.app import SimulatorApp
from simulators.kit.arrivals import ArrivalGate
from simulators.kit.openapi import OpenApiDocument
from simulators.kit.problems import problem_error_body
from simulators.kit.world import World
from simulators.wordlift.arrivals import FINAL, STREAMS, arrive, census
from simulators.wordlift.routes import build_app
from simulators.wordlift.seed import seed_store
from simulators.wordlift.spec import document
from simulators.wordlift.store import KpiStore

__all__ = ["KpiStore", "create_simulator"]


def create_simulator(
    *, seed: int = 0, clock: SimClock | None = None, faults: Faults | None = None, world: World | None = None
) -> SimulatorApp:
    clock = clock or SimClock()
    world = world or World.standalone(seed, clock)
    store, api_key, graphs = seed_store(seed, world.epoch)
    arrivals = world.arrivals("wordlift", STREAMS, partial(arrive, store))
    gate = ArrivalGate(build_app(store, clock), clock, arrivals)
    injector = FaultInjector(gate, clock, seed=seed, faults=faults, error_body=problem_error_body)
    return SimulatorApp(
        app=OpenApiDocument(injector, document),
        injector=injector,
        config={"api_key": api_key, "graphs": list(graphs)},
        state=store,
        extra={
            "clock": clock,
            "forbidden_graphs": [g for g in store.graphs if g not in graphs],
            "final": FINAL,
            "census": partial(census, store),
            "arrivals": arrivals,
        },
    )
