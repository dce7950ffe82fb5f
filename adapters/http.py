"""The one HTTP client every adapter uses: timeouts, retries, circuit breaker, rate limit, error mapping.

Each adapter owns one ``UpstreamClient`` (one pooled ``httpx.AsyncClient``) and
passes in what differs per upstream: auth, fixed headers, how to read its error
bodies, and its rate limit. Everything else about talking to an upstream lives
here once.

Only idempotent requests are retried (GET/HEAD/OPTIONS by default; a caller may
mark another request idempotent explicitly). A mutation is never retried: a
lost response after the upstream accepted it must not start a second job.

The numbers (timeout, retries, retry budget, breaker thresholds, rate limit, calls in
flight) are one ``adapters.resilience.Traffic``: the adapter's values when it builds
the client, then the operator's ``[sources.<name>.traffic]`` through ``apply``. Each
logical call is one span (``<SOURCE> <operation>``: outcome, status, retries) when
the app turns tracing on; the HTTP attempts under it come from the httpx
instrumentation.

Every call honours the request's deadline (``adapters.resilience.deadline``):
an attempt gets at most what is left of it (and never more than ``timeout_s``),
a retry, a ``Retry-After`` or a rate-limit wait that cannot end before it is not
started, and a caller sharing an identical read already in flight stops waiting
at its own deadline; should that read be cut by the deadline of the caller that
started it, a waiter with time left calls again, on its own. An attempt cut short by the caller's deadline is not held
against the upstream: only an attempt given the full ``timeout_s`` counts as a
failure for the circuit breaker.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

from adapters import jsoncodec
from adapters.errors import ErrorKind, FieldError, UpstreamError, kind_for_status
from adapters.model import Source
from adapters.observe import RequestObserver
from adapters.resilience import (
    CircuitBreaker,
    CircuitState,
    RateLimiter,
    RetryBudget,
    RetryPolicy,
    Traffic,
    time_left,
)

log = logging.getLogger("job_gateway.upstream")

ErrorParser = Callable[[httpx.Response], tuple[str, tuple[FieldError, ...]]]
"""Reads an upstream error body: ``response -> (message, field errors)``."""

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
_REFUSED_STATUSES = frozenset({401, 403})


def default_error_parser(response: httpx.Response) -> tuple[str, tuple[FieldError, ...]]:
    """Understands ``detail``, ``message``, ``title`` and bare-string bodies."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return (text[:300] or response.reason_phrase or f"HTTP {response.status_code}"), ()
    if isinstance(body, str):
        return body[:300], ()
    if isinstance(body, dict):
        for key in ("detail", "message", "title", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:300], ()
    return response.reason_phrase or f"HTTP {response.status_code}", ()


@dataclass(frozen=True, slots=True)
class CallRecord:
    outcome: str
    """``ok`` or an ``ErrorKind`` value (``UNAVAILABLE`` also when the open circuit refused the call)."""
    at: float
    """Wall-clock seconds (``time.time``) when it ended."""
    status: int | None
    """The HTTP status, when an answer came."""


@dataclass(frozen=True, slots=True)
class ProbeRecord:
    ok: bool
    at: float
    error: str | None


@dataclass
class UpstreamHealth:
    """What ``Query.upstreams`` and ``/readyz`` show an operator about one source."""

    circuit: CircuitState
    last_latency_s: float | None
    last_error: str | None
    last_ok_at: float | None
    requests: int
    failures: int
    consecutive_failures: int
    refusal: str | None = None
    """Why the source is unusable although it answers: our credentials were refused
    (401/403) or the readiness probe failed; cleared by its next 2xx answer."""
    last_call: CallRecord | None = None
    """The latest call's outcome (``ok`` or an error kind), wall time and HTTP status."""
    last_error_at: float | None = None
    last_probe: ProbeRecord | None = None
    """The latest readiness probe of the source (``/readyz``)."""

    @property
    def healthy(self) -> bool:
        """The one notion of health: circuit closed, no failure since the last good answer, nothing refused."""
        return self.circuit is CircuitState.CLOSED and self.consecutive_failures == 0 and self.refusal is None


class _DeadlineCut(UpstreamError):
    """A call cut short, or not made, for the deadline it ran on: a shared call runs on the deadline
    of the caller that started it, which may come before another waiter's."""


@dataclass(frozen=True, slots=True)
class _Call:
    """One logical request, as each of its attempts sends it."""

    method: str
    path: str
    operation: str
    params: Any
    json_body: Any
    headers: Mapping[str, str] | None
    accept_statuses: Collection[int]


class UpstreamClient:
    def __init__(
        self,
        source: Source,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 10.0,
        max_connections: int = 20,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        rate_limit_per_s: float | None = None,
        rate_limit_burst: float | None = None,
        error_parser: ErrorParser = default_error_parser,
        kind_for: Callable[[int], ErrorKind] = kind_for_status,
        secrets: Iterable[str] = (),
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.source = source
        self.timeout_s = timeout_s
        self.retry = retry or RetryPolicy()
        self.budget = RetryBudget()
        self.breaker = breaker or CircuitBreaker()
        self._burst = rate_limit_burst
        self.limiter = RateLimiter(rate_limit_per_s, rate_limit_burst) if rate_limit_per_s else None
        self._slots = asyncio.Semaphore(max_connections)
        self._max_concurrency = max_connections
        self.error_parser = error_parser
        self.kind_for = kind_for
        self._secrets = tuple(s for s in secrets if s)
        self._latency: float | None = None
        self._last_error: str | None = None
        self._last_ok: float | None = None
        self._ok_latency = 0.0
        self._refusal: str | None = None
        self._last_call: CallRecord | None = None
        self._last_error_at: float | None = None
        self._last_probe: ProbeRecord | None = None
        self._requests = 0
        self._failures = 0
        self._inflight: dict[tuple[str, str, tuple[int, ...]], asyncio.Task[httpx.Response]] = {}
        self.coalesced = 0
        """Reads answered by sharing an identical call already in flight."""
        self.tracer: trace.Tracer = trace.get_tracer("job_gateway.upstream")
        """Spans of this client's calls; the global (no-op) tracer until the app turns tracing on."""
        self.observers: list[RequestObserver] = []
        """Told of every call; the app that owns this client adds its metrics here (never process-wide)."""
        self.http = httpx.AsyncClient(
            base_url=base_url,
            auth=auth,
            headers=dict(headers or {}),
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
            # The pool is not the bound: ``_slots`` is (max_concurrency, tunable per source).
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=max_connections),
            transport=transport,
        )

    @property
    def traffic(self) -> Traffic:
        """The traffic rules in force."""
        return Traffic(
            timeout_s=self.timeout_s,
            retries=self.retry.attempts - 1,
            retry_budget_ratio=self.budget.ratio,
            breaker_failures=self.breaker.threshold,
            breaker_reset_s=self.breaker.reset_s,
            rate_limit_per_s=self.limiter.rate if self.limiter is not None else None,
            max_concurrency=self._max_concurrency,
        )

    def apply(self, traffic: Traffic) -> None:
        """Follow ``traffic`` from now on; the app applies a source's ``[traffic]`` table before its first call."""
        self.timeout_s = traffic.timeout_s
        self.http.timeout = httpx.Timeout(traffic.timeout_s, connect=min(traffic.timeout_s, 5.0))
        self.retry = dataclasses.replace(self.retry, attempts=traffic.retries + 1)
        self.budget = RetryBudget(traffic.retry_budget_ratio)
        self.breaker.threshold = traffic.breaker_failures
        self.breaker.reset_s = traffic.breaker_reset_s
        if traffic.rate_limit_per_s != self.traffic.rate_limit_per_s:
            rate = traffic.rate_limit_per_s
            self.limiter = RateLimiter(rate, self._burst) if rate else None
        if traffic.max_concurrency != self._max_concurrency:
            self._slots = asyncio.Semaphore(traffic.max_concurrency)
            self._max_concurrency = traffic.max_concurrency

    @property
    def health(self) -> UpstreamHealth:
        return UpstreamHealth(
            circuit=self.breaker.state,
            last_latency_s=self._latency,
            last_error=self._last_error,
            last_ok_at=self._last_ok,
            requests=self._requests,
            failures=self._failures,
            consecutive_failures=max(self.breaker.failures, self.breaker.unusable),
            refusal=self._refusal,
            last_call=self._last_call,
            last_error_at=self._last_error_at,
            last_probe=self._last_probe,
        )

    def mark_unhealthy(self, message: str) -> None:
        """The source answers but cannot be used (a failed readiness probe): unhealthy until its next 2xx."""
        self._refusal = self._last_error = self.redact(message)
        self._last_error_at = time.time()

    def note_probe(self, error: str | None) -> None:
        """A readiness probe ended: without ``error`` it passed; with one, the source is unhealthy until its next 2xx."""
        if error is not None:
            self.mark_unhealthy(error)
        self._last_probe = ProbeRecord(error is None, time.time(), None if error is None else self.redact(error))

    def note_unusable(self, err: UpstreamError) -> None:
        """A 2xx body an adapter could not use (not JSON, wrong shape): a failure for the breaker."""
        self.breaker.record_unusable()
        self._failures += 1
        self._last_error = self.redact(err.message)
        self._last_error_at = time.time()
        log.warning(
            "upstream %s sent an unusable body",
            self.source.value,
            extra={"source": self.source.value, "kind": err.kind.value},
        )

    def note_usable(self) -> None:
        """An adapter call read its answers fine."""
        self.breaker.record_usable()

    def add_secret(self, secret: str) -> None:
        """Register a credential learned at run time (a login token) for redaction."""
        if secret and secret not in self._secrets:
            self._secrets = (*self._secrets, secret)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    async def aclose(self) -> None:
        await self.http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        params: Any = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        accept_statuses: Collection[int] = (),
    ) -> httpx.Response:
        """Send one logical request; returns a 2xx (or an ``accept_statuses``) response.

        Raises ``UpstreamError`` for everything else, with a message that never
        contains a credential. Traced as one span (``<SOURCE> <operation>``) whose
        children are the attempts' HTTP spans, when tracing is on.
        """
        attributes = {"job_gateway.upstream.source": self.source.value, "job_gateway.upstream.operation": operation}
        with self.tracer.start_as_current_span(
            f"{self.source.value} {operation}", kind=SpanKind.CLIENT, attributes=attributes
        ) as span:
            try:
                response = await self._request(
                    method,
                    path,
                    operation=operation,
                    params=params,
                    json_body=json_body,
                    headers=headers,
                    idempotent=idempotent,
                    accept_statuses=accept_statuses,
                )
            except UpstreamError as err:
                span.set_attributes({"job_gateway.upstream.outcome": err.kind.value, **_status(err.status)})
                span.set_status(StatusCode.ERROR, err.kind.value)
                raise
            span.set_attributes({"job_gateway.upstream.outcome": "ok", **_status(response.status_code)})
            return response

    async def _request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        params: Any,
        json_body: Any,
        headers: Mapping[str, str] | None,
        idempotent: bool | None,
        accept_statuses: Collection[int],
    ) -> httpx.Response:
        if method.upper() == "GET" and headers is None and json_body is None:
            # Identical reads already in flight (many clients asking for the same page or
            # job at once) share one upstream call and its answer.
            key = (path, str(httpx.QueryParams(params)) if params else "", tuple(sorted(accept_statuses)))
            task = self._inflight.get(key)
            if task is None:
                task = asyncio.ensure_future(
                    self._send(_Call(method, path, operation, params, None, None, accept_statuses), True)
                )
                self._inflight[key] = task
                task.add_done_callback(lambda done: self._settle(key, done))
            else:
                self.coalesced += 1
            try:
                return await self._joined(task)
            except _DeadlineCut:
                left = time_left()
                if left is not None and left <= self._ok_latency:
                    raise
                # The shared call ran on the deadline of the caller that started it, earlier than this
                # one's: called again, once, on this caller's own (and not shared: a call on a deadline
                # others may not have).
                return await self._send(_Call(method, path, operation, params, None, None, accept_statuses), True)
        retryable = method.upper() in _IDEMPOTENT_METHODS if idempotent is None else idempotent
        call = _Call(method, path, operation, params, json_body, headers, accept_statuses)
        return await self._send(call, retryable)

    async def _joined(self, task: asyncio.Future[httpx.Response]) -> httpx.Response:
        """The shared call's answer; this caller stops waiting at its own deadline (the call goes on for the others)."""
        left = time_left()
        if left is None:
            return await asyncio.shield(task)
        try:
            return await asyncio.wait_for(asyncio.shield(task), max(0.0, left))
        except TimeoutError:
            raise self._deadline_error("in time (waiting for a shared call)", cut=False) from None

    def _settle(self, key: tuple[str, str, tuple[int, ...]], task: asyncio.Task[httpx.Response]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # retrieved here so an error nobody awaited is not logged as lost

    async def _send(self, call: _Call, retryable: bool) -> httpx.Response:
        self.budget.on_request()
        attempt = 1
        span = trace.get_current_span()
        while True:
            try:
                return await self._attempt(call)
            except UpstreamError as err:
                if not retryable:
                    raise
                delay = err.retry_after if err.retry_after is not None else self.retry.backoff(attempt)
                left = time_left()
                if left is not None and delay + self._ok_latency >= left:
                    # It could not answer before the deadline (the wait, then a typical answer time).
                    raise
                if not self._should_retry(err, attempt):
                    raise
                attempt += 1
                span.set_attribute("job_gateway.upstream.retries", attempt - 1)
                await asyncio.sleep(delay)

    def _should_retry(self, err: UpstreamError, attempt: int) -> bool:
        if attempt >= self.retry.attempts:
            return False
        if err.kind is ErrorKind.RATE_LIMITED:
            if err.retry_after is not None and err.retry_after > self.retry.max_retry_after_s:
                return False
        elif err.kind not in (ErrorKind.UNAVAILABLE, ErrorKind.TIMEOUT):
            return False
        if self.breaker.state is not CircuitState.CLOSED:
            return False
        return self.budget.try_spend()

    async def _attempt(self, call: _Call) -> httpx.Response:
        left = time_left()
        if left is not None and left <= 0:
            raise self._deadline_error("(not called)")
        probe = self.breaker.state is CircuitState.HALF_OPEN
        if not self.breaker.allow():
            self._observe(call.operation, ErrorKind.UNAVAILABLE.value, 0.0)
            raise UpstreamError(
                ErrorKind.UNAVAILABLE, self.source, f"{self.source.value} is unavailable (circuit open)"
            )
        settled = False
        try:
            response = await self._exchange(call, left)
            settled = True
        finally:
            if probe and not settled:
                # Cancelled (a client went away) or cut by the deadline: the probe proved
                # nothing either way, and holding the half-open slot would keep the circuit
                # open for good.
                self.breaker.release()
        return self._judge(response, call)

    async def _exchange(self, call: _Call, left: float | None) -> tuple[httpx.Response, float]:
        """One HTTP exchange within ``left`` seconds; a failure that counts is recorded on the breaker."""
        if self.limiter is not None:
            before = time.monotonic()
            if not await self.limiter.acquire(left):
                raise self._deadline_error("(not called: waiting for the rate limit)")
            if left is not None:
                left -= time.monotonic() - before
        before = time.monotonic()
        if not await self._take_slot(left):
            # Our own bound, not the upstream's doing: not held against its circuit.
            message = f"{self.source.value} not called: all {self._max_concurrency} of its call slots stayed busy"
            raise UpstreamError(ErrorKind.TIMEOUT, self.source, message)
        try:
            if left is not None:
                left -= time.monotonic() - before
            return await self._timed_exchange(call, left)
        finally:
            self._slots.release()

    async def _take_slot(self, left: float | None) -> bool:
        """One of the source's ``max_concurrency`` slots, waited for at most ``timeout_s`` (or what is left)."""
        try:
            async with asyncio.timeout(self.timeout_s if left is None else max(0.0, min(left, self.timeout_s))):
                await self._slots.acquire()
        except TimeoutError:
            return False
        return True

    async def _timed_exchange(self, call: _Call, left: float | None) -> tuple[httpx.Response, float]:
        # httpx's timeouts are per phase (connect, each read): an upstream trickling bytes
        # could outlast them, so the whole attempt is bounded here as well.
        full = left is None or left >= self.timeout_s
        started = time.perf_counter()
        self._requests += 1
        try:
            async with asyncio.timeout(self.timeout_s if full or left is None else left):
                response = await self.http.request(
                    call.method, call.path, params=call.params, json=call.json_body, headers=call.headers
                )
        except TimeoutError:
            if full:
                err = self._fail(call.operation, started, ErrorKind.TIMEOUT, f"{self.source.value} timed out")
            else:
                # Cut by the caller's deadline before timeout_s: not held against the upstream.
                self._observe(call.operation, ErrorKind.TIMEOUT.value, time.perf_counter() - started)
                err = self._deadline_error("in time")
            err.maybe_applied = True
            raise err from None
        except httpx.TimeoutException as exc:
            err = self._fail(call.operation, started, ErrorKind.TIMEOUT, f"{self.source.value} timed out")
            err.maybe_applied = not isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
            raise err from None
        except httpx.HTTPError as exc:
            message = f"{self.source.value} unreachable: {type(exc).__name__}"
            err = self._fail(call.operation, started, ErrorKind.UNAVAILABLE, message)
            err.maybe_applied = not isinstance(exc, httpx.ConnectError)
            raise err from None
        return response, time.perf_counter() - started

    def _judge(self, exchanged: tuple[httpx.Response, float], call: _Call) -> httpx.Response:
        """The response if it is an answer to return; else the ``UpstreamError`` it means, recorded."""
        response, elapsed = exchanged
        status = response.status_code
        if 200 <= status < 300 or status in call.accept_statuses:
            self.breaker.record_success()
            self._latency, self._last_ok = elapsed, time.time()
            if 200 <= status < 300:
                self._refusal = None
                self._ok_latency = elapsed
            self._observe(call.operation, "ok", elapsed, status)
            return response
        kind = self.kind_for(status)
        message, field_errors = self.error_parser(response)
        err = UpstreamError(
            kind,
            self.source,
            self.redact(f"{self.source.value} answered {status}: {message}"),
            status=status,
            retry_after=_retry_after(response) if status in _RETRYABLE_STATUSES else None,
            field_errors=tuple(FieldError(f.path, self.redact(f.message)) for f in field_errors),
        )
        if status >= 500 or status == 429:
            # Only the upstream's own trouble counts against the circuit, not our bad requests.
            self.breaker.record_failure()
            self._failures += 1
        else:
            # The upstream is up and answering, so the circuit stays closed; refused
            # credentials (401/403) still make the source unhealthy until a 2xx says otherwise:
            # failing fast would not fix them, and a 403 may concern one project only.
            self.breaker.record_success()
            if status in _REFUSED_STATUSES:
                self._refusal = err.message
        self._latency = elapsed
        self._last_error, self._last_error_at = err.message, time.time()
        self._observe(call.operation, kind.value, elapsed, status)
        log.info(
            "upstream %s %s -> %s",
            self.source.value,
            call.operation,
            status,
            extra={"source": self.source.value, "operation": call.operation, "kind": kind.value, "status": status},
        )
        raise err

    def _deadline_error(self, where: str, *, cut: bool = True) -> UpstreamError:
        """``cut``: the call itself was cut short (or not made) for the deadline it runs on."""
        kind = _DeadlineCut if cut else UpstreamError
        return kind(
            ErrorKind.TIMEOUT, self.source, f"{self.source.value} did not answer {where}: the request's deadline passed"
        )

    def _fail(self, operation: str, started: float, kind: ErrorKind, message: str) -> UpstreamError:
        elapsed = time.perf_counter() - started
        self.breaker.record_failure()
        self._failures += 1
        self._last_error, self._last_error_at = message, time.time()
        self._observe(operation, kind.value, elapsed)
        log.warning(
            "upstream %s %s failed: %s",
            self.source.value,
            operation,
            kind.value,
            extra={"source": self.source.value, "operation": operation, "kind": kind.value},
        )
        return UpstreamError(kind, self.source, message)

    def _observe(self, operation: str, outcome: str, seconds: float, status: int | None = None) -> None:
        self._last_call = CallRecord(outcome, time.time(), status)
        for observer in tuple(self.observers):
            observer(self.source, operation, outcome, seconds)

    async def get_json(self, path: str, *, operation: str, **kwargs: Any) -> Any:
        response = await self.request("GET", path, operation=operation, **kwargs)
        return self.decode(response)

    def decode(self, response: httpx.Response) -> Any:
        """The response body as JSON, or a BAD_RESPONSE error naming the source.

        Decoded once per response: every caller that shared one in-flight read gets
        the same object (callers treat it as read-only).
        """
        decoded = response.extensions.get(_DECODED, _NOT_YET)
        if decoded is not _NOT_YET:
            return decoded
        try:
            decoded = response.extensions[_DECODED] = jsoncodec.loads(response.content)
            return decoded
        except (json.JSONDecodeError, UnicodeDecodeError):
            # Counted for the breaker (note_unusable) by the adapter call it escapes from.
            raise UpstreamError(
                ErrorKind.BAD_RESPONSE, self.source, f"{self.source.value} sent a body that is not JSON"
            ) from None


def _status(status: int | None) -> dict[str, int]:
    return {} if status is None else {"http.response.status_code": status}


_DECODED = "job_gateway.decoded"
_NOT_YET = object()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())
