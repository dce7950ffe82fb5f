from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from adapters.amperity.positions import ListPosition
from adapters.amperity.server_clock import ServerClock
from adapters.timeparse import format_ms, truncate_ms

END = datetime(2026, 11, 2, 12, 0, 1, tzinfo=UTC)


def test_position_round_trip() -> None:
    position = ListPosition(END, datetime(2026, 11, 1, 3, 4, 5, 678000, tzinfo=UTC), "isj-20261101-12345-AbCdEf")
    text = position.encode()
    assert text == "2026-11-02T12:00:01.000Z|2026-11-01T03:04:05.678Z|isj-20261101-12345-AbCdEf"
    assert ListPosition.decode(text) == position


def test_position_without_start() -> None:
    position = ListPosition(END, None, "isj-x")
    assert ListPosition.decode(position.encode()) == position


@pytest.mark.parametrize(
    "text",
    ["", "garbage", "a|b|c", "2026-11-02T12:00:01.000Z||", "2026-11-02T12:00:01|x|isj", "x|y|z|w"],
)
def test_malformed_positions(text: str) -> None:
    with pytest.raises(ValueError):
        ListPosition.decode(text)


def test_format_ms_and_truncate() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    assert format_ms(moment) == "2026-01-02T03:04:05.678Z"
    assert truncate_ms(moment).microsecond == 678000


def test_clock_learns_a_large_skew() -> None:
    clock = ServerClock()
    clock.observe_date("Mon, 02 Nov 2026 12:00:00 GMT")
    assert clock.known
    assert abs(clock.now() - datetime(2026, 11, 2, 12, tzinfo=UTC)) < timedelta(seconds=1)


def test_clock_ignores_sub_tolerance_skew_and_garbage() -> None:
    clock = ServerClock()
    near = datetime.now(UTC) - timedelta(seconds=1)
    clock.observe_date(near.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    assert clock.skew == timedelta(0)
    clock.observe_date("not a date")
    assert clock.skew == timedelta(0)


async def test_clock_reads_the_last_date_header() -> None:
    clock = ServerClock()
    headers = [
        ("date", datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")),
        ("date", "Mon, 02 Nov 2026 12:00:00 GMT"),
    ]
    await clock.on_response(httpx.Response(200, headers=headers))
    assert abs(clock.now() - datetime(2026, 11, 2, 12, tzinfo=UTC)) < timedelta(seconds=1)
