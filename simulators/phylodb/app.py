"""A faithful in-memory copy of phyloDB's web API (PHYLOViZ), jobs and what jobs produce.

Reproduces, relative to the base URL:
- auth on every request: ``Authorization: Bearer <token>`` and ``?provider=google|phyloviz``;
  failures are 401 with an EMPTY body and ``WWW-Authenticate: Bearer error=INVALID_REQUEST``
  (provider missing/unknown, header not ``Bearer <token>``) or ``Bearer error=INVALID_TOKEN``
  (token unknown for that provider). A token belongs to one provider.
- project authorization: the caller must be a member (same e-mail and provider) or the project
  public; otherwise (or for an unknown project) 401 with an empty body and no challenge header.
- ``GET /projects/{p}/jobs?page=N``: 0-based pages of ``page_size`` (500 in phyloDB; a
  constructor parameter here), ``[{id, completed, cancelled}]`` ordered by the length and
  then the text of ``"<project>-<job>"``; no total; a negative or non-integer page → 400.
- ``POST /projects/{p}/jobs`` ``{analysis, algorithm, parameters}`` → 202 ``{job_id, analysis_id}``;
  malformed → 400 ``/problems/bad_request``; semantic failure (dataset unknown or with fewer
  than 2 profiles; inference unknown or not yet computed) → 401 ``/problems/unauthorized``.
- ``DELETE /projects/{p}/jobs/{j}`` → 204; unknown job → 401 ``/problems/unauthorized``.
- Results: ``GET .../datasets/{d}/inferences[/{i}]`` and ``.../inferences/{i}/visualizations[/{v}]``
  (404 ``/problems/not_found`` until the producing job succeeds); ``GET /projects``,
  ``/projects/{p}``, ``/projects/{p}/datasets[/{d}]`` in their minimal documented shapes.
- Errors are ``{"message": "/problems/<name>"}`` as ``application/problem+json``; unknown
  routes 404 ``not_found``, wrong methods 405 ``not_allowed``.

Unconfirmed in the docs, and how this simulator models it:
- A cancelled job stays in the list as ``{"completed": true, "cancelled": true}``: APOC keeps
  cancelled entries and a cancelled java ``Future`` reports ``isDone()``.
- DELETE of a job that already finished (or was cancelled) answers 204 and changes nothing.
- A failing job ends ``completed: true, cancelled: false`` with no result resource. Here an
  inference fails when ``lvs`` exceeds the dataset's loci (7), which is how seeded failures are made.
- ``lvs`` that is not an integer, a dataset id that is not a string, or a job id that is not a
  UUID → 400 ``bad_request`` (Spring's conversion would refuse them); a project id that is
  not a UUID → 401 with an empty body, like an unknown project.
- Durations: inference 15 s + 0.2 s per profile + up to 15 s; visualization 8 to 20 s.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.phylodb.params import is_uuid
from simulators.kit import FaultInjector, Faults, SimClock
from simulators.kit.app import SimulatorApp
from simulators.kit.arrivals import ArrivalGate
from simulators.kit.openapi import OpenApiDocument
from simulators.kit.world import World
from simulators.phylodb.arrivals import FINAL, STREAMS, arrive, census
from simulators.phylodb.data import ANALYSES, Project, SimState, User, build_state
from simulators.phylodb.spec import document

PROBLEM_JSON = "application/problem+json"
_PROBLEM_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "not_allowed",
    406: "not_acceptable",
}


def problem(status: int, name: str) -> Response:
    return Response(json.dumps({"message": f"/problems/{name}"}), status, media_type=PROBLEM_JSON)


def _error_body(status: int, message: str) -> tuple[bytes, bytes]:
    name = _PROBLEM_BY_STATUS.get(status, "server")
    return json.dumps({"message": f"/problems/{name}"}).encode(), PROBLEM_JSON.encode()


def _challenge(error: str) -> Response:
    return Response(status_code=401, headers={"WWW-Authenticate": f"Bearer error={error}"})


def _denied() -> Response:
    return Response(status_code=401)


class _Api:
    def __init__(self, state: SimState) -> None:
        self.state = state

    # --- security interceptors -----------------------------------------------------------

    def _authenticate(self, request: Request) -> User | Response:
        provider = request.query_params.get("provider")
        if provider not in ("google", "phyloviz"):
            return _challenge("INVALID_REQUEST")
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            return _challenge("INVALID_REQUEST")
        user = self.state.tokens.get(token)
        if user is None or user.provider != provider:
            return _challenge("INVALID_TOKEN")
        return user

    def _project(self, request: Request) -> Project | Response:
        user = self._authenticate(request)
        if isinstance(user, Response):
            return user
        project = self.state.projects.get(request.path_params["project"])
        if project is None or not project.allows(user):
            return _denied()
        return project

    def _page(self, request: Request) -> int | None:
        raw = request.query_params.get("page", "0")
        try:
            page = int(raw)
        except ValueError:
            return None
        return page if page >= 0 else None

    def _paged(self, request: Request, items: list[Any]) -> Response:
        page = self._page(request)
        if page is None:
            return problem(400, "bad_request")
        size = self.state.page_size
        return JSONResponse(items[page * size : (page + 1) * size])

    # --- projects and datasets -----------------------------------------------------------

    async def list_projects(self, request: Request) -> Response:
        user = self._authenticate(request)
        if isinstance(user, Response):
            return user
        visible = [{"id": p.id, "version": p.version} for p in self.state.projects.values() if p.allows(user)]
        return self._paged(request, visible)

    async def get_project(self, request: Request) -> Response:
        project = self._project(request)
        if isinstance(project, Response):
            return project
        return JSONResponse(
            {
                "id": project.id,
                "version": project.version,
                "deprecated": False,
                "name": project.name,
                "visibility": project.visibility,
                "description": project.description,
                "users": [{"email": u.email, "provider": u.provider} for u in project.users],
            }
        )

    async def list_datasets(self, request: Request) -> Response:
        project = self._project(request)
        if isinstance(project, Response):
            return project
        return self._paged(request, [{"id": d.id, "version": d.version} for d in self.state.datasets_in(project.id)])

    async def get_dataset(self, request: Request) -> Response:
        project = self._project(request)
        if isinstance(project, Response):
            return project
        dataset = self.state.datasets.get((project.id, request.path_params["dataset"]))
        if dataset is None:
            return problem(404, "not_found")
        schema = {"taxon_id": "bacteria", "id": "mlst7", "version": 1, "deprecated": False}
        body = {"project_id": project.id, "id": dataset.id, "version": dataset.version, "deprecated": False}
        return JSONResponse({**body, "description": dataset.description, "schema": schema})

    # --- jobs -----------------------------------------------------------------------------

    async def list_jobs(self, request: Request) -> Response:
        project = self._project(request)
        if isinstance(project, Response):
            return project
        now = self.state.now()
        return self._paged(request, [job.as_json(now) for job in self.state.jobs_in(project.id)])

    async def create_job(self, request: Request) -> Response:
        project = self._project(request)
        if isinstance(project, Response):
            return project
        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return problem(400, "bad_request")
        parameters = _parse_job(body)
        if parameters is None:
            return problem(400, "bad_request")
        analysis = body["analysis"]
        if not self.state.can_start(project.id, analysis, parameters):
            return problem(401, "unauthorized")
        job = self.state.submit(project.id, analysis, parameters, self.state.now())
        return JSONResponse({"job_id": job.id, "analysis_id": job.analysis_id}, status_code=202)

    async def delete_job(self, request: Request) -> Response:
        project = self._project(request)
        if isinstance(project, Response):
            return project
        job_id = request.path_params["job"]
        if not is_uuid(job_id):
            return problem(400, "bad_request")
        if not self.state.cancel(project.id, job_id):
            return problem(401, "unauthorized")
        return Response(status_code=204)

    # --- results ------------------------------------------------------------------------

    async def list_inferences(self, request: Request) -> Response:
        project = self._project(request)
        if isinstance(project, Response):
            return project
        dataset_id, now = request.path_params["dataset"], self.state.now()
        found = [
            {"id": i.id}
            for (p, _), i in self.state.inferences.items()
            if p == project.id and i.dataset_id == dataset_id and i.visible(now)
        ]
        return self._paged(request, found)

    async def get_inference(self, request: Request) -> Response:
        project = self._project(request)
        if isinstance(project, Response):
            return project
        fmt = request.query_params.get("format", "newick")
        if fmt not in ("newick", "nexus"):
            return problem(400, "bad_request")
        params = request.path_params
        inference = self.state.inference(project.id, params["dataset"], params["inference"])
        if inference is None:
            return problem(404, "not_found")
        tree = inference.tree if fmt == "newick" else f"#NEXUS\nBEGIN TREES;\nTREE t1 = {inference.tree}\nEND;\n"
        return JSONResponse(
            {
                "project_id": project.id,
                "dataset_id": inference.dataset_id,
                "id": inference.id,
                "deprecated": inference.deprecated,
                "algorithm": inference.algorithm,
                "tree": tree,
            }
        )

    async def list_visualizations(self, request: Request) -> Response:
        project = self._project(request)
        if isinstance(project, Response):
            return project
        params, now = request.path_params, self.state.now()
        found = [
            {"id": v.id}
            for (p, _), v in self.state.visualizations.items()
            if p == project.id
            and (v.dataset_id, v.inference_id) == (params["dataset"], params["inference"])
            and v.visible(now)
        ]
        return self._paged(request, found)

    async def get_visualization(self, request: Request) -> Response:
        project = self._project(request)
        if isinstance(project, Response):
            return project
        p = request.path_params
        vis = self.state.visualization(project.id, p["dataset"], p["inference"], p["visualization"])
        if vis is None:
            return problem(404, "not_found")
        return JSONResponse(
            {
                "project_id": project.id,
                "dataset_id": vis.dataset_id,
                "inference_id": vis.inference_id,
                "id": vis.id,
                "deprecated": vis.deprecated,
                "algorithm": vis.algorithm,
                "coordinates": list(vis.coordinates),
            }
        )

    def routes(self) -> list[Route]:
        base = "/projects/{project}"
        inference = base + "/datasets/{dataset}/inferences/{inference}"
        return [
            Route("/projects", self.list_projects, methods=["GET"]),
            Route(base, self.get_project, methods=["GET"]),
            Route(base + "/datasets", self.list_datasets, methods=["GET"]),
            Route(base + "/datasets/{dataset}", self.get_dataset, methods=["GET"]),
            Route(base + "/jobs", self.list_jobs, methods=["GET"]),
            Route(base + "/jobs", self.create_job, methods=["POST"]),
            Route(base + "/jobs/{job}", self.delete_job, methods=["DELETE"]),
            Route(base + "/datasets/{dataset}/inferences", self.list_inferences, methods=["GET"]),
            Route(inference, self.get_inference, methods=["GET"]),
            Route(inference + "/visualizations", self.list_visualizations, methods=["GET"]),
            Route(inference + "/visualizations/{visualization}", self.get_visualization, methods=["GET"]),
        ]


def _parse_job(body: Any) -> tuple[Any, ...] | None:
    """phyloDB's ``JobInputModel`` checks; the parameters when the body is well formed."""
    if not isinstance(body, dict):
        return None
    analysis, algorithm, parameters = body.get("analysis"), body.get("algorithm"), body.get("parameters")
    if not isinstance(analysis, str) or ANALYSES.get(analysis) != algorithm:
        return None
    if not isinstance(parameters, list) or len(parameters) != 2 or any(p is None for p in parameters):
        return None
    dataset_id, second = parameters
    if not isinstance(dataset_id, str):
        return None
    if analysis == "inference" and (isinstance(second, bool) or not isinstance(second, int)):
        return None
    if analysis == "visualization" and not isinstance(second, str):
        return None
    return dataset_id, second


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return problem(status, _PROBLEM_BY_STATUS.get(status, "server"))


def create_simulator(
    *,
    seed: int = 0,
    clock: SimClock | None = None,
    faults: Faults | None = None,
    page_size: int = 500,
    world: World | None = None,
) -> SimulatorApp:
    """A seeded phyloDB: 3 projects, 120 jobs; ``page_size`` lets tests use small pages."""
    if page_size < 1:
        raise ValueError("page_size must be >= 1")
    clock = clock or SimClock()
    world = world or World.standalone(seed, clock)
    state = build_state(seed, clock, page_size, world.epoch)
    api = _Api(state)
    app = Starlette(routes=api.routes(), exception_handlers={HTTPException: _http_error})
    arrivals = world.arrivals("phylodb", STREAMS, partial(arrive, state))
    injector = FaultInjector(ArrivalGate(app, clock, arrivals), clock, seed=seed, faults=faults, error_body=_error_body)
    config = {"token": state.main_token, "provider": "google", "projects": list(state.projects), "page_size": page_size}
    extra = {"final": FINAL, "census": partial(census, state), "arrivals": arrivals}
    return SimulatorApp(
        app=OpenApiDocument(injector, document), injector=injector, config=config, state=state, extra=extra
    )
