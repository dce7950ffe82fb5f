"""Faults injected through ``POST {url}/_sim/faults``, seen by the adapter over real HTTP."""

from __future__ import annotations

import time

import httpx
import pytest

from adapters.base import JobQuery, SubmitRequest
from adapters.errors import ErrorKind, UpstreamError
from adapters.registry import source_settings
from adapters.scale import build_adapter
from simulators.kit.app import SimulatorApp
from simulators.kit.server import free_port
from tests.integration.scale.conftest import make_adapter


def set_faults(url: str, **faults: float) -> None:
    assert httpx.post(f"{url}/_sim/faults", json=faults).status_code == 200


async def test_503s_then_recovery(sim: SimulatorApp, url: str) -> None:
    adapter = make_adapter(sim, url)
    set_faults(url, error_rate=1.0, status=503)
    with pytest.raises(UpstreamError) as err:
        await adapter.list_jobs(JobQuery(), None, 10)
    assert err.value.kind is ErrorKind.UNAVAILABLE and err.value.status == 503
    assert sim.config["token"] not in str(err.value)
    set_faults(url)
    page = await adapter.list_jobs(JobQuery(), None, 10)
    assert len(page.entries) == 10
    await adapter.aclose()


async def test_429_burst_honours_retry_after(sim: SimulatorApp, url: str) -> None:
    adapter = make_adapter(sim, url)
    set_faults(url, burst_429=1, retry_after_s=1)
    started = time.monotonic()
    page = await adapter.list_jobs(JobQuery(), None, 5)
    assert len(page.entries) == 5
    assert time.monotonic() - started >= 0.9
    await adapter.aclose()


async def test_a_hang_times_out(sim: SimulatorApp, url: str) -> None:
    adapter = make_adapter(sim, url, timeout_s=0.2)
    set_faults(url, hang_rate=1.0)
    started = time.monotonic()
    with pytest.raises(UpstreamError) as err:
        await adapter.submit_job(SubmitRequest("", {"job_type_id": 1, "input": {}}))
    assert err.value.kind is ErrorKind.TIMEOUT
    assert time.monotonic() - started < 2
    set_faults(url)
    await adapter.aclose()


async def test_a_dropped_connection_is_unavailable(sim: SimulatorApp, url: str) -> None:
    adapter = make_adapter(sim, url)
    set_faults(url, drop_rate=1.0)
    with pytest.raises(UpstreamError) as err:
        await adapter.check()
    assert err.value.kind is ErrorKind.UNAVAILABLE
    await adapter.aclose()


async def test_malformed_json_is_a_bad_response(sim: SimulatorApp, url: str) -> None:
    adapter = make_adapter(sim, url)
    set_faults(url, malformed_rate=1.0)
    with pytest.raises(UpstreamError) as err:
        await adapter.list_jobs(JobQuery(), None, 5)
    assert err.value.kind is ErrorKind.BAD_RESPONSE
    await adapter.aclose()


async def test_a_source_that_is_down_is_unavailable_quickly() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    adapter = build_adapter(source_settings("scale", {"base_url": url, "token": "t", "timeout_s": 1}))
    started = time.monotonic()
    with pytest.raises(UpstreamError) as err:
        await adapter.list_jobs(JobQuery(), None, 5)
    assert err.value.kind is ErrorKind.UNAVAILABLE
    assert time.monotonic() - started < 2
    await adapter.aclose()


async def test_wrong_token_is_unauthenticated_and_not_echoed(sim: SimulatorApp, url: str) -> None:
    adapter = make_adapter(sim, url, token="not-the-token-0123456789")
    with pytest.raises(UpstreamError) as err:
        await adapter.check()
    assert err.value.kind is ErrorKind.UNAUTHENTICATED and "Invalid token." in err.value.message
    assert "not-the-token" not in str(err.value)
    await adapter.aclose()
