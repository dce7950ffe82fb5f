"""Live job status: the event bus, the watchers that feed it, and the records they carry.

Transport-free: the GraphQL subscription glue (WebSocket, SSE) sits on top of
``EventBus.subscribe`` and ``Watcher.watch``.
"""

from __future__ import annotations

from gateway.events.bus import (
    BusStats,
    EventBus,
    InProcessEventBus,
    LocalSubscription,
    Predicate,
    Subscription,
    SubscriptionOverflow,
)
from gateway.events.model import JobRef, StatusEvent
from gateway.events.watcher import (
    PollingPolicy,
    StatusFetcher,
    Watcher,
    WatcherStats,
    WatchHandle,
    batch_fetcher,
)

__all__ = [
    "BusStats",
    "EventBus",
    "InProcessEventBus",
    "JobRef",
    "LocalSubscription",
    "PollingPolicy",
    "Predicate",
    "StatusEvent",
    "StatusFetcher",
    "Subscription",
    "SubscriptionOverflow",
    "WatchHandle",
    "Watcher",
    "WatcherStats",
    "batch_fetcher",
]
