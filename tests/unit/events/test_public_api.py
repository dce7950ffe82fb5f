"""The public names of ``gateway.events``: changing them is a decision, not an accident."""

from __future__ import annotations

import gateway.events
from gateway.events import EventBus, InProcessEventBus


def test_public_names_are_pinned() -> None:
    assert sorted(gateway.events.__all__) == [
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


def test_the_in_process_bus_is_an_event_bus() -> None:
    bus: EventBus = InProcessEventBus()  # checked by mypy; the runtime check is only a smoke test
    assert bus.stats().subscribers == 0
