"""Every simulator serves its upstream's OpenAPI document, and answers what the document says.

The document at ``{base_url}/openapi.json`` validates (``openapi-spec-validator``),
names the simulator as its server, and every operation in it is routed by the
simulator. ``schemathesis`` then sends requests generated from each simulator's own
document, over real HTTP, and checks every answer against the document's response
schemas: zero violations. Path parameters are set to ids the simulator holds (else
almost every answer would be a 404 the documents do not describe), and examples are
few and derandomized so the run stays short and repeatable.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import response_schema_conformance
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Match, compile_path

from simulators.amperity.spec import document as amperity_document
from simulators.kit.app import SimulatorApp
from simulators.kit.openapi import operations
from simulators.kit.server import serve
from simulators.leia.spec import document as leia_document
from simulators.phylodb.spec import document as phylodb_document
from simulators.registry import SIMULATORS
from simulators.scale.files import ENDPOINTS as FILE_ENDPOINTS
from simulators.scale.job_types import ENDPOINTS as JOB_TYPE_ENDPOINTS
from simulators.scale.jobs import ENDPOINTS as JOB_ENDPOINTS
from simulators.scale.spec import document as scale_document
from simulators.suite import SimulatorSet, build_simulators
from simulators.wordlift.spec import document as wordlift_document

DOCUMENTS: dict[str, Callable[[], dict[str, Any]]] = {
    "wordlift": wordlift_document,
    "leia": leia_document,
    "phylodb": phylodb_document,
    "scale": scale_document,
    "amperity": amperity_document,
}
EXAMPLES = 12


def test_every_simulator_has_a_document() -> None:
    assert list(DOCUMENTS) == list(SIMULATORS)


@pytest.fixture(scope="module")
def sims() -> SimulatorSet:
    return build_simulators(seed=0, speed=0)


@pytest.mark.parametrize("name", list(SIMULATORS))
async def test_document_is_served_valid_and_points_at_the_simulator(sims: SimulatorSet, name: str) -> None:
    sims.simulators[name].injector.faults.error_rate = 1.0  # the document is outside fault injection
    try:
        transport = httpx.ASGITransport(app=sims.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim.test:8100") as client:
            response = await client.get(f"/{name}/openapi.json")
    finally:
        sims.simulators[name].injector.faults.error_rate = 0.0
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["servers"] == [{"url": f"http://sim.test:8100/{name}", "description": "this simulator"}]
    assert operations(document) == operations(DOCUMENTS[name]())


def _routes(app: Any) -> list[BaseRoute]:
    while not isinstance(app, Starlette):
        app = app.app
    return list(app.routes)


def _routed(name: str, sim: SimulatorApp, method: str, path: str) -> bool:
    concrete = path.replace("{", "").replace("}", "")  # any segment: "{id}" -> "id"
    concrete = "/".join("1" if part.endswith(("id", "num")) else part for part in concrete.split("/"))
    if name == "scale":
        # Scale's router takes every method on a path and answers 405 itself: check its table.
        endpoints = [*JOB_TYPE_ENDPOINTS, *JOB_ENDPOINTS, *FILE_ENDPOINTS]
        return any(compile_path(e.path)[0].match(concrete) and method in e.views for e in endpoints)
    scope = {"type": "http", "method": method, "path": concrete, "root_path": "", "query_string": b"", "headers": []}
    return any(route.matches(scope)[0] is Match.FULL for route in _routes(sim.app))


@pytest.mark.parametrize("name", list(SIMULATORS))
def test_every_operation_in_the_document_is_routed(sims: SimulatorSet, name: str) -> None:
    document = DOCUMENTS[name]()
    missing = [op for op in operations(document) if not _routed(name, sims.simulators[name], *op)]
    assert operations(document) and missing == []


# --- schemathesis: answers against the documents' response schemas -------------------------------------------


def _real_ids(name: str, sim: SimulatorApp) -> dict[str, list[str]]:
    """Path parameter values the simulator has, by parameter name."""
    state = sim.state
    if name == "scale":
        jobs = sorted(state.jobs.values(), key=lambda j: j.id)[::97]
        exes = [exe for job in jobs for exe in job.executions]
        types = state.job_types[::7]
        return {
            "id": [str(job.id) for job in jobs],
            "exe_num": ["1"],
            "job_exe_id": [str(exe.id) for exe in exes],
            "log_name": ["stdout", "stderr", "combined"],
            "name": [jt.name for jt in types],
            "version": [jt.version for jt in types],
            "revision_num": ["1"],
        }
    if name == "leia":
        jobs = sorted(state.jobs)[::61]
        return {
            "job_id": jobs,
            "job_ids": [",".join(jobs[:3]), jobs[0]],
            "execute_after_id": jobs,
            "model_id": sorted(state.models),
            "document_ids": sorted(state.documents)[:5],
            "output_type": ["text", "image", "trim"],
            "api_key": [sim.config["api_key"]],
        }
    if name == "wordlift":
        graph = sim.config["graphs"][0]
        mine = sorted((j for j in state.jobs.values() if j.graph_id == graph), key=lambda j: j.job_id)
        return {
            "graph_id": [graph],
            "job_id": [j.job_id for j in mine[::23]],
            "date": sorted({j.snapshot_date.isoformat() for j in mine})[::17],
        }
    if name == "phylodb":
        project = sim.config["projects"][0]
        datasets = [d for (p, _), d in state.datasets.items() if p == project]
        inferences = [i for (p, _), i in state.inferences.items() if p == project]
        visualizations = [v for (p, _), v in state.visualizations.items() if p == project]
        return {
            "project": [project],
            "dataset": [d.id for d in datasets],
            "inference": [i.id for i in inferences][:5],
            "visualization": [v.id for v in visualizations][:5],
            "job": [j.id for (p, _), j in state.jobs.items() if p == project][::9],
        }
    return {
        "job-id": sorted(state.jobs)[::17],
        "workflow-id": sorted(state.workflows)[::17],
    }


def _headers(name: str, sim: SimulatorApp, base: str) -> dict[str, str]:
    config = sim.config
    if name == "scale":
        return {"Authorization": f"Token {config['token']}"}
    if name == "wordlift":
        return {"Authorization": f"Key {config['api_key']}"}
    if name == "amperity":
        return {
            "Authorization": f"Bearer {config['token']}",
            "amperity-tenant": config["tenant"],
            "api-version": "2024-04-01",
        }
    if name == "phylodb":
        return {"Authorization": f"Bearer {config['token']}"}
    token = httpx.get(f"{base}/login/{config['api_key']}").json()["token"]
    return {"token": token}


@pytest.fixture(scope="module")
def served(sims: SimulatorSet) -> Iterator[str]:
    with serve(sims.app) as origin:
        yield origin


SCHEMAS = {name: schemathesis.openapi.from_dict(document()) for name, document in DOCUMENTS.items()}


def _operations(schema: Any) -> list[Any]:
    """The schema's operations (each an ``APIOperation``; a document schemathesis cannot read fails here)."""
    return [result.ok() for result in schema.get_all_operations()]


CASES = [
    pytest.param(name, op, id=f"{name} {op.method.upper()} {op.path}")
    for name, schema in SCHEMAS.items()
    for op in _operations(schema)
]


@pytest.mark.parametrize(("name", "operation"), CASES)
def test_answers_follow_the_document(sims: SimulatorSet, served: str, name: str, operation: Any) -> None:
    sim = sims.simulators[name]
    base = f"{served}/{name}"
    headers = _headers(name, sim, base)
    ids = _real_ids(name, sim)
    turn = itertools.count()
    violations: list[str] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        n = next(turn)
        for key in list(case.path_parameters or {}):
            if ids.get(key):
                case.path_parameters[key] = ids[key][n % len(ids[key])]
        case.headers = {**(case.headers or {}), **headers}
        if name == "phylodb":
            case.query = {**(case.query or {}), "provider": "google"}
        response = case.call(base_url=base)
        try:
            case.validate_response(response, checks=[response_schema_conformance])
        except Exception as failure:  # schemathesis raises one exception (or a group) naming each violation
            violations.append(f"{response.status_code} {case.path_parameters} {failure}"[:2000])

    check()
    assert violations == [], "\n\n".join(violations[:3])


def test_real_ids_cover_every_path_parameter(sims: SimulatorSet) -> None:
    for name, schema in SCHEMAS.items():
        ids = _real_ids(name, sims.simulators[name])
        for op in _operations(schema):
            params: Mapping[str, Any] = {p.name: p for p in op.path_parameters}
            assert all(ids.get(key) for key in params), (name, op.path, sorted(params))
