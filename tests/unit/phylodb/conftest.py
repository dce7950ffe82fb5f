"""Shared fixtures for phyloDB unit tests: a respx router and an adapter pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
import respx

from adapters.phylodb.adapter import PhyloDBAdapter

BASE = "http://phylodb.test"
TOKEN = "ya29.a0-secret-token-value-123456"
P1 = "8fdaea41-23ca-42cc-a3aa-063bb42bb842"
P2 = "1b7a7c53-3c1e-4f3a-9d55-41d0a2f0a111"
DATASET = "eb6e9c65-8230-4b75-9ecf-d7d453b67102"
INFERENCE = "4af95b39-7ca8-40f8-87f8-617dd961fb73"
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def job_id(n: int) -> str:
    """Distinct UUIDs in the order phyloDB lists them (by text)."""
    return f"00000000-0000-4000-8000-{n:012d}"


def jobs(*flags: tuple[int, bool, bool]) -> list[dict[str, object]]:
    return [{"id": job_id(n), "completed": c, "cancelled": x} for n, c, x in flags]


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture
async def adapter() -> AsyncIterator[PhyloDBAdapter]:
    ad = PhyloDBAdapter(BASE, token=TOKEN, provider="google", projects=[P1, P2], page_size=3, now=lambda: NOW)
    yield ad
    await ad.aclose()
