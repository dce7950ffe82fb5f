"""The write side: submit, cancel and rerun through adapters, safely.

Resolvers hand this module a validated ``SubmitRequest`` or a job's global id.
It checks what it can before any upstream call (the job exists, it can be
cancelled or rerun), runs the upstream call through the idempotency ledger,
turns expected refusals into typed payload errors, evicts stale cache entries,
and tells the event bus about the new status.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from adapters.base import SubmitRequest
from adapters.errors import ErrorKind, UpstreamError
from adapters.model import JobRecord, NativeKey, Source
from gateway.idempotency import IdempotencyConflict, IdempotencyLedger, input_fingerprint


class MutationErrorCode(enum.Enum):
    NOT_FOUND = "NOT_FOUND"
    NOT_CANCELLABLE = "NOT_CANCELLABLE"
    NOT_RERUNNABLE = "NOT_RERUNNABLE"
    CONFLICT = "CONFLICT"
    INVALID_INPUT = "INVALID_INPUT"
    FORBIDDEN = "FORBIDDEN"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"


@dataclass(frozen=True, slots=True)
class Problem:
    code: MutationErrorCode
    message: str
    field: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    job: JobRecord | None
    problems: tuple[Problem, ...] = ()
    replayed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


_CODE_BY_KIND = {
    ErrorKind.NOT_FOUND: MutationErrorCode.NOT_FOUND,
    ErrorKind.FORBIDDEN: MutationErrorCode.FORBIDDEN,
    ErrorKind.UNAUTHENTICATED: MutationErrorCode.FORBIDDEN,
    ErrorKind.CONFLICT: MutationErrorCode.CONFLICT,
    ErrorKind.INVALID: MutationErrorCode.INVALID_INPUT,
    ErrorKind.NOT_SUPPORTED: MutationErrorCode.NOT_SUPPORTED,
}


def problems_from(err: UpstreamError, field_prefix: tuple[str, ...] = ()) -> tuple[Problem, ...] | None:
    """Expected refusals as typed problems; ``None`` for failures that stay GraphQL errors."""
    if err.kind in (ErrorKind.TIMEOUT, ErrorKind.UNAVAILABLE, ErrorKind.BAD_RESPONSE) and err.maybe_applied:
        return (
            Problem(
                MutationErrorCode.OUTCOME_UNKNOWN,
                f"{err.source.value} may have accepted the request but no answer came back ({err.kind.value}); "
                "check the job list before submitting again with a new idempotency key",
            ),
        )
    code = _CODE_BY_KIND.get(err.kind)
    if code is None:
        return None
    if code is MutationErrorCode.INVALID_INPUT and err.field_errors:
        return tuple(Problem(code, f.message, (*field_prefix, *f.path)) for f in err.field_errors)
    return (Problem(code, err.message),)


StatusListener = Callable[[JobRecord, JobRecord | None], Awaitable[None]]
"""Called after an accepted mutation with the new record and the one before (if known)."""


class MutationService:
    def __init__(self, ledger: IdempotencyLedger[Outcome], listeners: list[StatusListener] | None = None) -> None:
        self.ledger = ledger
        self.listeners = listeners if listeners is not None else []

    async def _guarded(
        self,
        scope: str,
        key: str | None,
        operation: str,
        payload: Any,
        call: Callable[[], Awaitable[Outcome]],
    ) -> Outcome:
        fingerprint = input_fingerprint(operation, payload)
        try:
            outcome, replayed = await self.ledger.run(scope, key, fingerprint, call)
        except IdempotencyConflict:
            return Outcome(
                None,
                (
                    Problem(
                        MutationErrorCode.IDEMPOTENCY_CONFLICT,
                        "this idempotencyKey was already used with a different input",
                        ("idempotencyKey",),
                    ),
                ),
            )
        if replayed:
            return Outcome(outcome.job, outcome.problems, True, outcome.extra)
        return outcome

    async def _announce(self, job: JobRecord, before: JobRecord | None) -> None:
        for listener in self.listeners:
            await listener(job, before)

    async def submit(
        self,
        adapter: Any,
        cache_scope: str,
        request: SubmitRequest,
        key: str | None,
        field_prefix: tuple[str, ...],
        client_request: SubmitRequest | None = None,
    ) -> Outcome:
        """``client_request`` is what the client asked for, before the gateway added to it
        (a webhook callback URL); the idempotency check compares that."""
        async def call() -> Outcome:
            try:
                job = await adapter.submit_job(request)
            except UpstreamError as err:
                problems = problems_from(err, field_prefix)
                if problems is None:
                    raise
                return Outcome(None, problems)
            await self._announce(job, None)
            return Outcome(job)

        asked = client_request or request
        payload = {"source": adapter.source.value, "scope": asked.scope, "params": dict(asked.params)}
        return await self._guarded(cache_scope, key, "submitJob", payload, call)

    async def change(
        self,
        operation: str,
        adapter: Any,
        cache_scope: str,
        job_key: NativeKey,
        current: JobRecord | None,
        key: str | None,
    ) -> Outcome:
        """Cancel or rerun an existing job (``operation`` is ``cancelJob`` or ``rerunJob``)."""
        source: Source = adapter.source
        if current is None:
            return Outcome(None, (Problem(MutationErrorCode.NOT_FOUND, f"no such {source.value} job", ("id",)),))
        cancel = operation == "cancelJob"
        if cancel and not current.can_cancel:
            why = "it is already final" if current.status.is_final else f"{source.value} cannot cancel it"
            return Outcome(current, (Problem(MutationErrorCode.NOT_CANCELLABLE, f"job not cancelled: {why}"),))
        if not cancel and not current.can_rerun:
            return Outcome(
                current,
                (Problem(MutationErrorCode.NOT_RERUNNABLE, f"{source.value} cannot rerun this job in its state"),),
            )

        async def call() -> Outcome:
            try:
                job = await (adapter.cancel_job(job_key) if cancel else adapter.rerun_job(job_key))
            except UpstreamError as err:
                problems = problems_from(err)
                if problems is None:
                    raise
                return Outcome(current, problems)
            await self._announce(job, current)
            return Outcome(job)

        payload = {"source": source.value, "scope": job_key.scope, "id": job_key.native_id}
        return await self._guarded(cache_scope, key, operation, payload, call)


def now() -> datetime:
    return datetime.now(UTC)
