"""The gateway's distribution holds the product only: no simulator is built into its wheel or imported by it."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("gateway", "adapters")


def _simulator_like(path: str) -> bool:
    """A path part named like simulator code: ``sim/``, ``sim_*``, ``simkit``, ``*simulator*``."""
    parts = path.removesuffix(".py").split("/")
    return any(part == "sim" or part.startswith(("sim_", "simkit")) or "simulator" in part for part in parts)


def _imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, statically or through ``importlib.import_module("...")``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
    return names


def _sources(*packages: str) -> list[Path]:
    return [path for package in packages for path in sorted((ROOT / package).rglob("*.py"))]


def test_product_never_imports_simulators() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in _imported_modules(path) if m.split(".")[0] == "simulators")
        for path in _sources(*PRODUCT)
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_benchmarks_never_import_tests() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in _imported_modules(path) if m.split(".")[0] == "tests")
        for path in _sources("benchmarks")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def _copy_tree(target: Path) -> Path:
    """The repository without its virtualenv, caches and build output, so building leaves no trace here."""
    skip = shutil.ignore_patterns(
        ".venv", ".git", "node_modules", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"
    )
    return Path(shutil.copytree(ROOT, target / "src", ignore=skip))


def _wheel_files(source: Path, out: Path, name: str) -> list[str]:
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index"]
    subprocess.run([*command, "-w", str(out), str(source)], check=True, capture_output=True, timeout=300)
    (wheel,) = out.glob(f"{name}-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


@pytest.fixture(scope="module")
def source_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _copy_tree(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def wheel_files(source_tree: Path) -> list[str]:
    return _wheel_files(source_tree, source_tree.parent / "gateway-wheel", "job_gateway")


def test_wheel_holds_gateway_and_adapters(wheel_files: list[str]) -> None:
    for module in ("gateway/cli.py", "gateway/embedded.py", "adapters/registry.py", "adapters/leia/syntax.py"):
        assert module in wheel_files
    assert any(name.startswith("gateway/graphiql/static/") for name in wheel_files)
    assert "gateway/dashboard/page.html" in wheel_files
    for name in ("main.js", "app.css", "jobs-page.js", "favicon.svg"):
        assert f"gateway/dashboard/static/{name}" in wheel_files


def test_wheel_holds_no_simulator(wheel_files: list[str]) -> None:
    modules = [name for name in wheel_files if ".dist-info/" not in name]
    assert [name for name in modules if name.split("/")[0] not in PRODUCT] == []
    assert [name for name in modules if _simulator_like(name)] == []
    assert len(modules) > 100


def test_simulator_names_are_recognised() -> None:
    for name in ("simulators/kit/app.py", "adapters/leia/sim_state.py", "adapters/simkit/clock.py", "a/sim/x.py"):
        assert _simulator_like(name)
    assert not _simulator_like("adapters/leia/syntax.py")


def test_simulators_wheel_holds_simulators_and_declares_the_entry_point(source_tree: Path) -> None:
    files = _wheel_files(source_tree / "simulators", source_tree.parent / "simulators-wheel", "job_gateway_simulators")
    assert {name.split("/")[0] for name in files if ".dist-info/" not in name} == {"simulators"}
    assert "simulators/kit/server.py" in files
    # Each simulator serves its upstream's OpenAPI document from package data.
    for source in ("wordlift", "leia", "phylodb", "scale", "amperity"):
        assert any(name.startswith(f"simulators/{source}/openapi/") for name in files), source
    assert any(name.endswith(".dist-info/entry_points.txt") for name in files)
