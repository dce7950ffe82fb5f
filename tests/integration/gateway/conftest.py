from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.stack import Stack, running_stack
from tests.support.stores import redis_url

__all__ = ["redis_url"]


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack() as s:
        yield s


@pytest.fixture(autouse=True)
def _reset(stack: Stack) -> Iterator[None]:
    stack.calls.clear()
    yield
    for name in stack.sims.simulators:
        stack.faults(name, {})
