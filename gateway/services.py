"""The process-wide services every request uses, built once by the app factory.

This is the services layer's front door: the GraphQL layer reaches reads,
mutations, live events and metrics through these named, typed fields and
never builds any of them itself.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, field

from adapters.base import RemembersSubmissions
from adapters.model import JobRecord, Source
from adapters.registry import REGISTRY
from adapters.settings import SourceSettings
from gateway import activity
from gateway.cache import RecordCache
from gateway.callbacks import CallbackReads, CallbackTokens
from gateway.client_urls import ClientUrlPolicy
from gateway.config import GatewayConfig, GatewaySettings
from gateway.cursor import CursorCodec
from gateway.events import InProcessEventBus, PollingPolicy
from gateway.events.bus import DEFAULT_WINDOW
from gateway.events.leases import PollLeases
from gateway.events.shared import Retention, SharedEventBus
from gateway.freshness import FreshLists
from gateway.history import StatusHistory
from gateway.idempotency import IdempotencyLedger, ResultCodec
from gateway.links import WebLinks
from gateway.live import Live
from gateway.metrics import Metrics
from gateway.mutations import MutationService, Outcome
from gateway.reads import PageLimits
from gateway.state import StateStore, StateUnavailable, codec, open_store
from gateway.state.memory import MemoryStore
from gateway.state.spaces import StoreMemory
from gateway.upstreams import Upstreams


@dataclass
class Services:
    upstreams: Upstreams
    codec: CursorCodec
    cache: RecordCache
    limits: PageLimits
    live: Live
    mutations: MutationService
    metrics: Metrics
    config: GatewayConfig
    state: StateStore
    history: StatusHistory
    """Each job's observed transitions, kept in ``state`` (what ``Job.statusHistory`` shows)."""
    """Opened by the app's lifespan, closed after it."""
    client_urls: ClientUrlPolicy
    """Checks the URLs clients hand to upstreams (``ClientUrl`` fields), with ``[gateway] callback_allow``."""
    callbacks: CallbackTokens | None = None
    """Tokens of the callback URLs handed to upstreams; ``None`` unless ``public_base_url`` is set."""
    callback_reads: CallbackReads | None = None
    """What an accepted callback makes happen (a fresh upstream read); set with ``callbacks``."""
    deadline_s: float | None = None
    """Every query and mutation's upstream calls end within this many seconds (``None``: no deadline)."""
    fresh: FreshLists | None = None
    """The freshness window of list reads (``[sources.X] list_freshness_s``)."""
    web_links: WebLinks = field(default_factory=lambda: WebLinks({}))
    """``Job.webUrl``: links into the upstreams' own UIs, from each source's ``ui_base_url``."""


def build_services(config: GatewayConfig, upstreams: Upstreams) -> Services:
    settings = config.gateway
    policy = PollingPolicy(
        tick=settings.poll_tick_s,
        submitted_delay=min(0.5, settings.poll_min_interval_s),
        min_interval=settings.poll_min_interval_s,
        max_interval=settings.poll_max_interval_s,
    )
    state = open_store(settings.state_url or "memory://")
    history = StatusHistory(state, per_job=settings.history_per_job)
    live = _live(upstreams, state, history, policy, settings)
    callbacks = (
        CallbackTokens(settings.public_base_url, state, ttl_s=settings.callback_token_ttl_s)
        if settings.public_base_url
        else None
    )
    metrics = Metrics()
    for adapter in upstreams:
        if isinstance(adapter, RemembersSubmissions):
            adapter.use_memory(StoreMemory(state, f"source:{adapter.source.value}:"))
    outcomes = ResultCodec(codec.dumps, lambda data: codec.loads(Outcome, data))
    ledger = IdempotencyLedger(state, outcomes, ttl_s=settings.idempotency_ttl_s)
    upstreams.add_observer(metrics.observe_upstream)
    upstreams.add_observer(activity.observe_upstream)
    cache = RecordCache()
    fresh = FreshLists(_freshness_windows(config, upstreams))
    # Every status change the gateway learns (polls, webhooks, other replicas) ends the window at once.
    live.bus.add_listener(lambda event: fresh.invalidate(event.ref.source))

    async def mutated(job: JobRecord, before: JobRecord | None) -> None:
        # Not only through the bus: an accepted but pending change (Scale) publishes no event yet.
        fresh.invalidate(job.source)

    return Services(
        upstreams=upstreams,
        # Until the app starts: a configured secret, else one of this process's (see ``start``).
        codec=CursorCodec(
            settings.cursor_secret.get_secret_value().encode() if settings.cursor_secret else secrets.token_bytes(32)
        ),
        cache=cache,
        limits=PageLimits(default=settings.default_page_size, maximum=settings.max_page_size),
        live=live,
        mutations=MutationService(
            ledger,
            listeners=[mutated, live.job_changed],
            callbacks=callbacks,
            forget=lambda job: cache.evict("job", (upstreams.cache_scope(job.source), job.key)),
        ),
        metrics=metrics,
        config=config,
        state=state,
        history=history,
        client_urls=ClientUrlPolicy(settings.callback_allow),
        callbacks=callbacks,
        callback_reads=CallbackReads(upstreams, cache, live) if callbacks is not None else None,
        deadline_s=settings.request_deadline_s or upstreams.default_deadline_s(),
        fresh=fresh,
        web_links=WebLinks.of(
            {REGISTRY.by_name(name).source: table.ui_base_url for name, table in config.sources.items()},
            {adapter.source: adapter.capabilities.web_path for adapter in upstreams},
        ),
    )


def _freshness_windows(config: GatewayConfig, upstreams: Upstreams) -> dict[Source, float]:
    """Each source's ``list_freshness_s``; a source built without a table (tests, embedding) gets the default."""
    tables = {REGISTRY.by_name(name).source: table for name, table in config.sources.items()}
    default = SourceSettings.model_fields["list_freshness_s"].default
    return {a.source: tables[a.source].list_freshness_s if a.source in tables else default for a in upstreams}


def _live(
    upstreams: Upstreams, state: StateStore, history: StatusHistory, policy: PollingPolicy, settings: GatewaySettings
) -> Live:
    """Events and polling of one process on ``memory://``; shared by every process on any other store."""
    window = min(settings.events_retained, DEFAULT_WINDOW)
    if isinstance(state, MemoryStore):
        return Live(upstreams, bus=InProcessEventBus(window=window, recorder=history.record), policy=policy)
    # Unique per process and per start: a restarted replica must not inherit a dead one's leases.
    origin = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    retention = Retention(events=settings.events_retained, max_age_s=settings.events_max_age_s)
    bus = SharedEventBus(state, origin, window=window, retention=retention, recorder=history.record)
    leases = PollLeases(state, origin, ttl_s=settings.poll_lease_s, renew_s=settings.poll_lease_s / 3)
    return Live(upstreams, bus=bus, policy=policy, leases=leases)


CURSOR_SECRET_KEY = "cursor-secret"


async def start(services: Services) -> None:
    """Open the state store and take from it what it holds for every replica (the cursor secret, the event log)."""
    await services.state.open()
    if services.config.gateway.cursor_secret is None:
        # The first process to start generates it; every other one, and every restart, reads it.
        await services.state.claim(CURSOR_SECRET_KEY, secrets.token_bytes(32))
        secret = await services.state.get(CURSOR_SECRET_KEY)
        if secret is None:
            raise StateUnavailable(f"state store {services.state.url} lost the cursor secret it just stored")
        services.codec.use_secret(secret)
    await services.live.bus.start()
