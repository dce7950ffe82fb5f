"""The write side: submit, cancel and rerun through adapters, safely.

Resolvers hand this module a validated ``SubmitRequest`` or a job's key.
It checks what it can before the upstream mutation (the source can do it, the
job exists, its state allows it), runs checks and call through the idempotency
ledger, turns expected refusals into typed payload errors, and tells the
listeners (the event bus) about the new status. Resolvers evict the job's cache
entries afterwards.

Error codes, and when they come:

- ``NOT_SUPPORTED``: the source has no such operation (Amperity submit/rerun,
  WordLift cancel); nothing is sent upstream.
- ``NOT_FOUND``: the job does not exist (or its source is not configured).
- ``NOT_CANCELLABLE`` / ``NOT_RERUNNABLE`` / ``NOT_STARTABLE``: the job's state does not
  allow it (``canCancel`` / ``canRerun`` / ``canStart`` are false), or the upstream said so
  (CONFLICT).
- ``CONFLICT``: a submit collides with upstream state (WordLift: an active job
  for that graph and day).
- ``INVALID_INPUT``: with ``field`` = the input path at fault.
- ``FORBIDDEN``: the upstream refused our credentials for it.
- ``IDEMPOTENCY_CONFLICT``: the key was used with another input.
- ``OUTCOME_UNKNOWN``: the request reached the upstream and no usable answer
  came back; it may have been applied.

An upstream that applies an accepted cancel or rerun later (Scale queues a command
message) answers a record with ``pending_status``: the outcome says the change is
pending, and the job is read again after ``SETTLE_DELAYS_S`` until it shows a new
state, which is announced then (the subscription delivers the real transition).
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from adapters.base import Adapter, CallbackSource, HeldJobStarter, SpreadingCancel, SubmitRequest
from adapters.errors import ErrorKind, FieldError, UpstreamError
from adapters.model import JobRecord, NativeKey, Source
from gateway.callbacks import CallbackTokens
from gateway.errors import GatewayError
from gateway.idempotency import IdempotencyConflict, IdempotencyLedger, OutcomeStillUnknown, input_fingerprint
from gateway.state import StateUnavailable

log = logging.getLogger("job_gateway.mutations")


class MutationErrorCode(enum.Enum):
    NOT_FOUND = "NOT_FOUND"
    NOT_CANCELLABLE = "NOT_CANCELLABLE"
    NOT_RERUNNABLE = "NOT_RERUNNABLE"
    NOT_STARTABLE = "NOT_STARTABLE"
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
    affected: tuple[JobRecord, ...] = ()
    """Every job an accepted cancel stops, the job's own included (a ``SpreadingCancel`` source)."""

    @property
    def pending(self) -> bool:
        """The upstream accepted the change and applies it later (``JobRecord.pending_status``)."""
        return self.job is not None and self.job.pending_status is not None


SETTLE_DELAYS_S = (0.5, 1.0, 1.0, 2.0, 2.0, 4.0, *([5.0] * 10))
"""When a pending change is looked for again (seconds, one after the other; about a minute in all)."""

_CODE_BY_KIND = {
    ErrorKind.NOT_FOUND: MutationErrorCode.NOT_FOUND,
    ErrorKind.FORBIDDEN: MutationErrorCode.FORBIDDEN,
    ErrorKind.UNAUTHENTICATED: MutationErrorCode.FORBIDDEN,
    ErrorKind.CONFLICT: MutationErrorCode.CONFLICT,
    ErrorKind.INVALID: MutationErrorCode.INVALID_INPUT,
    ErrorKind.NOT_SUPPORTED: MutationErrorCode.NOT_SUPPORTED,
}

FieldPath = Callable[[tuple[str, ...]], tuple[str, ...]]
"""Turns an adapter's field path (upstream parameter names) into the client's input path."""


def _no_fields(path: tuple[str, ...]) -> tuple[str, ...]:
    return path


def outcome_unknown(err: UpstreamError) -> bool:
    """The upstream may have acted on a mutation although no usable answer came back.

    A timeout or dropped connection after sending (``maybe_applied``), or a 2xx
    whose body could not be read (``BAD_RESPONSE``: the upstream accepted and we
    cannot tell what it made). Both must never be retried blindly.
    """
    return err.maybe_applied or err.kind is ErrorKind.BAD_RESPONSE


def problems_from(err: UpstreamError, fields: FieldPath = _no_fields) -> tuple[Problem, ...] | None:
    """Expected refusals as typed problems; ``None`` for failures that stay GraphQL errors."""
    if outcome_unknown(err):
        return (
            Problem(
                MutationErrorCode.OUTCOME_UNKNOWN,
                f"{err.source.value} may have accepted the request but no usable answer came back "
                f"({err.kind.value}); check the job list before submitting again with a new idempotency key",
            ),
        )
    code = _CODE_BY_KIND.get(err.kind)
    if code is None:
        return None
    if code is MutationErrorCode.INVALID_INPUT and err.field_errors:
        return tuple(Problem(code, f.message, fields(f.path)) for f in err.field_errors)
    return (Problem(code, err.message),)


def without_secret(err: UpstreamError, secret: str) -> UpstreamError:
    """``err`` with ``secret`` blanked out of its message and field messages (``err`` itself if absent)."""
    if secret not in err.message and not any(secret in f.message for f in err.field_errors):
        return err
    return UpstreamError(
        err.kind,
        err.source,
        err.message.replace(secret, "***"),
        status=err.status,
        retry_after=err.retry_after,
        field_errors=tuple(FieldError(f.path, f.message.replace(secret, "***")) for f in err.field_errors),
        maybe_applied=err.maybe_applied,
    )


StatusListener = Callable[[JobRecord, JobRecord | None], Awaitable[None]]
"""Called after an accepted mutation with the new record and the one before (if known)."""

CurrentJob = Callable[[], Awaitable[JobRecord | None]]
"""Reads the job a cancel or rerun is about (fresh, not from cache); ``None`` if it does not exist."""


class MutationService:
    def __init__(
        self,
        ledger: IdempotencyLedger[Outcome],
        listeners: list[StatusListener] | None = None,
        callbacks: CallbackTokens | None = None,
        forget: Callable[[JobRecord], None] | None = None,
    ) -> None:
        self.ledger = ledger
        self.listeners = listeners if listeners is not None else []
        self.callbacks = callbacks
        """Set when upstreams can reach us: jobs of a ``CallbackSource`` then report by callback."""
        self._settling: set[asyncio.Task[None]] = set()
        self._forget = forget
        """Drops a job from the read cache: a pending change shows after the final state was cached."""

    async def _guarded(
        self,
        scope: str,
        key: str | None,
        operation: str,
        payload: object,
        call: Callable[[], Awaitable[Outcome]],
    ) -> Outcome:
        fingerprint = input_fingerprint(operation, payload)
        try:
            outcome, replayed = await self.ledger.run(scope, key, fingerprint, call)
        except StateUnavailable as exc:
            # Nothing was sent: without the ledger a key could not keep its promise.
            raise GatewayError(
                f"idempotency keys cannot be honoured right now ({exc}); retry later",
                code="STATE_UNAVAILABLE",
            ) from None
        except OutcomeStillUnknown:
            return Outcome(
                None,
                (
                    Problem(
                        MutationErrorCode.OUTCOME_UNKNOWN,
                        "another call with this idempotencyKey has not finished (or its gateway stopped while "
                        "running it); check the job list before submitting again with a new idempotency key",
                        ("input", "idempotencyKey"),
                    ),
                ),
            )
        except IdempotencyConflict:
            return Outcome(
                None,
                (
                    Problem(
                        MutationErrorCode.IDEMPOTENCY_CONFLICT,
                        "this idempotencyKey was already used with a different input",
                        ("input", "idempotencyKey"),
                    ),
                ),
            )
        if replayed:
            return Outcome(outcome.job, outcome.problems, True)
        return outcome

    async def _announce(self, job: JobRecord, before: JobRecord | None) -> None:
        # The upstream has acted: a failing listener (event bus down) must not turn
        # a done mutation into an error, or the ledger would let a retry do it twice.
        for listener in self.listeners:
            try:
                await listener(job, before)
            except Exception:
                log.exception("mutation listener failed for %s %s", job.source.value, job.native_id)

    async def submit(
        self,
        adapter: Adapter,
        scope: str,
        request: SubmitRequest,
        key: str | None,
        fields: FieldPath = _no_fields,
    ) -> Outcome:
        """Submit through the ledger. ``scope`` namespaces idempotency keys (the caller's identity).

        The idempotency check compares what the client asked for, before the gateway
        added to it (a callback URL with a fresh token).
        """
        sent, token = await self._with_callback(adapter, request)

        async def call() -> Outcome:
            try:
                job = await adapter.submit_job(sent)
            except UpstreamError as err:
                # An upstream complaint may quote the callback URL we added: its token must not reach the client.
                shown = without_secret(err, token) if token is not None else err
                problems = problems_from(shown, fields)
                if problems is None:
                    raise shown from None
                return Outcome(None, problems)
            await self._announce(job, None)
            return Outcome(job)

        payload = {"source": adapter.source.value, "scope": request.scope, "params": dict(request.params)}
        outcome = await self._guarded(scope, key, "submitJob", payload, call)
        if token is not None and self.callbacks is not None and outcome.job is not None and not outcome.replayed:
            await self.callbacks.bind(token, outcome.job.native_id)
        return outcome

    async def _with_callback(self, adapter: Adapter, request: SubmitRequest) -> tuple[SubmitRequest, str | None]:
        """``request`` with a callback URL of ours, and its token; unchanged when no callback applies."""
        if self.callbacks is None or not isinstance(adapter, CallbackSource):
            return request, None
        token, url = await self.callbacks.new_callback_url(adapter.source)
        sent = adapter.with_callback(request, url)
        return (request, None) if sent is None else (sent, token)

    async def change(
        self,
        action: JobAction,
        adapter: Adapter,
        scope: str,
        job_key: NativeKey,
        load_current: CurrentJob,
        key: str | None,
    ) -> Outcome:
        """Cancel, rerun or start an existing job.

        Everything, the checks included, runs inside the ledger: a retry of an
        accepted cancel is answered with that result (``replayed``), not with
        "already final" from a fresh look at the now-cancelled job.
        """
        source: Source = adapter.source
        rule = _RULES[action]

        async def call() -> Outcome:
            run = rule.runner(adapter)
            if run is None:
                problem = Problem(MutationErrorCode.NOT_SUPPORTED, f"{source.value} cannot {rule.verb} jobs")
                return Outcome(None, (problem,))
            current = await load_current()
            if current is None:
                return Outcome(
                    None, (Problem(MutationErrorCode.NOT_FOUND, f"no such {source.value} job", ("input", "id")),)
                )
            refused = rule.precheck(current)
            if refused is not None:
                return Outcome(current, (Problem(rule.refused, refused),))
            affected: tuple[JobRecord, ...] = ()
            try:
                if action is JobAction.CANCEL and isinstance(adapter, SpreadingCancel):
                    affected = tuple(await adapter.cancel_affects(job_key))
                job = await run(job_key)
            except UpstreamError as err:
                problems = problems_from(err)
                if problems is None:
                    raise
                # An upstream CONFLICT means the job's state does not allow it (it ended meanwhile).
                return Outcome(current, tuple(rule.refusal(p) for p in problems))
            affected = tuple(job if a.key == job.key else a for a in affected)
            if job.pending_status is not None:
                self._follow_pending(adapter, job)
                return Outcome(job, affected=affected)
            await self._announce(job, current if job.key == current.key else None)
            return Outcome(job, affected=affected)

        payload = {"source": source.value, "scope": job_key.scope, "id": job_key.native_id}
        outcome = await self._guarded(scope, key, action.value, payload, call)
        new = outcome.job
        if self.callbacks is not None and new is not None and new.native_id != job_key.native_id:
            # A resubmitting rerun sends the stored input again, callback URL included:
            # that URL's token now speaks for both jobs.
            await self.callbacks.inherit(job_key.native_id, new.native_id)
        return outcome

    def _follow_pending(self, adapter: Adapter, job: JobRecord) -> None:
        task = asyncio.create_task(self._settle(adapter, job))
        self._settling.add(task)
        task.add_done_callback(self._settling.discard)

    async def _settle(self, adapter: Adapter, before: JobRecord) -> None:
        """Read the job until the accepted change shows (status or executions moved), then announce it."""
        for delay in SETTLE_DELAYS_S:
            await asyncio.sleep(delay)
            try:
                (now,) = await adapter.get_jobs([before.key])
            except Exception:  # a failing read must not end the wait: the next one may answer
                log.debug("reading %s %s after a pending change failed", before.source.value, before.native_id)
                continue
            if isinstance(now, JobRecord) and (now.status != before.status or now.updated_at != before.updated_at):
                if self._forget is not None:
                    self._forget(now)
                await self._announce(now, before)
                return

    async def aclose(self) -> None:
        """Stop following pending changes (shutdown)."""
        for task in list(self._settling):
            task.cancel()
        await asyncio.gather(*self._settling, return_exceptions=True)


class JobAction(enum.Enum):
    """What ``change`` does to an existing job; the value names the mutation (and the ledger operation)."""

    CANCEL = "cancelJob"
    RERUN = "rerunJob"
    START = "startJob"


JobCall = Callable[[NativeKey], Awaitable[JobRecord]]


@dataclass(frozen=True, slots=True)
class _Rule:
    verb: str
    refused: MutationErrorCode
    runner: Callable[[Adapter], JobCall | None]
    """The adapter's call for this action, or ``None`` when the source has none."""
    precheck: Callable[[JobRecord], str | None]
    """Why the job as it is now cannot take the action, or ``None``."""

    def refusal(self, problem: Problem) -> Problem:
        if problem.code is not MutationErrorCode.CONFLICT:
            return problem
        return Problem(self.refused, problem.message, problem.field)


def _cancel_refusal(job: JobRecord) -> str | None:
    if job.can_cancel:
        return None
    why = f"it is already final ({job.status.value})" if job.status.is_final else f"{job.source.value} cannot cancel it"
    return f"job not cancelled: {why}"


def _rerun_refusal(job: JobRecord) -> str | None:
    return None if job.can_rerun else f"{job.source.value} cannot rerun this job ({job.status.value})"


def _start_refusal(job: JobRecord) -> str | None:
    return None if job.can_start else f"job not started: it is not held ({job.status.value})"


def _cancel_call(adapter: Adapter) -> JobCall | None:
    return adapter.cancel_job if adapter.capabilities.cancel else None


def _rerun_call(adapter: Adapter) -> JobCall | None:
    return adapter.rerun_job if adapter.capabilities.rerun else None


def _start_call(adapter: Adapter) -> JobCall | None:
    return adapter.start_job if isinstance(adapter, HeldJobStarter) else None


_RULES = {
    JobAction.CANCEL: _Rule("cancel", MutationErrorCode.NOT_CANCELLABLE, _cancel_call, _cancel_refusal),
    JobAction.RERUN: _Rule("rerun", MutationErrorCode.NOT_RERUNNABLE, _rerun_call, _rerun_refusal),
    JobAction.START: _Rule("start", MutationErrorCode.NOT_STARTABLE, _start_call, _start_refusal),
}
