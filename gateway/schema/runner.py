"""The schema-extension runner: Strawberry's, with the per-result work of a stream done once per operation.

For every result of a stream (each subscription event, for each subscriber),
Strawberry's runner looks every extension's ``on_stream_result`` hook up again,
wrapping each in a new context manager factory, and asks every extension for
``get_results`` and awaits each answer, though one extension of a dozen has any:
for an event reaching thousands of subscribers, more than the event's own
execution costs. Here the hooks are looked up at the first result and the
extensions without results are not asked; what runs, and in which order, is
Strawberry's.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Generator
from types import TracebackType
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import StreamResultContextManager, WrappedHook
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext


class _StreamResult(StreamResultContextManager):
    """Strawberry's context manager around one streamed result, on hooks found before."""

    def __init__(self, hooks: list[WrappedHook], result: Any) -> None:
        # Not super().__init__: that would look the hooks up again.
        self.result = result
        self.hooks = hooks


class _SyncStreamResult(StreamResultContextManager):
    """The same, where every hook is synchronous: a plain exit stack does (cheaper than an async one)."""

    def __init__(self, hooks: list[WrappedHook], result: Any) -> None:
        self.result = result
        self.hooks = hooks

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc_val, exc_tb)


_Maker = Callable[[Any], Generator[None, None, None]]


class _DirectStreamResult:
    """Around one streamed result, where every hook is a plain generator (as ours are): each is
    driven by hand, without a context manager object per hook and result and an exit stack
    over them. On an exception, each hook sees it (or what the one inside it turned it into)
    as under Strawberry's exit stack (``tests/unit/test_stream_result_hooks.py`` compares)."""

    __slots__ = ("_makers", "_result", "_started")

    def __init__(self, makers: list[_Maker], result: Any) -> None:
        self._makers = makers
        self._result = result
        self._started: list[Generator[None, None, None]] = []

    async def __aenter__(self) -> None:
        for make in self._makers:
            hook = make(self._result)
            try:
                next(hook)
            except StopIteration:
                raise RuntimeError("generator didn't yield") from None
            except BaseException as error:
                await self.__aexit__(type(error), error, error.__traceback__)
                raise
            self._started.append(hook)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> bool:
        pending = exc_val
        while self._started:
            hook = self._started.pop()
            try:
                if pending is None:
                    next(hook)
                else:
                    hook.throw(pending)
            except StopIteration:
                pending = None  # finished: past an exception too, which it then suppressed
                continue
            except BaseException as raised:
                pending = raised
                continue
            pending = RuntimeError("generator didn't stop")
        if pending is None or pending is exc_val:
            # As Strawberry's: a hook that swallowed the error spares the hooks outside it, but
            # the error still leaves (its exit stack's answer is not passed on).
            return False
        raise pending


class LeanExtensionsRunner(SchemaExtensionsRunner):
    def __init__(self, execution_context: ExecutionContext, extensions: list[SchemaExtension] | None = None) -> None:
        super().__init__(execution_context, extensions)
        self._stream_hooks: list[WrappedHook] | None = None
        self._stream_sync = False
        self._stream_makers: list[_Maker] | None = None
        self._with_results: list[SchemaExtension] | None = None

    def on_stream_result(self, result: Any) -> Any:
        if self._stream_hooks is None:
            self._stream_hooks = StreamResultContextManager(self.extensions, result).hooks
            self._stream_sync = not any(hook.is_async for hook in self._stream_hooks)
            self._stream_makers = _generator_makers(self.extensions)
        if self._stream_makers is not None:
            return _DirectStreamResult(self._stream_makers, result)
        if self._stream_sync:
            return _SyncStreamResult(self._stream_hooks, result)
        return _StreamResult(self._stream_hooks, result)

    async def get_extensions_results(self, ctx: ExecutionContext) -> dict[str, Any]:
        if self._with_results is None:
            # The base class's get_results has no results: asking it is all the cost there is.
            self._with_results = [e for e in self.extensions if type(e).get_results is not SchemaExtension.get_results]
        data: dict[str, Any] = {}
        for extension in self._with_results:
            results = extension.get_results()
            data.update(await results if inspect.isawaitable(results) else results)
        data.update(ctx.extensions_results)
        return data


def _generator_makers(extensions: list[SchemaExtension]) -> list[_Maker] | None:
    """Each extension's own ``on_stream_result`` generator function, bound, in Strawberry's order;
    None if any of them is something else (a coroutine, a plain function): Strawberry's way then."""
    makers: list[_Maker] = []
    for extension in extensions:
        hook = type(extension).on_stream_result
        if hook is SchemaExtension.on_stream_result:
            continue
        if not inspect.isgeneratorfunction(hook):
            return None
        makers.append(types.MethodType(hook, extension))
    return makers
