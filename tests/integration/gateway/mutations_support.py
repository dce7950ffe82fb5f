"""Shared pieces of the mutation tests: GraphQL documents, small clients, seeded inputs.

Inputs are picked from the simulators' seeded state (documents of the Leia
application, phyloDB datasets, Scale job types with their manifests), never
hard-coded, so the tests follow the seed.
"""

from __future__ import annotations

import asyncio
import atexit
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.model import Source
from gateway.ids import encode_id
from simulators.kit import Faults
from tests.support.stack import Stack, running_stack

JOB_FIELDS = "id source nativeId scope status nativeStatus canCancel canRerun canStart jobTypeName raw"
PAYLOAD = "replayed errors { code message field } job { " + JOB_FIELDS + " }"

SUBMIT = "mutation Submit($i: SubmitJobInput!) { submitJob(input: $i) { " + PAYLOAD + " } }"
CANCEL = (
    "mutation Cancel($i: CancelJobInput!) { cancelJob(input: $i) { "
    + PAYLOAD
    + " pending pendingStatus affectedJobs { id status raw } } }"
)
RERUN = "mutation Rerun($i: RerunJobInput!) { rerunJob(input: $i) { " + PAYLOAD + " pending pendingStatus } }"
START = "mutation Start($i: StartJobInput!) { startJob(input: $i) { " + PAYLOAD + " } }"
NODE = (
    "query Node($id: ID!) { node(id: $id) { ... on Job { "
    + JOB_FIELDS
    + " dependsOn { id } parent { id } statusHistory { previousStatus status } } } }"
)
JOBS = "query Jobs($f: JobFilter, $n: Int) { jobs(first: $n, filter: $f) { edges { node { " + JOB_FIELDS + " } } } }"

READ_OPERATIONS = frozenset(
    {
        "list_jobs",
        "get_job",
        "get_jobs",
        "get_job_statuses",
        "get_ingest_job",
        "list_ingest_jobs",
        "get_result",
        "whoami",
        "login",
        "check",
        "get_job_types",
        "list_job_types",
        "job_type_details",
        "job_type_revision",
        "list_ingest_runs",
        "get_ingest_runs",
    }
)
"""Operation names (as ``stack.calls`` counts them) that only read."""

LEIA_APP_KEY = "application_id"


_CLIENT: list[httpx.Client] = []


def _http() -> httpx.Client:
    """One pooled client for every test request: a new one per request (``Stack.query``) costs
    about 20 ms each, more than most of the requests themselves."""
    if not _CLIENT:
        _CLIENT.append(httpx.Client(timeout=60))
        atexit.register(_CLIENT[0].close)
    return _CLIENT[0]


def query(stack: Stack, document: str, variables: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """``Stack.query`` over the pooled client: the JSON body of a 200 answer."""
    response = _http().post(stack.graphql_url, json={"query": document, "variables": variables}, **kwargs)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def data(stack: Stack, document: str, variables: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """The ``data`` of an answer that must have no GraphQL errors."""
    body = query(stack, document, variables, **kwargs)
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


def submit(stack: Stack, job: dict[str, Any], key: str | None = None, **kwargs: Any) -> dict[str, Any]:
    variables: dict[str, Any] = {"i": {"job": job}}
    if key is not None:
        variables["i"]["idempotencyKey"] = key
    payload: dict[str, Any] = data(stack, SUBMIT, variables, **kwargs)["submitJob"]
    return payload


def _change(stack: Stack, document: str, field: str, job_id: str, key: str | None) -> dict[str, Any]:
    variables: dict[str, Any] = {"i": {"id": job_id}}
    if key is not None:
        variables["i"]["idempotencyKey"] = key
    payload: dict[str, Any] = data(stack, document, variables)[field]
    return payload


def cancel(stack: Stack, job_id: str, key: str | None = None) -> dict[str, Any]:
    return _change(stack, CANCEL, "cancelJob", job_id, key)


def rerun(stack: Stack, job_id: str, key: str | None = None) -> dict[str, Any]:
    return _change(stack, RERUN, "rerunJob", job_id, key)


def start(stack: Stack, job_id: str, key: str | None = None) -> dict[str, Any]:
    return _change(stack, START, "startJob", job_id, key)


def node(stack: Stack, node_id: str) -> dict[str, Any]:
    found: dict[str, Any] | None = data(stack, NODE, {"id": node_id})["node"]
    assert found is not None, f"node {node_id} not found"
    return found


def jobs(stack: Stack, source: str, statuses: list[str] | None = None, first: int = 50) -> list[dict[str, Any]]:
    flt: dict[str, Any] = {"sources": [source]}
    if statuses is not None:
        flt["statuses"] = statuses
    edges = data(stack, JOBS, {"f": flt, "n": first})["jobs"]["edges"]
    return [e["node"] for e in edges]


def first_job(
    stack: Stack, source: str, statuses: list[str], where: Callable[[dict[str, Any]], bool] | None = None
) -> dict[str, Any]:
    for job in jobs(stack, source, statuses):
        if where is None or where(job):
            return job
    raise AssertionError(f"the seed has no {source} job in {statuses}")


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


def accepted(payload: dict[str, Any]) -> dict[str, Any]:
    """The job of a payload that must have no errors."""
    assert payload["errors"] == [], payload["errors"]
    job: dict[str, Any] = payload["job"]
    assert job is not None
    return job


def mutating_calls(stack: Stack, source: Source | None = None) -> dict[tuple[str, str], int]:
    """Upstream requests that may change something, by (source, operation)."""
    return {
        k: n for k, n in stack.calls.items() if k[1] not in READ_OPERATIONS and (source is None or k[0] == source.value)
    }


def advance_until(
    stack: Stack, job_id: str, done: Callable[[dict[str, Any]], bool], *, step_s: float = 10, steps: int = 60
) -> dict[str, Any]:
    """Move the simulated clock until ``done(job)``; the job as last read."""
    job = node(stack, job_id)
    for _ in range(steps):
        if done(job):
            return job
        stack.advance(step_s)
        job = node(stack, job_id)
    raise AssertionError(f"job never reached the expected state: {job['status']} {job['nativeStatus']}")


def settled(
    stack: Stack, job_id: str, done: Callable[[dict[str, Any]], bool], *, within_s: float = 30.0
) -> dict[str, Any]:
    """The job once the gateway has published what ``done`` waits for (a pending upstream change it follows).

    Waits on the gateway's own follow-up read, each look one query, for at most ``within_s``
    of wall time: generous, because a loaded CI machine slows the follow-up, not the outcome.
    """
    deadline = time.monotonic() + within_s
    job = node(stack, job_id)
    while not done(job):
        if time.monotonic() > deadline:
            raise AssertionError(f"the gateway never published the change: {job['status']} {job['statusHistory']}")
        time.sleep(0.05)
        job = node(stack, job_id)
    return job


def is_final(job: dict[str, Any]) -> bool:
    return job["status"] in ("SUCCEEDED", "FAILED", "CANCELED")


# --- seeded inputs ------------------------------------------------------------------------


def leia_documents(stack: Stack, count: int) -> list[str]:
    sim = stack.sims.simulators["leia"]
    app = sim.config[LEIA_APP_KEY]
    docs = [d.id for d in sim.state.documents.values() if d.application_id == app]
    assert len(docs) >= count
    return docs[:count]


def phylodb_project(stack: Stack) -> str:
    project: str = stack.sims.simulators["phylodb"].config["projects"][0]
    return project


def phylodb_dataset(stack: Stack, project: str) -> str:
    """A dataset an inference can run on (two profiles at least)."""
    state = stack.sims.simulators["phylodb"].state
    return str(next(d.id for d in state.datasets_in(project) if len(d.profiles) >= 2))


def phylodb_inference(stack: Stack, project: str, dataset: str) -> str:
    """An inference of ``dataset`` that exists now (uploaded, not computed by a running job)."""
    state = stack.sims.simulators["phylodb"].state
    return str(
        next(
            i.id for (p, _), i in state.inferences.items() if p == project and i.dataset_id == dataset and i.job is None
        )
    )


def scale_job_type(stack: Stack) -> Any:
    """An active, unpaused, user (non-system) Scale job type that takes a required file input."""
    store = stack.sims.simulators["scale"].state
    for jt in store.job_types:
        files = jt.manifest.get("job", {}).get("interface", {}).get("inputs", {}).get("files", [])
        if jt.is_active and not jt.is_paused and not jt.is_system and any(f.get("required", True) for f in files):
            return jt
    raise AssertionError("the seed has no usable Scale job type")


def scale_input(job_type: Any, file_id: int = 1234) -> dict[str, Any]:
    """Scale Data JSON holding every input the job type's manifest requires."""
    interface = job_type.manifest["job"]["interface"]["inputs"]
    files = {f["name"]: [file_id] for f in interface.get("files", [])}
    values: dict[str, Any] = {}
    for spec in interface.get("json", []):
        values[spec["name"]] = {"number": 0.5, "integer": 1, "boolean": True, "array": []}.get(spec["type"], "x")
    return {"version": "7", "files": files, "json": values}


def scale_type_id(job_type: Any) -> str:
    return encode_id("JobType", Source.SCALE, "", str(job_type.id))


def scale_job_count(stack: Stack) -> int:
    return len(stack.sims.simulators["scale"].state.jobs)


def wordlift_graph(stack: Stack) -> str:
    graph: str = stack.sims.simulators["wordlift"].config["graphs"][0]
    return graph


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _reset(stack: Stack) -> Iterator[None]:
    """Replaces the folder's ``_reset`` in the modules that import it: the same clean slate
    (no counted calls, no faults), set in-process rather than with five HTTP calls per test."""
    stack.calls.clear()
    yield
    for sim in stack.sims.simulators.values():
        sim.injector.faults = Faults()


# --- a stack with per-source settings -------------------------------------------------------


class LoseAnswers:
    """Test-only ASGI wrapper: the upstream fully processes a request, then its answer is lost.

    The simulators' own faults strike before the request is handled (nothing
    happens upstream); this is the other case, the one idempotency exists for:
    the upstream acted and the gateway never heard. ``mode`` per ``(method, path)``:
    ``"drop"`` closes the connection instead of answering, ``"hang"`` never answers.
    """

    def __init__(self, hang_s: float = 1.0) -> None:
        self.app: ASGIApp | None = None
        self.rules: dict[tuple[str, str], str] = {}
        self.hang_s = hang_s
        """How long ``"hang"`` holds the answer back: longer than the gateway waits, short enough
        that shutting the server down does not wait for it."""

    def wrap(self, app: ASGIApp) -> LoseAnswers:
        self.app = app
        return self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None
        mode = self.rules.get((scope.get("method", ""), scope.get("path", ""))) if scope["type"] == "http" else None
        if mode is None:
            await self.app(scope, receive, send)
            return

        async def swallow(message: Message) -> None:
            return None

        await self.app(scope, receive, swallow)
        if mode == "hang":
            await asyncio.sleep(self.hang_s)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
        raise ConnectionAbortedError("test: answer lost after the upstream acted")


@contextmanager
def stack_with(sources: dict[str, dict[str, Any]], seed: int = 0, wrap: LoseAnswers | None = None) -> Iterator[Stack]:
    """``running_stack()`` whose ``[sources.*]`` tables are overridden (e.g. a short ``timeout_s``),
    optionally with the simulators behind a ``LoseAnswers`` wrapper."""
    with running_stack(seed, sources=sources, wrap_simulators=wrap.wrap if wrap is not None else None) as stack:
        yield stack


def post_raw(stack: Stack, query: str, variables: dict[str, Any], timeout: float) -> httpx.Response:
    return httpx.post(stack.graphql_url, json={"query": query, "variables": variables}, timeout=timeout)
