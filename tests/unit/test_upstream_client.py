"""The shared upstream client: retries only when safe, 429 handling, circuit breaker, redaction."""

from __future__ import annotations

import httpx
import pytest
import respx

from adapters.errors import ErrorKind, UpstreamError
from adapters.http import UpstreamClient
from adapters.model import Source
from adapters.resilience import CircuitBreaker, CircuitState, RateLimiter, RetryPolicy

BASE = "http://up.test"
SECRET = "sk-live-abcdef123456"


def client(**kwargs: object) -> UpstreamClient:
    defaults: dict[str, object] = {
        "retry": RetryPolicy(attempts=3, base_delay_s=0.001, max_delay_s=0.002),
        "secrets": [SECRET],
        "headers": {"authorization": f"Key {SECRET}"},
    }
    defaults.update(kwargs)
    return UpstreamClient(Source.SCALE, BASE, **defaults)  # type: ignore[arg-type]


@respx.mock
async def test_get_is_retried_on_503_then_succeeds() -> None:
    route = respx.get(f"{BASE}/x").mock(side_effect=[httpx.Response(503), httpx.Response(200, json={"ok": 1})])
    c = client()
    assert await c.get_json("/x", operation="x") == {"ok": 1}
    assert route.call_count == 2


@respx.mock
async def test_post_is_never_retried() -> None:
    route = respx.post(f"{BASE}/jobs").mock(return_value=httpx.Response(503))
    with pytest.raises(UpstreamError) as info:
        await client().request("POST", "/jobs", operation="submit", json_body={})
    assert info.value.kind is ErrorKind.UNAVAILABLE and route.call_count == 1


@respx.mock
async def test_timeouts_on_post_are_not_retried() -> None:
    route = respx.post(f"{BASE}/jobs").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(UpstreamError) as info:
        await client().request("POST", "/jobs", operation="submit")
    assert info.value.kind is ErrorKind.TIMEOUT and route.call_count == 1


@respx.mock
async def test_429_retry_after_is_honoured_and_long_ones_are_reported() -> None:
    route = respx.get(f"{BASE}/x").mock(
        side_effect=[httpx.Response(429, headers={"retry-after": "0"}), httpx.Response(200, json=[])]
    )
    assert await client().get_json("/x", operation="x") == []
    assert route.call_count == 2
    respx.get(f"{BASE}/y").mock(return_value=httpx.Response(429, headers={"retry-after": "120"}))
    with pytest.raises(UpstreamError) as info:
        await client().get_json("/y", operation="y")
    assert info.value.kind is ErrorKind.RATE_LIMITED and info.value.retry_after == 120


@respx.mock
async def test_retry_budget_caps_retries() -> None:
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(503))
    c = client(breaker=CircuitBreaker(threshold=1000))
    for _ in range(10):
        with pytest.raises(UpstreamError):
            await c.get_json("/x", operation="x")
    # 10 requests, 3 tries each without a budget = 30; the budget allows far fewer.
    assert route.call_count < 20


@respx.mock
async def test_circuit_opens_fails_fast_and_probes_back() -> None:
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(500))
    c = client(retry=RetryPolicy(attempts=1), breaker=CircuitBreaker(threshold=3, reset_s=0.05))
    for _ in range(3):
        with pytest.raises(UpstreamError):
            await c.get_json("/x", operation="x")
    assert c.breaker.state is CircuitState.OPEN
    with pytest.raises(UpstreamError, match="circuit open"):
        await c.get_json("/x", operation="x")
    assert route.call_count == 3
    import asyncio

    await asyncio.sleep(0.06)
    route.mock(return_value=httpx.Response(200, json={}))
    await c.get_json("/x", operation="x")
    assert c.breaker.state is CircuitState.CLOSED


@respx.mock
async def test_client_errors_do_not_open_the_circuit() -> None:
    respx.get(f"{BASE}/x").mock(return_value=httpx.Response(404, json={"detail": "Not found."}))
    c = client(breaker=CircuitBreaker(threshold=2))
    for _ in range(5):
        with pytest.raises(UpstreamError) as info:
            await c.get_json("/x", operation="x")
    assert info.value.kind is ErrorKind.NOT_FOUND and "Not found." in info.value.message
    assert c.breaker.state is CircuitState.CLOSED


@respx.mock
async def test_credentials_never_appear_in_errors() -> None:
    respx.get(f"{BASE}/x").mock(return_value=httpx.Response(401, json={"detail": f"bad key {SECRET}"}))
    with pytest.raises(UpstreamError) as info:
        await client().get_json("/x", operation="x")
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)
    assert "***" in info.value.message


@respx.mock
async def test_malformed_json_is_a_bad_response() -> None:
    respx.get(f"{BASE}/x").mock(return_value=httpx.Response(200, content=b'{"a": '))
    with pytest.raises(UpstreamError) as info:
        await client().get_json("/x", operation="x")
    assert info.value.kind is ErrorKind.BAD_RESPONSE


@respx.mock
async def test_json_beyond_what_orjson_reads_still_decodes() -> None:
    big = 2**70
    respx.get(f"{BASE}/x").mock(return_value=httpx.Response(200, content=b'{"n": %d, "s": "\\u00e9"}' % big))
    assert await client().get_json("/x", operation="x") == {"n": big, "s": "\u00e9"}


async def test_unreachable_upstream_is_unavailable_quickly() -> None:
    from simulators.kit.server import free_port

    c = UpstreamClient(Source.LEIA, f"http://127.0.0.1:{free_port()}", retry=RetryPolicy(attempts=1))
    with pytest.raises(UpstreamError) as info:
        await c.get_json("/x", operation="x")
    assert info.value.kind is ErrorKind.UNAVAILABLE
    await c.aclose()


async def test_rate_limiter_spaces_requests() -> None:
    import time

    limiter = RateLimiter(rate=50, burst=1)
    started = time.monotonic()
    for _ in range(6):
        await limiter.acquire()
    assert time.monotonic() - started >= 0.09


@respx.mock
async def test_identical_reads_in_flight_share_one_call() -> None:
    import asyncio

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        return httpx.Response(200, json={"page": request.url.params.get("page")})

    route = respx.get(f"{BASE}/jobs").mock(side_effect=slow)
    c = client()
    same = [c.get_json("/jobs", operation="list", params={"page": "1"}) for _ in range(10)]
    other = c.get_json("/jobs", operation="list", params={"page": "2"})
    answers = await asyncio.gather(*same, other)
    assert answers[:10] == [{"page": "1"}] * 10 and answers[10] == {"page": "2"}
    assert route.call_count == 2 and c.coalesced == 9
    assert all(answer is answers[0] for answer in answers[:10]), "one shared answer is decoded once"
    # Once answered, the next read goes upstream again: nothing is cached here.
    await c.get_json("/jobs", operation="list", params={"page": "1"})
    assert route.call_count == 3


@respx.mock
async def test_a_shared_read_survives_its_first_caller_leaving() -> None:
    import asyncio

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        return httpx.Response(200, json={"ok": True})

    respx.get(f"{BASE}/x").mock(side_effect=slow)
    c = client()
    first = asyncio.create_task(c.get_json("/x", operation="x"))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(c.get_json("/x", operation="x"))
    await asyncio.sleep(0.01)
    first.cancel()
    assert await second == {"ok": True}
