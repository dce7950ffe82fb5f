"""The simulator's behaviour, through its HTTP surface (in-process ASGI)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from simulators.kit import SimClock
from simulators.kit.app import SimulatorApp
from simulators.phylodb.app import create_simulator
from simulators.phylodb.data import SimState


@pytest.fixture
def sim() -> SimulatorApp:
    return create_simulator(seed=3, clock=SimClock(speed=0), page_size=20)


@pytest.fixture
async def client(sim: SimulatorApp) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {sim.config['token']}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app),
        base_url="http://sim",
        headers=headers,
        params={"provider": "google"},
    ) as c:
        yield c


def _state(sim: SimulatorApp) -> SimState:
    assert isinstance(sim.state, SimState)
    return sim.state


def _dataset(sim: SimulatorApp, project: str, *, tiny: bool = False) -> str:
    for d in _state(sim).datasets_in(project):
        if (len(d.profiles) < 2) == tiny:
            return d.id
    raise AssertionError("no such dataset")


async def _all_jobs(client: httpx.AsyncClient, project: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    page = 0
    while True:
        batch = (await client.get(f"/projects/{project}/jobs", params={"page": page})).json()
        found += batch
        if len(batch) < 20:
            return found
        page += 1


def test_seeded_size_and_determinism() -> None:
    a = create_simulator(seed=1, clock=SimClock(speed=0))
    b = create_simulator(seed=1, clock=SimClock(speed=0))
    c = create_simulator(seed=2, clock=SimClock(speed=0))
    sa, sb, sc = (_state(s) for s in (a, b, c))
    assert len(sa.projects) == 3 and len(sa.jobs) == 120
    assert sorted(sa.jobs) == sorted(sb.jobs) and a.config == b.config
    assert set(sa.jobs).isdisjoint(sc.jobs)
    assert any(len(d.profiles) < 2 for d in sa.datasets.values())
    now = sa.now()
    words = {(j.is_completed(now), j.is_cancelled(now), j.fails) for j in sa.jobs.values()}
    assert {(False, False, False), (True, False, False), (True, True, False), (True, False, True)} <= words


async def test_pages_in_uuid_order_without_overlap(sim: SimulatorApp, client: httpx.AsyncClient) -> None:
    project = sim.config["projects"][0]
    jobs = await _all_jobs(client, project)
    ids = [j["id"] for j in jobs]
    assert len(ids) == 50 and ids == sorted(ids)
    assert set(jobs[0]) == {"id", "completed", "cancelled"}
    beyond = await client.get(f"/projects/{project}/jobs", params={"page": 99})
    assert beyond.status_code == 200 and beyond.json() == []


@pytest.mark.parametrize("page", ["-1", "x", "1.5"])
async def test_bad_page_is_400(sim: SimulatorApp, client: httpx.AsyncClient, page: str) -> None:
    response = await client.get(f"/projects/{sim.config['projects'][0]}/jobs", params={"page": page})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {"message": "/problems/bad_request"}


@pytest.mark.parametrize(
    ("headers", "params", "challenge"),
    [
        ({}, {"provider": "google"}, "Bearer error=INVALID_REQUEST"),
        ({"Authorization": "Basic abc"}, {"provider": "google"}, "Bearer error=INVALID_REQUEST"),
        ({"Authorization": "Bearer nope"}, {"provider": "google"}, "Bearer error=INVALID_TOKEN"),
        (None, {"provider": "github"}, "Bearer error=INVALID_REQUEST"),
        (None, {}, "Bearer error=INVALID_REQUEST"),
        (None, {"provider": "phyloviz"}, "Bearer error=INVALID_TOKEN"),  # a Google token is not a Keycloak one
    ],
)
async def test_authentication_failures(
    sim: SimulatorApp, headers: dict[str, str] | None, params: dict[str, str], challenge: str
) -> None:
    headers = headers if headers is not None else {"Authorization": f"Bearer {sim.config['token']}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://sim") as c:
        response = await c.get(f"/projects/{sim.config['projects'][0]}/jobs", headers=headers, params=params)
    assert response.status_code == 401 and response.content == b""
    assert response.headers["www-authenticate"] == challenge


async def test_project_authorization(sim: SimulatorApp) -> None:
    state = _state(sim)
    private, _, public = sim.config["projects"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://sim") as c:
        outsider = {"Authorization": f"Bearer {state.outsider_token}"}
        denied = await c.get(f"/projects/{private}/jobs", headers=outsider, params={"provider": "google"})
        assert denied.status_code == 401 and denied.content == b"" and "www-authenticate" not in denied.headers
        allowed = await c.get(f"/projects/{public}/jobs", headers=outsider, params={"provider": "google"})
        assert allowed.status_code == 200
        listed = await c.get("/projects", headers=outsider, params={"provider": "google"})
        assert [p["id"] for p in listed.json()] == [public]
        mine = await c.get(
            "/projects", headers={"Authorization": f"Bearer {sim.config['token']}"}, params={"provider": "google"}
        )
        assert [p["id"] for p in mine.json()] == sim.config["projects"]
        keycloak = {"Authorization": f"Bearer {state.phyloviz_token}"}
        second = sim.config["projects"][1]
        ok = await c.get(f"/projects/{second}/jobs", headers=keycloak, params={"provider": "phyloviz"})
        assert ok.status_code == 200
        unknown = await c.get(
            "/projects/00000000-0000-4000-8000-000000000000/jobs", headers=outsider, params={"provider": "google"}
        )
        assert unknown.status_code == 401 and unknown.content == b""


async def test_inference_life_cycle(sim: SimulatorApp, client: httpx.AsyncClient) -> None:
    project = sim.config["projects"][0]
    dataset = _dataset(sim, project)
    body = {"analysis": "inference", "algorithm": "goeburst", "parameters": [dataset, 3]}
    created = await client.post(f"/projects/{project}/jobs", json=body)
    assert created.status_code == 202
    reply = created.json()
    result = f"/projects/{project}/datasets/{dataset}/inferences/{reply['analysis_id']}"
    assert (await client.get(result)).status_code == 404
    listed = {j["id"]: j for j in await _all_jobs(client, project)}
    assert listed[reply["job_id"]] == {"id": reply["job_id"], "completed": False, "cancelled": False}

    sim.injector.clock.advance(120)
    listed = {j["id"]: j for j in await _all_jobs(client, project)}
    assert listed[reply["job_id"]]["completed"] is True
    tree = await client.get(result)
    assert tree.status_code == 200
    assert set(tree.json()) == {"project_id", "dataset_id", "id", "deprecated", "algorithm", "tree"}
    assert tree.json()["tree"].endswith(";")
    nexus = await client.get(result, params={"format": "nexus"})
    assert nexus.json()["tree"].startswith("#NEXUS")
    assert (await client.get(result, params={"format": "svg"})).status_code == 400
    inferences = await client.get(f"/projects/{project}/datasets/{dataset}/inferences")
    assert {"id": reply["analysis_id"]} in inferences.json()

    vis_body = {"analysis": "visualization", "algorithm": "radial", "parameters": [dataset, reply["analysis_id"]]}
    vis = (await client.post(f"/projects/{project}/jobs", json=vis_body)).json()
    vis_path = (
        f"/projects/{project}/datasets/{dataset}/inferences/{reply['analysis_id']}/visualizations/{vis['analysis_id']}"
    )
    assert (await client.get(vis_path)).status_code == 404
    sim.injector.clock.advance(60)
    coords = (await client.get(vis_path)).json()
    assert coords["algorithm"] == "radial" and {"profile_id", "component", "x", "y"} <= set(coords["coordinates"][0])


async def test_too_many_lvs_fails_without_result(sim: SimulatorApp, client: httpx.AsyncClient) -> None:
    project = sim.config["projects"][1]
    dataset = _dataset(sim, project)
    body = {"analysis": "inference", "algorithm": "goeburst", "parameters": [dataset, 12]}
    reply = (await client.post(f"/projects/{project}/jobs", json=body)).json()
    sim.injector.clock.advance(120)
    listed = {j["id"]: j for j in await _all_jobs(client, project)}
    assert listed[reply["job_id"]] == {"id": reply["job_id"], "completed": True, "cancelled": False}
    result = await client.get(f"/projects/{project}/datasets/{dataset}/inferences/{reply['analysis_id']}")
    assert result.status_code == 404 and result.json() == {"message": "/problems/not_found"}


async def test_cancel_semantics(sim: SimulatorApp, client: httpx.AsyncClient) -> None:
    project = sim.config["projects"][0]
    dataset = _dataset(sim, project)
    body = {"analysis": "inference", "algorithm": "goeburst", "parameters": [dataset, 1]}
    reply = (await client.post(f"/projects/{project}/jobs", json=body)).json()
    assert (await client.delete(f"/projects/{project}/jobs/{reply['job_id']}")).status_code == 204
    sim.injector.clock.advance(300)
    listed = {j["id"]: j for j in await _all_jobs(client, project)}
    assert listed[reply["job_id"]] == {"id": reply["job_id"], "completed": True, "cancelled": True}
    again = await client.delete(f"/projects/{project}/jobs/{reply['job_id']}")
    assert again.status_code == 204
    missing = await client.get(f"/projects/{project}/datasets/{dataset}/inferences/{reply['analysis_id']}")
    assert missing.status_code == 404

    unknown = await client.delete(f"/projects/{project}/jobs/00000000-0000-4000-8000-000000000000")
    assert unknown.status_code == 401 and unknown.json() == {"message": "/problems/unauthorized"}
    malformed = await client.delete(f"/projects/{project}/jobs/not-a-uuid")
    assert malformed.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"analysis": "Inference", "algorithm": "goeburst", "parameters": ["d", 1]},
        {"analysis": "inference", "algorithm": "radial", "parameters": ["d", 1]},
        {"analysis": "inference", "algorithm": "goeburst", "parameters": ["d"]},
        {"analysis": "inference", "algorithm": "goeburst", "parameters": ["d", None]},
        {"analysis": "inference", "algorithm": "goeburst", "parameters": ["d", "3"]},
        {"analysis": "visualization", "algorithm": "radial", "parameters": ["d", 3]},
        ["inference"],
    ],
)
async def test_malformed_job_bodies(sim: SimulatorApp, client: httpx.AsyncClient, body: Any) -> None:
    response = await client.post(f"/projects/{sim.config['projects'][0]}/jobs", json=body)
    assert response.status_code == 400 and response.json() == {"message": "/problems/bad_request"}


async def test_not_json_body(sim: SimulatorApp, client: httpx.AsyncClient) -> None:
    response = await client.post(f"/projects/{sim.config['projects'][0]}/jobs", content=b"{")
    assert response.status_code == 400


async def test_semantic_refusals_are_401_unauthorized(sim: SimulatorApp, client: httpx.AsyncClient) -> None:
    project = sim.config["projects"][0]
    tiny, dataset = _dataset(sim, project, tiny=True), _dataset(sim, project)
    bodies = [
        {"analysis": "inference", "algorithm": "goeburst", "parameters": [tiny, 2]},
        {"analysis": "inference", "algorithm": "goeburst", "parameters": ["00000000-0000-4000-8000-000000000000", 2]},
        {"analysis": "visualization", "algorithm": "radial", "parameters": [dataset, "nope"]},
    ]
    for body in bodies:
        response = await client.post(f"/projects/{project}/jobs", json=body)
        assert response.status_code == 401 and response.json() == {"message": "/problems/unauthorized"}


async def test_unknown_route_and_method(client: httpx.AsyncClient, sim: SimulatorApp) -> None:
    missing = await client.get("/nothing")
    assert missing.status_code == 404 and missing.json() == {"message": "/problems/not_found"}
    wrong = await client.put(f"/projects/{sim.config['projects'][0]}/jobs")
    assert wrong.status_code == 405 and wrong.json() == {"message": "/problems/not_allowed"}


async def test_project_and_dataset_resources(sim: SimulatorApp, client: httpx.AsyncClient) -> None:
    project = sim.config["projects"][0]
    detail = (await client.get(f"/projects/{project}")).json()
    assert {"id", "version", "deprecated", "name", "visibility", "description", "users"} == set(detail)
    datasets = (await client.get(f"/projects/{project}/datasets")).json()
    assert len(datasets) == 3 and set(datasets[0]) == {"id", "version"}
    one = (await client.get(f"/projects/{project}/datasets/{datasets[0]['id']}")).json()
    assert one["project_id"] == project and "schema" in one
    assert (await client.get(f"/projects/{project}/datasets/00000000-0000-4000-8000-000000000000")).status_code == 404


async def test_running_jobs_finish_within_a_minute(sim: SimulatorApp, client: httpx.AsyncClient) -> None:
    project = sim.config["projects"][0]
    before = [j for j in await _all_jobs(client, project) if not j["completed"]]
    assert before
    sim.injector.clock.advance(61)
    assert all(j["completed"] for j in await _all_jobs(client, project))


async def test_injected_errors_use_the_problem_shape(sim: SimulatorApp, client: httpx.AsyncClient) -> None:
    await client.post("/_sim/faults", json={"error_rate": 1, "status": 500})
    response = await client.get(f"/projects/{sim.config['projects'][0]}/jobs")
    assert response.status_code == 500 and response.json() == {"message": "/problems/server"}
    assert response.headers["content-type"] == "application/problem+json"


def test_page_size_must_be_positive() -> None:
    with pytest.raises(ValueError):
        create_simulator(page_size=0)


async def test_the_stats_route_counts_api_requests_only(sim: SimulatorApp, client: httpx.AsyncClient) -> None:
    before = (await client.get("/_sim/stats")).json()["requests"]
    await client.get(f"/projects/{sim.config['projects'][0]}/jobs")
    await client.post("/_sim/faults", json={})
    assert (await client.get("/_sim/stats")).json() == {"requests": before + 1}
