"""Amperity lists past the first 7 days (``history_days``): window after window, newest first, each job once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import respx

from adapters.amperity import AmperityAdapter, build_adapter
from adapters.base import JobQuery
from adapters.registry import source_settings
from adapters.settings import ConfigError
from tests.unit.amperity.examples import job, table
from tests.unit.amperity.test_adapter import BASE, DATE, TENANT, TOKEN, at, window_server

DAY = 24 * 60


@pytest.fixture
async def deep() -> AsyncIterator[AmperityAdapter]:
    settings = {"base_url": BASE, "token": TOKEN, "tenant": TENANT, "history_days": 21}
    built = build_adapter(source_settings("amperity", settings))
    built.clock.observe_date(DATE)
    yield built
    await built.aclose()


def _jobs() -> list[dict[str, object]]:
    # Two this week, none the week before, three two weeks ago, one past the 21 days.
    ages = [60, 2 * DAY, 15 * DAY, 16 * DAY, 20 * DAY, 30 * DAY]
    return [job(f"isj-2026{n:04d}-0000{n}-AbCdE{n}", table("succeeded", at(age))) for n, age in enumerate(ages)]


async def test_a_list_pages_back_window_by_window_to_the_horizon(deep: AmperityAdapter) -> None:
    jobs = _jobs()
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/ingest/jobs").mock(side_effect=window_server(jobs))
        seen: list[str] = []
        after = None
        for _ in range(10):
            page = await deep.list_jobs(JobQuery(), after, 2)
            seen += [e.record.native_id for e in page.entries]
            assert page.total is None, "older windows are not counted in advance"
            if not page.has_more:
                break
            after = page.entries[-1].position if page.entries else after
        assert seen == [str(j["id"]) for j in jobs[:5]], "newest first, each once, nothing past 21 days"
        assert route.call_count <= 6


async def test_the_default_lists_the_last_7_days_only() -> None:
    settings = {"base_url": BASE, "token": TOKEN, "tenant": TENANT}
    adapter = build_adapter(source_settings("amperity", settings))
    adapter.clock.observe_date(DATE)
    jobs = _jobs()
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/ingest/jobs").mock(side_effect=window_server(jobs))
        page = await adapter.list_jobs(JobQuery(), None, 10)
    await adapter.aclose()
    assert [e.record.native_id for e in page.entries] == [str(j["id"]) for j in jobs[:2]]
    assert page.total == 2 and not page.has_more and route.call_count == 1


def test_history_days_is_bounded() -> None:
    for bad in (3, 400, "30"):
        with pytest.raises(ConfigError, match="history_days"):
            source_settings("amperity", {"base_url": BASE, "token": TOKEN, "tenant": TENANT, "history_days": bad})
