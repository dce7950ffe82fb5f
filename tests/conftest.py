"""Fixtures shared by all tests: a gateway over in-memory adapters, and a GraphQL helper."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from pydantic import SecretStr

from adapters.model import JobRecord, JobStatus, JobTypeRecord, Source
from gateway import cli
from gateway.app import create_app
from gateway.config import GatewayConfig, GatewaySettings
from gateway.upstreams import Upstreams
from tests.support.memory_adapter import MemoryAdapter

_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "httpx", "httpcore")


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """Undo what a test's in-process ``serve`` or ``logs.configure`` did to logging.

    Their handler writes to the ``sys.stderr`` pytest swapped in for that test, and closes
    after it: a later test's server thread would log into a closed stream.
    """
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    saved = [(logger, list(logger.handlers), logger.level, logger.propagate) for logger in loggers]
    yield
    for logger, handlers, level, propagate in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


T0 = datetime(2026, 11, 1, tzinfo=UTC)
STATUSES = [JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.QUEUED]


def make_jobs(source: Source, n: int, *, step_s: int = 60, offset_s: int = 0, timed: bool = True) -> list[JobRecord]:
    """Jobs newest first, ``step_s`` apart, each with a job type."""
    return [
        JobRecord(
            source=source,
            native_id=f"{source.value.lower()}-{i}",
            scope="s1",
            status=STATUSES[i % len(STATUSES)],
            native_status=STATUSES[i % len(STATUSES)].value.lower(),
            job_type_id=f"t{i % 3}",
            updated_at=T0 - timedelta(seconds=offset_s + i * step_s) if timed else None,
        )
        for i in range(n)
    ]


def make_types(source: Source) -> list[JobTypeRecord]:
    return [JobTypeRecord(source=source, native_id=f"t{i}", scope="s1", name=f"type-{i}") for i in range(3)]


@pytest.fixture
def adapters() -> dict[Source, MemoryAdapter]:
    return {
        Source.SCALE: MemoryAdapter(Source.SCALE, make_jobs(Source.SCALE, 37), make_types(Source.SCALE)),
        Source.LEIA: MemoryAdapter(Source.LEIA, make_jobs(Source.LEIA, 23, step_s=97, offset_s=30)),
        Source.PHYLODB: MemoryAdapter(Source.PHYLODB, make_jobs(Source.PHYLODB, 11, timed=False)),
    }


GraphQL = Callable[..., dict[str, Any]]


@pytest.fixture
def client(adapters: dict[Source, MemoryAdapter]) -> Iterator[TestClient]:
    app = create_app(
        GatewayConfig(gateway=GatewaySettings(cursor_secret=SecretStr("test-secret"))),
        upstreams=Upstreams(dict(adapters)),
    )
    with TestClient(app) as c:
        yield c


@pytest.fixture
def gql(client: TestClient) -> GraphQL:
    def run(query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        response = client.post("/graphql", json={"query": query, "variables": variables or {}}, **kwargs)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return run


@pytest.fixture
def no_serving(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """``job-gateway`` commands run up to their uvicorn servers, which are recorded instead of run."""
    served: list[Any] = []

    async def serve(server: Any) -> None:
        served.append(server.config.app)

    monkeypatch.setattr(uvicorn.Server, "serve", serve)
    monkeypatch.delenv(cli.CONFIG_ENV, raising=False)
    return served
