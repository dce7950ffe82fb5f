"""Fault injection through the simulator's ``/_sim/faults`` route, and a source that is down."""

from __future__ import annotations

import time
from typing import Any

import httpx

from adapters.base import JobQuery, SubmitRequest
from adapters.errors import ErrorKind, UpstreamError
from adapters.phylodb import PhyloDBAdapter
from simulators.kit.app import SimulatorApp
from simulators.kit.server import free_port, serve
from simulators.phylodb.data import SimState

from .conftest import make_adapter


async def _faults(url: str, **faults: Any) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{url}/_sim/faults", json=faults)
        assert response.status_code == 200


async def _error(adapter: PhyloDBAdapter) -> UpstreamError:
    try:
        await adapter.list_jobs(JobQuery(), None, 5)
    except UpstreamError as err:
        return err
    raise AssertionError("expected an UpstreamError")


async def test_503_then_recovery(url: str, adapter: PhyloDBAdapter) -> None:
    await _faults(url, error_rate=1, status=503)
    err = await _error(adapter)
    assert err.kind is ErrorKind.UNAVAILABLE and err.status == 503
    await _faults(url)
    page = await adapter.list_jobs(JobQuery(), None, 5)
    assert len(page.entries) == 5


async def test_submit_is_not_retried_on_429(sim: SimulatorApp, url: str, adapter: PhyloDBAdapter) -> None:
    assert isinstance(sim.state, SimState)
    project = sim.config["projects"][0]
    dataset = next(d.id for d in sim.state.datasets_in(project) if len(d.profiles) > 1)
    await _faults(url, burst_429=1, retry_after_s=1)
    started = time.monotonic()
    try:
        await adapter.submit_job(SubmitRequest(project, {"analysis": "inference", "dataset_id": dataset, "lvs": 1}))
    except UpstreamError as err:
        assert err.kind is ErrorKind.RATE_LIMITED and err.retry_after == 1
    else:
        raise AssertionError("a POST must not be retried")
    assert time.monotonic() - started < 0.9
    assert len(sim.state.jobs) == 120


async def test_429_burst_honours_retry_after(url: str, adapter: PhyloDBAdapter) -> None:
    await _faults(url, burst_429=1, retry_after_s=1)
    started = time.monotonic()
    page = await adapter.list_jobs(JobQuery(), None, 3)
    assert len(page.entries) == 3
    assert time.monotonic() - started >= 0.95


async def test_hang_times_out(sim: SimulatorApp) -> None:
    with serve(sim.app) as url:
        adapter = make_adapter(sim, url, timeout_s=0.2)
        await _faults(url, hang_rate=1)
        started = time.monotonic()
        err = await _error(adapter)
        assert err.kind is ErrorKind.TIMEOUT
        assert time.monotonic() - started < 3
        await adapter.aclose()


async def test_dropped_connection(url: str, adapter: PhyloDBAdapter) -> None:
    await _faults(url, drop_rate=1)
    assert (await _error(adapter)).kind is ErrorKind.UNAVAILABLE


async def test_malformed_json(url: str, adapter: PhyloDBAdapter) -> None:
    await _faults(url, malformed_rate=1)
    assert (await _error(adapter)).kind is ErrorKind.BAD_RESPONSE


async def test_source_down_is_unavailable_quickly(sim: SimulatorApp) -> None:
    adapter = make_adapter(sim, f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    err = await _error(adapter)
    assert err.kind is ErrorKind.UNAVAILABLE
    assert time.monotonic() - started < 2
    await adapter.aclose()
