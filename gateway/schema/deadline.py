"""The request deadline: one per query or mutation, bounding every upstream call it makes.

Set around execution as a contextvar (``adapters.resilience.deadline``), so the
resolvers' fan-out, dataloader batches and shared in-flight reads all inherit
it, and the upstream client fits each attempt, retry and wait inside it. A
source that does not answer in time is reported as a partial-result error
while the others' data comes back. Subscriptions live on and are not bounded;
their event stream has its own polling policy.
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from adapters.resilience import deadline
from gateway.context import Context


class RequestDeadline(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        seconds = ctx.context.services.deadline_s if isinstance(ctx.context, Context) else None
        if seconds is None or ctx.operation_type is OperationType.SUBSCRIPTION:
            yield
            return
        with deadline(seconds):
            yield
