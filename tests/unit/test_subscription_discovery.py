"""A filter subscription hears the jobs that appear upstream after it started, not only those open at its start."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from adapters.model import JobStatus, Source
from gateway.events import JobRef
from gateway.live import Live
from tests.conftest import T0
from tests.support.memory_adapter import MemoryAdapter

SUB = "subscription { jobStatusChanged(filter: {}) { status previousStatus job { nativeId } } }"


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.02)


def test_a_job_created_upstream_later_is_followed_to_its_end(
    client: TestClient, adapters: dict[Source, MemoryAdapter]
) -> None:
    live: Live = client.app.state.services.live  # type: ignore[attr-defined]
    live.limits = dataclasses.replace(live.limits, filter_rediscover_s=0.05)
    scale = adapters[Source.SCALE]
    newcomer = dataclasses.replace(
        scale.jobs[0], native_id="scale-new", status=JobStatus.RUNNING, updated_at=T0 + timedelta(minutes=5)
    )
    ref = JobRef.of(newcomer)
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": SUB}})
        wait_until(lambda: live.active_subscriptions == 1, "the subscription to start")
        assert live.watched_state(ref) is None
        scale.jobs = [newcomer, *scale.jobs]  # created upstream, unknown to the gateway
        wait_until(lambda: live.watched_state(ref) is not None, "the new job to be found")
        scale.jobs = [dataclasses.replace(newcomer, status=JobStatus.SUCCEEDED), *scale.jobs[1:]]
        message = ws.receive_json()
        assert message["type"] == "next", message
        event = message["payload"]["data"]["jobStatusChanged"]
        assert event == {"status": "SUCCEEDED", "previousStatus": "RUNNING", "job": {"nativeId": "scale-new"}}
        # Done with it: the subscription no longer watches it (room for the next newcomer).
        wait_until(lambda: live.watched_state(ref) is None, "the finished job to be let go")
        ws.send_json({"type": "complete", "id": "1"})
    wait_until(lambda: live.active_subscriptions == 0, "the subscription to end")
