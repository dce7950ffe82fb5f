from __future__ import annotations

import pytest

from adapters.errors import ErrorKind, UpstreamError
from adapters.wordlift.positions import START, GraphPosition, decode
from tests.unit.wordlift.examples import CURSOR


def test_none_is_the_start() -> None:
    assert decode(None) == START == GraphPosition(None, 0)


@pytest.mark.parametrize("position", [GraphPosition(None, 3), GraphPosition(CURSOR, 0), GraphPosition(CURSOR, 17)])
def test_round_trip_even_when_the_cursor_holds_the_separator(position: GraphPosition) -> None:
    assert decode(position.encode()) == position


def test_first_page_encoding() -> None:
    assert GraphPosition(None, 4).encode() == "|4"


@pytest.mark.parametrize("bad", ["", "abc", "cursor|", "cursor|-1", "cursor|x", "|²", "|99999999"])
def test_malformed_positions_are_invalid(bad: str) -> None:
    with pytest.raises(UpstreamError) as info:
        decode(bad)
    assert info.value.kind is ErrorKind.INVALID
