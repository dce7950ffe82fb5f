"""The schema-extension runner: Strawberry's, with the per-operation and per-result machinery made lean.

For every operation and every result of a stream (each subscription event, for each
subscriber), Strawberry's runner looks every extension's hooks up again, wraps each
in a new context manager factory and enters them through an exit stack; a held
subscription keeps its operation's stack, factories and managers for as long as it
lasts (about 5 KiB each, ``benchmarks.held``). It also asks every extension for
``get_results`` and awaits each answer, though one extension of a dozen has any.

Here hooks that are plain generator functions (all of ours but one ``on_execute``)
are driven directly (``_DirectHooks``): the functions are found once per list of
extension types, and a running lifecycle stage holds only its generators. What runs,
in which order, and what each hook sees of an exception is Strawberry's
(``tests/unit/test_extension_runner.py`` compares); any other kind of hook makes
the whole stage Strawberry's own. Extensions without results are not asked for them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator
from types import TracebackType
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import StreamResultContextManager, WrappedHook
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext

_Hook = Callable[..., Generator[None, None, None]]
_Found = tuple[tuple[int, _Hook], ...]

_HOOKS: dict[tuple[str, tuple[type, ...]], _Found | None] = {}
"""Per hook name and list of extension types: which extensions have it, as generator functions."""
_HOOKS_MAX = 256


_LATER_HOOKS = ("on_operation", "on_execute", "on_stream_result", "get_results", "resolve")


_ACTS_LATER: dict[type, bool] = {}


def _acts_after_validation(extension: type[SchemaExtension]) -> bool:
    """Whether ``extension`` has a hook of its own past validation (its ``on_operation`` is running then)."""
    acts = _ACTS_LATER.get(extension)
    if acts is None:
        acts = any(getattr(extension, name) is not getattr(SchemaExtension, name) for name in _LATER_HOOKS)
        if len(_ACTS_LATER) < _HOOKS_MAX:
            _ACTS_LATER[extension] = acts
    return acts


def _generator_hooks(name: str, extensions: list[SchemaExtension]) -> _Found | None:
    """The extensions (by index) with their own ``name`` hook, in order; None if one is not a generator function."""
    key = (name, tuple(type(extension) for extension in extensions))
    try:
        return _HOOKS[key]
    except KeyError:
        pass
    default = getattr(SchemaExtension, name)
    own = [
        (index, getattr(type(e), name)) for index, e in enumerate(extensions) if getattr(type(e), name) is not default
    ]
    result = tuple(own) if all(inspect.isgeneratorfunction(hook) for _, hook in own) else None
    if len(_HOOKS) < _HOOKS_MAX:
        _HOOKS[key] = result
    return result


class _DirectHooks:
    """One lifecycle stage (or one streamed result), its generator hooks driven by hand.

    Entered: each hook runs up to its ``yield``, in order. Left: each resumes, innermost
    first, with the exception the one inside it let out (none if it swallowed it) thrown in.
    As under Strawberry's exit stack, the stage never suppresses the exception it was left
    with; an exception a hook raised instead replaces it. Should a hook fail on the way in,
    those entered before it are left with that failure.
    """

    __slots__ = ("_args", "_extensions", "_hooks", "_started")

    def __init__(self, hooks: _Found, extensions: list[SchemaExtension], args: tuple[Any, ...] = ()) -> None:
        self._hooks = hooks
        self._extensions = extensions
        self._args = args
        self._started: list[Generator[None, None, None]] = []

    def __enter__(self) -> None:
        for index, hook in self._hooks:
            running = hook(self._extensions[index], *self._args)
            try:
                next(running)
            except StopIteration:
                error: BaseException = RuntimeError("generator didn't yield")
                self.__exit__(RuntimeError, error, None)
                raise error from None
            except BaseException as failure:
                self.__exit__(type(failure), failure, failure.__traceback__)
                raise
            self._started.append(running)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        pending = exc_val
        while self._started:
            running = self._started.pop()
            try:
                if pending is None:
                    next(running)
                else:
                    running.throw(pending)
            except StopIteration:
                pending = None  # finished: past an exception too, which it then swallowed
                continue
            except BaseException as raised:
                pending = raised
                continue
            pending = RuntimeError("generator didn't stop")
        if pending is not None and pending is not exc_val:
            raise pending

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc_val, exc_tb)


class _StreamResult(StreamResultContextManager):
    """Strawberry's context manager around one streamed result, on hooks found before."""

    def __init__(self, hooks: list[WrappedHook], result: Any) -> None:
        # Not super().__init__: that would look the hooks up again.
        self.result = result
        self.hooks = hooks


class LeanExtensionsRunner(SchemaExtensionsRunner):
    def __init__(self, execution_context: ExecutionContext, extensions: list[SchemaExtension] | None = None) -> None:
        super().__init__(execution_context, extensions)
        self._stream_hooks: list[WrappedHook] | None = None
        self._with_results: list[SchemaExtension] | None = None

    def _direct(self, name: str, *args: Any) -> _DirectHooks | None:
        hooks = _generator_hooks(name, self.extensions)
        return None if hooks is None else _DirectHooks(hooks, self.extensions, args)

    def operation(self) -> Any:
        return self._direct("on_operation") or super().operation()

    def validation(self) -> Any:
        return self._direct("on_validate") or super().validation()

    def parsing(self) -> Any:
        return self._direct("on_parse") or super().parsing()

    def executing(self) -> Any:
        # Parsing and validation are over: extensions with nothing to do from here on go (a held
        # subscription would keep them, and their state, for as long as it lasts).
        self.extensions[:] = [e for e in self.extensions if _acts_after_validation(type(e))]
        return self._direct("on_execute") or super().executing()

    def on_stream_result(self, result: Any) -> Any:
        direct = self._direct("on_stream_result", result)
        if direct is not None:
            return direct
        if self._stream_hooks is None:
            self._stream_hooks = StreamResultContextManager(self.extensions, result).hooks
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
