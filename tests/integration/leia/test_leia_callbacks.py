"""Leia's ``callback_url`` push: the simulator POSTs the Job when it becomes PROCESSED/FAILED/CANCELED."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.base import SubmitRequest
from adapters.leia import LeiaAdapter
from simulators.kit import SimClock
from simulators.kit.app import SimulatorApp
from simulators.kit.server import serve
from simulators.leia.state import CALLBACK_ATTEMPTS, LeiaState

pytestmark = pytest.mark.integration


class Receiver:
    def __init__(self, status: int = 204) -> None:
        self.status = status
        self.received: list[tuple[dict[str, str], Any]] = []

        async def hook(request: Request) -> Response:
            self.received.append((dict(request.headers), await request.json()))
            return Response(status_code=self.status)

        self.app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])


async def wait_for(predicate: Any, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_callback_on_completion_and_on_cancel(
    adapter: LeiaAdapter, clock: SimClock, app_id: str, documents: list[str]
) -> None:
    receiver = Receiver()
    with serve(receiver.app) as hooks:
        base = {"kind": "transform", "document_ids": documents[:1], "output_type": "text"}
        hook = {"callback_url": f"{hooks}/hook", "callback_headers": {"x-leia-hook": "s3cret"}}
        finishing = await adapter.submit_job(SubmitRequest(app_id, {**base, **hook}))
        canceled = await adapter.submit_job(SubmitRequest(app_id, {**base, **hook, "block_processing": True}))
        await asyncio.sleep(0.5)
        assert receiver.received == []  # nothing is final yet
        await adapter.cancel_job(canceled.key)
        await wait_for(lambda: len(receiver.received) == 1)
        clock.advance(300)
        await wait_for(lambda: len(receiver.received) == 2)
    by_id = {body["id"]: (headers, body) for headers, body in receiver.received}
    headers, body = by_id[canceled.native_id]
    assert body["status"] == "CANCELED" and headers["x-leia-hook"] == "s3cret"
    headers, body = by_id[finishing.native_id]
    assert body["status"] in ("PROCESSED", "FAILED") and "finished_time" in body
    assert adapter.job_of_callback(body) == finishing.key


async def submit_with_callback(sim: SimulatorApp, state: LeiaState, callback_url: str) -> str:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://sim") as client:
        token = (await client.post("/login", json={"api_key": sim.config["api_key"]})).json()["token"]
        doc = next(d.id for d in state.documents.values() if d.application_id == sim.config["application_id"])
        created = await client.post(
            f"/document/{doc}/transform/trim", json={"callback_url": callback_url}, headers={"token": token}
        )
        return str(created.json()["id"])


async def test_failed_delivery_is_retried_then_dropped(sim: SimulatorApp, state: LeiaState, clock: SimClock) -> None:
    calls: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(500)

    state.callback_transport = httpx.MockTransport(refuse)
    job_id = await submit_with_callback(sim, state, "http://hooks.invalid/x")
    assert await state.tick() == 0 and calls == []
    clock.advance(300)
    for _ in range(CALLBACK_ATTEMPTS + 2):
        await state.tick()
    assert len(calls) == CALLBACK_ATTEMPTS
    assert [a.http_status for a in state.callback_log if a.job_id == job_id] == [500] * CALLBACK_ATTEMPTS
    assert calls[0].url == "http://hooks.invalid/x"


async def test_unreachable_receiver_is_logged(sim: SimulatorApp, state: LeiaState, clock: SimClock) -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    state.callback_transport = httpx.MockTransport(unreachable)
    job_id = await submit_with_callback(sim, state, "http://hooks.invalid/y")
    clock.advance(300)
    assert await state.tick() == 0
    [attempt] = [a for a in state.callback_log if a.job_id == job_id]
    assert attempt.error == "ConnectError" and attempt.status in ("PROCESSED", "FAILED")


async def test_acknowledged_delivery_happens_once(sim: SimulatorApp, state: LeiaState, clock: SimClock) -> None:
    calls: list[httpx.Request] = []

    def accept(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200)

    state.callback_transport = httpx.MockTransport(accept)
    await submit_with_callback(sim, state, "http://hooks.invalid/z")
    clock.advance(300)
    assert await state.tick() == 1
    assert await state.tick() == 0
    assert len(calls) == 1
