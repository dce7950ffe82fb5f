"""Callbacks: one token speaks only for the jobs it was issued for (and their reruns), a callback
only makes the gateway read the job from its upstream (at most once per interval per token), and
the token never shows in what a client sees."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from adapters.base import SubmitRequest
from adapters.errors import ErrorKind, FieldError, UpstreamError
from adapters.model import JobRecord, JobStatus, NativeKey, Source
from gateway.cache import RecordCache
from gateway.callbacks import CallbackRead, CallbackReads, CallbackTokens
from gateway.events import JobRef
from gateway.idempotency import IdempotencyLedger, ResultCodec
from gateway.live import Live
from gateway.mutations import MutationService, Outcome
from gateway.state import codec, open_store
from gateway.state.memory import MemoryStore
from gateway.upstreams import Upstreams
from tests.support.memory_adapter import MemoryAdapter


async def test_a_token_speaks_only_for_its_job_and_its_reruns() -> None:
    hooks = CallbackTokens("https://gw.example", MemoryStore())
    token, url = await hooks.new_callback_url(Source.LEIA)
    assert url == f"https://gw.example/webhooks/leia/{token}"
    await hooks.bind(token, "job-1")
    assert await hooks.accept(token, "job-1")
    assert not await hooks.accept(token, "job-2")
    await hooks.inherit("job-1", "job-2")
    assert await hooks.accept(token, "job-2")
    assert not await hooks.accept("unknown-token", "job-1")


async def test_an_unbound_token_binds_to_the_first_job_it_reports() -> None:
    hooks = CallbackTokens("https://gw.example/", MemoryStore())
    token, _ = await hooks.new_callback_url(Source.LEIA)
    assert await hooks.accept(token, "early")
    assert not await hooks.accept(token, "other")


async def test_inheriting_from_a_job_without_a_token_changes_nothing() -> None:
    hooks = CallbackTokens("https://gw.example", MemoryStore())
    await hooks.inherit("never-submitted-here", "job-9")
    token, _ = await hooks.new_callback_url(Source.LEIA)
    await hooks.bind(token, "job-1")
    assert not await hooks.accept(token, "job-9")


async def test_tokens_outlive_the_process_that_issued_them(tmp_path: Path) -> None:
    """Two gateways (two stores on one SQLite file): one issues and binds, the other accepts."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    issuing, receiving = open_store(url), open_store(url)
    await issuing.open()
    await receiving.open()
    try:
        token, _ = await CallbackTokens("https://gw.example", issuing).new_callback_url(Source.LEIA)
        await CallbackTokens("https://gw.example", issuing).bind(token, "job-1")
        other = CallbackTokens("https://gw.example", receiving)
        assert await other.known(token)
        assert await other.accept(token, "job-1") and not await other.accept(token, "job-2")
    finally:
        await issuing.aclose()
        await receiving.aclose()


async def test_racing_first_reports_of_an_unbound_token_bind_one_job() -> None:
    hooks = CallbackTokens("https://gw.example", MemoryStore())
    token, _ = await hooks.new_callback_url(Source.LEIA)
    verdicts = await asyncio.gather(*(hooks.accept(token, f"job-{i}") for i in range(5)))
    assert verdicts.count(True) == 1


# --- callbacks are hints: what one makes the gateway do ------------------------------------

BLOCKED = JobRecord(Source.LEIA, "job-1", "s1", JobStatus.BLOCKED, "BLOCKED")


def reads_over(adapter: MemoryAdapter, interval: float) -> tuple[CallbackReads, Live]:
    upstreams = Upstreams({Source.LEIA: adapter})
    live = Live(upstreams)
    return CallbackReads(upstreams, RecordCache(), live, min_interval_s=interval), live


async def test_a_callback_publishes_what_the_upstream_says_not_what_the_body_claimed() -> None:
    adapter = MemoryAdapter(Source.LEIA, jobs=[BLOCKED])
    reads, live = reads_over(adapter, 0.2)
    assert await reads.refresh("t", Source.LEIA, BLOCKED.key) is CallbackRead.READ
    assert adapter.calls == ["get_jobs"]
    assert live.watcher.current(JobRef.of(BLOCKED)) == BLOCKED


async def test_one_token_reads_at_most_once_per_interval_and_a_late_genuine_callback_still_counts() -> None:
    adapter = MemoryAdapter(Source.LEIA, jobs=[BLOCKED])
    reads, live = reads_over(adapter, 0.2)
    assert await reads.refresh("t", Source.LEIA, BLOCKED.key) is CallbackRead.READ  # a forger's, first
    outcomes = {await reads.refresh("t", Source.LEIA, BLOCKED.key) for _ in range(50)}
    assert outcomes == {CallbackRead.DEFERRED} and adapter.calls == ["get_jobs"]
    # The job really ends while the flood is being held back: the one trailing read sees it.
    done = JobRecord(Source.LEIA, "job-1", "s1", JobStatus.SUCCEEDED, "PROCESSED")
    adapter.jobs = [done]
    await asyncio.sleep(0.35)
    assert adapter.calls == ["get_jobs", "get_jobs"]
    assert live.watcher.current(JobRef.of(done)) == done
    assert await reads.refresh("other-token", Source.LEIA, done.key) is CallbackRead.READ  # tokens are apart
    await reads.stop()


async def test_an_unreadable_upstream_publishes_nothing() -> None:
    adapter = MemoryAdapter(
        Source.LEIA, jobs=[BLOCKED], fail_with=UpstreamError(ErrorKind.UNAVAILABLE, Source.LEIA, "x")
    )
    reads, live = reads_over(adapter, 0.2)
    assert await reads.refresh("t", Source.LEIA, BLOCKED.key) is CallbackRead.FAILED
    missing = NativeKey("s1", "nope")
    adapter.fail_with = None
    assert await reads.refresh("u", Source.LEIA, missing) is CallbackRead.FAILED
    assert live.watcher.stats().published == 0


# --- the token never reaches a client through an upstream's complaint ----------------------


@dataclass
class EchoingAdapter(MemoryAdapter):
    """A callback source whose upstream quotes the callback URL back in its refusals."""

    kind: ErrorKind = ErrorKind.INVALID
    sent: list[str] = field(default_factory=list)

    def with_callback(self, request: SubmitRequest, url: str) -> SubmitRequest | None:
        self.sent.append(url)
        return replace(request, params={**request.params, "callback_url": url})

    def job_of_callback(self, payload: object) -> NativeKey:
        raise ValueError("unused")

    async def submit_job(self, request: SubmitRequest) -> JobRecord:
        url = request.params["callback_url"]
        raise UpstreamError(
            self.kind,
            self.source,
            f"cannot call {url}",
            field_errors=(FieldError(("callback_url",), f"{url} is not reachable"),),
        )


OUTCOMES = ResultCodec(codec.dumps, lambda data: codec.loads(Outcome, data))


@pytest.mark.parametrize("kind", [ErrorKind.INVALID, ErrorKind.UNAVAILABLE])
async def test_an_upstream_complaint_quoting_our_callback_url_shows_no_token(kind: ErrorKind) -> None:
    hooks = CallbackTokens("https://gw.example", MemoryStore())
    service = MutationService(IdempotencyLedger(MemoryStore(), OUTCOMES), callbacks=hooks)
    adapter = EchoingAdapter(Source.LEIA, kind=kind)
    try:
        outcome = await service.submit(adapter, "client", SubmitRequest("s1", {}), None)
        shown = " ".join(p.message for p in outcome.problems)
    except UpstreamError as err:
        shown = f"{err.message} {err.field_errors} {err!r} {err.__cause__!r}"
    assert "https://gw.example/webhooks/leia/***" in shown
    [url] = adapter.sent
    assert url.rsplit("/", 1)[1] not in shown
