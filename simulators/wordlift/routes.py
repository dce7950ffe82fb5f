"""The simulator's HTTP surface: a FastAPI app, like the real service, over ``KpiStore``.

FastAPI is used on purpose: its request validation produces the very 422
``{"detail": [{type, loc, msg, input, ctx}]}`` bodies the real service sends.
Handlers are ``async`` so every store access runs on one event loop, in order.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from simulators.kit import SimClock
from simulators.kit.problems import Problem, problem_response
from simulators.wordlift.model import Graph
from simulators.wordlift.render import render_job
from simulators.wordlift.snapshots import render_snapshot, snapshot_jobs
from simulators.wordlift.store import BadRequest, Conflict, KpiStore


class SubmitJobBody(BaseModel):
    """The spec's ``SubmitJobBody`` (``additionalProperties: false``)."""

    model_config = ConfigDict(extra="forbid")

    snapshot_date: str
    force_rerun: bool = False
    stage_retries: int = Field(1, ge=0)
    limit_documents: int | None = Field(None, ge=1)
    limit_urls: int | None = Field(None, ge=1)
    skip_validation: bool = False
    replace_validation: bool = False


def caller_graphs(request: Request, authorization: Annotated[str | None, Header()] = None) -> frozenset[str]:
    """The graphs the caller's API key opens; 403 Problem for a missing or unknown key."""
    store: KpiStore = request.app.state.store
    scheme, _, key = (authorization or "").partition(" ")
    allowed = store.keys.get(key) if scheme == "Key" else None
    if allowed is None:
        raise Problem(403, "A valid API key is required: send 'Authorization: Key <your key>'.")
    return allowed


Caller = Annotated[frozenset[str], Depends(caller_graphs)]


def build_app(store: KpiStore, clock: SimClock) -> FastAPI:
    app = FastAPI(title="WordLift Graph KPI API (simulator)", version="0.2.17", docs_url=None, redoc_url=None)
    app.state.store = store

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc.status, exc.detail)

    app.add_exception_handler(Problem, on_problem)

    def graph_for(graph_id: str, allowed: frozenset[str]) -> Graph:
        graph = store.graphs.get(graph_id)
        if graph is None:
            raise Problem(404, f"Graph {graph_id} not found.")
        if graph_id not in allowed:
            raise Problem(403, f"The API key is not authorized for graph {graph_id}.")
        return graph

    def semantic(action: Any) -> Any:
        try:
            return action()
        except BadRequest as exc:
            raise Problem(400, str(exc)) from None
        except Conflict as exc:
            raise Problem(409, str(exc)) from None

    @app.post("/kpi/graphs/{graph_id}/jobs", status_code=202)
    async def create_job(graph_id: str, body: SubmitJobBody, allowed: Caller) -> JSONResponse:
        graph = graph_for(graph_id, allowed)
        now = clock.now()
        job = semantic(lambda: store.submit(graph_id, body.model_dump(), now))
        return JSONResponse(render_job(job, graph, now), status_code=202)

    @app.get("/kpi/graphs/{graph_id}/jobs")
    async def list_jobs(
        graph_id: str,
        allowed: Caller,
        limit: Annotated[int | None, Query(ge=1)] = None,
        cursor: str | None = None,
    ) -> JSONResponse:
        graph = graph_for(graph_id, allowed)
        now = clock.now()
        jobs, next_cursor = semantic(lambda: store.page(graph_id, now, limit, cursor))
        page = {"next_cursor": next_cursor} if next_cursor else {}
        return JSONResponse({"items": [render_job(job, graph, now) for job in jobs], "page": page})

    @app.get("/kpi/graphs/{graph_id}/jobs/{job_id}")
    async def get_job(graph_id: str, job_id: str, allowed: Caller) -> JSONResponse:
        graph = graph_for(graph_id, allowed)
        job = store.get(graph_id, job_id)
        if job is None:
            raise Problem(404, f"Job {job_id} not found for graph {graph_id}.")
        return JSONResponse(render_job(job, graph, clock.now()))

    @app.get("/kpi/graphs/{graph_id}/snapshots")
    async def list_snapshots(
        graph_id: str,
        allowed: Caller,
        date_from: str | None = None,
        date_to: str | None = None,
        limit: Annotated[int | None, Query(ge=1)] = None,
        metrics: str | None = None,
    ) -> JSONResponse:
        graph = graph_for(graph_id, allowed)
        low, high = _day_param("date_from", date_from), _day_param("date_to", date_to)
        rows = sorted(snapshot_jobs(store, graph_id, clock.now()).items())
        chosen = [job for day, job in rows if (low is None or day >= low) and (high is None or day <= high)]
        items = [render_snapshot(store, job, graph) for job in chosen[:limit]]
        if metrics:
            keep = {"graph_id", "snapshot_date", *(m.strip() for m in metrics.split(","))}
            items = [{k: v for k, v in item.items() if k in keep} for item in items]
        return JSONResponse({"items": items, "page": {}})

    @app.get("/kpi/graphs/{graph_id}/snapshots/{day}")
    async def get_snapshot(graph_id: str, day: str, allowed: Caller) -> JSONResponse:
        graph = graph_for(graph_id, allowed)
        wanted = _day_param("date", day)
        job = snapshot_jobs(store, graph_id, clock.now()).get(wanted) if wanted else None
        if job is None:
            raise Problem(404, f"No snapshot for graph {graph_id} on {day}.")
        return JSONResponse(render_snapshot(store, job, graph))

    return app


def _day_param(name: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise Problem(400, f"Invalid {name} {value!r}: expected YYYY-MM-DD.") from None
