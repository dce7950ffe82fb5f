"""Contract: every example of the seed page ("API Jobs", phyloDB wiki) replayed against the simulator.

phyloDB has no OpenAPI document; the examples below are the wiki's, with its
ids swapped for seeded ones where the example needs existing data (each
literal example is replayed too, and answers what phyloDB's code answers).
The result-resource shapes come from the field notes (phyloviz.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from simulators.kit import SimClock
from simulators.kit.app import SimulatorApp
from simulators.phylodb.app import create_simulator
from simulators.phylodb.data import SimState

WIKI_PROJECT = "8fdaea41-23ca-42cc-a3aa-063bb42bb842"
WIKI_DATASET = "eb6e9c65-8230-4b75-9ecf-d7d453b67102"
WIKI_JOB = "6c5ceae3-a745-4601-bc83-99a6a11194bd"
WIKI_LIST = [
    {"id": "c965f4ae-f31c-48ad-8fcf-266c8d0281aa", "completed": False, "cancelled": False},
    {"id": "12c1da88-e997-49d8-be2e-9820245f6ce1", "completed": True, "cancelled": False},
]
WIKI_CREATED = {"job_id": "6c5ceae3-a745-4601-bc83-99a6a11194bd", "analysis_id": "4af95b39-7ca8-40f8-87f8-617dd961fb73"}


def _shape(value: Any) -> Any:
    """Field names and JSON types, recursively, so examples compare by shape, not by value."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


@pytest.fixture
def sim() -> SimulatorApp:
    return create_simulator(seed=0, clock=SimClock(speed=0))


@pytest.fixture
async def client(sim: SimulatorApp) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://sim") as c:
        yield c


def _auth(sim: SimulatorApp) -> dict[str, str]:
    # The wiki's curl examples send these two headers.
    return {"Content": "application/json", "Authorization": f"Bearer {sim.config['token']}"}


def _dataset(sim: SimulatorApp, project: str) -> str:
    assert isinstance(sim.state, SimState)
    return next(d.id for d in sim.state.datasets_in(project) if len(d.profiles) >= 2)


async def test_get_jobs_example(sim: SimulatorApp, client: httpx.AsyncClient) -> None:
    project = sim.config["projects"][0]
    response = await client.get(f"http://localhost:8080/projects/{project}/jobs?provider=google", headers=_auth(sim))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert isinstance(body, list) and body
    assert {_shape(j) == _shape(WIKI_LIST[0]) for j in body} == {True}
    assert {j["completed"] for j in body} == {True, False}


async def test_get_jobs_page_query(sim: SimulatorApp, client: httpx.AsyncClient) -> None:
    project = sim.config["projects"][0]
    response = await client.get(f"/projects/{project}/jobs?provider=google&page=0", headers=_auth(sim))
    assert response.status_code == 200 and len(response.json()) == 50


async def test_get_jobs_documented_errors(sim: SimulatorApp, client: httpx.AsyncClient) -> None:
    project = sim.config["projects"][0]
    bad = await client.get(f"/projects/{project}/jobs?provider=google&page=-1", headers=_auth(sim))
    assert bad.status_code == 400 and bad.json() == {"message": "/problems/bad_request"}
    assert bad.headers["content-type"] == "application/problem+json"
    unauthorized = await client.get(
        f"/projects/{project}/jobs?provider=google", headers={"Authorization": "Bearer {Access Token}"}
    )
    assert unauthorized.status_code == 401 and unauthorized.content == b""
    assert unauthorized.headers["www-authenticate"] == "Bearer error=INVALID_TOKEN"
    # The wiki's own project id does not exist here: the authorization interceptor answers.
    literal = await client.get(f"/projects/{WIKI_PROJECT}/jobs?provider=google", headers=_auth(sim))
    assert literal.status_code == 401 and literal.content == b""


async def test_post_job_example(sim: SimulatorApp, client: httpx.AsyncClient) -> None:
    project = sim.config["projects"][0]
    body = {"analysis": "inference", "algorithm": "goeburst", "parameters": [_dataset(sim, project), 3]}
    response = await client.post(f"/projects/{project}/jobs?provider=google", json=body, headers=_auth(sim))
    assert response.status_code == 202
    assert response.headers["content-type"] == "application/json"
    assert _shape(response.json()) == _shape(WIKI_CREATED)


async def test_post_job_literal_example_names_an_unknown_dataset(sim: SimulatorApp, client: httpx.AsyncClient) -> None:
    # The wiki lists 404/401; phyloDB's code answers 401 "unauthorized" when the dataset is unknown.
    project = sim.config["projects"][0]
    body = {"analysis": "inference", "algorithm": "goeburst", "parameters": [WIKI_DATASET, 3]}
    response = await client.post(f"/projects/{project}/jobs?provider=google", json=body, headers=_auth(sim))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {"message": "/problems/unauthorized"}


async def test_delete_job_example(sim: SimulatorApp, client: httpx.AsyncClient) -> None:
    project = sim.config["projects"][0]
    body = {"analysis": "inference", "algorithm": "goeburst", "parameters": [_dataset(sim, project), 3]}
    created = (await client.post(f"/projects/{project}/jobs?provider=google", json=body, headers=_auth(sim))).json()
    response = await client.delete(f"/projects/{project}/jobs/{created['job_id']}?provider=google", headers=_auth(sim))
    assert response.status_code == 204 and response.content == b""
    unknown = await client.delete(f"/projects/{project}/jobs/{WIKI_JOB}?provider=google", headers=_auth(sim))
    assert unknown.status_code == 401 and unknown.json() == {"message": "/problems/unauthorized"}


async def test_delete_literal_example_lacks_the_query_separator(sim: SimulatorApp, client: httpx.AsyncClient) -> None:
    # The wiki's URL runs "...94bdprovider=google" together: no provider, so authentication refuses it.
    url = f"http://localhost:8080/projects/{WIKI_PROJECT}/jobs/{WIKI_JOB}provider=google"
    response = await client.delete(url, headers={"Authorization": f"Bearer {sim.config['token']}"})
    assert response.status_code == 401 and response.content == b""
    assert response.headers["www-authenticate"] == "Bearer error=INVALID_REQUEST"


async def test_result_resources_shapes(sim: SimulatorApp, client: httpx.AsyncClient) -> None:
    project = sim.config["projects"][0]
    dataset = _dataset(sim, project)
    created = (
        await client.post(
            f"/projects/{project}/jobs?provider=google",
            json={"analysis": "inference", "algorithm": "goeburst", "parameters": [dataset, 2]},
            headers=_auth(sim),
        )
    ).json()
    sim.injector.clock.advance(120)
    base = f"/projects/{project}/datasets/{dataset}/inferences/{created['analysis_id']}"
    inference = (await client.get(f"{base}?provider=google", headers=_auth(sim))).json()
    assert _shape(inference) == {
        "project_id": "str",
        "dataset_id": "str",
        "id": "str",
        "deprecated": "bool",
        "algorithm": "str",
        "tree": "str",
    }
    vis = (
        await client.post(
            f"/projects/{project}/jobs?provider=google",
            json={"analysis": "visualization", "algorithm": "radial", "parameters": [dataset, created["analysis_id"]]},
            headers=_auth(sim),
        )
    ).json()
    sim.injector.clock.advance(60)
    body = (await client.get(f"{base}/visualizations/{vis['analysis_id']}?provider=google", headers=_auth(sim))).json()
    assert _shape(body) == {
        "project_id": "str",
        "dataset_id": "str",
        "inference_id": "str",
        "id": "str",
        "deprecated": "bool",
        "algorithm": "str",
        "coordinates": [{"profile_id": "str", "component": "int", "x": "float", "y": "float"}],
    }
    listed = (await client.get(f"{base}/visualizations?provider=google", headers=_auth(sim))).json()
    assert listed == [{"id": vis["analysis_id"]}]
