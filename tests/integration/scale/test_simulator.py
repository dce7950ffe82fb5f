"""The Scale simulator's behaviour, in process: data, auth, paging, filters, life cycles."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from typing import Any

import httpx
import pytest

from simulators.kit import SimClock
from simulators.kit.app import SimulatorApp
from simulators.scale.app import create_simulator
from simulators.scale.store import MESSAGE_DELAY, Store, ingest_view, view
from tests.unit.scale import examples as ex


def store_of(sim: SimulatorApp) -> Store:
    assert isinstance(sim.state, Store)
    return sim.state


async def all_jobs(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/v6/jobs/", params={"page_size": 1000, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["results"])
    return list(body["results"])


def active_type_id(sim: SimulatorApp) -> int:
    return next(jt.id for jt in store_of(sim).job_types if jt.is_active and not jt.is_paused and not jt.is_system)


# --- seeded data -----------------------------------------------------------------------------------------


def test_seeded_sizes_and_variety(sim: SimulatorApp) -> None:
    store = store_of(sim)
    now = store.epoch
    assert (len(store.job_types), len(store.jobs), len(store.ingests)) == (40, 800, 100)
    assert set(Counter(view(j, now).status for j in store.jobs.values())) == {
        "PENDING",
        "BLOCKED",
        "QUEUED",
        "RUNNING",
        "FAILED",
        "COMPLETED",
        "CANCELED",
    }
    assert len({ingest_view(i, now).status for i in store.ingests.values()}) == 8
    names = Counter(jt.name for jt in store.job_types)
    assert "scale-ingest" in names and any(n > 1 for n in names.values())
    assert any(jt.is_paused for jt in store.job_types) and any(not jt.is_active for jt in store.job_types)
    assert sum(jt.is_system for jt in store.job_types) == 5
    assert any(jt.revision_num > 1 for jt in store.job_types)
    assert all(i.job.job_type.name == "scale-ingest" for i in store.ingests.values())


def test_same_seed_same_data_other_seed_other_data() -> None:
    def snapshot(seed: int) -> list[tuple[int, str, str]]:
        store = store_of(create_simulator(seed=seed, clock=SimClock(speed=0)))
        return [(j.id, j.job_type.name, view(j, store.epoch).status) for j in store.jobs.values()]

    assert snapshot(3) == snapshot(3)
    assert snapshot(3) != snapshot(4)


def test_ids_grow_with_creation_time(sim: SimulatorApp) -> None:
    jobs = sorted(store_of(sim).jobs.values(), key=lambda j: j.id)
    assert all(a.created <= b.created for a, b in itertools.pairwise(jobs))


def test_seeded_jobs_progress_in_real_time() -> None:
    clock = SimClock(speed=300)
    store = store_of(create_simulator(seed=1, clock=clock))
    running = [j for j in store.jobs.values() if view(j, clock.now()).status == "RUNNING"]
    time.sleep(0.3)  # 90 simulated seconds
    later = clock.now()
    assert sum(view(j, later).status != "RUNNING" for j in running) >= len(running) // 2


# --- auth, routing, paging ----------------------------------------------------------------------------------


async def test_authentication_answers_like_drf(sim: SimulatorApp) -> None:
    transport = httpx.ASGITransport(app=sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as anon:
        missing = await anon.get("/v6/jobs/")
        assert missing.status_code == 401
        assert missing.json() == {"detail": "Authentication credentials were not provided."}
        assert missing.headers["www-authenticate"] == "Token"
        wrong = await anon.get("/v6/jobs/", headers={"Authorization": "Token nope"})
        assert wrong.json() == {"detail": "Invalid token."}
        bare = await anon.get("/v6/jobs/", headers={"Authorization": "Token"})
        assert bare.json() == {"detail": "Invalid token header. No credentials provided."}
        bearer = await anon.get("/v6/jobs/", headers={"Authorization": f"Bearer {sim.config['token']}"})
        assert bearer.status_code == 401


async def test_read_only_token_may_read_and_validate_only(sim: SimulatorApp) -> None:
    reader = next(token for token, staff in store_of(sim).tokens.items() if not staff)
    transport = httpx.ASGITransport(app=sim.app)
    headers = {"Authorization": f"Token {reader}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://sim", headers=headers) as user:
        assert (await user.get("/v6/jobs/")).status_code == 200
        assert (await user.post("/v6/job-types/validation/", json=ex.VALIDATE_REQUEST)).status_code == 200
        refused = await user.post("/v6/jobs/cancel/", json={"job_ids": [1]})
        assert refused.status_code == 403
        assert refused.json() == {"detail": "You do not have permission to perform this action."}


async def test_django_routing(client: httpx.AsyncClient) -> None:
    redirect = await client.get("/v6/jobs", params={"page": 2})
    assert redirect.status_code == 301 and redirect.headers["location"] == "/v6/jobs/?page=2"
    missing = await client.get("/v6/nothing/")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert (await client.get("/v6/jobs/abc/")).status_code == 404
    refused = await client.delete("/v6/jobs/")
    assert refused.status_code == 405 and refused.json() == {"detail": 'Method "DELETE" not allowed.'}


async def test_page_number_pagination(client: httpx.AsyncClient) -> None:
    first = (await client.get("/v6/jobs/", params={"page_size": 300})).json()
    assert first["count"] == 800 and len(first["results"]) == 300 and first["previous"] is None
    assert first["next"] == "http://sim/v6/jobs/?page=2&page_size=300"
    second = (await client.get(first["next"])).json()
    assert second["previous"] == "http://sim/v6/jobs/?page_size=300"
    last = (await client.get("/v6/jobs/", params={"page_size": 300, "page": "last"})).json()
    assert len(last["results"]) == 200 and last["next"] is None
    assert len((await client.get("/v6/jobs/", params={"page_size": 5000})).json()["results"]) == 800
    assert len((await client.get("/v6/jobs/", params={"page_size": 0})).json()["results"]) == 100
    assert len((await client.get("/v6/jobs/", params={"page_size": "x"})).json()["results"]) == 100
    for page in ("4", "0", "abc"):
        beyond = await client.get("/v6/jobs/", params={"page_size": 300, "page": page})
        assert beyond.status_code == 404 and beyond.json() == {"detail": "Invalid page."}


async def test_default_order_is_last_modified_ascending(client: httpx.AsyncClient) -> None:
    jobs = await all_jobs(client)
    keys = [(j["last_modified"], j["id"]) for j in jobs]
    assert keys == sorted(keys)
    newest = await all_jobs(client, order=["-last_modified", "-id"])
    assert [j["id"] for j in newest] == [j["id"] for j in reversed(jobs)]


async def test_bad_parameters(client: httpx.AsyncClient) -> None:
    cases = {
        (("started", "yesterday"),): "Invalid ISO timestamp format for parameter: started",
        (
            ("started", "2026-01-02T00:00:00Z"),
            ("ended", "2026-01-01T00:00:00Z"),
        ): "Start time must come before end time",
        (("job_id", "x"),): 'Parameter must be a valid integer: "job_id"',
        (("is_superseded", "maybe"),): 'Parameter must be a valid boolean: "is_superseded"',
        (("order", "color"),): "Invalid order field: color",
    }
    for params, detail in cases.items():
        response = await client.get("/v6/jobs/", params=list(params))
        assert response.status_code == 400 and response.json() == {"detail": detail}


async def test_job_filters(client: httpx.AsyncClient, sim: SimulatorApp) -> None:
    jobs = await all_jobs(client)
    running = await all_jobs(client, status=["RUNNING", "QUEUED"])
    assert {j["status"] for j in running} == {"RUNNING", "QUEUED"}
    assert len(running) == sum(j["status"] in ("RUNNING", "QUEUED") for j in jobs)
    ids = [jobs[0]["id"], jobs[5]["id"], jobs[9]["id"]]
    assert sorted(j["id"] for j in await all_jobs(client, job_id=ids)) == sorted(ids)
    ingest_jobs = await all_jobs(client, job_type_name="scale-ingest")
    assert len(ingest_jobs) == 100
    assert len(await all_jobs(client, job_type_id=[1])) == 100
    middle = jobs[400]["last_modified"]
    newer = await all_jobs(client, started=middle)
    assert all(j["last_modified"] >= middle for j in newer) and len(newer) >= 400
    recent = await all_jobs(client, started="PT1H")
    assert 0 < len(recent) < 800
    failed_system = await all_jobs(client, error_category="SYSTEM")
    assert failed_system and all(j["error"]["category"] == "SYSTEM" for j in failed_system)
    superseded = await all_jobs(client, is_superseded="true")
    assert superseded and all(j["is_superseded"] for j in superseded)


# --- jobs: create, life cycle, cancel, requeue ---------------------------------------------------------------


async def test_create_job(client: httpx.AsyncClient, sim: SimulatorApp) -> None:
    body = {"job_type_id": active_type_id(sim), "input": {"files": {"INPUT_FILE": [12]}, "json": {}}}
    created = await client.post("/v6/jobs/", json=body)
    assert created.status_code == 201
    job = created.json()
    assert created.headers["location"] == f"http://sim/v6/jobs/{job['id']}/"
    assert job["status"] == "QUEUED" and job["input"] == body["input"] and job["execution"] is None
    assert (await client.get(f"/v6/jobs/{job['id']}/")).json()["id"] == job["id"]


async def test_create_job_refusals(client: httpx.AsyncClient, sim: SimulatorApp) -> None:
    type_id = active_type_id(sim)
    inactive = next(jt.id for jt in store_of(sim).job_types if not jt.is_active)
    missing = await client.post("/v6/jobs/", json={"input": {}})
    assert missing.status_code == 400 and missing.json() == {"detail": 'Missing required parameter: "job_type_id"'}
    assert (await client.post("/v6/jobs/", json={"job_type_id": 9999, "input": {}})).status_code == 404
    no_file = await client.post("/v6/jobs/", json={"job_type_id": type_id, "input": {}})
    assert (
        no_file.status_code == 400
        and no_file.json() == "Invalid job data: Required input 'INPUT_FILE' was not provided"
    )
    deprecated = await client.post("/v6/jobs/", json={"job_type_id": inactive, "input": {"files": {"INPUT_FILE": [1]}}})
    assert deprecated.status_code == 400 and deprecated.json().startswith("Invalid job data:")
    broken = await client.post("/v6/jobs/", content=b"{", headers={"content-type": "application/json"})
    assert broken.status_code == 400 and broken.json()["detail"].startswith("JSON parse error")


async def test_job_life_cycle_follows_the_clock(client: httpx.AsyncClient, sim: SimulatorApp, clock: SimClock) -> None:
    body = {"job_type_id": active_type_id(sim), "input": {"files": {"INPUT_FILE": [12]}}}
    job_id = (await client.post("/v6/jobs/", json=body)).json()["id"]
    seen: list[str] = []
    for _ in range(60):
        job = (await client.get(f"/v6/jobs/{job_id}/")).json()
        if not seen or seen[-1] != job["status"]:
            seen.append(job["status"])
        if job["status"] in ("COMPLETED", "FAILED"):
            break
        clock.advance(5)
    assert seen[0] == "QUEUED" and "RUNNING" in seen and seen[-1] in ("COMPLETED", "FAILED")
    executions = (await client.get(f"/v6/jobs/{job_id}/executions/")).json()
    assert executions["count"] == job["num_exes"] >= 1
    first = await client.get(f"/v6/jobs/{job_id}/executions/1/")
    assert first.status_code == 200 and first.json()["exe_num"] == 1


async def test_cancel_and_requeue(client: httpx.AsyncClient, sim: SimulatorApp, clock: SimClock) -> None:
    jobs = await all_jobs(client)
    done = next(j for j in jobs if j["status"] == "COMPLETED")
    running = next(j for j in jobs if j["status"] == "RUNNING")
    answer = await client.post("/v6/jobs/cancel/", json={"job_ids": [done["id"], running["id"]]})
    assert answer.status_code == 202 and answer.content == b""
    # Scale queues a command message: the 202 comes before the change.
    assert (await client.get(f"/v6/jobs/{running['id']}/")).json()["status"] == "RUNNING"
    clock.advance(MESSAGE_DELAY.total_seconds())
    assert (await client.get(f"/v6/jobs/{done['id']}/")).json()["status"] == "COMPLETED"
    canceled = (await client.get(f"/v6/jobs/{running['id']}/")).json()
    assert canceled["status"] == "CANCELED" and canceled["ended"] is not None
    assert (await client.post("/v6/jobs/requeue/", json={"job_ids": [running["id"]], "priority": 5})).status_code == 202
    assert (await client.get(f"/v6/jobs/{running['id']}/")).json()["status"] == "CANCELED"
    clock.advance(MESSAGE_DELAY.total_seconds())
    requeued = (await client.get(f"/v6/jobs/{running['id']}/")).json()
    assert requeued["status"] == "QUEUED" and requeued["num_exes"] == running["num_exes"] + 1
    assert requeued["configuration"]["priority"] == 5
    clock.advance(120)
    assert (await client.get(f"/v6/jobs/{running['id']}/")).json()["status"] in ("RUNNING", "COMPLETED", "FAILED")


async def test_requeue_follows_can_be_requeued(client: httpx.AsyncClient, sim: SimulatorApp, clock: SimClock) -> None:
    """Scale requeues any job queued before that is not COMPLETED (QUEUED and RUNNING too), never one never queued."""
    jobs = await all_jobs(client)
    running = next(j for j in jobs if j["status"] == "RUNNING")
    queued = next(j for j in jobs if j["status"] == "QUEUED" and j["num_exes"] > 0)
    done = next(j for j in jobs if j["status"] == "COMPLETED")
    never = next(j for j in jobs if j["status"] == "PENDING" and j["num_exes"] == 0)
    await client.post("/v6/jobs/cancel/", json={"job_ids": [never["id"]]})
    clock.advance(MESSAGE_DELAY.total_seconds())
    never = (await client.get(f"/v6/jobs/{never['id']}/")).json()
    assert never["status"] == "CANCELED" and never["num_exes"] == 0
    ids = [running["id"], queued["id"], done["id"], never["id"]]
    assert (await client.post("/v6/jobs/requeue/", json={"job_ids": ids})).status_code == 202
    clock.advance(MESSAGE_DELAY.total_seconds())
    after = {i: (await client.get(f"/v6/jobs/{i}/")).json() for i in ids}
    assert after[running["id"]]["status"] == "QUEUED" and after[running["id"]]["num_exes"] == running["num_exes"] + 1
    assert after[queued["id"]]["num_exes"] == queued["num_exes"] + 1
    assert after[done["id"]]["status"] == "COMPLETED" and after[done["id"]]["num_exes"] == done["num_exes"]
    assert after[never["id"]]["status"] == "CANCELED" and after[never["id"]]["num_exes"] == 0


async def test_a_failed_job_can_be_canceled(client: httpx.AsyncClient, sim: SimulatorApp, clock: SimClock) -> None:
    """Scale's ``can_be_canceled`` excludes only COMPLETED and CANCELED."""
    failed = next(j for j in await all_jobs(client) if j["status"] == "FAILED")
    await client.post("/v6/jobs/cancel/", json={"job_ids": [failed["id"]]})
    clock.advance(MESSAGE_DELAY.total_seconds())
    assert (await client.get(f"/v6/jobs/{failed['id']}/")).json()["status"] == "CANCELED"


async def test_bulk_cancel_by_filter(client: httpx.AsyncClient, sim: SimulatorApp, clock: SimClock) -> None:
    jt = next(jt for jt in store_of(sim).job_types if not jt.is_system and jt.is_active)
    key = {"name": jt.name, "version": jt.version}
    assert (await client.post("/v6/jobs/cancel/", json={"job_types": [key]})).status_code == 202
    clock.advance(MESSAGE_DELAY.total_seconds())
    statuses = {j["status"] for j in await all_jobs(client, job_type_id=[jt.id])}
    assert statuses <= {"COMPLETED", "CANCELED"}
    unknown = await client.post("/v6/jobs/cancel/", json={"job_types": [{"name": "nope", "version": "1"}]})
    assert unknown.status_code == 400
    assert (await client.post("/v6/jobs/cancel/", json={"job_ids": "1"})).status_code == 400


async def test_pausing_a_job_type_holds_its_queue(
    client: httpx.AsyncClient, sim: SimulatorApp, clock: SimClock
) -> None:
    jt = next(jt for jt in store_of(sim).job_types if jt.id == active_type_id(sim))
    path = f"/v6/job-types/{jt.name}/{jt.version}/"
    assert (await client.patch(path, json={"is_paused": True})).json()["is_valid"] is True
    details = (await client.get(path)).json()
    assert details["is_paused"] is True and details["paused"] is not None
    job_id = (
        await client.post("/v6/jobs/", json={"job_type_id": jt.id, "input": {"files": {"INPUT_FILE": [1]}}})
    ).json()["id"]
    clock.advance(600)
    assert (await client.get(f"/v6/jobs/{job_id}/")).json()["status"] == "QUEUED"
    await client.patch(path, json={"is_paused": False})
    clock.advance(2)
    assert (await client.get(f"/v6/jobs/{job_id}/")).json()["status"] in ("RUNNING", "COMPLETED", "FAILED")


# --- job types -----------------------------------------------------------------------------------------------


async def test_create_new_version_and_revision(client: httpx.AsyncClient) -> None:
    created = await client.post("/v6/job-types/", json=ex.CREATE_REQUEST)
    assert created.status_code == 201
    assert created.headers["location"] == "http://sim/v6/job-types/test/1.0.0/"
    body = created.json()
    assert (body["name"], body["version"], body["revision_num"]) == ("test", "1.0.0", 1)
    assert body["configuration"]["settings"]["DB_PASS"] == "*****"
    again = await client.post("/v6/job-types/", json={**ex.CREATE_REQUEST, "docker_image": "test-1.0.0-seed:1.0.1"})
    assert again.status_code == 201 and again.json()["revision_num"] == 2
    revisions = (await client.get("/v6/job-types/test/1.0.0/revisions/")).json()
    assert [r["revision_num"] for r in revisions["results"]] == [2, 1]
    missing = await client.post("/v6/job-types/", json={"manifest": ex.SEED_MANIFEST})
    assert missing.json() == {"detail": 'Missing required parameter: "docker_image"'}


async def test_validation_and_edit(client: httpx.AsyncClient) -> None:
    answer = (await client.post("/v6/job-types/validation/", json=ex.VALIDATE_REQUEST)).json()
    assert answer["is_valid"] is True and [w["name"] for w in answer["warnings"]] == ["UNKNOWN_OUTPUT"]
    bad = (await client.post("/v6/job-types/validation/", json={"manifest": {"job": {}}})).json()
    assert bad["is_valid"] is False and bad["errors"]
    await client.post("/v6/job-types/", json=ex.CREATE_REQUEST)
    invalid = await client.patch("/v6/job-types/test/1.0.0/", json={"configuration": {"priority": -1}})
    assert invalid.json()["is_valid"] is False
    assert (await client.patch("/v6/job-types/test/1.0.0/", json={"name": "x"})).status_code == 400
    edited = await client.patch("/v6/job-types/test/1.0.0/", json={"max_scheduled": 4, "is_active": False})
    assert edited.json()["is_valid"] is True
    details = (await client.get("/v6/job-types/test/1.0.0/")).json()
    assert details["max_scheduled"] == 4 and details["is_active"] is False and details["deprecated"]


async def test_job_type_lists_and_filters(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v6/job-types/", params={"is_system": "true"})).json()["count"] == 5
    ids = (await client.get("/v6/job-types/", params=[("id", "1"), ("id", "2")])).json()
    assert [t["id"] for t in ids["results"]] == [1, 2]
    keyword = (await client.get("/v6/job-types/", params={"keyword": "ingest"})).json()
    assert any(t["name"] == "scale-ingest" for t in keyword["results"])
    names = (await client.get("/v6/job-type-names/")).json()
    assert names["count"] == len({t["name"] for t in (await client.get("/v6/job-types/")).json()["results"]})
    versions = (await client.get("/v6/job-types/scale-ingest/")).json()
    assert [v["version"] for v in versions["results"]] == ["1.0.0"]
    assert (await client.get("/v6/job-types/nothing/")).json()["count"] == 0
    assert (await client.get("/v6/job-types/nothing/1.0.0/")).status_code == 404


# --- ingests -----------------------------------------------------------------------------------------------------


async def test_ingests_follow_their_jobs(client: httpx.AsyncClient, clock: SimClock) -> None:
    ingests = (await client.get("/v6/ingests/", params={"page_size": 1000, "status": "TRANSFERRING"})).json()
    assert ingests["count"] > 0
    ingest = ingests["results"][0]
    clock.advance(600)
    later = (await client.get(f"/v6/ingests/{ingest['id']}/")).json()
    assert later["status"] in ("INGESTED", "ERRORED")
    job = (await client.get(f"/v6/jobs/{later['job']['id']}/")).json()
    assert job["job_type"]["name"] == "scale-ingest" and job["input"]["json"]["ingest_id"] == ingest["id"]


async def test_ingest_endpoints(client: httpx.AsyncClient, sim: SimulatorApp) -> None:
    assert (await client.get("/v6/ingests/999999/")).status_code == 404
    store = store_of(sim)
    consumed = next(
        i for i in store.ingests.values() if any(i.source_file_id in j.input_file_ids for j in store.jobs.values())
    )
    jobs = (await client.get(f"/v6/ingests/{consumed.id}/jobs/")).json()
    assert jobs["count"] >= 1
    status = (await client.get("/v6/ingests/status/", params={"started": "P30D", "use_ingest_time": "true"})).json()
    assert status["count"] == 3 and sum(s["files"] for s in status["results"]) > 0
    too_long = await client.get("/v6/ingests/status/", params={"started": "P40D"})
    assert too_long.status_code == 400
    by_name = (await client.get("/v6/ingests/", params={"file_name": consumed.file_name[:12]})).json()
    assert any(i["id"] == consumed.id for i in by_name["results"])


async def test_job_type_statistics(client: httpx.AsyncClient) -> None:
    status = (await client.get("/v6/job-types/status/")).json()
    assert status["count"] == 40
    assert any(c["status"] == "RUNNING" for item in status["results"] for c in item["job_counts"])
    pending = (await client.get("/v6/job-types/pending/")).json()["results"]
    assert [p["longest_pending"] for p in pending] == sorted(p["longest_pending"] for p in pending)
    running = (await client.get("/v6/job-types/running/")).json()["results"]
    assert any(r["job_type"]["name"] == "scale-strike" for r in running)
    failures = (await client.get("/v6/job-types/system-failures/")).json()["results"]
    assert all(f["error"]["category"] == "SYSTEM" for f in failures)
    assert [f["last_error"] for f in failures] == sorted((f["last_error"] for f in failures), reverse=True)


@pytest.mark.parametrize("fault", [{"error_rate": 1.0, "status": 503}, {"burst_429": 1}])
async def test_injected_errors_use_drf_bodies(client: httpx.AsyncClient, fault: dict[str, float]) -> None:
    assert (await client.post("/_sim/faults", json=fault)).status_code == 200
    response = await client.get("/v6/jobs/")
    assert response.status_code in (429, 503) and "detail" in response.json()
