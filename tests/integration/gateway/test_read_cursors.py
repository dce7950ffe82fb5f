"""Edge cursors are sealed only when a query selects them, and every way of selecting them still gets them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gateway.cursor import CursorCodec
from tests.support.stack import Stack


@pytest.fixture
def sealed(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the cursors the gateway seals while the test runs."""
    codec: CursorCodec = stack.app.state.services.codec
    count = [0]
    encode = codec.encode

    def counting(*args: Any, **kwargs: Any) -> str:
        count[0] += 1
        return encode(*args, **kwargs)

    monkeypatch.setattr(codec, "encode", counting)
    yield count


def test_a_page_without_edge_cursors_seals_only_its_page_info_cursors(stack: Stack, sealed: list[int]) -> None:
    body = stack.query(
        "{ jobs(first: 20, filter: {sources: [SCALE]}) { edges { node { id } } pageInfo { endCursor } } }"
    )
    assert len(body["data"]["jobs"]["edges"]) == 20 and body["data"]["jobs"]["pageInfo"]["endCursor"]
    assert sealed[0] == 2, "start and end cursor only, not one per edge"


@pytest.mark.parametrize(
    "selection",
    [
        "edges { cursor node { id } }",
        "...Page",
        "... on JobConnection { edges { ... on JobEdge { cursor } } }",
        "edges { cursor @include(if: $yes) }",
    ],
    ids=["field", "fragment", "inline", "directive"],
)
def test_every_way_of_selecting_edge_cursors_gets_real_ones(stack: Stack, selection: str) -> None:
    fragment = "fragment Page on JobConnection { edges { cursor } }" if selection == "...Page" else ""
    uses_variable = "$yes" in selection
    head = "query($yes: Boolean!)" if uses_variable else "query"
    query = f"{head} {{ jobs(first: 3, filter: {{sources: [SCALE]}}) {{ {selection} }} }} {fragment}"
    body = stack.query(query, {"yes": True} if uses_variable else {})
    assert "errors" not in body, body
    cursors = [edge["cursor"] for edge in body["data"]["jobs"]["edges"]]
    assert len(cursors) == 3 and all(cursors) and len(set(cursors)) == 3
    after = stack.query(
        "query($after: String) { jobs(first: 1, after: $after, filter: {sources: [SCALE]}) { edges { node { id } } } }",
        {"after": cursors[0]},
    )
    assert "errors" not in after, "an edge cursor pages on"
