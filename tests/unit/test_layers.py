"""The import graph of ``gateway/`` and ``adapters/``, computed from the source: one direction, no cycles.

Layers, lowest first (a module may import its own layer and the ones below):

0. vocabulary: the common records, ``Source`` and the error type every layer speaks;
1. transport: the shared HTTP client, its resilience parts and observer hook;
2. adapters: the ``Adapter`` protocol and capability protocols, the registry, helpers next
   to them, and one sealed package per upstream (only the registry reaches one, by name);
3. services: reads, mutations, live events, idempotency, loaders, cursors, configuration;
4. GraphQL: Strawberry types and resolvers, and the context they get;
5. app: the HTTP routes, the app factory and the command line.

Only layers 4 and 5 import Strawberry. Run this file directly to print the graph.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("gateway", "adapters")

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("vocabulary", ("adapters.model", "adapters.errors")),
    ("transport", ("adapters.http", "adapters.resilience", "adapters.observe", "adapters.jsoncodec")),
    (
        "adapters",
        (
            "adapters",
            "adapters.base",
            "adapters.registry",
            "adapters.settings",
            "adapters.batching",
            "adapters.positions",
            "adapters.timeparse",
            "adapters.*",  # one package per upstream
        ),
    ),
    (
        "services",
        (
            "gateway",
            "gateway.services",
            "gateway.reads",
            "gateway.mutations",
            "gateway.live",
            "gateway.events*",
            "gateway.loaders",
            "gateway.paging",
            "gateway.cursor",
            "gateway.cache",
            "gateway.freshness",
            "gateway.callbacks",
            "gateway.client_urls",
            "gateway.idempotency",
            "gateway.history",
            "gateway.activity",
            "gateway.upstreams",
            "gateway.wiring",
            "gateway.config",
            "gateway.metrics",
            "gateway.ids",
            "gateway.errors",
            "gateway.links",
            "gateway.counts",
            "gateway.state*",
        ),
    ),
    ("graphql", ("gateway.context", "gateway.schema*")),
    (
        "app",
        (
            "gateway.app",
            "gateway.cli",
            "gateway.__main__",
            "gateway.http_view",
            "gateway.auth",
            "gateway.limits",
            "gateway.redaction",
            "gateway.webhooks",
            "gateway.graphiql*",
            "gateway.dashboard*",
            "gateway.static_files",
            "gateway.embedded",
            "gateway.shutdown",
            "gateway.serving",
            "gateway.logs",
            "gateway.tracing",
            "gateway.heap",
            "gateway.socket_edge",
            "gateway.ws_protocol",
        ),
    ),
)
STRAWBERRY_LAYERS = frozenset({"graphql", "app"})


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> Iterator[str]:
    """Every module of ours ``path`` imports, wherever the import stands (functions, TYPE_CHECKING too)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                yield sub if sub in known else node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def external(path: Path) -> set[str]:
    """Top-level names of what ``path`` imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
    return names


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {m for m in imports(path, known) if m in known and m != name} for name, path in known.items()}


def _matches(module: str, pattern: str) -> bool:
    if pattern.endswith(".*"):
        return module.startswith(pattern[:-1])
    if pattern.endswith("*"):
        return module == pattern[:-1] or module.startswith(pattern[:-1] + ".")
    return module == pattern


def layer_of(module: str) -> int:
    """The layer of ``module``: exact names win over wildcards, so ``adapters.base`` is not a source."""
    for exact in (True, False):
        for rank, (_, patterns) in enumerate(LAYERS):
            if any(_matches(module, p) for p in patterns if p.endswith("*") is not exact):
                return rank
    raise LookupError(f"{module} is in no layer: add it to LAYERS in {Path(__file__).name}")


def source_package(module: str) -> str | None:
    """``adapters.scale`` for ``adapters.scale.translate``; ``None`` outside the per-upstream packages."""
    parts = module.split(".")
    if parts[0] != "adapters" or len(parts) < 2 or layer_of(module) != 2:
        return None
    return ".".join(parts[:2]) if _is_package(".".join(parts[:2])) else None


def _is_package(module: str) -> bool:
    return (ROOT / Path(*module.split(".")) / "__init__.py").exists()


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_every_module_has_a_layer() -> None:
    for module in modules():
        layer_of(module)


def test_the_import_graph_has_no_cycle() -> None:
    assert cycles(graph()) == []


def test_imports_only_go_down() -> None:
    upward = [
        f"{m} ({LAYERS[layer_of(m)][0]}) imports {t} ({LAYERS[layer_of(t)][0]})"
        for m, targets in graph().items()
        for t in sorted(targets)
        if layer_of(t) > layer_of(m)
    ]
    assert upward == []


def test_an_upstream_package_is_reached_only_through_the_registry() -> None:
    leaks = [
        f"{m} imports {t}"
        for m, targets in graph().items()
        for t in sorted(targets)
        if (pkg := source_package(t)) is not None and source_package(m) != pkg
    ]
    assert leaks == []


def test_only_the_graphql_and_app_layers_import_strawberry() -> None:
    offenders = [
        name
        for name, path in modules().items()
        if "strawberry" in external(path) and LAYERS[layer_of(name)][0] not in STRAWBERRY_LAYERS
    ]
    assert offenders == []


def test_the_product_never_imports_the_simulators() -> None:
    offenders = [name for name, path in modules().items() if "simulators" in external(path)]
    assert offenders == []


def test_a_violation_would_be_found() -> None:
    """The checks above see what they are meant to: an upward edge and a cycle, made up here."""
    edges = {"adapters.model": {"gateway.reads"}, "gateway.reads": {"adapters.model"}}
    assert cycles(edges) == [["adapters.model", "gateway.reads"]]
    assert layer_of("adapters.model") < layer_of("gateway.reads") < layer_of("gateway.schema.nodes")
    assert source_package("adapters.scale.translate") == "adapters.scale"
    assert source_package("adapters.base") is None


if __name__ == "__main__":
    edges = graph()
    for rank, (name, _) in enumerate(LAYERS):
        members = sorted(m for m in edges if layer_of(m) == rank)
        print(f"{rank} {name} ({len(members)} modules)")
        for m in members:
            below = sorted(t for t in edges[m] if layer_of(t) < rank)
            print(f"    {m} -> {', '.join(below) if below else '-'}")
    print(f"cycles: {cycles(edges)}")
