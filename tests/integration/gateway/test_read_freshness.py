"""The freshness window over real HTTP: identical list reads share an answer, and every change the gateway
learns ends the window at once (``gateway/freshness.py``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.model import Source
from tests.integration.gateway.live_support import eventually, live_of, sse_subscription
from tests.integration.gateway.mutations_support import accepted, cancel
from tests.support.stack import Stack, running_stack

WINDOW_S = 1.5
LEIA = "{ jobs(first: 10, filter: {sources: [LEIA]}) { edges { node { id status canCancel } } } }"


@pytest.fixture(scope="module")
def fresh_stack() -> Iterator[Stack]:
    with running_stack(sources={name: {"list_freshness_s": WINDOW_S} for name in ("leia", "scale")}) as stack:
        yield stack


def listed(stack: Stack) -> tuple[dict[str, Any], int]:
    """The answer to the Leia list, and the Leia calls it cost."""
    before = stack.upstream_calls(Source.LEIA)
    body = stack.query(LEIA)
    assert "errors" not in body, body
    return body, stack.upstream_calls(Source.LEIA) - before


def test_an_identical_list_read_within_the_window_costs_no_call_and_says_its_age(fresh_stack: Stack) -> None:
    fresh_stack.query("{ upstreams { source } }")  # Leia logs in first: not a list call
    first, calls = listed(fresh_stack)
    assert calls >= 1 and "dataAgeSeconds" not in first.get("extensions", {})
    again, calls = listed(fresh_stack)
    assert calls == 0, "served from the window"
    assert again["data"] == first["data"]
    age = again["extensions"]["dataAgeSeconds"]["LEIA"]
    assert 0 < age <= WINDOW_S
    time.sleep(WINDOW_S + 0.2)
    later, calls = listed(fresh_stack)
    assert calls >= 1 and "dataAgeSeconds" not in later.get("extensions", {}), "past the window: read again"


def test_our_own_mutation_ends_the_window_at_once(fresh_stack: Stack) -> None:
    body, _ = listed(fresh_stack)
    running = next(e["node"] for e in body["data"]["jobs"]["edges"] if e["node"]["canCancel"])
    accepted(cancel(fresh_stack, running["id"]))
    after, calls = listed(fresh_stack)
    assert calls >= 1, "the cancel dropped Leia's pages"
    status = {e["node"]["id"]: e["node"]["status"] for e in after["data"]["jobs"]["edges"]}
    assert status[running["id"]] == "CANCELED"


def test_a_status_event_ends_the_window_of_its_source_only() -> None:
    # A window far longer than the test: only the event can end it.
    with running_stack(sources={name: {"list_freshness_s": 60} for name in ("leia", "scale")}) as stack:
        asyncio.run(_event_ends_window(stack))


async def _event_ends_window(stack: Stack) -> None:
    stack.query("{ upstreams { source } }")
    body, _ = listed(stack)
    moving = next(e["node"] for e in body["data"]["jobs"]["edges"] if e["node"]["status"] in ("QUEUED", "RUNNING"))
    stack.query("{ jobs(first: 5, filter: {sources: [SCALE]}) { edges { node { id } } } }")
    assert listed(stack)[1] == 0, "Leia's page is in the window"
    async with sse_subscription(stack, {"ids": [moving["id"]]}) as stream:
        # Once the subscription has loaded the job (its baseline), the change is a transition.
        await eventually(lambda: live_of(stack).watcher.stats().watched[Source.LEIA] == 1)
        stack.sims.clock.advance(6 * 3600)  # behind the gateway's back: the watcher's poll sees it
        event = await stream.next_event()
        assert event is not None and event["job"]["id"] == moving["id"]
    after, calls = listed(stack)
    assert calls >= 1, "the event dropped Leia's pages"
    status = {e["node"]["id"]: e["node"]["status"] for e in after["data"]["jobs"]["edges"]}
    assert status[moving["id"]] == event["status"]
    scale_calls = stack.upstream_calls(Source.SCALE)
    stack.query("{ jobs(first: 5, filter: {sources: [SCALE]}) { edges { node { id } } } }")
    assert stack.upstream_calls(Source.SCALE) == scale_calls, "Scale's pages were kept"
