"""The circuit breaker counts unusable bodies, survives a cancelled probe; health shows refused credentials."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import respx

from adapters.base import BaseAdapter, JobQuery, Page
from adapters.errors import ErrorKind, UpstreamError
from adapters.http import UpstreamClient
from adapters.model import JobRecord, Source
from adapters.resilience import CircuitBreaker, CircuitState, RetryPolicy, deadline
from gateway.upstreams import Upstreams

BASE = "http://up.test"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ShapeCheckingAdapter(BaseAdapter):
    """A source behind an ``UpstreamClient`` whose list must be a JSON array, as a translate would insist."""

    source = Source.SCALE

    def __init__(self, client: UpstreamClient) -> None:
        self.client = client

    async def list_jobs(self, query: JobQuery, after: str | None, limit: int) -> Page[JobRecord]:
        body = await self.client.get_json("/jobs", operation="list_jobs")
        if not isinstance(body, list):
            raise UpstreamError(ErrorKind.BAD_RESPONSE, self.source, "SCALE sent a job list of the wrong shape")
        return Page(entries=(), has_more=False)

    async def check(self) -> None:
        await self.client.get_json("/jobs", operation="check")


def client(breaker: CircuitBreaker | None = None) -> UpstreamClient:
    return UpstreamClient(
        Source.SCALE, BASE, retry=RetryPolicy(attempts=1), breaker=breaker or CircuitBreaker(threshold=5)
    )


async def list_many(adapter: ShapeCheckingAdapter, times: int) -> list[ErrorKind]:
    kinds = []
    for _ in range(times):
        try:
            await adapter.list_jobs(JobQuery(), None, 10)
        except UpstreamError as err:
            kinds.append(err.kind)
    return kinds


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"truncated": ', id="not-json"),
        pytest.param(b'{"results": "not a list"}', id="wrong-shape"),
    ],
)
@respx.mock
async def test_unusable_bodies_open_the_circuit(body: bytes) -> None:
    route = respx.get(f"{BASE}/jobs").mock(
        return_value=httpx.Response(200, content=body, headers={"content-type": "application/json"})
    )
    adapter = ShapeCheckingAdapter(client())
    kinds = await list_many(adapter, 10)
    # Five bad bodies open it; the other five fail fast without reaching the upstream.
    assert kinds[:5] == [ErrorKind.BAD_RESPONSE] * 5 and kinds[5:] == [ErrorKind.UNAVAILABLE] * 5
    assert adapter.client.breaker.state is CircuitState.OPEN and route.call_count == 5
    health = adapter.client.health
    assert not health.healthy and health.failures == 5 and health.last_error is not None
    await adapter.client.aclose()


@respx.mock
async def test_a_usable_answer_resets_the_count_of_unusable_ones() -> None:
    route = respx.get(f"{BASE}/jobs").mock(return_value=httpx.Response(200, json={"bad": 1}))
    adapter = ShapeCheckingAdapter(client())
    await list_many(adapter, 4)
    route.mock(return_value=httpx.Response(200, json=[]))
    await list_many(adapter, 1)
    route.mock(return_value=httpx.Response(200, json={"bad": 1}))
    await list_many(adapter, 4)
    assert adapter.client.breaker.state is CircuitState.CLOSED
    await adapter.client.aclose()


@respx.mock
async def test_an_unusable_answer_to_the_probe_reopens_the_circuit() -> None:
    clock = FakeClock()
    route = respx.get(f"{BASE}/jobs").mock(return_value=httpx.Response(503))
    adapter = ShapeCheckingAdapter(client(CircuitBreaker(threshold=1, reset_s=5, clock=clock)))
    await list_many(adapter, 1)
    assert adapter.client.breaker.state is CircuitState.OPEN
    clock.now += 5
    route.mock(return_value=httpx.Response(200, json={"bad": 1}))
    assert await list_many(adapter, 1) == [ErrorKind.BAD_RESPONSE]
    assert adapter.client.breaker.state is CircuitState.OPEN
    await adapter.client.aclose()


@respx.mock
async def test_a_cancelled_probe_lets_the_next_call_probe() -> None:
    clock = FakeClock()
    reached = asyncio.Event()

    async def held(request: httpx.Request) -> httpx.Response:
        reached.set()
        await asyncio.Event().wait()  # never answers: the probe is cancelled before
        raise AssertionError("unreachable")

    route = respx.post(f"{BASE}/jobs").mock(return_value=httpx.Response(503))
    c = client(CircuitBreaker(threshold=1, reset_s=5, clock=clock))
    with pytest.raises(UpstreamError):
        await c.request("POST", "/jobs", operation="submit")
    clock.now += 5
    assert c.breaker.state is CircuitState.HALF_OPEN
    route.mock(side_effect=held)
    probe = asyncio.create_task(c.request("POST", "/jobs", operation="submit"))
    await reached.wait()  # the probe holds the half-open slot and waits on the upstream
    with pytest.raises(UpstreamError, match="circuit open"):
        await c.request("POST", "/jobs", operation="submit")
    probe.cancel()  # the client that asked went away
    with pytest.raises(asyncio.CancelledError):
        await probe
    assert c.breaker.state is CircuitState.HALF_OPEN
    route.mock(return_value=httpx.Response(200, json={}))
    await c.request("POST", "/jobs", operation="submit")  # probes again, and closes the circuit
    assert c.breaker.state is CircuitState.CLOSED
    await c.aclose()


@respx.mock
async def test_a_probe_cut_by_the_deadline_lets_the_next_call_probe() -> None:
    clock = FakeClock()

    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(200, json=[])

    route = respx.get(f"{BASE}/jobs").mock(return_value=httpx.Response(503))
    c = client(CircuitBreaker(threshold=1, reset_s=5, clock=clock))
    with pytest.raises(UpstreamError):
        await c.get_json("/jobs", operation="list")
    clock.now += 5
    route.mock(side_effect=hang)
    with deadline(0.05), pytest.raises(UpstreamError) as info:
        await c.get_json("/jobs", operation="list")
    assert info.value.kind is ErrorKind.TIMEOUT
    # The caller stops waiting at its deadline; the shared call it waited on is cut at the same
    # deadline a moment later. Let it end, or on a busy machine the next call would join it.
    await asyncio.sleep(0.1)
    route.mock(return_value=httpx.Response(200, json=[]))
    await c.get_json("/jobs", operation="list")
    assert c.breaker.state is CircuitState.CLOSED
    await c.aclose()


@pytest.mark.parametrize("status", [401, 403])
@respx.mock
async def test_refused_credentials_make_the_source_unhealthy_until_a_2xx(status: int) -> None:
    route = respx.get(f"{BASE}/jobs").mock(return_value=httpx.Response(status, json={"detail": "no such key"}))
    c = client()
    for _ in range(10):
        with pytest.raises(UpstreamError):
            await c.get_json("/jobs", operation="list")
    health = c.health
    # The circuit stays closed (failing fast would not fix a credential), but the source is not healthy.
    assert health.circuit is CircuitState.CLOSED and not health.healthy
    assert health.refusal is not None and str(status) in health.refusal and health.last_error == health.refusal
    route.mock(return_value=httpx.Response(200, json=[]))
    await c.get_json("/jobs", operation="list")
    assert c.health.healthy and c.health.refusal is None
    await c.aclose()


@respx.mock
async def test_readiness_and_health_are_one_notion() -> None:
    route = respx.get(f"{BASE}/jobs").mock(return_value=httpx.Response(404, json={"detail": "gone"}))
    adapter = ShapeCheckingAdapter(client())
    upstreams = Upstreams({Source.SCALE: adapter})
    [result] = await upstreams.probe()
    # A 404 does not count against the circuit, but a failed probe makes the source unhealthy.
    health = Upstreams.health(adapter)
    assert health is not None and not result.ok and not health.healthy
    assert result.error is not None and "gone" in result.error and health.last_error == result.error
    route.mock(return_value=httpx.Response(200, json=[]))
    [result] = await upstreams.probe()
    health = Upstreams.health(adapter)
    assert health is not None and result.ok and health.healthy and result.error is None
    await upstreams.aclose()


async def test_a_hung_probe_ends_at_its_deadline_and_marks_the_source() -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(200, json=[])

    with respx.mock:
        respx.get(f"{BASE}/jobs").mock(side_effect=hang)
        adapter = ShapeCheckingAdapter(client())
        upstreams = Upstreams({Source.SCALE: adapter})
        [result] = await asyncio.wait_for(upstreams.probe(timeout_s=0.1), 1.0)
        health: Any = Upstreams.health(adapter)
        assert not result.ok and not health.healthy and "TIMEOUT" in (result.error or "")
        await upstreams.aclose()
