"""Replays the examples of the Leia seed page (JobApi.md) and the 1.0.0 OpenAPI document against the simulator.

Answers are checked against the spec's own schemas (``leia_schemas.json``, a
verbatim subset of ``components/schemas``): status codes, field names, types,
enums and required fields.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulators.kit.app import SimulatorApp
from simulators.leia.state import LeiaState

SCHEMAS: dict[str, Any] = json.loads(Path(__file__).with_name("leia_schemas.json").read_text())["schemas"]
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


def check(value: Any, schema: dict[str, Any], where: str = "$") -> None:
    """A small OpenAPI-schema check: $ref, type, format date-time, enum, required, properties, items, oneOf."""
    if "$ref" in schema:
        check(value, SCHEMAS[schema["$ref"].rsplit("/", 1)[1]], where)
        return
    if "oneOf" in schema:
        errors = []
        for option in schema["oneOf"]:
            try:
                check(value, option, where)
                return
            except AssertionError as exc:
                errors.append(str(exc))
        raise AssertionError(f"{where}: matches no oneOf option: {errors}")
    kind = schema.get("type")
    if kind is not None:
        assert isinstance(value, _TYPES[kind]) and not (kind != "boolean" and isinstance(value, bool)), (
            f"{where}: {value!r} is not {kind}"
        )
    if schema.get("format") == "date-time":
        datetime.fromisoformat(value)
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    for name in schema.get("required", ()):
        assert name in value, f"{where}: required {name!r} missing"
    for name, sub in schema.get("properties", {}).items():
        if isinstance(value, dict) and name in value:
            check(value[name], sub, f"{where}.{name}")
    if "items" in schema and isinstance(value, list):
        for i, item in enumerate(value):
            check(item, schema["items"], f"{where}[{i}]")
    if isinstance(schema.get("additionalProperties"), dict) and isinstance(value, dict):
        for key, item in value.items():
            check(item, schema["additionalProperties"], f"{where}.{key}")


def check_problem(response: httpx.Response, status: int, detail: str | None = None) -> None:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert set(body) == {"detail", "status", "title", "type"} and body["status"] == status
    if detail is not None:
        assert body["detail"] == detail


@pytest.fixture
async def client(sim: SimulatorApp) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://sim") as http:
        response = await http.post("/login", json={"api_key": sim.config["api_key"]})
        http.headers["token"] = response.json()["token"]
        yield http


@pytest.fixture
def mine(state: LeiaState, app_id: str) -> dict[str, Any]:
    """Real ids of the logged-in application, to stand in for the examples' ``example_id``."""
    jobs = [j for j in state.jobs.values() if j.application_id == app_id]
    docs = [d.id for d in state.documents.values() if d.application_id == app_id]
    classifier = next(m for m in state.models.values() if m.model_type == "classification")
    other = next(j for j in state.jobs.values() if j.application_id != app_id)
    return {"jobs": jobs, "docs": docs, "model": classifier, "foreign_job": other.id}


# --- application ---------------------------------------------------------------------------


async def test_login_body_example(sim: SimulatorApp) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://sim") as http:
        response = await http.post("/login", json={"api_key": sim.config["api_key"]})
        assert response.status_code == 200
        check(response.json(), {"$ref": "#/components/schemas/LoginToken"})
        assert "api_key" not in response.json()["application"]
        # LoginBody's own example key is not a valid key: 403 "Bad API key".
        check_problem(await http.post("/login", json={"api_key": "example_api_key"}), 403, "Bad API key")
        check_problem(await http.post("/login", json={}), 400)
        check_problem(
            await http.post("/login", content=b"{not json", headers={"content-type": "application/json"}), 400
        )
        deprecated = await http.get(f"/login/{sim.config['api_key']}")
        assert deprecated.status_code == 200
        check(deprecated.json(), {"$ref": "#/components/schemas/LoginToken"})


async def test_whoami_and_logout(client: httpx.AsyncClient, app_id: str) -> None:
    response = await client.get("/whoami")
    assert response.status_code == 200
    check(response.json(), {"$ref": "#/components/schemas/Application"})
    assert response.json()["id"] == app_id
    logout = await client.get("/logout")
    assert logout.status_code == 204 and logout.content == b""
    check_problem(await client.get("/whoami"), 401, "Not logged in")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/job"), ("GET", "/job/x"), ("GET", "/job/x/status"), ("DELETE", "/job/x"), ("POST", "/job/x/start")],
)
async def test_every_job_endpoint_needs_a_token(sim: SimulatorApp, method: str, path: str) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://sim") as http:
        check_problem(await http.request(method, path), 401, "Not logged in")
        check_problem(await http.request(method, path, headers={"token": "token_example"}), 401, "Not logged in")


# --- JobApi.md examples --------------------------------------------------------------------


async def test_get_jobs_example_with_every_parameter(client: httpx.AsyncClient) -> None:
    params: dict[str, str | int] = {
        "job_id": "job_id_example",
        "application_id": "application_id_example",
        "job_type": "predict",
        "model_id": "model_id_example",
        "document_id": "document_id_example",
        "execute_after_id": "execute_after_id_example",
        "parent_job_id": "parent_job_id_example",
        "status": "PROCESSED",
        "created_after": "2013-10-20T19:20:30+01:00",
        "created_before": "2013-10-20T19:20:30+01:00",
        "sort": "sort_example",
        "offset": 56,
        "limit": 56,
    }
    check_problem(await client.get("/job", params=params), 400)  # 'sort_example' is no sort field
    params["sort"] = "-creation_time"
    check_problem(await client.get("/job", params=params), 404, "No jobs found")


async def test_get_jobs_page_and_range_headers(client: httpx.AsyncClient, mine: dict[str, Any]) -> None:
    response = await client.get("/job", params={"sort": "-creation_time,status", "offset": 10, "limit": 20})
    assert response.status_code == 200
    assert response.headers["content-range"] == f"10-29/{len(mine['jobs'])}"
    assert response.headers["accept-range"] == "job 100"
    body = response.json()
    check(body, {"type": "array", "items": {"$ref": "#/components/schemas/Job"}})
    assert len(body) == 20
    created = [job["creation_time"] for job in body]
    assert created == sorted(created, reverse=True)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"job_type": "JobTypes()"}, None),
        ({"status": "Statuses()"}, None),
        ({"offset": "56x"}, "offset"),
        ({"created_after": "yesterday"}, None),
    ],
)
async def test_get_jobs_bad_parameters(client: httpx.AsyncClient, params: dict[str, str], field: str | None) -> None:
    response = await client.get("/job", params=params)
    check_problem(response, 400)
    if field:
        assert f"query parameter '{field}'" in response.json()["detail"]


async def test_get_job_example(client: httpx.AsyncClient, mine: dict[str, Any]) -> None:
    job_id = mine["jobs"][0].id
    response = await client.get(f"/job/{job_id}")
    assert response.status_code == 200
    check(response.json(), {"$ref": "#/components/schemas/Job"})
    check_problem(await client.get("/job/job_id_example"), 404, "Job not found")
    check_problem(await client.get(f"/job/{mine['foreign_job']}"), 403, "Not the owner of the job")


async def test_get_job_statuses_example(client: httpx.AsyncClient, mine: dict[str, Any]) -> None:
    ids = [j.id for j in mine["jobs"][:3]]
    response = await client.get(f"/job/{','.join([*ids, 'job_ids_example'])}/status")
    assert response.status_code == 200
    body = response.json()
    check(body, {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Statuses"}})
    assert sorted(body) == sorted(ids)
    check_problem(await client.get("/job/job_ids_example/status"), 404)
    check_problem(await client.get(f"/job/{ids[0]},{mine['foreign_job']}/status"), 403)


async def test_cancel_job_example(client: httpx.AsyncClient, mine: dict[str, Any], state: LeiaState) -> None:
    now = state.clock.now()
    job = next(j for j in mine["jobs"] if state.status(j, now) not in ("PROCESSED", "FAILED", "CANCELED"))
    response = await client.delete(f"/job/{job.id}")
    assert response.status_code == 204 and response.content == b""
    assert (await client.get(f"/job/{job.id}")).json()["status"] == "CANCELED"
    check_problem(await client.delete(f"/job/{job.id}"), 404)
    check_problem(await client.delete("/job/job_id_example"), 404)


async def test_start_job(client: httpx.AsyncClient, mine: dict[str, Any]) -> None:
    created = await client.post(
        f"/model/{mine['model'].short_name}/apply/{mine['docs'][0]}", params={"block_processing": "true"}
    )
    assert created.json()["status"] == "BLOCKED"
    started = await client.post(f"/job/{created.json()['id']}/start")
    assert started.status_code == 200
    check(started.json(), {"$ref": "#/components/schemas/Job"})
    assert started.json()["status"] == "READY"


async def test_create_conditional_job_example(client: httpx.AsyncClient, mine: dict[str, Any]) -> None:
    example = json.loads(json.dumps(SCHEMAS["ConditionalBody"]["example"]))
    rules = example["rules"]
    # The example nests rule_name_2 inside rule_name_1 (an indentation slip upstream): lift it out.
    rules["rule_name_2"] = rules["rule_name_1"].pop("rule_name_2")
    for rule in rules.values():
        for job in rule["jobs"]:
            job["document_ids"] = [mine["docs"][0]]
            if "model_id" in job:
                job["model_id"] = mine["model"].id
    after = mine["jobs"][-1].id
    response = await client.post(
        f"/job/conditional/{after}", json=example, params={"callback_url": "http://www.example.com/callback_url"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    check(body, {"$ref": "#/components/schemas/Job"})
    assert body["execute_after_id"] == after and body["callback_url"] == "http://www.example.com/callback_url"
    check_problem(await client.post("/job/conditional/execute_after_id_example", json=example), 404)
    check_problem(await client.post(f"/job/conditional/{after}", json={"rules": {"r": {"jobs": []}}}), 400)


async def test_apply_body_example(client: httpx.AsyncClient, mine: dict[str, Any]) -> None:
    body = {**SCHEMAS["ApplyBody"]["example"], "execute_after_id": mine["jobs"][-1].id}
    response = await client.post(f"/model/{mine['model'].id}/apply/{mine['docs'][0]}", json=body)
    assert response.status_code == 200, response.text
    job = response.json()
    check(job, {"$ref": "#/components/schemas/Job"})
    assert job["job_type"] == "predict" and job["model_id"] == mine["model"].id and job["page_range"] == "3:5"
    assert job["status"] in ("WAITING", "READY")
    check_problem(await client.post(f"/model/model_id_example/apply/{mine['docs'][0]}"), 404, "Model not found")
    check_problem(await client.post(f"/model/{mine['model'].id}/apply/document_ids_example"), 404, "Document not found")
    two = f"{mine['docs'][0]},{mine['docs'][1]}"
    check_problem(await client.post(f"/model/{mine['model'].id}/apply/{two}", params={"tag": "t"}), 400)
    bad = await client.post(f"/model/{mine['model'].id}/apply/{mine['docs'][0]}", json={"block_processing": "no"})
    check_problem(bad, 400)
    assert bad.json()["detail"].endswith(" - 'block_processing'")


async def test_transform_body_example(client: httpx.AsyncClient, mine: dict[str, Any], state: LeiaState) -> None:
    body = {**SCHEMAS["TransformBody"]["example"], "execute_after_id": mine["jobs"][-1].id}
    response = await client.post(f"/document/{mine['docs'][0]}/transform/text", json=body)
    assert response.status_code == 200, response.text
    check(response.json(), {"$ref": "#/components/schemas/Job"})
    assert response.json()["job_type"] == "image-text"
    check_problem(await client.post(f"/document/{mine['docs'][0]}/transform/pdf"), 400)
    foreign_doc = next(d.id for d in state.documents.values() if d.id not in mine["docs"])
    check_problem(await client.post(f"/document/{foreign_doc}/transform/text"), 403, "Not the owner of the document")


async def test_processed_job_matches_the_job_example_shape(client: httpx.AsyncClient, state: LeiaState) -> None:
    response = await client.get("/job", params={"status": "PROCESSED", "job_type": "image-text", "limit": 1})
    [job] = response.json()
    check(job, {"$ref": "#/components/schemas/Job"})
    example = SCHEMAS["Job"]["example"]
    assert set(example) <= set(job) | {"execute_after_id", "parent_job_id"}
    assert job["result_type"] == "document"
    check(job["result"], {"$ref": "#/components/schemas/Document"})


async def test_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    check_problem(await client.get("/no/such/route"), 404)
    check_problem(await client.put("/job"), 405)
