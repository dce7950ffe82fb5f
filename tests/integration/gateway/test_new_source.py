"""A sixth upstream is one folder plus one registry line: proved with a source defined in this file.

This module plays the source package: it has what ``adapters/<source>/`` has (an
adapter, its ``Settings``, ``build_adapter``, its ``SUBMISSION``), and the test
registers it through the same ``REGISTRY`` the five real sources use. Nothing in
``gateway/`` knows of it; the graph lists its jobs, resolves its ids, takes its
submissions and refuses bad ones naming the field, like any other source's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from adapters.base import BaseAdapter, Capabilities, JobQuery, Page, PageEntry, SubmitRequest
from adapters.errors import ErrorKind, FieldError, UpstreamError
from adapters.model import JobRecord, JobStatus, NativeKey, Source
from adapters.registry import REGISTRY, SourceEntry
from adapters.settings import SourceSettings
from adapters.submission import FieldProblem, InputProblems, Submission, describe, input_model
from gateway.app import create_app
from gateway.config import config_from_mapping

TOYBOX = Source("TOYBOX")
T0 = datetime(2026, 11, 1, tzinfo=UTC)


# --- the source package: settings, adapter, submission, build_adapter ----------------------


class Settings(SourceSettings):
    """``[sources.toybox]``: where it lives and how many jobs it starts with."""

    seed_jobs: int = 3


class ToyboxAdapter(BaseAdapter):
    source = TOYBOX
    capabilities = Capabilities(list_jobs=True, get_job=True, submit=True, list_order="created", total_count=True)
    scopes = ("box",)

    def __init__(self, seed_jobs: int) -> None:
        self.jobs: dict[str, JobRecord] = {}
        for n in range(1, seed_jobs + 1):
            self._add(f"toy-{n}", "done", T0 + timedelta(minutes=n))

    def _add(self, native_id: str, word: str, at: datetime, raw: Mapping[str, Any] | None = None) -> JobRecord:
        status = {"done": JobStatus.SUCCEEDED, "waiting": JobStatus.QUEUED}[word]
        record = JobRecord(TOYBOX, native_id, "box", status, word, created_at=at, raw=dict(raw or {}))
        self.jobs[native_id] = record
        return record

    async def list_jobs(self, query: JobQuery, after: str | None, limit: int) -> Page[JobRecord]:
        newest_first = sorted(self.jobs.values(), key=lambda j: j.created_at or T0, reverse=True)
        matching = [j for j in newest_first if query.matches(j)]
        start = int(after) if after else 0
        window = matching[start : start + limit]
        entries = [PageEntry(job, str(start + i + 1)) for i, job in enumerate(window)]
        return Page(entries, has_more=start + limit < len(matching), total=len(matching))

    async def get_jobs(self, keys: Sequence[NativeKey]) -> list[JobRecord | UpstreamError]:
        return [
            self.jobs.get(k.native_id) or UpstreamError(ErrorKind.NOT_FOUND, TOYBOX, f"no job {k.native_id}")
            for k in keys
        ]

    async def submit_job(self, request: SubmitRequest) -> JobRecord:
        if request.params["colour"] == "invisible":  # an upstream refusal, naming its own parameter
            message = "colour cannot be seen"
            raise UpstreamError(ErrorKind.INVALID, TOYBOX, message, field_errors=(FieldError(("colour",), message),))
        native_id = f"toy-{len(self.jobs) + 1}"
        return self._add(native_id, "waiting", T0 + timedelta(hours=1), raw=request.params)


def build_adapter(settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> ToyboxAdapter:
    return ToyboxAdapter(settings.seed_jobs)


@input_model("Toybox: build one toy.")
@dataclass(frozen=True, slots=True)
class ToyboxJobInput:
    toy_name: str
    pieces: int = field(default=1, metadata=describe("How many pieces the toy has."))
    tags: list[str] = field(default_factory=list)
    paint: str | None = None


def to_request(job: ToyboxJobInput) -> SubmitRequest:
    if job.pieces < 1:
        raise InputProblems([FieldProblem(("pieces",), "must be >= 1")])
    return SubmitRequest("box", {"name": job.toy_name, "pieces": job.pieces, "colour": job.paint or "red"})


def field_path(params: Mapping[str, Any], path: tuple[str, ...]) -> tuple[str, ...]:
    return {"colour": ("paint",), "name": ("toy_name",)}.get(path[0], path)


SUBMISSION = Submission(ToyboxJobInput, to_request, field_path)


# --- the test ------------------------------------------------------------------------------------


@pytest.fixture
def gateway() -> Iterator[TestClient]:
    """The registry line a sixth source adds, and a gateway configured with it alone."""
    REGISTRY.register(SourceEntry(TOYBOX, "toybox", __name__))
    try:
        config = config_from_mapping({"sources": {"toybox": {"base_url": "http://toybox.invalid", "seed_jobs": 4}}}, {})
        with TestClient(create_app(config)) as client:
            yield client
    finally:
        REGISTRY.unregister("toybox")


def query(client: TestClient, text: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": text, "variables": variables or {}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


SUBMIT = """
mutation($job: JobSubmission!) {
  submitJob(input: {job: $job}) { job { id source nativeId status } errors { code message field } }
}"""


def test_a_source_defined_here_is_listed_resolved_and_submitted_to_through_graphql(gateway: TestClient) -> None:
    upstreams = query(gateway, "{ upstreams { source capabilities { submit listOrder } } }")["upstreams"]
    assert upstreams == [{"source": "TOYBOX", "capabilities": {"submit": True, "listOrder": "created"}}]

    listed = query(
        gateway,
        "{ jobs(first: 2, filter: {sources: [TOYBOX]}) { totalCount edges { node { id nativeId source } } "
        "pageInfo { hasNextPage endCursor } } }",
    )["jobs"]
    assert listed["totalCount"] == 4 and listed["pageInfo"]["hasNextPage"]
    assert [e["node"]["nativeId"] for e in listed["edges"]] == ["toy-4", "toy-3"]
    rest = query(
        gateway,
        "query($after: String) { jobs(first: 5, after: $after, filter: {sources: [TOYBOX]}) "
        "{ edges { node { nativeId } } pageInfo { hasNextPage } } }",
        {"after": listed["pageInfo"]["endCursor"]},
    )["jobs"]
    assert [e["node"]["nativeId"] for e in rest["edges"]] == ["toy-2", "toy-1"]
    assert rest["pageInfo"]["hasNextPage"] is False

    first_id = listed["edges"][0]["node"]["id"]
    node = query(
        gateway, "query($id: ID!) { node(id: $id) { ... on Job { nativeId source status } } }", {"id": first_id}
    )
    assert node["node"] == {"nativeId": "toy-4", "source": "TOYBOX", "status": "SUCCEEDED"}

    made = query(gateway, SUBMIT, {"job": {"toybox": {"toyName": "robot", "pieces": 12, "tags": ["tin"]}}})["submitJob"]
    assert made["errors"] == []
    assert made["job"]["source"] == "TOYBOX" and made["job"]["status"] == "QUEUED"
    again = query(
        gateway, "query($id: ID!) { node(id: $id) { ... on Job { nativeId raw } } }", {"id": made["job"]["id"]}
    )
    assert again["node"]["raw"] == {"name": "robot", "pieces": 12, "colour": "red"}


def test_the_new_sources_input_is_checked_and_its_refusals_name_the_client_field(gateway: TestClient) -> None:
    local = query(gateway, SUBMIT, {"job": {"toybox": {"toyName": "kite", "pieces": 0}}})["submitJob"]
    assert local["job"] is None
    assert local["errors"] == [
        {"code": "INVALID_INPUT", "message": "must be >= 1", "field": ["input", "job", "toybox", "pieces"]}
    ]
    upstream = query(gateway, SUBMIT, {"job": {"toybox": {"toyName": "ghost", "paint": "invisible"}}})["submitJob"]
    assert upstream["errors"] == [
        {"code": "INVALID_INPUT", "message": "colour cannot be seen", "field": ["input", "job", "toybox", "paint"]}
    ]


def test_the_schema_of_that_gateway_carries_the_source_and_its_input(gateway: TestClient) -> None:
    types = query(
        gateway,
        '{ source: __type(name: "Source") { enumValues { name } } '
        'submission: __type(name: "JobSubmission") { inputFields { name type { name } } } '
        'toy: __type(name: "ToyboxJobInput") { inputFields { name description } } }',
    )
    assert [v["name"] for v in types["source"]["enumValues"]][-1] == "TOYBOX"
    assert {"name": "toybox", "type": {"name": "ToyboxJobInput"}} in types["submission"]["inputFields"]
    assert {"name": "pieces", "description": "How many pieces the toy has."} in types["toy"]["inputFields"]


def test_without_the_registry_line_the_gateway_knows_nothing_of_it() -> None:
    assert "toybox" not in REGISTRY
    with pytest.raises(Exception, match="toybox"):
        config_from_mapping({"sources": {"toybox": {"base_url": "http://toybox.invalid"}}}, {})
