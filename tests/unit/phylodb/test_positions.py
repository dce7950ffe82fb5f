from __future__ import annotations

import pytest

from adapters.phylodb.positions import ListPosition, decode_position


def test_round_trip() -> None:
    position = ListPosition(2, 17, "c965f4ae-f31c-48ad-8fcf-266c8d0281aa")
    assert decode_position(position.encode()) == position
    assert decode_position("0:4") == ListPosition(0, 4, None)


@pytest.mark.parametrize("text", ["", "x", "1", "1:", "-1:2:a", "a:b:c", "1:2:3:4", "\u0661:2"])
def test_malformed(text: str) -> None:
    with pytest.raises(ValueError):
        decode_position(text)


def test_resume_after_the_entry_or_where_it_moved() -> None:
    items = [{"id": "a"}, {"id": "b"}, {"id": "c"}]
    assert ListPosition(0, 1, "b").resume_index(items) == 2
    assert ListPosition(0, 0, "b").resume_index(items) == 2  # a job was inserted before it
    assert ListPosition(0, 1, "gone").resume_index(items) == 2
    assert ListPosition(0, 1).resume_index(items) == 2


def test_skip_full_page() -> None:
    assert ListPosition(0, 1, "b").skip_full_page(3) == ListPosition(0, 1, "b")
    moved = ListPosition(0, 2, "c").skip_full_page(3)
    assert moved == ListPosition(1, -1, "c")
    assert moved.resume_index([{"id": "x"}]) == 0
    assert moved.resume_index([{"id": "c"}, {"id": "d"}]) == 1  # pushed onto the next page by an insert
