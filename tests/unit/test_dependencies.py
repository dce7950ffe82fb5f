"""Declared dependencies match imports: every third-party module our code imports comes from a declared distribution.

A package that only arrives through another one (``cross_web`` through strawberry,
``starlette`` through fastapi) can vanish or change under us when that one
upgrades; declaring what we import keeps the install honest.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterable
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = {"gateway", "adapters", "simulators", "benchmarks", "tests"}
RUNTIME_CODE = ("gateway", "adapters")
"""Shipped code: its imports must be runtime dependencies."""
SIMULATOR_CODE = ("simulators",)
"""Its own distribution: its dependencies, or the gateway's (it depends on job-gateway)."""
TEST_CODE = ("benchmarks", "tests")
"""Run from a ``.[test]`` install: runtime dependencies or the ``test`` extra."""


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(requirements: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for requirement in requirements:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        assert match, requirement
        found.add(_normalise(match.group()))
    return found


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return _names(project["dependencies"]), _names(project["optional-dependencies"]["test"])


def _simulator_dependencies() -> set[str]:
    project = tomllib.loads((ROOT / "simulators" / "pyproject.toml").read_text())["project"]
    return _names(project["dependencies"])


def _imported_modules(folder: str) -> dict[str, str]:
    """Top-level third-party module -> one file importing it."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top not in sys.stdlib_module_names and top not in FIRST_PARTY and top != "__future__":
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def _undeclared(folders: Iterable[str], allowed: set[str]) -> list[str]:
    providers = packages_distributions()
    problems: list[str] = []
    for folder in folders:
        if not (ROOT / folder).is_dir():
            continue
        for module, where in sorted(_imported_modules(folder).items()):
            distributions = {_normalise(d) for d in providers.get(module, [])}
            if not distributions & allowed:
                problems.append(f"{where} imports {module} (from {sorted(distributions) or 'nothing installed'})")
    return problems


def test_shipped_code_imports_only_runtime_dependencies() -> None:
    runtime, _ = _declared()
    assert _undeclared(RUNTIME_CODE, runtime) == []


def test_simulators_import_only_their_dependencies() -> None:
    runtime, _ = _declared()
    assert _undeclared(SIMULATOR_CODE, _simulator_dependencies() | runtime) == []


def test_tests_and_benchmarks_import_only_declared_dependencies() -> None:
    runtime, test = _declared()
    assert _undeclared(TEST_CODE, runtime | test | _simulator_dependencies()) == []


def test_an_undeclared_import_is_caught() -> None:
    runtime, _ = _declared()
    problems = _undeclared(RUNTIME_CODE, runtime - {"cross-web"})
    assert any("imports cross_web" in p for p in problems), problems
