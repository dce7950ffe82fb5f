"""Failures between the adapter and Leia, injected through the simulator's ``/_sim/faults``."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from adapters.base import JobQuery
from adapters.errors import ErrorKind, UpstreamError
from adapters.leia import LeiaAdapter
from simulators.kit.app import SimulatorApp
from simulators.kit.server import free_port

from .conftest import adapter_for

pytestmark = pytest.mark.integration


async def set_faults(url: str, faults: dict[str, Any]) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{url}/_sim/faults", json=faults)
        response.raise_for_status()


async def failure(adapter: LeiaAdapter) -> UpstreamError:
    with pytest.raises(UpstreamError) as err:
        await adapter.list_jobs(JobQuery(), None, 5)
    return err.value


async def test_503_then_recovery(adapter: LeiaAdapter, url: str) -> None:
    await adapter.check()  # logged in before the outage
    await set_faults(url, {"error_rate": 1, "status": 503})
    err = await failure(adapter)
    assert err.kind is ErrorKind.UNAVAILABLE and err.status == 503 and "injected fault" in err.message
    await set_faults(url, {})
    page = await adapter.list_jobs(JobQuery(), None, 5)
    assert len(page.entries) == 5


async def test_login_during_outage(adapter: LeiaAdapter, url: str) -> None:
    await set_faults(url, {"error_rate": 1, "status": 503})
    assert (await failure(adapter)).kind is ErrorKind.UNAVAILABLE
    await set_faults(url, {})
    assert len((await adapter.list_jobs(JobQuery(), None, 2)).entries) == 2


async def test_429_retry_after_is_honoured(adapter: LeiaAdapter, url: str) -> None:
    await adapter.check()
    await set_faults(url, {"burst_429": 1, "retry_after_s": 1})
    started = time.monotonic()
    page = await adapter.list_jobs(JobQuery(), None, 5)
    assert len(page.entries) == 5
    assert time.monotonic() - started >= 0.9


async def test_long_retry_after_is_reported(adapter: LeiaAdapter, url: str) -> None:
    await adapter.check()
    await set_faults(url, {"burst_429": 1, "retry_after_s": 30})
    err = await failure(adapter)
    assert err.kind is ErrorKind.RATE_LIMITED and err.retry_after == 30


async def test_hang_times_out(sim: SimulatorApp, url: str) -> None:
    leia = adapter_for(sim, url, timeout_s=0.2)
    try:
        await leia.check()
        await set_faults(url, {"hang_rate": 1})
        started = time.monotonic()
        err = await failure(leia)
        assert err.kind is ErrorKind.TIMEOUT
        assert time.monotonic() - started < 3
    finally:
        await set_faults(url, {})
        await leia.aclose()


async def test_dropped_connection(adapter: LeiaAdapter, url: str) -> None:
    await adapter.check()
    await set_faults(url, {"drop_rate": 1})
    assert (await failure(adapter)).kind is ErrorKind.UNAVAILABLE
    await set_faults(url, {})
    assert (await adapter.list_jobs(JobQuery(), None, 1)).entries


async def test_malformed_json(adapter: LeiaAdapter, url: str) -> None:
    await adapter.check()
    await set_faults(url, {"malformed_rate": 1})
    assert (await failure(adapter)).kind is ErrorKind.BAD_RESPONSE


async def test_malformed_login_answer(adapter: LeiaAdapter, url: str) -> None:
    await set_faults(url, {"malformed_rate": 1})
    assert (await failure(adapter)).kind is ErrorKind.BAD_RESPONSE


async def test_source_down_is_unavailable_quickly(sim: SimulatorApp) -> None:
    leia = adapter_for(sim, f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    try:
        err = await failure(leia)
        assert err.kind is ErrorKind.UNAVAILABLE
        assert time.monotonic() - started < 2
        assert sim.config["api_key"] not in str(err)
    finally:
        await leia.aclose()
