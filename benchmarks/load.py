"""Load generation with ``httpx.AsyncClient``, and the gateway's upstream-call counter."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

_SAMPLE = re.compile(r"^job_gateway_upstream_requests_total\{(?P<labels>[^}]*)\}\s+(?P<value>[0-9.eE+-]+)$")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_upstream_calls(metrics_text: str) -> Counter[str]:
    """``job_gateway_upstream_requests_total`` by ``SOURCE.operation`` (every outcome counted)."""
    calls: Counter[str] = Counter()
    for line in metrics_text.splitlines():
        match = _SAMPLE.match(line.strip())
        if match is None:
            continue
        labels = dict(_LABEL.findall(match["labels"]))
        calls[f"{labels.get('source')}.{labels.get('operation')}"] += int(float(match["value"]))
    return calls


async def upstream_calls(client: httpx.AsyncClient, base_url: str) -> Counter[str]:
    response = await client.get(f"{base_url}/metrics")
    response.raise_for_status()
    return parse_upstream_calls(response.text)


async def execute(client: httpx.AsyncClient, url: str, payload: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(url, json=payload)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


async def calls_of_one_execution(
    client: httpx.AsyncClient, base_url: str, payload: dict[str, Any]
) -> tuple[Counter[str], dict[str, Any]]:
    """Upstream calls made by one execution: the counter before and after it."""
    before = await upstream_calls(client, base_url)
    body = await execute(client, f"{base_url}/graphql", payload)
    after = await upstream_calls(client, base_url)
    diff = after - before
    return diff, body


@dataclass
class LoadResult:
    latencies_s: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed_s: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_s)

    def percentile_ms(self, q: float) -> float:
        if not self.latencies_s:
            return float("nan")
        ordered = sorted(self.latencies_s)
        if len(ordered) == 1:
            return ordered[0] * 1000
        # Linear interpolation between closest ranks (numpy's default).
        cuts = statistics.quantiles(ordered, n=100, method="inclusive")
        return cuts[int(q) - 1] * 1000 if 1 <= q <= 99 else ordered[-1] * 1000

    @property
    def throughput(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s else 0.0


async def run_load(
    client: httpx.AsyncClient,
    url: str,
    payload: dict[str, Any],
    *,
    concurrency: int,
    duration_s: float,
    max_requests: int,
    warmup: int = 2,
) -> LoadResult:
    """``concurrency`` workers send the same request back to back for ``duration_s`` (or ``max_requests``).

    A request counts as an error when it is not HTTP 200 or its body has ``errors``.
    """
    for _ in range(warmup):
        await execute(client, url, payload)
    result = LoadResult()
    deadline = time.perf_counter() + duration_s
    budget = max_requests

    async def worker() -> None:
        nonlocal budget
        while budget > 0 and time.perf_counter() < deadline:
            budget -= 1
            started = time.perf_counter()
            try:
                response = await client.post(url, json=payload)
                ok = response.status_code == 200 and "errors" not in response.json()
            except httpx.HTTPError:
                ok = False
            result.latencies_s.append(time.perf_counter() - started)
            if not ok:
                result.errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed_s = time.perf_counter() - started
    return result
