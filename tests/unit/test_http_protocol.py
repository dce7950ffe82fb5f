"""GraphQL over HTTP: media types, status codes, and garbage in never giving a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

GRAPHQL_RESPONSE = "application/graphql-response+json"


def test_json_by_default(client: TestClient) -> None:
    r = client.post("/graphql", json={"query": "{ upstreams { source } }"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")


def test_graphql_response_media_type_and_status_codes(client: TestClient) -> None:
    accept = {"accept": GRAPHQL_RESPONSE}
    ok = client.post("/graphql", json={"query": "{ upstreams { source } }"}, headers=accept)
    assert ok.status_code == 200 and ok.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    invalid = client.post("/graphql", json={"query": "{ nope }"}, headers=accept)
    assert invalid.status_code == 400 and "data" not in invalid.json()
    unparsable = client.post("/graphql", json={"query": "{"}, headers=accept)
    assert unparsable.status_code == 400
    bad_vars = client.post(
        "/graphql",
        json={"query": "query($n: Int) { jobs(first: $n) { totalCount } }", "variables": {"n": "x"}},
        headers=accept,
    )
    assert bad_vars.status_code == 400
    field_error = client.post("/graphql", json={"query": "{ jobs(first: 999) { totalCount } }"}, headers=accept)
    assert field_error.status_code == 200 and field_error.json()["data"] is None


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"{not json", {"content-type": "application/json"}),
        (b'{"query": 42}', {"content-type": "application/json"}),
        (b'{"query": "{ upstreams { source } }", "variables": []}', {"content-type": "application/json"}),
        (b"[1, 2]", {"content-type": "application/json"}),
        (b"query", {"content-type": "text/plain"}),
        (b"\xff\xfe", {"content-type": "application/json"}),
        (b"", {"content-type": "application/json"}),
    ],
)
def test_malformed_requests_get_4xx(client: TestClient, body: bytes, headers: dict[str, str]) -> None:
    r = client.post("/graphql", content=body, headers=headers)
    assert 400 <= r.status_code < 500, r.text


@pytest.mark.parametrize(
    "query",
    [
        '{ node(id: "") { id } }',
        '{ node(id: "%%%") { id } }',
        '{ nodes(ids: ["Sm9iOlNDQUxFOnMxOg", "Zm9v"]) { id } }',
        '{ jobs(after: "") { totalCount } }',
        "{ jobs(first: -1) { totalCount } }",
        "{ jobs(filter: {sources: [NOPE]}) { totalCount } }",
        '{ jobs(filter: {createdAfter: "yesterday"}) { totalCount } }',
        '{ jobs(filter: {jobTypeIds: ["x"]}) { totalCount } }',
        '{ jobs(filter: {updatedAfter: "2026-01-02T00:00:00Z", updatedBefore: "2026-01-01T00:00:00Z"}) { totalCount } }',
        "{ jobs { unknownField } }",
    ],
)
def test_bad_input_is_a_graphql_error_not_a_500(client: TestClient, query: str) -> None:
    r = client.post("/graphql", json={"query": query})
    assert r.status_code == 200, r.text
    errors = r.json()["errors"]
    assert errors and all(e["extensions"]["code"] != "INTERNAL_SERVER_ERROR" for e in errors)


def test_get_cannot_mutate_and_serves_graphiql_to_browsers(client: TestClient) -> None:
    page = client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    q = client.get("/graphql", params={"query": "{ upstreams { source } }"}, headers={"accept": "application/json"})
    assert q.status_code == 200 and "data" in q.json()


def test_limits_on_depth_and_aliases(client: TestClient) -> None:
    inner = "jobType { jobs { edges { node { id } } } }"
    for _ in range(3):
        inner = f"jobType {{ jobs {{ edges {{ node {{ {inner} }} }} }} }}"
    deep = f"{{ jobs {{ edges {{ node {{ {inner} }} }} }} }}"
    r = client.post("/graphql", json={"query": deep}).json()
    assert "depth" in r["errors"][0]["message"]
    aliases = "{ " + " ".join(f"a{i}: upstreams {{ source }}" for i in range(40)) + " }"
    r = client.post("/graphql", json={"query": aliases}).json()
    assert "aliases" in r["errors"][0]["message"].lower()


def test_unexpected_errors_are_masked_with_a_request_id(client: TestClient, adapters: dict) -> None:  # type: ignore[type-arg]
    from adapters.model import Source

    def boom(*_: object) -> None:
        raise RuntimeError("secret internals")

    adapters[Source.SCALE].list_jobs = boom  # type: ignore[method-assign]
    r = client.post("/graphql", json={"query": "{ jobs { totalCount } }"}, headers={"x-request-id": "req-42"})
    error = r.json()["errors"][0]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-42"}
    assert "secret" not in r.text


def test_health_ready_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    client.post("/graphql", json={"query": "query Named { upstreams { source } }"})
    text = client.get("/metrics").text
    assert 'job_gateway_graphql_requests_total{operation="Named",outcome="ok"} 1.0' in text


def test_a_query_streams_only_when_the_client_prefers_a_stream(client: TestClient) -> None:
    query = {"query": "{ upstreams { source } }"}
    urql_style = "application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed"
    r = client.post("/graphql", json=query, headers={"accept": urql_style})
    assert r.status_code == 200 and r.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    with client.stream("POST", "/graphql", json=query, headers={"accept": "text/event-stream"}) as streamed:
        assert streamed.headers["content-type"].startswith("text/event-stream")
        assert "event: next" in "".join(streamed.iter_text())
    weighted = "text/event-stream;q=0.5, application/json"
    assert (
        client.post("/graphql", json=query, headers={"accept": weighted})
        .headers["content-type"]
        .startswith("application/json")
    )
