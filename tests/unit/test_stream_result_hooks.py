"""Our runner drives ``on_stream_result`` generators by hand: the same order and exception handling as Strawberry's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import StreamResultContextManager
from strawberry.types import ExecutionContext

from gateway.schema.runner import LeanExtensionsRunner


class Recording(SchemaExtension):
    def __init__(self, name: str, log: list[str], *, swallow: bool = False, replace: bool = False) -> None:
        self.name, self.log, self.swallow, self.replace = name, log, swallow, replace

    def on_stream_result(self, result: Any) -> Iterator[None]:
        self.log.append(f"{self.name} before {result}")
        try:
            yield None
        except ValueError as error:
            self.log.append(f"{self.name} saw {error}")
            if self.replace:
                raise KeyError(f"{self.name} instead") from error
            if not self.swallow:
                raise
        else:
            self.log.append(f"{self.name} after")


class Silent(SchemaExtension):
    """No hook of its own: not driven at all."""


def _extensions(log: list[str], **inner: bool) -> list[SchemaExtension]:
    return [Recording("outer", log), Silent(), Recording("inner", log, **inner)]


async def _ours(log: list[str], raising: BaseException | None, **inner: bool) -> str:
    runner = LeanExtensionsRunner(cast(ExecutionContext, None), _extensions(log, **inner))
    try:
        async with runner.on_stream_result("r1"):
            if raising is not None:
                raise raising
    except Exception as error:
        return repr(error)
    return "no error"


async def _strawberrys(log: list[str], raising: BaseException | None, **inner: bool) -> str:
    try:
        async with StreamResultContextManager(_extensions(log, **inner), cast(Any, "r1")):
            if raising is not None:
                raise raising
    except Exception as error:
        return repr(error)
    return "no error"


@pytest.mark.parametrize(
    ("raising", "inner"),
    [
        (None, {}),
        (ValueError("boom"), {}),
        (ValueError("boom"), {"swallow": True}),
        (ValueError("boom"), {"replace": True}),
        (RuntimeError("other"), {}),
    ],
)
async def test_hooks_run_and_see_errors_as_under_strawberrys_exit_stack(
    raising: BaseException | None, inner: dict[str, bool]
) -> None:
    ours: list[str] = []
    theirs: list[str] = []
    outcome = await _ours(ours, raising, **inner)
    assert outcome == await _strawberrys(theirs, raising, **inner)
    assert ours == theirs
    assert ours[:2] == ["outer before r1", "inner before r1"]


async def test_a_runner_with_a_hook_of_another_kind_uses_strawberrys_context_manager() -> None:
    class Plain(SchemaExtension):
        def on_stream_result(self, result: Any) -> None:  # type: ignore[override]
            seen.append(result)

    seen: list[Any] = []
    runner = LeanExtensionsRunner(cast(ExecutionContext, None), [Plain()])
    manager = runner.on_stream_result("r1")
    assert isinstance(manager, StreamResultContextManager)
    async with manager:
        pass
    assert seen == ["r1"]
