"""``/readyz``'s upstream checks: at most one probe per ``max_age_s``, shared by concurrent callers,
while the verdict always reads the source's current health."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import respx

from adapters.errors import UpstreamError
from adapters.model import Source
from gateway.upstreams import Upstreams
from tests.unit.test_breaker_health import BASE, ShapeCheckingAdapter, client


async def test_concurrent_and_repeated_readiness_share_one_probe() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        return httpx.Response(200, json=[])

    with respx.mock:
        route = respx.get(f"{BASE}/jobs").mock(side_effect=slow)
        upstreams = Upstreams({Source.SCALE: ShapeCheckingAdapter(client())})
        answers = await asyncio.gather(*(upstreams.readiness(max_age_s=60) for _ in range(20)))
        await upstreams.readiness(max_age_s=60)
        assert route.call_count == 1
        assert all(result.ok for [result] in answers)
        await upstreams.readiness(max_age_s=0)  # too old now: probed again
        assert route.call_count == 2
        await upstreams.aclose()


async def test_the_verdict_follows_health_between_probes() -> None:
    with respx.mock:
        route = respx.get(f"{BASE}/jobs").mock(return_value=httpx.Response(200, json=[]))
        adapter = ShapeCheckingAdapter(client())
        upstreams = Upstreams({Source.SCALE: adapter})
        [first] = await upstreams.readiness(max_age_s=60)
        route.mock(return_value=httpx.Response(503))
        with pytest.raises(UpstreamError):
            await adapter.client.get_json("/jobs", operation="list_jobs")
        [after] = await upstreams.readiness(max_age_s=60)
        assert first.ok and not after.ok and "503" in (after.error or "")
        assert route.call_count == 2  # the probe, then the failed read: no second probe
        await upstreams.aclose()
