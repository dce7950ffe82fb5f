from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest

from adapters.base import JobQuery
from adapters.errors import ErrorKind, UpstreamError
from adapters.leia.listing import plan
from adapters.leia.paging import StreamPage, decode_position, encode_position, merged_page
from adapters.model import JobRecord, JobStatus, Source

T0 = datetime(2026, 1, 1, tzinfo=UTC)
WORDS = ["READY", "STARTING", "PROCESSING", "PROCESSED"]


def job(i: int, word: str) -> JobRecord:
    # Newest first by index: job 0 is the newest.
    return JobRecord(Source.LEIA, f"j{i:03d}", "app", JobStatus.UNKNOWN, word, created_at=T0 - timedelta(seconds=i))


JOBS = [job(i, WORDS[i % 4]) for i in range(40)]


class FakeLeia:
    """A ``GET /job`` over JOBS, sorted newest first, filtered by ``status``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str | None, int, int]] = []

    async def fetch(self, params: Mapping[str, str], offset: int, limit: int) -> StreamPage:
        self.calls.append((params.get("status"), offset, limit))
        rows = [j for j in JOBS if params.get("status") in (None, j.native_status)]
        page = rows[offset : offset + limit]
        return StreamPage(page, total=len(rows), exhausted=offset + len(page) >= len(rows))


async def walk(streams: list[dict[str, str]], limit: int, keep: str | None = None, exact: bool = True) -> list[str]:
    leia = FakeLeia()
    seen: list[str] = []
    after = None
    while True:
        page = await merged_page(
            streams,
            leia.fetch,
            keep=lambda r: keep is None or r.native_status == keep,
            after=after,
            limit=limit,
            fetch_size=limit,
            exact=exact,
        )
        seen += [e.record.native_id for e in page.entries]
        if not page.has_more:
            return seen
        assert page.entries, "a page that says more follows must carry a position"
        after = page.entries[-1].position


@pytest.mark.parametrize("limit", [1, 3, 7, 40, 100])
async def test_single_stream_walk(limit: int) -> None:
    assert await walk([{}], limit) == [j.native_id for j in JOBS]


@pytest.mark.parametrize("limit", [1, 4, 9])
async def test_merged_streams_keep_newest_first_order(limit: int) -> None:
    streams = [{"status": "STARTING"}, {"status": "PROCESSING"}, {"status": "READY"}]
    wanted = [j.native_id for j in JOBS if j.native_status in ("STARTING", "PROCESSING", "READY")]
    assert await walk(streams, limit) == wanted


@pytest.mark.parametrize("limit", [1, 5])
async def test_local_filter_skips_but_advances(limit: int) -> None:
    assert await walk([{}], limit, keep="PROCESSED", exact=False) == [
        j.native_id for j in JOBS if j.native_status == "PROCESSED"
    ]


async def test_positions_and_total() -> None:
    leia = FakeLeia()
    streams = [{"status": "READY"}, {"status": "STARTING"}]
    page = await merged_page(streams, leia.fetch, keep=lambda r: True, after=None, limit=3, fetch_size=3, exact=True)
    assert [e.record.native_id for e in page.entries] == ["j000", "j001", "j004"]
    assert [e.position for e in page.entries] == ["o1.0", "o1.1", "o2.1"]
    assert page.total == 20 and page.has_more
    inexact = await merged_page(
        streams, leia.fetch, keep=lambda r: True, after=None, limit=3, fetch_size=3, exact=False
    )
    assert inexact.total is None


@pytest.mark.parametrize("bad", ["", "x1", "o", "o1.2", "o-1", "o1e3", "o99999999999", "o\uff11"])
def test_malformed_positions(bad: str) -> None:
    with pytest.raises(UpstreamError) as err:
        decode_position(bad, 1)
    assert err.value.kind is ErrorKind.INVALID


def test_position_round_trip() -> None:
    assert decode_position(encode_position([3, 0, 12]), 3) == [3, 0, 12]
    assert decode_position(None, 2) == [0, 0]


def test_plan_pushes_down_what_leia_filters() -> None:
    query = JobQuery(
        statuses=frozenset({JobStatus.SUCCEEDED}),
        job_type_ids=frozenset({"predict"}),
        created_after=T0,
        created_before=T0 + timedelta(days=1),
        parent_id="p",
    )
    the_plan = plan(query, "app")
    assert the_plan is not None and the_plan.exact
    assert the_plan.streams == (
        {
            "application_id": "app",
            "sort": "-creation_time",
            "parent_job_id": "p",
            "job_type": "predict",
            "created_after": "2026-01-01T00:00:00",
            "created_before": "2026-01-02T00:00:00",
            "status": "PROCESSED",
        },
    )


def test_plan_streams_per_status_word() -> None:
    the_plan = plan(JobQuery(statuses=frozenset({JobStatus.RUNNING})), "app")
    assert the_plan is not None and the_plan.exact
    assert [s["status"] for s in the_plan.streams] == ["LOADING_MODEL", "PROCESSING", "STARTING"]


def test_plan_falls_back_to_local_filtering() -> None:
    wide = plan(JobQuery(statuses=frozenset({JobStatus.RUNNING, JobStatus.QUEUED})), "app")
    assert wide is not None and not wide.exact and len(wide.streams) == 1 and "status" not in wide.streams[0]
    two_types = plan(JobQuery(job_type_ids=frozenset({"predict", "transform"})), "app")
    assert two_types is not None and not two_types.exact and "job_type" not in two_types.streams[0]
    fine_time = plan(JobQuery(created_after=T0 + timedelta(microseconds=5)), "app")
    assert fine_time is not None and not fine_time.exact
    updated = plan(JobQuery(updated_after=T0), "app")
    assert updated is not None and not updated.exact


def test_plan_knows_when_nothing_matches() -> None:
    assert plan(JobQuery(scopes=frozenset({"other"})), "app") is None
    assert plan(JobQuery(job_type_ids=frozenset()), "app") is None
    assert plan(JobQuery(job_type_ids=frozenset({"conditional"})), "app") is None
    assert plan(JobQuery(statuses=frozenset()), "app") is None
