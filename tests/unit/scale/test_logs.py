"""``adapters.scale.logs``: executions oldest first, positions inside an execution, levels."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import respx

from adapters.errors import ErrorKind, UpstreamError
from adapters.model import NativeKey
from adapters.registry import source_settings
from adapters.scale import ScaleAdapter, build_adapter

BASE = "http://scale.test/api"


@pytest.fixture
async def adapter() -> AsyncIterator[ScaleAdapter]:
    scale = build_adapter(source_settings("scale", {"base_url": BASE, "token": "t0ken"}))
    yield scale
    await scale.aclose()


def _line(message: str, stream: str, second: int) -> dict[str, object]:
    return {"message": message, "stream": stream, "timestamp": f"2026-01-01T00:00:{second:02d}Z"}


@respx.mock
async def test_logs_of_every_execution_oldest_first_page_by_page(adapter: ScaleAdapter) -> None:
    executions = {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [{"id": 12, "exe_num": 2}, {"id": 11, "exe_num": 1}],
    }
    respx.get(f"{BASE}/v6/jobs/5/executions/").respond(json=executions)
    respx.get(f"{BASE}/v6/job-executions/11/logs/combined/").respond(
        json=[_line("INFO - Starting", "stdout", 1), _line("boom", "stderr", 2)]
    )
    respx.get(f"{BASE}/v6/job-executions/12/logs/combined/").respond(json=[_line("WARNING - slow", "stdout", 3)])
    first = await adapter.job_logs(NativeKey("", "5"), None, 2)
    assert [(r.record.level, r.record.stream, r.record.message) for r in first.entries] == [
        ("INFO", "stdout", "INFO - Starting"),
        ("ERROR", "stderr", "boom"),
    ]
    assert first.has_more
    rest = await adapter.job_logs(NativeKey("", "5"), first.entries[-1].position, 2)
    assert [r.record.message for r in rest.entries] == ["WARNING - slow"] and not rest.has_more


@respx.mock
async def test_an_execution_without_log_yet_and_a_bad_position(adapter: ScaleAdapter) -> None:
    respx.get(f"{BASE}/v6/jobs/5/executions/").respond(json={"count": 1, "results": [{"id": 11, "exe_num": 1}]})
    respx.get(f"{BASE}/v6/job-executions/11/logs/combined/").respond(204)
    page = await adapter.job_logs(NativeKey("", "5"), None, 10)
    assert page.entries == [] and not page.has_more
    with pytest.raises(UpstreamError) as err:
        await adapter.job_logs(NativeKey("", "5"), "x:y", 10)
    assert err.value.kind is ErrorKind.INVALID
