"""Simulators speak their upstream's words only: none reads an adapter's translation tables.

A simulator that filtered with the adapter's own status table (as the Leia simulator once
did with ``STATUS_TABLE``) would agree with any mapping the adapter makes, so a wrong
mapping could never fail a test.
"""

from __future__ import annotations

import ast
from pathlib import Path

SIMULATORS = Path(__file__).resolve().parents[3] / "simulators"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_simulator_imports_an_adapters_translation() -> None:
    offenders = {
        f"{path.relative_to(SIMULATORS.parent)}: {module}"
        for path in SIMULATORS.rglob("*.py")
        for module in _imports(path)
        if module.startswith("adapters.") and module.rsplit(".", 1)[-1] in ("translate", "adapter", "listing")
    }
    assert not offenders, sorted(offenders)
    assert list(SIMULATORS.rglob("*.py")), "the simulators were found"
