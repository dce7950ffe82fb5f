"""Seeded data: four graphs (three reachable with the simulator's key) and 300 KPI jobs.

History is made by replaying submissions through the store's own submit rules
at past moments: one daily job per graph and day, some forced reruns (a few
soon enough to supersede the running one), and at the end one live forced run
per graph, submitted seconds before "now", so a real-time clock shows them
queued and running and moving on within a minute.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from simulators.kit import Seeded
from simulators.wordlift.model import Graph
from simulators.wordlift.store import KpiStore

JOBS_PER_GRAPH = (110, 100, 90)
LIVE_OFFSETS_S = (25.0, 0.5, 40.0)
"""How long before "now" each graph's live job was submitted: running, queued, validating."""
_SITES = (
    "https://www.alpine-outfitters.com",
    "https://www.nordic-recipes.com",
    "https://www.citybikes-shop.com",
    "https://www.homedecor-journal.com",
    "https://www.vintage-watch-club.net",
)


def _example_graph(now: datetime, seeded: Seeded) -> Graph:
    """The graph of the spec's examples (``1506805``, busesforsale.com)."""
    every = timedelta(hours=30)
    return Graph(
        graph_id="1506805",
        dataset_id="677fe88046061868443428fa",
        website_url="https://www.busesforsale.com",
        documents=58730,
        urls=217,
        rows_ratio=49499 / 58730,
        issues_per_url=11534 / 217,
        public_ratio=56211 / 58730,
        edit_every=every,
        edit_phase=now - every * seeded.rng.random(),
    )


def _random_graph(now: datetime, seeded: Seeded, site: str, edit_hours: float, taken: set[str]) -> Graph:
    rng = seeded.rng
    graph_id = str(rng.randint(1_000_000, 2_999_999))
    while graph_id in taken:
        graph_id = str(rng.randint(1_000_000, 2_999_999))
    taken.add(graph_id)
    every = timedelta(hours=edit_hours * rng.uniform(0.9, 1.1))
    return Graph(
        graph_id=graph_id,
        dataset_id=seeded.mongo_id(),
        website_url=site,
        documents=rng.randint(4_000, 30_000),
        urls=rng.randint(60, 400),
        rows_ratio=rng.uniform(0.6, 1.1),
        issues_per_url=rng.uniform(10, 60),
        public_ratio=rng.uniform(0.85, 0.99),
        edit_every=every,
        edit_phase=now - every * rng.random(),
    )


def _schedule(seeded: Seeded, count: int) -> list[tuple[int, bool]]:
    """``(days back, with a forced rerun)`` oldest first, ``count`` submissions in all."""
    days: list[tuple[int, bool]] = []
    made, back = 0, 1
    while made < count:
        rerun = back >= 2 and made + 2 <= count and seeded.rng.random() < 0.08
        days.append((back, rerun))
        made += 2 if rerun else 1
        back += 1
    return days[::-1]


def _replay(store: KpiStore, graph_id: str, count: int, now: datetime) -> None:
    rng = store.seeded.rng
    today = now.astimezone(UTC).date()
    for back, rerun in _schedule(store.seeded, count):
        day = today - timedelta(days=back)
        start = datetime.combine(day, time(0), UTC) + timedelta(seconds=rng.randint(3_600, 72_000))
        body: dict[str, object] = {"snapshot_date": day.isoformat()}
        draw = rng.random()
        if draw < 0.10:
            body["skip_validation"] = True
        elif draw < 0.14:
            body["limit_urls"] = 50
        store.submit(graph_id, body, start)
        if rerun:
            quick = rng.random() < 0.3
            delay = rng.randint(15, 50) if quick else rng.randint(3_600, 10_800)
            store.submit(
                graph_id, {"snapshot_date": day.isoformat(), "force_rerun": True}, start + timedelta(seconds=delay)
            )


def seed_store(seed: int, now: datetime) -> tuple[KpiStore, str, tuple[str, ...]]:
    """A populated store, the API key that opens it, and the graphs that key may use."""
    seeded = Seeded(seed, "wordlift")
    store = KpiStore(seeded)
    api_key = seeded.alnum(32)
    sites = seeded.rng.sample(_SITES, 3)
    taken = {"1506805"}
    graphs = [
        _example_graph(now, seeded),
        _random_graph(now, seeded, sites[0], edit_hours=70, taken=taken),
        _random_graph(now, seeded, sites[1], edit_hours=40, taken=taken),
    ]
    forbidden = _random_graph(now, seeded, sites[2], edit_hours=50, taken=taken)
    for graph in (*graphs, forbidden):
        store.graphs[graph.graph_id] = graph
    store.keys[api_key] = frozenset(g.graph_id for g in graphs)
    for graph, count, offset in zip(graphs, JOBS_PER_GRAPH, LIVE_OFFSETS_S, strict=True):
        _replay(store, graph.graph_id, count - 1, now)
        live_at = now - timedelta(seconds=offset)
        live_day = live_at.astimezone(UTC).date().isoformat()
        store.submit(graph.graph_id, {"snapshot_date": live_day, "force_rerun": True}, live_at)
    return store, api_key, tuple(g.graph_id for g in graphs)
