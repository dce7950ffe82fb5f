"""Our runner drives generator hooks by hand: the same order and exception handling as Strawberry's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from typing import Any, cast

import pytest
from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import OperationContextManager, StreamResultContextManager
from strawberry.types import ExecutionContext

from gateway.schema.runner import LeanExtensionsRunner


class Recording(SchemaExtension):
    def __init__(self, name: str, log: list[str], *, swallow: bool = False, replace: bool = False) -> None:
        self.name, self.log, self.swallow, self.replace = name, log, swallow, replace

    def _around(self, what: str) -> Iterator[None]:
        self.log.append(f"{self.name} before {what}")
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

    def on_stream_result(self, result: Any) -> Iterator[None]:
        yield from self._around(result)

    def on_operation(self) -> Iterator[None]:
        yield from self._around("operation")


class Silent(SchemaExtension):
    """No hook of its own: not driven at all."""


def _extensions(log: list[str], **inner: bool) -> list[SchemaExtension]:
    return [Recording("outer", log), Silent(), Recording("inner", log, **inner)]


def _ours(stage: str, extensions: list[SchemaExtension]) -> AbstractAsyncContextManager[None]:
    runner = LeanExtensionsRunner(cast(ExecutionContext, None), extensions)
    return runner.on_stream_result("r1") if stage == "result" else runner.operation()


def _strawberrys(stage: str, extensions: list[SchemaExtension]) -> AbstractAsyncContextManager[None]:
    if stage == "result":
        return cast(AbstractAsyncContextManager[None], StreamResultContextManager(extensions, cast(Any, "r1")))
    return cast(AbstractAsyncContextManager[None], OperationContextManager(extensions))


async def _outcome(manager: AbstractAsyncContextManager[None], raising: BaseException | None) -> str:
    try:
        async with manager:
            if raising is not None:
                raise raising
    except Exception as error:
        return repr(error)
    return "no error"


@pytest.mark.parametrize("stage", ["result", "operation"])
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
    stage: str, raising: BaseException | None, inner: dict[str, bool]
) -> None:
    ours: list[str] = []
    theirs: list[str] = []
    outcome = await _outcome(_ours(stage, _extensions(ours, **inner)), raising)
    assert outcome == await _outcome(_strawberrys(stage, _extensions(theirs, **inner)), raising)
    assert ours == theirs
    assert ours[0].startswith("outer before") and ours[1].startswith("inner before")


async def test_a_hook_failing_on_the_way_in_leaves_those_entered_before_it() -> None:
    class Failing(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            raise ValueError("refused")
            yield None  # a generator all the same

    log: list[str] = []
    runner = LeanExtensionsRunner(cast(ExecutionContext, None), [Recording("outer", log), Failing()])
    with pytest.raises(ValueError, match="refused"):
        async with runner.operation():
            log.append("never")
    assert log == ["outer before operation", "outer saw refused"]


async def test_a_stage_with_a_hook_of_another_kind_is_strawberrys() -> None:
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


async def test_extensions_done_after_validation_are_let_go_when_execution_starts() -> None:
    class ParsingOnly(SchemaExtension):
        def on_parse(self) -> Iterator[None]:
            yield None

    class Results(SchemaExtension):
        def get_results(self) -> dict[str, Any]:
            return {"seen": True}

    log: list[str] = []
    parsing, results, operation = ParsingOnly(), Results(), Recording("op", log)
    runner = LeanExtensionsRunner(cast(ExecutionContext, None), [parsing, Silent(), results, operation])
    async with runner.operation():
        with runner.parsing():
            pass
        async with runner.executing():
            assert runner.extensions == [results, operation]
    assert log == ["op before operation", "op after"]
