"""Replay every example request of the spec and the seed page against the simulator.

Each answer must have the documented status and media type and conform to the
documented schema; where the spec gives an example body, the simulator's body
must carry the same field names with the same JSON types.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from simulators.kit import SimClock
from simulators.kit.app import SimulatorApp
from simulators.wordlift.app import create_simulator
from simulators.wordlift.store import KpiStore
from tests.integration.wordlift import openapi

GRAPH = "1506805"
EXAMPLE_JOB = "job_20260313_5bdaac21"
EXAMPLE_CURSOR = "2026-03-14T06:43:42+00:00|job_20260314_ae0783b4"
JOBS = "/kpi/graphs/{graph_id}/jobs"
JOB = "/kpi/graphs/{graph_id}/jobs/{job_id}"
SNAPSHOTS = "/kpi/graphs/{graph_id}/snapshots"
SNAPSHOT = "/kpi/graphs/{graph_id}/snapshots/{date}"


@pytest.fixture
def sim() -> SimulatorApp:
    # The moment of the spec's cursor example, so its dates are inside the seeded history.
    made = create_simulator(seed=0, clock=SimClock(speed=0, start=datetime(2026, 3, 14, 6, 43, 42, tzinfo=UTC)))
    store: KpiStore = made.state
    now = made.extra["clock"].now()
    # Give the example's id to the calculated, validated 2026-03-13 job (or the newest before it).
    candidates = [
        j
        for j in store.graph_jobs(GRAPH)
        if j.snapshot_date <= date(2026, 3, 13) and j.clone_of is None and j.validated and j.status(now) == "completed"
    ]
    chosen = max(candidates, key=lambda j: (j.snapshot_date, j.finished_at))
    del store.jobs[chosen.job_id]
    chosen.job_id = EXAMPLE_JOB
    store.jobs[EXAMPLE_JOB] = chosen
    return made


@pytest.fixture
async def client(sim: SimulatorApp) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Key {sim.config['api_key']}", "Accept": "application/json, application/problem+json"}
    transport = httpx.ASGITransport(app=sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim", headers=headers) as made:
        yield made


def _conforms(response: httpx.Response, path: str, method: str, status: int) -> Any:
    assert response.status_code == status, response.text
    media, schema, example = openapi.response_schema(path, method, status)
    assert response.headers["content-type"].split(";")[0] == media
    body = response.json()
    assert openapi.problems(body, schema) == []
    return body, example


def _same_fields(actual: dict[str, Any], example: dict[str, Any]) -> None:
    missing = set(example) - set(actual)
    assert not missing, f"example fields absent: {missing}"
    for name, value in example.items():
        assert type(actual[name]) is type(value), name


def _example_job() -> dict[str, Any]:
    _, _, example = openapi.response_schema(JOB, "get", 200)
    assert isinstance(example, dict)
    return example


async def test_get_job_example(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/kpi/graphs/{GRAPH}/jobs/{EXAMPLE_JOB}")
    body, example = _conforms(response, JOB, "get", 200)
    _same_fields(body, example)
    assert (body["job_id"], body["graph_id"], body["status"]) == (EXAMPLE_JOB, GRAPH, "completed")


async def test_list_jobs_example(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/kpi/graphs/{GRAPH}/jobs", params={"limit": 20, "cursor": EXAMPLE_CURSOR})
    body, example = _conforms(response, JOBS, "get", 200)
    assert set(body) == set(example)
    assert 0 < len(body["items"]) <= 20
    validated = [item for item in body["items"] if item["stage"] == "validate" and item["status"] == "completed"]
    _same_fields(validated[0], _example_job())


async def test_list_jobs_seed_page_example(client: httpx.AsyncClient) -> None:
    # The seed page's call: limit = 56; its cursor is a placeholder the service cannot read.
    response = await client.get(f"/kpi/graphs/{GRAPH}/jobs", params={"limit": 56})
    body, _ = _conforms(response, JOBS, "get", 200)
    assert len(body["items"]) == 56
    response = await client.get(f"/kpi/graphs/{GRAPH}/jobs", params={"limit": 56, "cursor": "cursor_example"})
    assert response.status_code == 400
    assert openapi.problems(response.json(), openapi.schema("Problem")) == []


async def test_submit_example(client: httpx.AsyncClient) -> None:
    request_body = openapi.operation(JOBS, "post")["requestBody"]["content"]["application/json"]["schema"]["example"]
    response = await client.post(f"/kpi/graphs/{GRAPH}/jobs", json=request_body)
    body, example = _conforms(response, JOBS, "post", 202)
    assert body["snapshot_date"] == request_body["snapshot_date"] == example["snapshot_date"]
    assert set(body) <= set(openapi.schema("JobResponse")["properties"])


async def test_submit_seed_page_example_empty_body_is_422(client: httpx.AsyncClient) -> None:
    # The seed page builds ``SubmitJobBody()`` with no snapshot_date.
    response = await client.post(f"/kpi/graphs/{GRAPH}/jobs", json={})
    body, _ = _conforms(response, JOBS, "post", 422)
    assert body["detail"][0]["loc"] == ["body", "snapshot_date"]
    assert body["detail"][0]["type"] == "missing"


async def test_submit_unknown_field_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(f"/kpi/graphs/{GRAPH}/jobs", json={"snapshot_date": "2026-03-13", "colour": "red"})
    body, _ = _conforms(response, JOBS, "post", 422)
    assert [(d["type"], d["loc"]) for d in body["detail"]] == [("extra_forbidden", ["body", "colour"])]


async def test_submit_conflict_is_409_problem(client: httpx.AsyncClient) -> None:
    forced = {"snapshot_date": "2026-03-14", "force_rerun": True}
    _conforms(await client.post(f"/kpi/graphs/{GRAPH}/jobs", json=forced), JOBS, "post", 202)
    response = await client.post(f"/kpi/graphs/{GRAPH}/jobs", json={"snapshot_date": "2026-03-14"})
    body, _ = _conforms(response, JOBS, "post", 409)
    assert (body["title"], body["status"]) == ("Conflict", 409)


async def test_submit_future_day_is_400_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(f"/kpi/graphs/{GRAPH}/jobs", json={"snapshot_date": "2026-03-15"})
    _conforms(response, JOBS, "post", 400)


@pytest.mark.parametrize(
    ("path", "method", "url"),
    [
        (JOBS, "get", f"/kpi/graphs/{GRAPH}/jobs"),
        (JOB, "get", f"/kpi/graphs/{GRAPH}/jobs/{EXAMPLE_JOB}"),
        (SNAPSHOTS, "get", f"/kpi/graphs/{GRAPH}/snapshots"),
        (SNAPSHOT, "get", f"/kpi/graphs/{GRAPH}/snapshots/2026-03-13"),
    ],
)
async def test_missing_key_is_403_problem(client: httpx.AsyncClient, path: str, method: str, url: str) -> None:
    response = await client.request(method.upper(), url, headers={"Authorization": ""})
    body, _ = _conforms(response, path, method, 403)
    assert (body["type"], body["title"], body["status"]) == ("about:blank", "Forbidden", 403)


async def test_submit_without_key_is_403(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"/kpi/graphs/{GRAPH}/jobs", json={"snapshot_date": "2026-03-13"}, headers={"Authorization": ""}
    )
    _conforms(response, JOBS, "post", 403)
    response = await client.post(
        f"/kpi/graphs/{GRAPH}/jobs", json={"snapshot_date": "2026-03-13"}, headers={"Authorization": "Key nope"}
    )
    _conforms(response, JOBS, "post", 403)


async def test_forbidden_graph_is_403(client: httpx.AsyncClient, sim: SimulatorApp) -> None:
    forbidden = sim.extra["forbidden_graphs"][0]
    _conforms(await client.get(f"/kpi/graphs/{forbidden}/jobs"), JOBS, "get", 403)


@pytest.mark.parametrize(
    ("path", "url"),
    [
        (JOBS, "/kpi/graphs/9999999/jobs"),
        (JOB, f"/kpi/graphs/{GRAPH}/jobs/job_20260313_00000000"),
        (SNAPSHOT, f"/kpi/graphs/{GRAPH}/snapshots/2020-01-01"),
        (SNAPSHOTS, "/kpi/graphs/9999999/snapshots"),
    ],
)
async def test_unknown_resources_are_404_problems(client: httpx.AsyncClient, path: str, url: str) -> None:
    _conforms(await client.get(url), path, "get", 404)


async def test_bad_limit_is_422(client: httpx.AsyncClient) -> None:
    for limit in ("0", "many"):
        response = await client.get(f"/kpi/graphs/{GRAPH}/jobs", params={"limit": limit})
        body, _ = _conforms(response, JOBS, "get", 422)
        assert body["detail"][0]["loc"] == ["query", "limit"]


async def test_list_snapshots_example(client: httpx.AsyncClient) -> None:
    params: dict[str, str | int] = {"date_from": "2026-03-01", "date_to": "2026-03-13", "limit": 30}
    response = await client.get(f"/kpi/graphs/{GRAPH}/snapshots", params=params)
    body, example = _conforms(response, SNAPSHOTS, "get", 200)
    days = [item["snapshot_date"] for item in body["items"]]
    assert days == sorted(days) and days[0] >= "2026-03-01" and days[-1] == "2026-03-13"
    _same_fields(body["items"][-1], example["items"][0])
    compact = await client.get(
        f"/kpi/graphs/{GRAPH}/snapshots", params={**params, "metrics": "all_total_entities,all_edges_count"}
    )
    assert set(compact.json()["items"][0]) == {"graph_id", "snapshot_date", "all_total_entities", "all_edges_count"}


async def test_get_snapshot_example(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/kpi/graphs/{GRAPH}/snapshots/2026-03-13")
    body, example = _conforms(response, SNAPSHOT, "get", 200)
    assert body["snapshot_origin"] in ("calculated", "cloned")
    provenance = ("graph_id", "snapshot_date", "calculated_at", "dataset_id", "snapshot_origin", "source_watermark")
    _same_fields(body, {k: example[k] for k in provenance})
    assert set(body) <= set(openapi.schema("SnapshotResponse")["properties"])


async def test_bad_snapshot_dates_are_400(client: httpx.AsyncClient) -> None:
    _conforms(await client.get(f"/kpi/graphs/{GRAPH}/snapshots/13-03-2026"), SNAPSHOT, "get", 400)
    response = await client.get(f"/kpi/graphs/{GRAPH}/snapshots", params={"date_from": "March"})
    _conforms(response, SNAPSHOTS, "get", 400)


async def test_unknown_route_is_fastapi_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/kpis/graphs/1506805/jobs")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


async def test_problem_example_shape_matches_ours(client: httpx.AsyncClient) -> None:
    example = openapi.schema("Problem")["example"]
    response = await client.get(f"/kpi/graphs/{GRAPH}/jobs", headers={"Authorization": ""})
    assert set(response.json()) == set(example)
