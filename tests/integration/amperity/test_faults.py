"""Injected faults and an upstream that is down, seen through the Amperity adapter over real HTTP."""

from __future__ import annotations

import time

import httpx

from adapters.amperity import AmperityAdapter, build_adapter
from adapters.base import JobQuery
from adapters.errors import ErrorKind, UpstreamError
from adapters.model import JobRecord, NativeKey
from adapters.registry import source_settings
from simulators.amperity.model import Store
from simulators.kit.app import SimulatorApp
from simulators.kit.server import free_port
from tests.integration.amperity.conftest import make_adapter


async def set_faults(url: str, **faults: float) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        answer = await client.post("/_sim/faults", json=faults)
        answer.raise_for_status()


def first_key(sim: SimulatorApp) -> NativeKey:
    assert isinstance(sim.state, Store)
    return NativeKey(sim.config["tenant"], next(iter(sim.state.jobs)))


async def test_503s_then_recovery(adapter: AmperityAdapter, sim: SimulatorApp, url: str) -> None:
    await set_faults(url, error_rate=1.0, status=503)
    (failed,) = await adapter.get_jobs([first_key(sim)])
    assert isinstance(failed, UpstreamError) and failed.kind is ErrorKind.UNAVAILABLE and failed.status == 503
    assert "injected fault" in failed.message
    await set_faults(url)
    (ok,) = await adapter.get_jobs([first_key(sim)])
    assert isinstance(ok, JobRecord)


async def test_429_burst_waits_for_retry_after(adapter: AmperityAdapter, sim: SimulatorApp, url: str) -> None:
    await set_faults(url, burst_429=1, retry_after_s=1)
    started = time.monotonic()
    (ok,) = await adapter.get_jobs([first_key(sim)])
    assert isinstance(ok, JobRecord)
    assert time.monotonic() - started >= 0.9


async def test_hang_times_out(sim: SimulatorApp, url: str) -> None:
    await set_faults(url, hang_rate=1.0)
    quick = make_adapter(url, sim, timeout_s=0.2)
    try:
        started = time.monotonic()
        (answer,) = await quick.get_jobs([first_key(sim)])
        assert isinstance(answer, UpstreamError) and answer.kind is ErrorKind.TIMEOUT
        assert time.monotonic() - started < 1.5
    finally:
        await quick.aclose()
        await set_faults(url)


async def test_dropped_connection_is_unavailable(adapter: AmperityAdapter, sim: SimulatorApp, url: str) -> None:
    await set_faults(url, drop_rate=1.0)
    (answer,) = await adapter.get_jobs([first_key(sim)])
    assert isinstance(answer, UpstreamError) and answer.kind is ErrorKind.UNAVAILABLE


async def test_malformed_json_is_bad_response(adapter: AmperityAdapter, url: str) -> None:
    await set_faults(url, malformed_rate=1.0)
    try:
        await adapter.list_jobs(JobQuery(), None, 5)
    except UpstreamError as err:
        assert err.kind is ErrorKind.BAD_RESPONSE
    else:
        raise AssertionError("a malformed body must fail")


async def test_down_upstream_is_unavailable_quickly() -> None:
    settings = source_settings(
        "amperity",
        {"base_url": f"http://127.0.0.1:{free_port()}", "token": "eyJ-t", "tenant": "socktown", "timeout_s": 1.0},
    )
    down = build_adapter(settings)
    try:
        started = time.monotonic()
        (answer,) = await down.get_jobs([NativeKey("socktown", "isj-20261102-12345-AbCdEf")])
        assert isinstance(answer, UpstreamError) and answer.kind is ErrorKind.UNAVAILABLE
        assert time.monotonic() - started < 1.5
    finally:
        await down.aclose()
