"""Contract: every example of the seed page and every path, parameter and schema of the specs, against the simulator.

Seed examples (``tests/unit/scale/examples.py``) are replayed and the answer must
have the example's status, field names and JSON types (``null`` in an example
matches anything; a documented nullable value may be ``null``). The job and
ingest specs are read as YAML and each documented query parameter is sent and
each schema's properties checked; the job type spec is invalid YAML upstream, so
its paths and methods are read from the text.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from simulators.kit.app import SimulatorApp
from simulators.scale.job_types import ENDPOINTS
from simulators.scale.store import Store, view
from tests.unit.scale import examples as ex

SPECS = Path(__file__).parent / "specs"
"""Unmodified copies of the upstream files in the shared ``upstreams/`` folder (``ngageoint/scale`` @ ``1b6a3b87``)."""
_NEVER_NULL = frozenset({"id", "name", "status", "count", "results", "is_valid", "errors", "warnings", "job_counts"})
DEVIATIONS = {
    "manifest": "documented as a string, shown as an object in every example but one: Scale returns the object",
    "input_files": "job.yml types it as an array; JobSerializerV6 emits a map input name -> file names (scale.md)",
}


def _is_time(value: Any) -> bool:
    if isinstance(value, datetime):
        return True
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d\d-\d\dT", value):
        return False
    return bool(datetime.fromisoformat(value.replace("Z", "+00:00")))


def conforms(example: Any, actual: Any, where: str = "$") -> list[str]:
    """Differences in field names and JSON types between a documented example and a real answer."""
    if example is None:
        return []
    if actual is None:
        return [f"{where} is null"] if where.rsplit(".", 1)[-1] in _NEVER_NULL else []
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            return [f"{where}: object expected"]
        problems = []
        for key, value in example.items():
            if key not in actual:
                problems.append(f"{where}.{key} missing")
            elif key not in DEVIATIONS:
                problems.extend(conforms(value, actual[key], f"{where}.{key}"))
        return problems
    if isinstance(example, list):
        if not isinstance(actual, list):
            return [f"{where}: array expected"]
        if example and actual:
            return [p for i, item in enumerate(actual) for p in conforms(example[0], item, f"{where}[{i}]")]
        return []
    if isinstance(example, bool) or isinstance(actual, bool):
        return [] if isinstance(example, bool) and isinstance(actual, bool) else [f"{where}: type differs"]
    if isinstance(example, int | float):
        return [] if isinstance(actual, int | float) else [f"{where}: number expected"]
    if _is_time(example):
        return [] if _is_time(actual) else [f"{where}: date-time expected"]
    return [] if isinstance(actual, type(example)) else [f"{where}: {type(example).__name__} expected"]


def store_of(sim: SimulatorApp) -> Store:
    assert isinstance(sim.state, Store)
    return sim.state


@pytest.fixture
def names(sim: SimulatorApp) -> dict[str, str]:
    jt = next(t for t in store_of(sim).job_types if t.revision_num > 1 and not t.is_system)
    return {"name": jt.name, "version": jt.version, "revision_num": "1"}


SEED_GETS = [
    ("/v6/job-type-names/", ex.JOB_TYPE_NAMES),
    ("/v6/job-types/", ex.JOB_TYPE_LIST),
    ("/v6/job-types/{name}/", ex.JOB_TYPE_VERSIONS),
    ("/v6/job-types/{name}/{version}/", ex.JOB_TYPE_DETAILS),
    ("/v6/job-types/{name}/{version}/revisions/", ex.JOB_TYPE_REVISIONS),
    ("/v6/job-types/{name}/{version}/revisions/{revision_num}/", ex.JOB_TYPE_REVISION_DETAILS),
    ("/v6/job-types/status/", ex.JOB_TYPE_STATUS),
    ("/v6/job-types/pending/", ex.JOB_TYPE_PENDING),
    ("/v6/job-types/running/", ex.JOB_TYPE_RUNNING),
    ("/v6/job-types/system-failures/", ex.JOB_TYPE_FAILURES),
]


@pytest.mark.parametrize(("path", "example"), SEED_GETS, ids=[p for p, _ in SEED_GETS])
async def test_seed_get_examples(
    client: httpx.AsyncClient, names: dict[str, str], path: str, example: dict[str, Any]
) -> None:
    response = await client.get(path.format(**names))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    if "results" in example:
        assert body["results"], "the simulator should have data for every list"
    assert conforms(example, body) == []


async def test_seed_add_seed_image_example(client: httpx.AsyncClient) -> None:
    response = await client.post("/v6/job-types/", json=ex.CREATE_REQUEST)
    assert response.status_code == 201
    assert response.headers["location"].endswith("/v6/job-types/test/1.0.0/")
    assert conforms(ex.CREATE_RESPONSE, response.json()) == []


async def test_seed_validate_example(client: httpx.AsyncClient) -> None:
    response = await client.post("/v6/job-types/validation/", json=ex.VALIDATE_REQUEST)
    assert response.status_code == 200
    assert conforms(ex.VALIDATION_RESPONSE, response.json()) == []


async def test_seed_edit_example(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v6/job-types/", json=ex.CREATE_REQUEST)).status_code == 201
    response = await client.patch("/v6/job-types/test/1.0.0/", json=ex.EDIT_REQUEST)
    assert response.status_code == 200
    assert conforms(ex.VALIDATION_RESPONSE, response.json()) == []


def test_every_seed_example_is_replayed() -> None:
    text = (SPECS / "scale-v6-job-types.txt").read_text()
    calls = set(re.findall(r"^Example (GET|POST|PATCH) (/v6/\S+) API call", text, flags=re.MULTILINE))
    replayed = {("GET", path) for path, _ in SEED_GETS} | {
        ("POST", "/v6/job-types/"),
        ("POST", "/v6/job-types/validation/"),
        ("PATCH", "/v6/job-types/{name}/{version}/"),
    }
    assert len(calls) == 13 and calls <= replayed


def test_every_job_type_spec_path_is_served_by_the_simulator() -> None:
    text = (SPECS / "scale-v6-job_type.openapi.yaml").read_text()
    operations = re.findall(r"^  (/\S+):\n((?:    .*\n|\s*\n)*)", text, flags=re.MULTILINE)
    documented = {(path, method) for path, block in operations for method in re.findall(r"^    (\w+):", block, re.M)}
    assert len(documented) == 13
    served = {(e.path.replace(":int", "")[3:], m.lower()) for e in ENDPOINTS for m in e.views}
    assert documented <= served


# --- the job and ingest specs --------------------------------------------------------------------------------


def _spec(name: str) -> dict[str, Any]:
    with (SPECS / f"scale-v6-{name}.openapi.yaml").open() as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


def _properties(spec: dict[str, Any], schema_name: str) -> dict[str, Any]:
    schema = spec["components"]["schemas"][schema_name]
    found: dict[str, Any] = {}
    for part in schema.get("allOf", [schema]):
        ref = part.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            found.update(_properties(spec, ref.rsplit("/", 1)[-1]))
        elif isinstance(part.get("properties"), dict):
            found.update(part["properties"])
    return found


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def schema_problems(spec: dict[str, Any], schema_name: str, actual: dict[str, Any]) -> list[str]:
    problems = []
    for name, prop in _properties(spec, schema_name).items():
        if name not in actual:
            problems.append(f"{schema_name}.{name} missing")
            continue
        value = actual[name]
        if value is None or name in DEVIATIONS or not isinstance(prop, dict):
            continue
        kind = prop.get("type") or ("object" if "$ref" in prop else None)
        expected = _TYPES.get(kind or "")
        if expected is None:
            continue
        if (kind != "boolean" and isinstance(value, bool)) or not isinstance(value, expected):
            problems.append(f"{schema_name}.{name}: {kind} expected, got {type(value).__name__}")
        elif prop.get("format") == "date-time" and not _is_time(value):
            problems.append(f"{schema_name}.{name}: date-time expected")
    return problems


SAMPLE_VALUES = {"integer": "1", "boolean": "true", "string": "x"}


def _sample(param: dict[str, Any], epoch: datetime) -> str:
    schema = param.get("schema", {})
    if schema.get("format") == "date-time":
        # Inside every window the simulator accepts (ingest status allows 31 days back).
        moment = epoch - (timedelta(hours=1) if "ended" in param["name"] else timedelta(days=2))
        return moment.isoformat().replace("+00:00", "Z")
    if param["name"] == "status":
        return "RUNNING"
    if param["name"] == "order":
        return "-last_modified"
    if param["name"] == "error_category":
        return "SYSTEM"
    if param["name"] == "time_field":
        return "data"
    return SAMPLE_VALUES.get(schema.get("format", ""), SAMPLE_VALUES.get(schema.get("type", "string"), "x"))


def _paths(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def _ids(sim: SimulatorApp) -> dict[str, int]:
    store = store_of(sim)
    job = next(j for j in store.jobs.values() if view(j, store.epoch).status == "FAILED" and j.input_file_ids)
    exe = view(job, store.epoch).visible_exes[-1]
    ingest = next(iter(store.ingests.values()))
    return {"job": job.id, "exe_num": exe.exe_num, "exe": exe.id, "ingest": ingest.id}


def _concrete(path: str, ids: dict[str, int]) -> str:
    path = path if path.endswith("/") else path + "/"
    path = path.replace("{exe_num}", str(ids["exe_num"])).replace("{job_exe_id}", str(ids["exe"]))
    path = path.replace("{log_name}", "combined")
    return "/v6" + path.replace("{id}", str(ids["ingest"] if path.startswith("/ingests") else ids["job"]))


@pytest.mark.parametrize("spec_name", ["job", "ingest"])
async def test_every_spec_get_with_every_documented_parameter(
    client: httpx.AsyncClient, sim: SimulatorApp, spec_name: str
) -> None:
    spec = _spec(spec_name)
    ids = _ids(sim)
    for path, method, op in _paths(spec):
        if method != "get":
            continue
        url = _concrete(path, ids)
        plain = await client.get(url)
        assert plain.status_code == 200, (url, plain.text)
        for param in op.get("parameters", []):
            if param["in"] != "query" or param["name"] in ("page",):
                continue
            response = await client.get(url, params={param["name"]: _sample(param, store_of(sim).epoch)})
            assert response.status_code in (200, 204), (url, param["name"], response.text)


async def test_job_schemas(client: httpx.AsyncClient, sim: SimulatorApp) -> None:
    spec = _spec("job")
    ids = _ids(sim)
    jobs = (await client.get("/v6/jobs/", params={"page_size": 1000})).json()
    assert set(jobs) == set(_properties(spec, "job_list"))
    problems = [p for item in jobs["results"] for p in schema_problems(spec, "job", item)]
    assert problems == []
    details = (await client.get(f"/v6/jobs/{ids['job']}/")).json()
    assert schema_problems(spec, "job", details) == []
    for field in ("max_tries", "job_type_rev", "superseded_by_job", "resources", "execution", "input", "output"):
        assert field in details
    executions = (await client.get(f"/v6/jobs/{ids['job']}/executions/")).json()
    assert set(executions) == set(_properties(spec, "job_execution_list"))
    assert [p for e in executions["results"] for p in schema_problems(spec, "job_execution", e)] == []
    exe = (await client.get(f"/v6/jobs/{ids['job']}/executions/{ids['exe_num']}/")).json()
    assert schema_problems(spec, "job_execution_details", exe) == []
    log = await client.get(f"/v6/job-executions/{ids['exe']}/logs/combined/")
    assert [p for line in log.json() for p in schema_problems(spec, "job_execution_log", line)] == []
    text = await client.get(f"/v6/job-executions/{ids['exe']}/logs/stdout/", headers={"Accept": "text/plain"})
    assert text.headers["content-type"].startswith("text/plain")
    refused = await client.get(f"/v6/job-executions/{ids['exe']}/logs/stdout/", headers={"Accept": "image/png"})
    assert refused.status_code == 406


async def test_job_post_cancel_and_requeue_answers(client: httpx.AsyncClient, sim: SimulatorApp) -> None:
    spec = _spec("job")
    jt = next(t for t in store_of(sim).job_types if t.is_active and not t.is_system)
    created = await client.post("/v6/jobs/", json={"job_type_id": jt.id, "input": {"files": {"INPUT_FILE": [5]}}})
    assert created.status_code == 201 and "location" in created.headers
    assert schema_problems(spec, "job", created.json()) == []
    job_id = created.json()["id"]
    for path, body in (("cancel", {"job_ids": [job_id]}), ("requeue", {"job_ids": [job_id], "priority": 1})):
        response = await client.post(f"/v6/jobs/{path}/", json=body)
        assert (response.status_code, response.content) == (202, b"")
    documented = set(_properties(spec, "job_requeue_post"))
    example_body = {"status": "FAILED", "job_type_names": [jt.name], "error_categories": ["SYSTEM"], "priority": 10}
    assert set(example_body) <= documented
    assert (await client.post("/v6/jobs/requeue/", json=example_body)).status_code == 202
    unknown = await client.post("/v6/jobs/cancel/", json={"job_types": [{"name": "my-job-type", "version": "1.0.0"}]})
    assert unknown.status_code == 400 and "detail" in unknown.json()


async def test_ingest_schemas(client: httpx.AsyncClient, sim: SimulatorApp) -> None:
    spec = _spec("ingest")
    ingests = (await client.get("/v6/ingests/", params={"page_size": 1000})).json()
    assert set(ingests) == set(_properties(spec, "ingest_list")) and ingests["count"] == 100
    assert [p for i in ingests["results"] for p in schema_problems(spec, "ingest_details", i)] == []
    assert conforms(ex.INGEST, ingests["results"][0]) == []
    details = (await client.get(f"/v6/ingests/{ingests['results'][-1]['id']}/")).json()
    assert schema_problems(spec, "ingest_details", details) == []
    status = (await client.get("/v6/ingests/status/", params={"started": "P30D"})).json()
    assert set(status) == set(_properties(spec, "ingest_status_list"))
    assert [p for s in status["results"] for p in schema_problems(spec, "ingest_status", s)] == []
    values = [v for s in status["results"] for v in s["values"]]
    assert values and [p for v in values for p in schema_problems(spec, "ingest_stats", v)] == []


async def test_spec_job_example_matches_list_items(client: httpx.AsyncClient) -> None:
    jobs = (await client.get("/v6/jobs/")).json()["results"]
    assert all(conforms(ex.JOB, job) == [] for job in jobs)
