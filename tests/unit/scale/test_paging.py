from __future__ import annotations

import pytest

from adapters.positions import decode_offset, encode_offset, plan_window
from adapters.scale.listing import MAX_PAGE_SIZE


@pytest.mark.parametrize(
    ("offset", "limit", "size", "pages", "skip"),
    [
        (0, 10, 10, (1,), 0),
        (10, 10, 10, (2,), 0),
        (5, 10, 15, (1,), 5),
        (995, 10, 14, (72,), 1),
        (0, 1000, 1000, (1,), 0),
        (5, 1000, 1000, (1, 2), 5),
        (0, 5000, 1000, (1,), 0),
    ],
)
def test_plan_window_examples(offset: int, limit: int, size: int, pages: tuple[int, ...], skip: int) -> None:
    window = plan_window(offset, limit, MAX_PAGE_SIZE)
    assert (window.page_size, window.pages, window.skip) == (size, pages, skip)


@pytest.mark.parametrize("limit", [1, 2, 7, 25, 100, 333, 999, 1000])
def test_plan_window_always_covers_the_range(limit: int) -> None:
    for offset in [*range(0, 2100, 7), 10**6 + 3]:
        window = plan_window(offset, limit, MAX_PAGE_SIZE)
        assert limit <= window.page_size <= MAX_PAGE_SIZE
        first = (window.pages[0] - 1) * window.page_size
        end = (window.pages[-1]) * window.page_size
        assert first + window.skip == offset
        assert end >= offset + limit
        assert len(window.pages) == 1 or window.page_size == limit


def test_positions_round_trip() -> None:
    assert decode_offset(None) == 0
    assert decode_offset(encode_offset(1234)) == 1234


@pytest.mark.parametrize("bad", ["", "-1", "1.5", "abc", "\uff11\uff12", "99999999999", " 3"])
def test_malformed_positions(bad: str) -> None:
    with pytest.raises(ValueError):
        decode_offset(bad)
