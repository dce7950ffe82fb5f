"""``first: 0``, the usual way to ask only for ``totalCount``, over every real adapter."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support.stack import Stack

QUERY = """query($sources: [Source!]) {
  jobs(first: 0, filter: {sources: $sources}) { totalCount edges { cursor } pageInfo { hasNextPage } }
}"""


@pytest.mark.parametrize("source", ["WORDLIFT", "LEIA", "PHYLODB", "SCALE", "AMPERITY"])
def test_first_zero_answers_without_an_error(stack: Stack, source: str) -> None:
    body = stack.query(QUERY, {"sources": [source]})
    assert "errors" not in body, body
    jobs = body["data"]["jobs"]
    assert jobs["edges"] == [] and jobs["pageInfo"]["hasNextPage"] is True
    full = stack.query("query($s: [Source!]) { jobs(first: 1, filter: {sources: $s}) { totalCount } }", {"s": [source]})
    # The same total a page with records tells: a number where the source counts, else null.
    assert jobs["totalCount"] == full["data"]["jobs"]["totalCount"]


def test_first_zero_costs_one_small_list_call_per_counting_source(stack: Stack) -> None:
    stack.calls.clear()
    body = stack.query(QUERY, {"sources": ["LEIA", "SCALE", "AMPERITY"]})
    total = body["data"]["jobs"]["totalCount"]
    assert isinstance(total, int) and total > 0
    lists = Counter(
        source for (source, operation), n in stack.calls.items() for _ in range(n) if operation.startswith("list")
    )
    assert lists == {"LEIA": 1, "SCALE": 1, "AMPERITY": 1}, stack.calls
