"""Every example request of the Amperity seed page, docs and spec, replayed against the simulator.

Bodies are checked against the spec's schemas (``spec/``, a verbatim subset of
the official OpenAPI file) and against the examples' field names and types.
Error bodies may carry the docs' optional ``request_id`` and ``trace_id``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from simulators.amperity.app import create_simulator
from simulators.amperity.model import Store
from simulators.kit import SimClock
from simulators.kit.app import SimulatorApp
from simulators.kit.server import serve
from tests.integration.amperity.schema_check import problems, schema, shape
from tests.unit.amperity.examples import SEED_JOB, STOP_EXAMPLE

ERROR_EXTRAS = ("request_id", "trace_id")
# The docs' 200 example for POST /workflow/runs (the spec answers 201).
RUN_EXAMPLE_KEYS = {
    "task_instances",
    "id",
    "name",
    "principal_name",
    "principal_id",
    "type",
    "launched_version",
    "state",
    "created_at",
    "tenant",
    "current_version",
}


@pytest.fixture
def sim() -> SimulatorApp:
    return create_simulator(seed=11, clock=SimClock(speed=0), rate_limit_per_s=None)


def headers(sim: SimulatorApp) -> dict[str, str]:
    """Exactly the curl example's headers."""
    return {
        "amperity-tenant": sim.config["tenant"],
        "api-version": "2024-04-01",
        "Authorization": f"Bearer {sim.config['token']}",
    }


@pytest.fixture
async def client(sim: SimulatorApp) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim", headers=headers(sim)) as c:
        yield c


def store(sim: SimulatorApp) -> Store:
    assert isinstance(sim.state, Store)
    return sim.state


def assert_error(response: httpx.Response, status: int) -> None:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert problems(body, schema("ErrorResponse"), extra_ok=ERROR_EXTRAS) == []
    assert body["status"] == status and body["message"]


async def test_seed_get_ingest_job(client: httpx.AsyncClient, sim: SimulatorApp) -> None:
    job_id = next(iter(store(sim).jobs))
    response = await client.get(f"/ingest/jobs/{job_id}")
    assert response.status_code == 200
    body = response.json()
    assert problems(body, schema("IngestJobDetails")) == []
    assert shape(body) == shape(SEED_JOB) | {"tables": shape(body)["tables"]}
    table_shape = shape(body["tables"][0])
    assert table_shape == shape(SEED_JOB["tables"][0]) | {"files": table_shape["files"]}
    assert all(t["job_id"] == job_id for t in body["tables"])


async def test_seed_request_variants(client: httpx.AsyncClient, sim: SimulatorApp) -> None:
    job_id = next(iter(store(sim).jobs))
    by_query = await client.get(
        f"/ingest/jobs/{job_id}", params={"api_version": "2024-04-01"}, headers={"api-version": ""}
    )
    assert by_query.status_code == 200
    capitalised = {"Amperity-Tenant": sim.config["tenant"], "Api-Version": "2024-04-01"}
    assert (await client.get(f"/ingest/jobs/{job_id}", headers=capitalised)).status_code == 200


async def test_docs_list_example_with_partial_dates(client: httpx.AsyncClient) -> None:
    # The docs' request (2024): long before the previous 7 days, so nothing is listed.
    response = await client.get("/ingest/jobs", params={"created_from": "2024-10-01", "created_to": "2024-10-07"})
    assert response.status_code == 200
    assert response.json() == {"data": []}


async def test_spec_list_example_parameters(client: httpx.AsyncClient) -> None:
    params = {"created_from": "2026-10-01T00:00:00Z", "created_to": "2026-10-07T00:00:00Z", "with_total": "false"}
    response = await client.get("/ingest/jobs", params=params)
    assert response.status_code == 200
    assert problems(response.json(), schema("IngestJobDetailsList")) == []


async def test_recent_window_with_total(client: httpx.AsyncClient) -> None:
    params = {"created_from": "2026-10-26T12:00:01Z", "created_to": "2026-11-02T12:00:01Z", "with_total": "true"}
    response = await client.get("/ingest/jobs", params=params)
    assert response.status_code == 200
    body = response.json()
    assert problems(body, schema("IngestJobDetailsList")) == []
    assert body["total"] == len(body["data"]) >= 80
    assert isinstance(body["next_token"], str)
    # The docs' list example shape: {total, data: [IngestJobDetails]}.
    assert shape(body["data"][0]).keys() == shape(SEED_JOB).keys()
    # next_token cannot be used: passing it back changes nothing.
    again = await client.get("/ingest/jobs", params={**params, "next_token": body["next_token"]})
    assert again.json()["data"] == body["data"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"created_to": "2026-11-02"}, 400),
        ({"created_from": "2026-11-01"}, 400),
        ({"created_from": "2026-10-01", "created_to": "2026-10-09"}, 400),
        ({"created_from": "2026-11-02", "created_to": "2026-11-01"}, 400),
        ({"created_from": "yesterday", "created_to": "2026-11-01"}, 400),
        ({"created_from": "2026-10-30", "created_to": "2026-11-01", "with_total": "maybe"}, 400),
    ],
)
async def test_list_parameter_errors(client: httpx.AsyncClient, params: dict[str, str], status: int) -> None:
    assert_error(await client.get("/ingest/jobs", params=params), status)


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"Authorization": "Bearer eyJ-not-it"}, 401),
        ({"Authorization": "Basic abc"}, 401),
        ({"api-version": ""}, 400),
        ({"api-version": "2023-01-01"}, 400),
        ({"amperity-tenant": ""}, 400),
        ({"amperity-tenant": "another-tenant"}, 403),
    ],
)
async def test_auth_errors(client: httpx.AsyncClient, sim: SimulatorApp, change: dict[str, str], status: int) -> None:
    job_id = next(iter(store(sim).jobs))
    assert_error(await client.get(f"/ingest/jobs/{job_id}", headers=change), status)


async def test_unknown_id_method_and_route(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/ingest/jobs/isj-20240701-48815-6dcXdk"), 404)
    assert_error(await client.get("/workflow/runs/wf-20240603-12345-MNabc"), 404)
    assert_error(await client.post("/workflow/runs/wf-20240603-12345-MNabc/stop"), 404)
    assert_error(await client.delete("/ingest/jobs"), 405)
    assert_error(await client.get("/nothing/here"), 404)


async def test_spec_workflow_list_example(client: httpx.AsyncClient) -> None:
    params = {
        "created_from": "2026-04-01T00:00:00Z",
        "created_to": "2026-04-30T00:00:00Z",
        "ended_from": "2026-04-01T00:00:00Z",
        "ended_to": "2026-04-30T00:00:00Z",
        "state": "succeeded",
        "type": "courier.group/run",
    }
    response = await client.get("/workflow/runs", params=params)
    assert response.status_code == 200
    assert problems(response.json(), schema("WorkflowList")) == []


async def test_workflow_list_pages_with_next_token(client: httpx.AsyncClient, sim: SimulatorApp) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 25, "with_total": "true"}
    while True:
        response = await client.get("/workflow/runs", params=params)
        assert response.status_code == 200
        body = response.json()
        assert problems(body, schema("WorkflowList")) == []
        assert body["total"] == len(store(sim).workflows)
        seen += [w["id"] for w in body["data"]]
        if "next_token" not in body:
            break
        params["next_token"] = body["next_token"]
    assert len(seen) == len(set(seen)) == len(store(sim).workflows)
    succeeded = await client.get("/workflow/runs", params={"state": "Succeeded", "limit": 100})
    assert {w["state"] for w in succeeded.json()["data"]} == {"succeeded"}
    assert_error(await client.get("/workflow/runs", params={"next_token": "%%%"}), 400)
    assert_error(await client.get("/workflow/runs", params={"limit": "0"}), 400)


@pytest.mark.parametrize("view", ["overview", "verbose"])
async def test_get_workflow_views(client: httpx.AsyncClient, sim: SimulatorApp, view: str) -> None:
    job = next(iter(store(sim).jobs.values()))
    response = await client.get(f"/workflow/runs/{job.workflow_id}", params={"view": view})
    assert response.status_code == 200
    body = response.json()
    assert problems(body, schema("Workflow")) == []
    if view == "overview":
        assert set(body) <= {"created_at", "ended_at", "id", "name", "state", "tenant", "type"}
    else:
        assert body["task_instances"] and all(
            problems(t, schema("WorkflowTaskInstance")) == [] for t in body["task_instances"]
        )
    assert_error(await client.get(f"/workflow/runs/{job.workflow_id}", params={"view": "full"}), 400)


async def test_run_workflow_examples(client: httpx.AsyncClient, sim: SimulatorApp) -> None:
    # The docs' example config id does not exist in this tenant.
    assert_error(await client.post("/workflow/runs", json={"config_id": "cg-123ABc4DE"}), 400)
    group = next(c for c in store(sim).configs.values() if c.file_based)
    assert_error(await client.post("/workflow/runs", json={"config_id": group.id}), 400)
    request = {"config_id": group.id, "range_from": "2026-11-01", "range_to": "2026-11-02", "run_mode": "full"}
    assert problems(request, schema("WorkflowRunRequest")) == []
    response = await client.post("/workflow/runs", json=request)
    assert response.status_code == 201
    body = response.json()
    assert problems(body, schema("Workflow")) == []
    assert set(body) >= RUN_EXAMPLE_KEYS and body["state"] == "scheduled"
    campaign = next(c for c in store(sim).configs.values() if c.id.startswith("cc-"))
    assert (await client.post("/workflow/runs", json={"config_id": campaign.id})).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"config_id": 5},
        {"config_id": "x", "colour": "red"},
        {"range_from": "2026-11-01"},
    ],
)
async def test_run_workflow_validation(client: httpx.AsyncClient, body: Any) -> None:
    assert_error(await client.post("/workflow/runs", json=body), 400)


async def test_run_workflow_field_rules(client: httpx.AsyncClient, sim: SimulatorApp) -> None:
    group = next(c for c in store(sim).configs.values() if c.feeds and not c.file_based)
    campaign = next(c for c in store(sim).configs.values() if c.id.startswith("cc-"))
    for body in (
        {"config_id": group.id, "run_mode": "everything"},
        {"config_id": group.id, "range_to": "2026-11-02"},
        {"config_id": campaign.id, "run_mode": "full"},
    ):
        assert_error(await client.post("/workflow/runs", json=body), 400)
    not_json = await client.post("/workflow/runs", content=b"{", headers={"content-type": "application/json"})
    assert_error(not_json, 400)


async def test_stop_example(client: httpx.AsyncClient, sim: SimulatorApp) -> None:
    group = next(c for c in store(sim).configs.values() if c.feeds and not c.file_based)
    started = (await client.post("/workflow/runs", json={"config_id": group.id})).json()
    response = await client.post(f"/workflow/runs/{started['id']}/stop")
    assert response.status_code == 200
    body = response.json()
    assert problems(body, schema("Workflow")) == []
    assert set(STOP_EXAMPLE) <= set(body) and body["state"] == "canceled"
    assert shape({k: body[k] for k in STOP_EXAMPLE if k != "task_instances"}) == shape(
        {k: v for k, v in STOP_EXAMPLE.items() if k != "task_instances"}
    )
    assert_error(await client.post(f"/workflow/runs/{started['id']}/stop"), 409)


async def test_rate_limit_answer() -> None:
    limited = create_simulator(seed=11, clock=SimClock(speed=0), rate_limit_per_s=1)
    transport = httpx.ASGITransport(app=limited.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim", headers=headers(limited)) as c:
        job_id = next(iter(store(limited).jobs))
        assert (await c.get(f"/ingest/jobs/{job_id}")).status_code == 200
        response = await c.get(f"/ingest/jobs/{job_id}")
    assert_error(response, 429)
    assert int(response.headers["retry-after"]) >= 1


async def test_injected_faults_use_amperitys_error_shape(client: httpx.AsyncClient, sim: SimulatorApp) -> None:
    assert (await client.post("/_sim/faults", json={"error_rate": 1.0, "status": 500})).status_code == 200
    assert_error(await client.get("/ingest/jobs/isj-x"), 500)


async def test_every_answer_carries_the_simulated_date(client: httpx.AsyncClient) -> None:
    response = await client.get("/ingest/jobs/isj-x")
    assert response.headers["date"] == "Mon, 02 Nov 2026 12:00:00 GMT"


async def test_future_window_lists_only_jobs_already_started(client: httpx.AsyncClient, sim: SimulatorApp) -> None:
    # A window reaching into the future lists no job whose tables all start later (module docstring);
    # once the clock passes a job's first table start, the same window lists it.
    now = sim.injector.clock.now()
    data = store(sim)
    waiting = [
        job for job in data.jobs.values() if job.listed_start(now, data.workflows[job.workflow_id].stop_at) > now
    ]
    assert waiting, "the seed has a job scheduled to start after the epoch"
    params = {
        "created_from": (now - timedelta(days=1)).isoformat(),
        "created_to": (now + timedelta(days=6)).isoformat(),
    }
    listed = {job["id"] for job in (await client.get("/ingest/jobs", params=params)).json()["data"]}
    assert listed and not listed & {job.id for job in waiting}
    first = min(waiting, key=lambda job: job.listed_start(now, data.workflows[job.workflow_id].stop_at))
    sim.injector.clock.advance((first.listed_start(now, None) - now).total_seconds())
    later = {job["id"] for job in (await client.get("/ingest/jobs", params=params)).json()["data"]}
    assert first.id in later


async def test_one_date_header_over_http(sim: SimulatorApp) -> None:
    # uvicorn stamps a Date of its own unless told not to; the simulator's (simulated clock) must be the only one.
    with serve(sim.app) as base:
        async with httpx.AsyncClient(base_url=base, headers=headers(sim)) as http:
            response = await http.get(f"/ingest/jobs/{next(iter(store(sim).jobs))}")
    assert response.status_code == 200
    assert response.headers.get_list("date") == [format_datetime(sim.injector.clock.now(), usegmt=True)]
