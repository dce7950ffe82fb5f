"""Real gateway processes, as an operator runs them, in front of simulators: for restart and replica tests.

The simulators run in the test's own process (served on loopback), so a test can
move their clock and look at their state; their configuration is written to a file
exactly as ``job-gateway simulate --config-out`` writes it. ``job-gateway serve
--config`` runs each gateway in a process of its own (this interpreter, ``python -m
gateway``), waited for on its health route and stopped with the signal a test chooses.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from simulators.kit.server import free_port, serve
from simulators.suite import SimulatorSet, build_simulators, render_config

START_TIMEOUT_S = 30.0


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout_s: float = 15.0) -> int:
        """Send ``sig`` and wait for the exit; the exit code."""
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
        try:
            return self.popen.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            return self.popen.wait()

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def metric(self, name: str, **labels: str) -> float:
        """The sum of ``name``'s samples on this process's /metrics whose labels include ``labels``."""
        from prometheus_client.parser import text_string_to_metric_families

        text = httpx.get(f"{self.url}/metrics", timeout=10).text
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
        )

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, timeout=30)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data


def _start(args: list[str], ready_url: str, log: Path, env: Mapping[str, str]) -> Process:
    with log.open("wb") as out:
        popen = subprocess.Popen(
            [sys.executable, "-m", "gateway", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if popen.poll() is not None:
            raise RuntimeError(f"{args[0]} exited with {popen.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(ready_url, timeout=1).status_code < 500:
                return Process(popen, ready_url.rsplit("/", 1)[0], log)
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            popen.kill()
            raise RuntimeError(f"{args[0]} did not start:\n{log.read_text()}")
        time.sleep(0.1)


@contextmanager
def simulators(workdir: Path, *, speed: float = 0.0) -> Iterator[tuple[SimulatorSet, Path]]:
    """The five simulators on a free loopback port (frozen clock by default) and their config file."""
    sims = build_simulators(seed=0, speed=speed)
    with serve(sims.app) as url:
        config = workdir / "sim.toml"
        config.write_text(render_config(sims.gateway_tables(url), "simulators for a test"))
        yield sims, config


def gateway(
    config: Path,
    workdir: Path,
    *,
    state_url: str,
    name: str = "gateway",
    args: tuple[str, ...] = ("--log-level", "warning"),
    env: Mapping[str, str] | None = None,
    workers: int = 1,
) -> Process:
    """``job-gateway serve --config`` on a free port with ``state_url`` (and ``args``, ``env``, ``workers``);
    running once it answers /healthz. ``env`` adds variables (``JOB_GATEWAY_<KEY>`` sets a ``[gateway]`` key)."""
    port = free_port()
    command = ["serve", "--config", str(config), "--port", str(port), "--workers", str(workers), *args]
    environ = {"JOB_GATEWAY_STATE_URL": state_url, **(env or {})}
    return _start(command, f"http://127.0.0.1:{port}/healthz", workdir / f"{name}.log", environ)
