"""GraphiQL with no internet: the page and its files, then the real thing in Chromium.

The first tests check ``gateway.graphiql`` in process, with no browser.  The
browser test is end to end: the gateway is started with its CLI (``python -m
gateway serve``) on a free loopback port; Debian's Chromium, driven by Selenium
through Debian's chromedriver (no browser download), opens ``/graphql``, lets
GraphiQL load the schema, runs a query and reads the result on screen.  Chrome's
performance log then shows every request the page made: all must go to the
gateway.

Chromium missing fails the test when ``CI`` is set, and skips it otherwise.
Set ``GRAPHIQL_SCREENSHOT=/some/file.png`` to keep a screenshot of the page.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import httpx
import pytest

from gateway.graphiql import STATIC_URL_PREFIX, render_page, router

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
REPO_ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = REPO_ROOT / "gateway" / "graphiql" / "static"

QUERY = "{ upstreams { source healthy } }"
EXPECTED_TEXT = "WORDLIFT"

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
)


def _client() -> Any:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    app = FastAPI()
    app.include_router(router)
    return TestClient(app)


def test_render_page_embeds_the_default_query_safely() -> None:
    tricky = "# </script><script>alert(1)</script> <!-- \u2028\u2029 ${x} ` \" ' \\ \n{ a }"
    html = render_page(tricky)

    assert "<script>alert(1)" not in html
    assert html.count("</script>") == html.count("<script")
    literal = re.search(r"var DEFAULT_QUERY = (.*);\n", html)
    assert literal is not None
    assert "\u2028" not in literal.group(1)
    assert json.loads(literal.group(1)) == tricky


def test_page_loads_only_files_the_gateway_serves() -> None:
    html = render_page("{ __typename }")
    urls = re.findall(r"""(?:src|href)=["']([^"']*)["']""", html)
    assets = [url for url in urls if url.startswith(STATIC_URL_PREFIX + "/")]
    assert len(assets) == 7, urls
    assert [url for url in urls if url not in assets] == ["data:,"]  # the inline favicon
    client = _client()
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content == (STATIC_DIR / url.removeprefix(STATIC_URL_PREFIX + "/")).read_bytes()


def test_static_router_serves_only_shipped_files() -> None:
    client = _client()
    js = client.get(f"{STATIC_URL_PREFIX}/graphiql-3.8.3/graphiql.min.js", headers={"accept-encoding": "gzip"})
    assert js.status_code == 200
    assert js.headers["content-type"] == "text/javascript; charset=utf-8"
    assert js.headers["content-encoding"] == "gzip"
    assert "max-age=31536000" in js.headers["cache-control"]
    assert js.content == (STATIC_DIR / "graphiql-3.8.3" / "graphiql.min.js").read_bytes()
    assert (
        client.get(
            f"{STATIC_URL_PREFIX}/graphiql-3.8.3/graphiql.min.js", headers={"if-none-match": js.headers["etag"]}
        ).status_code
        == 304
    )

    css = client.get(f"{STATIC_URL_PREFIX}/graphiql-3.8.3/graphiql.min.css", headers={"accept-encoding": "identity"})
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert "content-encoding" not in css.headers
    assert b"https://" not in css.content and b"http://" not in css.content  # fonts are data: URIs
    assert client.get(f"{STATIC_URL_PREFIX}/LICENSES/graphiql.LICENSE").headers["content-type"].startswith("text/plain")

    for path in (
        "nope.js",
        "graphiql-3.8.3",
        "graphiql-3.8.3/graphiql.min.js.map",
        "../__init__.py",
        "..%2f__init__.py",
        "%2e%2e/page.html",
        "graphiql-3.8.3/../../page.html",
        "%2Fetc%2Fpasswd",
        "",
    ):
        assert client.get(f"{STATIC_URL_PREFIX}/{path}").status_code == 404, path


def _unavailable(reason: str) -> NoReturn:
    """Fail under CI (a browser test that cannot run is a broken CI), else skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def gateway_command(port: int) -> list[str]:
    """The command that starts the gateway on the simulators, in one process."""
    return [sys.executable, "-m", "gateway", "serve", "--simulate", "--host", "127.0.0.1", "--port", str(port)]


@pytest.fixture
def gateway_url(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "gateway.log"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("JOB_GATEWAY_CONFIG", None)  # --simulate refuses a configuration
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            gateway_command(port),
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
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[Any]:
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        _unavailable(
            f"needs Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}): "
            "apt-get install -y chromium chromium-driver"
        )
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("needs selenium (pip install selenium, or the project's test extra)")

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    # Both paths are given, so Selenium Manager (which could download a driver) never runs.
    service = Service(executable_path=CHROMEDRIVER, log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    try:
        driver.set_page_load_timeout(UI_TIMEOUT)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)


def _requested_urls(performance_log: list[dict[str, Any]]) -> list[str]:
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


def _foreign(urls: list[str], netloc: str) -> list[str]:
    """The URLs that go anywhere but ``netloc``.

    data:, blob: and about: URLs fetch nothing, and chrome:// ones are the
    browser's own built-in pages (a web page cannot load them).
    """
    foreign = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob", "about", "chrome"}:
            continue
        if parts.scheme not in {"http", "ws"} or parts.netloc != netloc:
            foreign.append(url)
    return foreign


def _diagnostics(driver: Any) -> str:
    """Console messages and the visible text, to explain a failure."""
    lines = []
    with contextlib.suppress(Exception):
        lines += [f"console {e['level']}: {e['message']}" for e in driver.get_log("browser")]
    with contextlib.suppress(Exception):
        lines.append("page text:\n" + driver.find_element("tag name", "body").text[:3000])
    return "\n".join(lines)


@pytest.mark.browser
def test_graphiql_runs_a_query_offline(chromium: Any, gateway_url: str, tmp_path: Path) -> None:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver = chromium
    wait = WebDriverWait(driver, UI_TIMEOUT, poll_frequency=0.2)
    screenshot = Path(os.environ.get("GRAPHIQL_SCREENSHOT") or tmp_path / "graphiql.png")

    def step(what: str, condition: Any) -> Any:
        try:
            return wait.until(condition)
        except TimeoutException:
            driver.save_screenshot(str(screenshot))
            pytest.fail(
                f"GraphiQL: {what} within {UI_TIMEOUT:.0f}s (screenshot: {screenshot})\n" + _diagnostics(driver),
                pytrace=False,
            )

    # Start from a blank page and drop what the browser requested before ours.
    driver.get("about:blank")
    driver.get_log("performance")
    driver.get(f"{gateway_url}/graphql")

    # React rendered GraphiQL (offline, Strawberry's CDN page would stay on "Loading...").
    step("no editor", ec.presence_of_element_located((By.CSS_SELECTOR, ".graphiql-query-editor .CodeMirror")))

    # The schema loaded: the explorer plugin lists the root query fields.
    step(
        "no explorer button",
        ec.element_to_be_clickable((By.CSS_SELECTOR, 'button[aria-label="Show GraphiQL Explorer"]')),
    ).click()
    step(
        "the explorer never listed the schema's 'upstreams' field",
        ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".graphiql-explorer-root"), "upstreams"),
    )

    # Run the query as a user would: put it in the editor, press the run button.
    driver.execute_script(
        "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(arguments[0]);",
        QUERY,
    )
    # GraphiQL parses the editor 100 ms after a change (operation name, document
    # AST) and then saves the text: wait for that before running.
    step(
        "the query editor never took the query",
        lambda d: d.execute_script("return window.localStorage.getItem('graphiql:query');") == QUERY,
    )
    step("no run button", ec.element_to_be_clickable((By.CSS_SELECTOR, "button.graphiql-execute-button"))).click()
    step(
        f"the result pane never showed {EXPECTED_TEXT!r}",
        ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".graphiql-response .result-window"), EXPECTED_TEXT),
    )
    result = driver.find_element(By.CSS_SELECTOR, ".graphiql-response .result-window").text
    driver.save_screenshot(str(screenshot))
    assert '"upstreams"' in result, result
    assert '"errors"' not in result, result

    # Every request the page made went to the gateway, nowhere else.
    urls = _requested_urls(driver.get_log("performance"))
    netloc = urlsplit(gateway_url).netloc
    assert f"{gateway_url}/graphiql/static/graphiql-3.8.3/graphiql.min.js" in urls, urls
    assert f"{gateway_url}/graphql" in urls, urls
    assert _foreign(urls, netloc) == [], f"the page reached beyond {netloc}: {_foreign(urls, netloc)}"
