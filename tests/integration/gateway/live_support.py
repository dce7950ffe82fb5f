"""Helpers for the live-status integration tests: a stack that polls fast, and real protocol clients.

``live_stack`` is ``running_stack`` with two differences the subscription tests
need: the watcher polls on a fast ``PollingPolicy`` (the production default
waits a second or more between polls), and the gateway's own URL is chosen
before the app is built, so ``public_base_url`` (Leia callbacks) can point at it.

The clients speak the wire protocols themselves, with third-party libraries:
``websockets`` for graphql-transport-ws, httpx streaming for GraphQL over SSE
(distinct connections mode: one POST with ``Accept: text/event-stream`` per
subscription, ``event: next`` / ``event: complete`` frames).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from gateway.events import PollingPolicy
from gateway.live import Live
from tests.support.stack import Stack, running_stack

FAST = PollingPolicy(tick=0.02, submitted_delay=0.05, min_interval=0.05, max_interval=0.2, piggyback=0.02)
"""Polls every watched job at least every 0.2 s of real time: a clock advance shows within ~0.3 s."""

TIMEOUT = 10.0
"""Longest wait for one protocol message: a hang fails the test instead of stalling the suite."""

SUBSCRIPTION = """
subscription Watch($ids: [ID!], $filter: JobFilter, $since: String) {
  jobStatusChanged(ids: $ids, filter: $filter, since: $since) {
    id previousStatus status at error { code category message }
    job { id nativeId source status nativeStatus error { code category message } }
  }
}
"""

SUBMIT = """
mutation Submit($job: JobSubmission!) {
  submitJob(input: {job: $job}) { job { id nativeId status nativeStatus } errors { code message } }
}
"""

CANCEL = """
mutation Cancel($id: ID!) { cancelJob(input: {id: $id}) { job { id status } errors { code message } } }
"""


def live_of(stack: Stack) -> Live:
    live: Live = stack.app.state.services.live
    return live


@contextmanager
def live_stack(
    *,
    policy: PollingPolicy = FAST,
    gateway: dict[str, Any] | None = None,
    webhooks: bool = False,
    wrap_simulators: Callable[[Any], Any] | None = None,
) -> Iterator[Stack]:
    """All five simulators (frozen clock) and the gateway over loopback, the watcher polling by ``policy``."""

    def prepare(app: Any) -> None:
        app.state.services.live.use_policy(policy)

    with running_stack(
        gateway=gateway, prepare=prepare, public_base_url=webhooks, wrap_simulators=wrap_simulators
    ) as stack:
        yield stack


# --- GraphQL over HTTP -------------------------------------------------------------------


async def gql(stack: Stack, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        response = await client.post(stack.graphql_url, json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def leia_job_input(stack: Stack, *, blocked: bool = False) -> dict[str, Any]:
    """A valid Leia apply-model submission, built from a seeded job's model and document."""
    data = await gql(stack, "{ jobs(first: 5, filter: {sources: [LEIA]}) { edges { node { raw } } } }")
    raw = next(e["node"]["raw"] for e in data["jobs"]["edges"] if e["node"]["raw"].get("model_id"))
    kind = {"applyModel": {"modelId": raw["model_id"], "documentIds": raw["document_ids"][:1]}}
    return {"leia": {"job": kind, "blockProcessing": blocked}}


async def submit_leia(stack: Stack, *, blocked: bool = False) -> dict[str, Any]:
    """Submit a Leia job through the gateway; returns the payload's ``job`` (id, nativeId, status...)."""
    data = await gql(stack, SUBMIT, {"job": await leia_job_input(stack, blocked=blocked)})
    payload = data["submitJob"]
    assert payload["errors"] == [] and payload["job"] is not None, payload
    job: dict[str, Any] = payload["job"]
    return job


# --- graphql-transport-ws ----------------------------------------------------------------


class WsClient:
    """A graphql-transport-ws client over a real WebSocket."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def receive(self, within: float = TIMEOUT) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), within)
        message: dict[str, Any] = json.loads(raw)
        return message

    async def init(self) -> None:
        await self.send({"type": "connection_init", "payload": {}})
        ack = await self.receive()
        assert ack["type"] == "connection_ack", ack

    async def subscribe(self, op_id: str, variables: dict[str, Any], query: str = SUBSCRIPTION) -> None:
        await self.send({"type": "subscribe", "id": op_id, "payload": {"query": query, "variables": variables}})

    async def events_until_complete(self, op_id: str) -> list[dict[str, Any]]:
        """The ``jobStatusChanged`` payloads of ``op_id`` until its ``complete``."""
        events: list[dict[str, Any]] = []
        while True:
            message = await self.receive()
            assert message.get("id") == op_id, message
            if message["type"] == "complete":
                return events
            assert message["type"] == "next", message
            assert "errors" not in message["payload"], message
            events.append(message["payload"]["data"]["jobStatusChanged"])


def ws_url(stack: Stack) -> str:
    return stack.graphql_url.replace("http://", "ws://", 1)


@asynccontextmanager
async def ws_client(stack: Stack, *, init: bool = True) -> AsyncIterator[WsClient]:
    async with connect(ws_url(stack), subprotocols=["graphql-transport-ws"], open_timeout=TIMEOUT) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "graphql-transport-ws"
        client = WsClient(ws)
        if init:
            await client.init()
        yield client


# --- GraphQL over SSE (distinct connections mode) ------------------------------------------


class SseStream:
    """Parses ``event:``/``data:`` frames of one GraphQL-over-SSE response."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def frame(self, within: float = TIMEOUT) -> tuple[str, str]:
        """The next ``(event, data)``; SSE comments (keep-alives) are skipped."""
        return await asyncio.wait_for(self._frame(), within)

    async def _frame(self) -> tuple[str, str]:
        event, data = "message", list[str]()
        async for line in self._lines:
            if line == "":
                if data or event != "message":
                    return event, "\n".join(data)
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)
        raise EOFError("the event stream ended")

    async def next_event(self) -> dict[str, Any] | None:
        """The next ``jobStatusChanged`` payload, or ``None`` at ``event: complete``."""
        event, data = await self.frame()
        if event == "complete":
            return None
        assert event == "next", (event, data)
        body = json.loads(data)
        assert "errors" not in body, body
        payload: dict[str, Any] = body["data"]["jobStatusChanged"]
        return payload

    async def events_until_complete(self) -> list[dict[str, Any]]:
        events = []
        while (event := await self.next_event()) is not None:
            events.append(event)
        return events


@asynccontextmanager
async def sse_subscription(stack: Stack | str, variables: dict[str, Any]) -> AsyncIterator[SseStream]:
    """A subscription over SSE to the gateway of ``stack``, or at a ``/graphql`` URL."""
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(TIMEOUT, read=None)) as client,
        client.stream(
            "POST",
            stack if isinstance(stack, str) else stack.graphql_url,
            json={"query": SUBSCRIPTION, "variables": variables},
            headers={"accept": "text/event-stream"},
        ) as response,
    ):
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield SseStream(response)


async def eventually(check: Callable[[], object], within: float = 5.0, interval: float = 0.02) -> None:
    """Wait until ``check()`` is truthy (state the server updates in its own thread)."""
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still false after {within}s: {check}")
        await asyncio.sleep(interval)


async def all_released(stack: Stack) -> None:
    """Every subscription gone, and nothing left in the bus or the watcher for them."""
    live = live_of(stack)
    # Jobs our own mutations changed are followed to their end by the gateway itself
    # (one bus subscription and one watch each): those are not the client's.
    await eventually(lambda: live.active_subscriptions == 0)
    await eventually(
        lambda: live.bus.stats().subscribers == live.following and live.watcher.stats().handles == live.following
    )
    assert sum(live.watcher.stats().watched.values()) <= live.following
    assert live.watched_jobs <= live.following
