"""A real ``redis-server`` (Debian's) on a free loopback port, for tests of the Redis state store.

Missing ``redis-server`` fails the test when ``CI`` is set (``.ci/run`` installs it)
and skips it otherwise, saying how to install it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from simulators.kit.server import free_port


def require_redis_server() -> str:
    found = shutil.which("redis-server")
    if found is None:
        reason = "needs Debian's redis-server: apt-get install -y redis-server"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
        pytest.skip(reason)
    return found


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """``redis://127.0.0.1:<port>/0`` while a fresh, non-persistent server runs there."""
    binary = require_redis_server()
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
