"""Fault injection through ``POST {url}/_sim/faults``, seen through the adapter over real HTTP."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from adapters.base import JobQuery, SubmitRequest
from adapters.errors import ErrorKind, UpstreamError
from adapters.model import NativeKey
from adapters.registry import source_settings
from adapters.wordlift import WordLiftAdapter, build_adapter
from simulators.kit.app import SimulatorApp
from simulators.kit.server import free_port
from tests.integration.wordlift.conftest import GRAPH, make_adapter

pytestmark = pytest.mark.integration


async def _faults(url: str, **faults: Any) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        (await client.post("/_sim/faults", json=faults)).raise_for_status()


async def _fails_with(adapter: WordLiftAdapter) -> UpstreamError:
    with pytest.raises(UpstreamError) as info:
        await adapter.list_jobs(JobQuery(), None, 5)
    return info.value


async def test_errors_then_recovery(adapter: WordLiftAdapter, url: str) -> None:
    await _faults(url, error_rate=1.0, status=503)
    err = await _fails_with(adapter)
    assert (err.kind, err.status) == (ErrorKind.UNAVAILABLE, 503)
    assert "injected fault" in err.message
    await _faults(url)
    page = await adapter.list_jobs(JobQuery(), None, 5)
    assert len(page.entries) == 5


async def test_submit_is_not_retried_on_503(adapter: WordLiftAdapter, url: str, sim: SimulatorApp) -> None:
    await _faults(url, error_rate=1.0, status=503)
    before = len(sim.state.jobs)
    with pytest.raises(UpstreamError) as info:
        await adapter.submit_job(SubmitRequest(GRAPH, {"snapshot_date": "2026-10-01", "force_rerun": True}))
    assert info.value.kind is ErrorKind.UNAVAILABLE
    assert len(sim.state.jobs) == before


async def test_429_burst_honours_retry_after(adapter: WordLiftAdapter, url: str) -> None:
    await _faults(url, burst_429=1, retry_after_s=1)
    started = time.monotonic()
    page = await adapter.list_jobs(JobQuery(), None, 3)
    assert len(page.entries) == 3
    assert time.monotonic() - started >= 0.9


async def test_long_retry_after_is_reported(adapter: WordLiftAdapter, url: str) -> None:
    await _faults(url, burst_429=1, retry_after_s=30)
    err = await _fails_with(adapter)
    assert (err.kind, err.retry_after) == (ErrorKind.RATE_LIMITED, 30)


async def test_hang_times_out(url: str, sim: SimulatorApp) -> None:
    adapter = make_adapter(url, sim, timeout_s=0.2)
    await _faults(url, hang_rate=1.0)
    started = time.monotonic()
    err = await _fails_with(adapter)
    assert err.kind is ErrorKind.TIMEOUT
    assert time.monotonic() - started < 3
    await adapter.aclose()


async def test_dropped_connection(adapter: WordLiftAdapter, url: str) -> None:
    await _faults(url, drop_rate=1.0)
    err = await _fails_with(adapter)
    assert err.kind is ErrorKind.UNAVAILABLE
    assert err.status is None, "a closed connection, not an HTTP error answer"


async def test_malformed_json(adapter: WordLiftAdapter, url: str) -> None:
    await _faults(url, malformed_rate=1.0)
    err = await _fails_with(adapter)
    assert err.kind is ErrorKind.BAD_RESPONSE


async def test_source_down_is_unavailable_quickly(sim: SimulatorApp) -> None:
    table = {"base_url": f"http://127.0.0.1:{free_port()}", **sim.config, "timeout_s": 1}
    adapter = build_adapter(source_settings("wordlift", table))
    started = time.monotonic()
    with pytest.raises(UpstreamError) as info:
        await adapter.check()
    assert info.value.kind is ErrorKind.UNAVAILABLE
    assert time.monotonic() - started < 2
    [answer] = await adapter.get_jobs([NativeKey(GRAPH, "x")])
    assert isinstance(answer, UpstreamError) and answer.kind is ErrorKind.UNAVAILABLE
    await adapter.aclose()
