"""What the browser tests share: the gateway on the simulators, Debian's Chromium, and the loopback-only check.

The gateway is started with its CLI (``python -m gateway serve --simulate``) on a free
loopback port.  Chromium is Debian's, driven by Selenium through Debian's chromedriver
(no browser download).  Every request the browser would send beyond loopback goes to a
proxy address nothing listens on, so it fails; Chrome's performance log then lists every
request a page made, and a test fails if one went anywhere but the gateway.

Chromium missing fails the tests when ``CI`` is set, and skips them otherwise.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.processes import Process

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
REPO_ROOT = Path(__file__).resolve().parents[2]

STARTUP_TIMEOUT = 60.0
UI_TIMEOUT = 60.0

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,900",
    # A test watches two tabs at once: the one in the background must run as if shown.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
    # Chrome sends loopback directly and everything else to this proxy, where nothing listens.
    "--proxy-server=http://127.0.0.1:9",
)


def unavailable(reason: str) -> NoReturn:
    """Fail under CI (a browser test that cannot run is a broken CI), else skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def gateway_command(port: int, sim_port: int) -> list[str]:
    """The command that starts the gateway on the simulators, in one process.

    The simulated world is frozen: a job a test picked to act on cannot finish on its own
    first, whatever the machine's load. A test that needs time to pass (Scale applies a
    cancel a moment after accepting it) advances that simulator's clock.
    """
    return [
        *(sys.executable, "-m", "gateway", "serve", "--simulate", "--sim-speed", "0"),
        *("--host", "127.0.0.1", "--port", str(port), "--sim-port", str(sim_port)),
    ]


@dataclass(frozen=True, slots=True)
class Gateway:
    url: str
    """The gateway's base URL."""
    simulators: str
    """The simulators' origin (``/<source>/_sim/faults`` breaks a source)."""


@contextlib.contextmanager
def running_gateway(log_path: Path) -> Iterator[Gateway]:
    """The gateway on the simulators until the block ends."""
    port, sim_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("JOB_GATEWAY_CONFIG", None)  # --simulate refuses a configuration
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            gateway_command(port, sim_port),
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"gateway exited with {process.returncode} before /healthz answered:\n"
                    + log_path.read_text(errors="replace")[-4000:],
                    pytrace=False,
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=2.0).status_code == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(
                    f"gateway did not answer /healthz within {STARTUP_TIMEOUT:.0f}s:\n"
                    + log_path.read_text(errors="replace")[-4000:],
                    pytrace=False,
                )
            time.sleep(0.2)
        yield Gateway(base, f"http://127.0.0.1:{sim_port}")
    finally:
        Process(process, base, log_path).stop()


@contextlib.contextmanager
def chromium_driver(profile: Path) -> Iterator[Any]:
    """Debian's headless Chromium under Selenium, logging every request and console message."""
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        unavailable(
            f"needs Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}): "
            "apt-get install -y chromium chromium-driver"
        )
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        unavailable("needs selenium (pip install selenium, or the project's test extra)")

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    # Both paths are given, so Selenium Manager (which could download a driver) never runs.
    service = Service(executable_path=CHROMEDRIVER, log_output=str(profile.parent / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    try:
        driver.set_page_load_timeout(UI_TIMEOUT)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def requested_urls(performance_log: list[dict[str, Any]]) -> list[str]:
    """Every URL the page asked for (HTTP requests and WebSockets) in a performance log."""
    urls: list[str] = []
    for entry in performance_log:
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(params["request"]["url"])
        elif message.get("method") == "Network.webSocketCreated":
            urls.append(params["url"])
    return urls


def foreign(urls: list[str], netloc: str) -> list[str]:
    """The URLs that go anywhere but ``netloc``.

    data:, blob: and about: URLs fetch nothing, and chrome:// ones are the
    browser's own built-in pages (a web page cannot load them).
    """
    found = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob", "about", "chrome"}:
            continue
        if parts.scheme not in {"http", "ws"} or parts.netloc != netloc:
            found.append(url)
    return found


def diagnostics(driver: Any) -> str:
    """Console messages and the visible text, to explain a failure."""
    lines = []
    with contextlib.suppress(Exception):
        lines += [f"console {e['level']}: {e['message']}" for e in driver.get_log("browser")]
    with contextlib.suppress(Exception):
        lines.append("page text:\n" + driver.find_element("tag name", "body").text[:3000])
    return "\n".join(lines)
