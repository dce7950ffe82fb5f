"""The request deadline in the upstream client: attempts, retries, waits and shared reads all fit inside it."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
import respx

from adapters.errors import ErrorKind, UpstreamError
from adapters.http import UpstreamClient
from adapters.model import Source
from adapters.resilience import CircuitBreaker, RetryPolicy, deadline, time_left

BASE = "http://up.test"


def client(**kwargs: object) -> UpstreamClient:
    defaults: dict[str, object] = {"retry": RetryPolicy(attempts=3, base_delay_s=0.001, max_delay_s=0.002)}
    defaults.update(kwargs)
    return UpstreamClient(Source.SCALE, BASE, **defaults)  # type: ignore[arg-type]


class Hang:
    """An upstream that never answers; counts the requests it got (respx counts only answered ones)."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        await asyncio.sleep(30)
        return httpx.Response(200, json={})


def test_deadlines_nest_to_the_earliest_and_unwind() -> None:
    assert time_left() is None
    with deadline(5.0):
        with deadline(60.0):
            left = time_left()
            assert left is not None and 4.5 < left <= 5.0
        with deadline(0.5):
            left = time_left()
            assert left is not None and left <= 0.5
    assert time_left() is None


@respx.mock
async def test_an_attempt_is_cut_at_the_deadline_and_not_held_against_the_upstream() -> None:
    hang = Hang()
    respx.get(f"{BASE}/x").mock(side_effect=hang)
    c = client(timeout_s=10.0)
    started = time.monotonic()
    with deadline(0.2), pytest.raises(UpstreamError) as info:
        await c.get_json("/x", operation="x")
    elapsed = time.monotonic() - started
    assert info.value.kind is ErrorKind.TIMEOUT and "deadline" in info.value.message
    assert 0.15 < elapsed < 0.5
    # The upstream had 0.2 s of its 10: no failure counted, and no retry after the cut.
    assert c.breaker.failures == 0 and hang.calls == 1
    await c.aclose()


@respx.mock
async def test_retries_fit_inside_the_deadline() -> None:
    hang = Hang()
    respx.get(f"{BASE}/x").mock(side_effect=hang)
    c = client(timeout_s=0.2, breaker=CircuitBreaker(threshold=100))
    started = time.monotonic()
    with deadline(0.3), pytest.raises(UpstreamError) as info:
        await c.get_json("/x", operation="x")
    elapsed = time.monotonic() - started
    # Without the deadline: three attempts of 0.2 s. With it: one full attempt, one cut short.
    assert info.value.kind is ErrorKind.TIMEOUT
    assert elapsed < 0.45 and hang.calls == 2
    assert c.breaker.failures == 1  # only the attempt that had its full timeout_s counts
    await c.aclose()


@respx.mock
async def test_a_retry_after_longer_than_the_deadline_is_not_waited_for() -> None:
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(429, headers={"retry-after": "2"}))
    c = client()
    started = time.monotonic()
    with deadline(1.0), pytest.raises(UpstreamError) as info:
        await c.get_json("/x", operation="x")
    assert info.value.kind is ErrorKind.RATE_LIMITED and route.call_count == 1
    assert time.monotonic() - started < 0.5
    await c.aclose()


@respx.mock
async def test_a_rate_limit_wait_past_the_deadline_is_not_started() -> None:
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(200, json={}))
    c = client(rate_limit_per_s=1.0, rate_limit_burst=1.0)
    await c.get_json("/x", operation="x")  # takes the only token; the next comes in 1 s
    started = time.monotonic()
    with deadline(0.2), pytest.raises(UpstreamError) as info:
        await c.get_json("/x", operation="x")
    assert info.value.kind is ErrorKind.TIMEOUT and "rate limit" in info.value.message
    assert time.monotonic() - started < 0.1 and route.call_count == 1
    await c.aclose()


@respx.mock
async def test_a_past_deadline_makes_no_call() -> None:
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(200, json={}))
    c = client()
    with deadline(0.0), pytest.raises(UpstreamError) as info:
        await c.get_json("/x", operation="x")
    assert info.value.kind is ErrorKind.TIMEOUT and route.call_count == 0
    await c.aclose()


def answering_after(seconds: float) -> respx.Route:
    """``GET /x``, answered ``{"ok": true}`` after ``seconds``."""

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(seconds)
        return httpx.Response(200, json={"ok": True})

    return respx.get(f"{BASE}/x").mock(side_effect=slow)


@respx.mock
async def test_a_waiter_on_a_shared_read_leaves_at_its_own_deadline() -> None:
    route = answering_after(0.4)
    c = client()
    first = asyncio.create_task(c.get_json("/x", operation="x"))  # no deadline: waits it out
    await asyncio.sleep(0.01)
    started = time.monotonic()
    with deadline(0.1), pytest.raises(UpstreamError) as info:
        await c.get_json("/x", operation="x")
    assert info.value.kind is ErrorKind.TIMEOUT and "shared call" in info.value.message
    assert time.monotonic() - started < 0.3
    assert await first == {"ok": True}
    assert route.call_count == 1 and c.coalesced == 1
    await c.aclose()


@respx.mock
async def test_a_waiter_with_more_time_than_the_shared_calls_starter_calls_again_on_its_own_deadline() -> None:
    route = answering_after(0.2)
    c = client()

    async def hurried() -> object:
        with deadline(0.05):
            return await c.get_json("/x", operation="x")

    first = asyncio.create_task(hurried())  # starts the shared call, on its own short deadline
    await asyncio.sleep(0.01)
    with deadline(2.0):
        assert await c.get_json("/x", operation="x") == {"ok": True}
    with pytest.raises(UpstreamError) as info:
        await first
    assert info.value.kind is ErrorKind.TIMEOUT
    assert c.coalesced == 1 and route.call_count == 1  # the cut call got no answer; the second one did
    await c.aclose()
