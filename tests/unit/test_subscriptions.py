"""Subscriptions over graphql-transport-ws and SSE against in-memory adapters."""

from __future__ import annotations

import dataclasses
import json
import threading
import time

from fastapi.testclient import TestClient

from adapters.model import JobStatus, Source
from gateway.ids import encode_id
from tests.support.memory_adapter import MemoryAdapter

SUB = "subscription($ids: [ID!]) { jobStatusChanged(ids: $ids) { id status previousStatus job { nativeId status } } }"


def finish_later(adapter: MemoryAdapter, native_id: str, status: JobStatus, delay: float) -> None:
    def run() -> None:
        time.sleep(delay)
        adapter.jobs = [dataclasses.replace(j, status=status) if j.native_id == native_id else j for j in adapter.jobs]

    threading.Thread(target=run, daemon=True).start()


def test_websocket_subscription_sees_the_final_state_and_completes(
    client: TestClient, adapters: dict[Source, MemoryAdapter]
) -> None:
    scale = adapters[Source.SCALE]
    job = next(j for j in scale.jobs if j.status is JobStatus.RUNNING)
    gid = encode_id("Job", Source.SCALE, job.scope, job.native_id)
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": SUB, "variables": {"ids": [gid]}}})
        finish_later(scale, job.native_id, JobStatus.SUCCEEDED, 0.3)
        message = ws.receive_json()
        assert message["type"] == "next", message
        event = message["payload"]["data"]["jobStatusChanged"]
        assert event["status"] == "SUCCEEDED" and event["previousStatus"] == "RUNNING"
        assert ws.receive_json() == {"type": "complete", "id": "1"}
        ws.send_json({"type": "ping"})
        assert ws.receive_json()["type"] == "pong"
    live = client.app.state.services.live  # type: ignore[attr-defined]
    assert live.active_subscriptions == 0
    assert live.bus.stats().subscribers == 0


def test_a_job_already_final_is_reported_at_once(client: TestClient, adapters: dict[Source, MemoryAdapter]) -> None:
    job = next(j for j in adapters[Source.SCALE].jobs if j.status is JobStatus.FAILED)
    gid = encode_id("Job", Source.SCALE, job.scope, job.native_id)
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init"})
        ws.receive_json()
        ws.send_json({"type": "subscribe", "id": "a", "payload": {"query": SUB, "variables": {"ids": [gid]}}})
        assert ws.receive_json()["payload"]["data"]["jobStatusChanged"]["status"] == "FAILED"
        assert ws.receive_json()["type"] == "complete"


def test_bad_ids_are_errors_on_the_subscription(client: TestClient) -> None:
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init"})
        ws.receive_json()
        ws.send_json({"type": "subscribe", "id": "x", "payload": {"query": SUB, "variables": {"ids": ["nope"]}}})
        message = ws.receive_json()
        assert message["type"] in ("error", "next")
        assert "not a valid id" in json.dumps(message)


def test_sse_distinct_connection_streams_events(client: TestClient, adapters: dict[Source, MemoryAdapter]) -> None:
    scale = adapters[Source.SCALE]
    job = next(j for j in scale.jobs if j.status is JobStatus.QUEUED)
    gid = encode_id("Job", Source.SCALE, job.scope, job.native_id)
    finish_later(scale, job.native_id, JobStatus.CANCELED, 0.3)
    with client.stream(
        "POST",
        "/graphql",
        json={"query": SUB, "variables": {"ids": [gid]}},
        headers={"accept": "text/event-stream"},
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        text = ""
        for chunk in response.iter_text():
            text += chunk
            if "event: complete" in text:
                break
    assert "event: next" in text and '"CANCELED"' in text


def test_status_history_lists_observed_transitions(client: TestClient, adapters: dict[Source, MemoryAdapter]) -> None:
    test_websocket_subscription_sees_the_final_state_and_completes(client, adapters)
    job = next(j for j in adapters[Source.SCALE].jobs if j.status is JobStatus.SUCCEEDED and j.native_id == "scale-0")
    gid = encode_id("Job", Source.SCALE, job.scope, job.native_id)
    body = client.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { node(id: $id) { ... on Job { statusHistory { status } } } }",
            "variables": {"id": gid},
        },
    ).json()
    assert body["data"]["node"]["statusHistory"] == [{"status": "SUCCEEDED"}]
