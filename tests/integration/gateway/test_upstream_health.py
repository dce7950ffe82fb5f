"""Health that tells the truth: ``Query.upstreams`` and ``/readyz`` agree, and ``/readyz`` does not multiply upstream calls.

- ``upstreams`` selected before ``jobs`` in one query still shows the 503 that query got
  from Scale (it is read after the query's upstream calls);
- it shows the breaker state, the last call's outcome, time and status, and the last probe;
- ``/readyz`` reuses its checks for ``readiness_cache_s``: repeated probes cost no upstream
  call, yet its verdict follows the same health as ``upstreams { healthy }`` at every moment.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.support.stack import Stack, running_stack

pytestmark = pytest.mark.integration

HEALTH = """
upstreams {
  source healthy circuitState lastError lastErrorAt
  lastCall { outcome at status }
  lastProbe { ok at error }
}"""
BOTH = "query Both { " + HEALTH + " jobs(first: 2, filter: {sources: [SCALE]}) { edges { node { id } } } }"
SCALE_JOBS = "{ jobs(first: 1, filter: {sources: [SCALE]}) { edges { node { id } } } }"
ONLY = "{ " + HEALTH + " }"


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack(gateway={"readiness_cache_s": 60}) as s:
        yield s


def scale(body: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(u for u in body["data"]["upstreams"] if u["source"] == "SCALE")
    return found


def recent(stamp: str) -> bool:
    return datetime.now(UTC) - datetime.fromisoformat(stamp) < timedelta(seconds=30)


def readyz(stack: Stack) -> httpx.Response:
    return stack.http.get(f"{stack.url}/readyz")


def test_upstreams_shows_the_failure_of_its_own_response(stack: Stack) -> None:
    stack.faults("scale", {"error_rate": 1.0, "status": 503})
    try:
        body = stack.query(BOTH)
    finally:
        stack.faults("scale", {})
    assert body["errors"][0]["extensions"]["source"] == "SCALE"
    seen = scale(body)
    assert seen["healthy"] is False and seen["circuitState"] == "CLOSED"
    assert seen["lastCall"]["outcome"] == "UNAVAILABLE" and seen["lastCall"]["status"] == 503
    assert recent(seen["lastCall"]["at"]) and recent(seen["lastErrorAt"])
    assert "503" in seen["lastError"]
    # A good answer makes it healthy again, with its own last call; the old error stays dated.
    assert "errors" not in stack.query(SCALE_JOBS)
    after = scale(stack.query(ONLY))
    assert after["healthy"] is True and after["lastCall"] == {**after["lastCall"], "outcome": "OK", "status": 200}
    assert after["lastErrorAt"] == seen["lastErrorAt"]


def test_readyz_caches_its_checks_and_agrees_with_upstreams(stack: Stack) -> None:
    stack.faults("scale", {"error_rate": 1.0, "status": 503})
    try:
        first = readyz(stack)
        checks = stack.calls[("SCALE", "check")]
        again = readyz(stack)
        health = scale(stack.query(ONLY))
    finally:
        stack.faults("scale", {})
    assert first.status_code == 503 and first.json()["upstreams"]["SCALE"]["ok"] is False
    assert again.status_code == 503 and stack.calls[("SCALE", "check")] == checks  # no second probe
    assert health["healthy"] is False and health["lastProbe"]["ok"] is False and "503" in health["lastProbe"]["error"]
    # Scale answers again: a read proves it, and both views turn at once, without a new probe.
    assert "errors" not in stack.query(SCALE_JOBS)
    ready = readyz(stack)
    assert ready.status_code == 200, ready.json()
    assert scale(stack.query(ONLY))["healthy"] is True
    assert stack.calls[("SCALE", "check")] == checks
