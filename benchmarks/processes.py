"""The simulators and the gateway as subprocesses, started through the ``job-gateway`` CLI."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

SIM_NAMES = ("wordlift", "leia", "phylodb", "scale", "amperity")
CURSOR_SECRET = "benchmark-cursor-secret"
"""Shared by every gateway process of a run, so a cursor from one is valid in the next."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli() -> list[str]:
    """The ``job-gateway`` console script next to this interpreter, else ``python -m gateway``."""
    script = Path(sys.executable).with_name("job-gateway")
    if script.exists():
        return [str(script)]
    found = shutil.which("job-gateway")
    return [found] if found else [sys.executable, "-m", "gateway"]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def check_alive(self) -> None:
        if self.popen.poll() is not None:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{tail}")

    def stop(self) -> None:
        """Stop this process (by its own pid): SIGTERM, then SIGKILL after a grace period."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)


def _start(name: str, args: list[str], workdir: Path, env: dict[str, str] | None = None) -> Process:
    log = workdir / f"{name}.log"
    handle = log.open("wb")
    popen = subprocess.Popen(
        [*cli(), *args],
        stdout=handle,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        cwd=workdir,
    )
    handle.close()
    return Process(name, popen, log)


def _wait(process: Process, ready: Callable[[], bool], what: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        process.check_alive()
        with contextlib.suppress(httpx.HTTPError, OSError):
            if ready():
                return
        time.sleep(0.05)
    raise RuntimeError(f"{process.name}: {what} not ready after {timeout_s:.0f} s")


@dataclass
class Simulators:
    process: Process
    url: str
    config: Path

    def faults(self, faults: dict[str, float]) -> None:
        """The same faults on every upstream (``{}`` clears them)."""
        for name in SIM_NAMES:
            httpx.post(f"{self.url}/{name}/_sim/faults", json=faults, timeout=10).raise_for_status()


@dataclass
class Gateway:
    process: Process
    url: str

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"


@contextlib.contextmanager
def simulators(workdir: Path, seed: int = 0) -> Iterator[Simulators]:
    port = free_port()
    config = workdir / "simulators.toml"
    process = _start(
        "simulators",
        ["simulate", "--port", str(port), "--config-out", str(config), "--sim-speed", "0", "--seed", str(seed)],
        workdir,
    )
    url = f"http://127.0.0.1:{port}"
    try:

        def ready() -> bool:
            if not config.exists():
                return False
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True

        _wait(process, ready, "simulators")
        yield Simulators(process, url, config)
    finally:
        process.stop()


@contextlib.contextmanager
def gateway(
    workdir: Path,
    config: Path,
    name: str = "gateway",
    env: dict[str, str] | None = None,
    workers: int = 1,
) -> Iterator[Gateway]:
    """``job-gateway serve --config``; ``env`` adds variables (``JOB_GATEWAY_STATE_URL``, ...)."""
    port = free_port()
    process = _start(
        name,
        ["serve", "--config", str(config), "--port", str(port), "--log-level", "warning", "--workers", str(workers)],
        workdir,
        env={"JOB_GATEWAY_CURSOR_SECRET": CURSOR_SECRET, **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(process, lambda: httpx.get(f"{url}/healthz", timeout=1).status_code == 200, "gateway")
        # Every upstream answered a cheap authenticated call (Leia has logged in, ...).
        _wait(process, lambda: httpx.get(f"{url}/readyz", timeout=10).status_code == 200, "upstreams")
        yield Gateway(process, url)
    finally:
        process.stop()


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="job-gateway-bench-") as path:
        yield Path(path)


def cpu_seconds(root: int) -> float:
    """User + system CPU of ``root`` and every process below it (Hive may fork workers)."""
    children: dict[int, list[int]] = {}
    stats: dict[int, tuple[int, float]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(proc.name), int(fields[1])
        stats[pid] = (ppid, (int(fields[11]) + int(fields[12])) / tick)
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0.0))[1]
        todo.extend(children.get(pid, ()))
    return total
