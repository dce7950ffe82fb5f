"""Client-side protections shared by all upstream clients: request deadline, retry budget, circuit breaker, rate limiter.

The deadline is one per request (a GraphQL operation, a readiness probe): the
gateway sets it with ``deadline(seconds)`` and every upstream call made inside,
in any task started from there, fits its attempts, retries and waits within it.
It lives here, in the transport layer, so adapters never import the gateway.
"""

from __future__ import annotations

import asyncio
import enum
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

Clock = Callable[[], float]
"""Monotonic seconds; injectable so tests move time instead of sleeping."""

_DEADLINE: ContextVar[float | None] = ContextVar("job_gateway_deadline", default=None)


@contextmanager
def deadline(seconds: float) -> Iterator[float]:
    """Upstream calls made inside end within ``seconds`` from now (or by an earlier deadline already set).

    A contextvar, so tasks started inside (gathers, dataloader batches, shared
    in-flight calls) inherit it. Yields the absolute deadline (``time.monotonic``).
    """
    at = time.monotonic() + seconds
    outer = _DEADLINE.get()
    if outer is not None:
        at = min(at, outer)
    token = _DEADLINE.set(at)
    try:
        yield at
    finally:
        _DEADLINE.reset(token)


def time_left() -> float | None:
    """Seconds until the current request's deadline (negative once past); ``None`` when there is none."""
    at = _DEADLINE.get()
    return None if at is None else at - time.monotonic()


@dataclass(frozen=True, slots=True)
class Traffic:
    """One source's traffic rules, as ``[sources.<name>.traffic]`` sets them; the defaults are the built-in ones.

    Only idempotent reads are retried: ``retries`` never applies to a mutation.
    """

    timeout_s: float = 10.0
    """Longest single attempt (and the longest wait for a connection slot)."""
    retries: int = 2
    """Retries after the first attempt of a read that failed with 5xx, 429, a timeout or no answer."""
    retry_budget_ratio: float = 0.2
    """Retries may add at most this share of the source's requests."""
    breaker_failures: int = 5
    """Consecutive failures that open the circuit."""
    breaker_reset_s: float = 5.0
    """How long an open circuit fails fast before one call probes the source."""
    rate_limit_per_s: float | None = None
    """Requests per second this gateway sends the source at most (``None``: no limit)."""
    max_concurrency: int = 20
    """Calls in flight to the source at once; more wait for a slot."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 3
    """Total tries, the first included."""
    base_delay_s: float = 0.05
    max_delay_s: float = 2.0
    max_retry_after_s: float = 5.0
    """A ``Retry-After`` longer than this is not waited for: the 429 is reported instead."""

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter for retry number ``attempt`` (1-based)."""
        cap = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return random.uniform(0, cap)


class RetryBudget:
    """Retries may add at most ``ratio`` extra load: each request earns ``ratio`` tokens, a retry costs one.

    Without a budget, retries multiply load exactly when an upstream is struggling.
    """

    def __init__(self, ratio: float = 0.2, min_tokens: float = 3.0, max_tokens: float = 20.0) -> None:
        self.ratio = ratio
        self.max_tokens = max_tokens
        self.tokens = min_tokens

    def on_request(self) -> None:
        self.tokens = min(self.max_tokens, self.tokens + self.ratio)

    def try_spend(self) -> bool:
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class CircuitState(enum.Enum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


class CircuitBreaker:
    """Opens after ``threshold`` consecutive failures; after ``reset_s`` lets one probe through.

    Two kinds of failure count: calls that got no usable HTTP answer or a 5xx/429
    (``record_failure``, reset by any 2xx), and 2xx answers whose body could not
    be used: not JSON, or not the documented shape (``record_unusable``). The
    second kind is reset only by a usable answer (``record_usable``), not by the
    2xx that carried the bad body, or an upstream answering garbage with 200 would
    never open the circuit.
    """

    def __init__(self, threshold: int = 5, reset_s: float = 5.0, *, clock: Clock = time.monotonic) -> None:
        self.threshold = threshold
        self.reset_s = reset_s
        self.failures = 0
        self.unusable = 0
        """Consecutive 2xx answers whose bodies could not be used."""
        self._clock = clock
        self._opened_at: float | None = None
        self._probing = False
        self._closed_by_probe = False

    @property
    def state(self) -> CircuitState:
        if self._opened_at is None:
            return CircuitState.CLOSED
        if self._clock() - self._opened_at >= self.reset_s:
            return CircuitState.HALF_OPEN
        return CircuitState.OPEN

    def allow(self) -> bool:
        state = self.state
        if state is CircuitState.CLOSED:
            return True
        if state is CircuitState.HALF_OPEN and not self._probing:
            self._probing = True
            return True
        return False

    def record_success(self) -> None:
        self._closed_by_probe = self._probing
        self.failures = 0
        self._opened_at = None
        self._probing = False

    def record_failure(self) -> None:
        self.failures += 1
        if self._probing or self.failures >= self.threshold:
            self._opened_at = self._clock()
        self._probing = False

    def record_unusable(self) -> None:
        """A 2xx whose body could not be used: counts like a failure (and reopens after a probe)."""
        self.unusable += 1
        if self.unusable >= self.threshold or self._closed_by_probe:
            # The 2xx that carried this body may have been the half-open probe, which
            # closed the circuit a moment ago: an unusable answer reopens it.
            self._opened_at = self._clock()
        self._closed_by_probe = False
        self._probing = False

    def record_usable(self) -> None:
        self.unusable = 0
        self._closed_by_probe = False

    def release(self) -> None:
        """The probe ``allow`` let through ended without an answer (cancelled, or cut by the
        caller's deadline): it proved nothing, so the next call probes again."""
        self._probing = False


class RateLimiter:
    """Token bucket: at most ``rate`` requests per second, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate)
        self._tokens = self.capacity
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self, within: float | None = None) -> bool:
        """Take a token, waiting for one; ``False`` (nothing taken) when it cannot come within ``within`` s."""
        give_up_at = None if within is None else time.monotonic() + within
        try:
            async with asyncio.timeout(within):
                async with self._lock:
                    while True:
                        now = time.monotonic()
                        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                        self._updated = now
                        if self._tokens >= 1:
                            self._tokens -= 1
                            return True
                        wait = (1 - self._tokens) / self.rate
                        if give_up_at is not None and time.monotonic() + wait > give_up_at:
                            return False  # a wait that cannot end in time is not started
                        await asyncio.sleep(wait)
        except TimeoutError:
            return False
