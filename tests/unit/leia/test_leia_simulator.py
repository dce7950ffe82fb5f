from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import httpx

from adapters.leia.translate import STATUS_TABLE
from simulators.kit import SimClock
from simulators.leia.app import create_simulator
from simulators.leia.state import LeiaState


def snapshot(seed: int) -> list[dict[str, object]]:
    sim = create_simulator(seed=seed, clock=SimClock(speed=0))
    state = sim.state
    assert isinstance(state, LeiaState)
    now = state.clock.now()
    return [state.job_json(job, now) for job in state.jobs.values()]


def test_same_seed_same_data_other_seed_other_data() -> None:
    assert snapshot(3) == snapshot(3)
    assert snapshot(3) != snapshot(4)


def test_seeded_history_shape() -> None:
    sim = create_simulator(seed=7, clock=SimClock(speed=0))
    state = sim.state
    assert isinstance(state, LeiaState)
    now = state.clock.now()
    assert len(state.jobs) == 600 and len(state.applications) == 4
    shares = Counter(j.application_id for j in state.jobs.values())
    assert shares[sim.config["application_id"]] == 300
    assert all(re.fullmatch(r"[0-9a-f]{24}", job_id) for job_id in state.jobs)
    statuses = Counter(state.status(j, now) for j in state.jobs.values())
    assert set(statuses) == set(STATUS_TABLE)
    assert {j.job_type for j in state.jobs.values()} == {
        "predict",
        "pdf-images",
        "image-text",
        "transform",
        "conditional",
    }
    assert any(j.execute_after_id for j in state.jobs.values())
    assert any(j.parent_job_id for j in state.jobs.values())
    assert state.application_by_key(str(sim.config["api_key"])) is state.applications[sim.config["application_id"]]


def test_seeded_jobs_move_within_a_minute() -> None:
    state = create_simulator(seed=7, clock=SimClock(speed=0)).state
    assert isinstance(state, LeiaState)
    now = state.clock.now()
    later = now + timedelta(seconds=60)
    moved = [j for j in state.jobs.values() if state.status(j, now) != state.status(j, later)]
    assert len(moved) >= 10


async def test_tokens_slide_and_expire() -> None:
    clock = SimClock(speed=0)
    sim = create_simulator(seed=1, clock=clock)
    state = sim.state
    assert isinstance(state, LeiaState)
    state.token_idle_s = 30
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://sim") as http:
        token = (await http.post("/login", json={"api_key": sim.config["api_key"]})).json()["token"]
        for _ in range(3):
            clock.advance(29)
            assert (await http.get("/whoami", headers={"token": token})).status_code == 200
        clock.advance(31)
        assert (await http.get("/whoami", headers={"token": token})).status_code == 401
