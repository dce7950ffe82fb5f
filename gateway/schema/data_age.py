"""``extensions.dataAgeSeconds``: how old the list pages of an answer are, when some came from the freshness window.

A client that needs to know (a dashboard showing "as of") reads, per source, the
age of the oldest page it was served from the window (``gateway.freshness``);
answers read entirely from the upstreams carry no such entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from adapters.model import Source
from gateway.context import Context


class DataAge(SchemaExtension):
    def __init__(self) -> None:
        self._ages: dict[Source, float] = {}

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            # This operation's own ages: Strawberry asks for results once the operation's scope closed.
            self._ages = context.operation.data_age
        yield

    def get_results(self) -> dict[str, Any]:
        if not self._ages:
            return {}
        try:
            if self.execution_context.operation_type is OperationType.SUBSCRIPTION:
                return {}  # events come from the watcher, not from list pages
        except RuntimeError:
            return {}
        return {"dataAgeSeconds": {source.value: round(age, 3) for source, age in sorted(self._ages.items())}}
