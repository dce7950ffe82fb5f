"""Per-source traffic settings: ``[sources.<name>.traffic]`` tunes one source's client, the rest keep today's values.

What the table sets is what the client does: fewer retries, an earlier circuit, a
concurrency bound, a rate limit. Mutations stay unretried whatever ``retries`` says.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import respx

from adapters.base import HttpBacked
from adapters.errors import ErrorKind, UpstreamError
from adapters.http import UpstreamClient
from adapters.resilience import CircuitState, Traffic, deadline
from adapters.settings import ConfigError
from gateway.config import config_from_mapping
from gateway.wiring import build_upstreams

SOURCES: dict[str, dict[str, Any]] = {
    "wordlift": {"base_url": "http://wordlift.test", "api_key": "k", "graphs": ["g1"]},
    "leia": {"base_url": "http://leia.test", "api_key": "k"},
    "phylodb": {
        "base_url": "http://phylodb.test",
        "token": "t",
        "provider": "google",
        "projects": ["0f8fad5b-d9cb-469f-a165-70867728950e"],
    },
    "scale": {"base_url": "http://scale.test/api", "token": "t"},
    "amperity": {"base_url": "http://amperity.test", "token": "t", "tenant": "acme"},
}


def clients(sources: dict[str, dict[str, Any]]) -> dict[str, UpstreamClient]:
    upstreams = build_upstreams(config_from_mapping({"sources": sources}, {}))
    return {a.source.value: a.client for a in upstreams if isinstance(a, HttpBacked)}


def test_defaults_are_todays_values_for_every_source() -> None:
    found = clients(SOURCES)
    table = "\n".join(f"{name:9} {client.traffic}" for name, client in found.items())
    print("\n" + table)
    for name, client in found.items():
        expected = Traffic(rate_limit_per_s=9.5) if name == "AMPERITY" else Traffic()
        assert client.traffic == expected, name


def test_a_traffic_table_tunes_its_source_only() -> None:
    tuned = {
        "timeout_s": 4,
        "retries": 0,
        "retry_budget_ratio": 0.5,
        "breaker_failures": 2,
        "breaker_reset_s": 30,
        "rate_limit_per_s": 50,
        "max_concurrency": 4,
    }
    found = clients({**SOURCES, "scale": {**SOURCES["scale"], "traffic": tuned}})
    assert found["SCALE"].traffic == Traffic(**tuned)  # type: ignore[arg-type]
    assert found["SCALE"].http.timeout.read == 4
    assert found["LEIA"].traffic == Traffic()


def test_amperity_keeps_its_own_rate_unless_the_table_sets_one() -> None:
    found = clients({"amperity": {**SOURCES["amperity"], "traffic": {"rate_limit_per_s": 5}}})
    assert found["AMPERITY"].traffic.rate_limit_per_s == 5


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({"retrys": 1}, "[sources.scale] traffic.retrys: unknown key"),
        ({"retries": -1}, "[sources.scale] traffic.retries: input should be greater than or equal to 0"),
        ({"max_concurrency": 0}, "[sources.scale] traffic.max_concurrency: input should be greater than or equal to 1"),
        ({"breaker_reset_s": "5"}, "[sources.scale] traffic.breaker_reset_s: input should be a valid number"),
    ],
)
def test_bad_traffic_keys_are_errors_naming_them(table: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        config_from_mapping({"sources": {"scale": {**SOURCES["scale"], "traffic": table}}}, {})
    assert expected in str(info.value)


def test_a_key_in_both_places_is_refused() -> None:
    with pytest.raises(ConfigError) as info:
        config_from_mapping(
            {"sources": {"scale": {**SOURCES["scale"], "timeout_s": 3, "traffic": {"timeout_s": 4}}}}, {}
        )
    assert "timeout_s given both here and in its [traffic] table" in str(info.value)


def test_the_environment_can_set_a_traffic_table() -> None:
    config = config_from_mapping(
        {"sources": {"scale": SOURCES["scale"]}}, {"JOB_GATEWAY_SCALE_TRAFFIC": '{"retries": 1}'}
    )
    assert config.sources["scale"].traffic.retries == 1


def tuned_scale(**traffic: Any) -> UpstreamClient:
    client = clients({"scale": {**SOURCES["scale"], "traffic": traffic}})["SCALE"]
    client.retry = type(client.retry)(attempts=client.retry.attempts, base_delay_s=0.001, max_delay_s=0.002)
    return client


@respx.mock
async def test_retries_follow_the_table_and_never_apply_to_mutations() -> None:
    reads = respx.get("http://scale.test/api/x").mock(return_value=httpx.Response(503))
    writes = respx.post("http://scale.test/api/x").mock(return_value=httpx.Response(503))
    client = tuned_scale(retries=4, retry_budget_ratio=1.0, breaker_failures=20)
    with pytest.raises(UpstreamError):
        await client.get_json("/x", operation="x")
    assert reads.call_count == 5
    with pytest.raises(UpstreamError):
        await client.request("POST", "/x", operation="submit", json_body={})
    assert writes.call_count == 1
    none = tuned_scale(retries=0)
    reads.reset()
    with pytest.raises(UpstreamError):
        await none.get_json("/x", operation="x")
    assert reads.call_count == 1


@respx.mock
async def test_the_circuit_opens_after_breaker_failures() -> None:
    respx.get("http://scale.test/api/x").mock(return_value=httpx.Response(503))
    client = tuned_scale(retries=0, breaker_failures=2, breaker_reset_s=60)
    for _ in range(2):
        with pytest.raises(UpstreamError):
            await client.get_json("/x", operation="x")
    assert client.breaker.state is CircuitState.OPEN


@respx.mock
async def test_max_concurrency_bounds_calls_in_flight() -> None:
    in_flight = 0
    most = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        return httpx.Response(200, json={})

    respx.get(url__regex=r"http://scale\.test/api/x/\d+").mock(side_effect=slow)
    client = tuned_scale(max_concurrency=2)
    await asyncio.gather(*(client.get_json(f"/x/{i}", operation="x") for i in range(8)))
    assert most == 2


@respx.mock
async def test_a_busy_source_answers_timeout_without_opening_its_circuit() -> None:
    gate = asyncio.Event()

    async def held(request: httpx.Request) -> httpx.Response:
        await gate.wait()
        return httpx.Response(200, json={})

    respx.route(url__regex=r"http://scale\.test/api/x/\d+").mock(side_effect=held)
    client = tuned_scale(max_concurrency=1, timeout_s=5, retries=0)
    first = asyncio.ensure_future(client.get_json("/x/1", operation="x"))
    await asyncio.sleep(0.01)
    with pytest.raises(UpstreamError) as info, deadline(0.1):
        await client.request("POST", "/x/2", operation="submit")  # not shared with the first: it needs a slot
    gate.set()
    await first
    assert info.value.kind is ErrorKind.TIMEOUT and "call slots stayed busy" in info.value.message
    assert client.breaker.failures == 0
