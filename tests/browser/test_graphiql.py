"""GraphiQL with no internet: the page and its files, then the real thing in Chromium.

The first tests check ``gateway.graphiql`` in process, with no browser.  The
browser test is end to end (``tests/browser/browser.py`` starts the gateway and
Chromium, shared with the dashboard's tests): Chromium opens ``/graphql``, lets
GraphiQL load the schema, runs a query and reads the result on screen.  Chrome's
performance log then shows every request the page made: all must go to the
gateway.

Set ``GRAPHIQL_SCREENSHOT=/some/file.png`` to keep a screenshot of the page.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from gateway.graphiql import STATIC_URL_PREFIX, render_page, router
from tests.browser.browser import REPO_ROOT, UI_TIMEOUT, chromium_driver, diagnostics, foreign, requested_urls

STATIC_DIR = REPO_ROOT / "gateway" / "graphiql" / "static"

QUERY = "{ upstreams { source healthy } }"
EXPECTED_TEXT = "WORDLIFT"


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


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[Any]:
    with chromium_driver(tmp_path / "chromium-profile") as driver:
        yield driver


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
                f"GraphiQL: {what} within {UI_TIMEOUT:.0f}s (screenshot: {screenshot})\n" + diagnostics(driver),
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
    urls = requested_urls(driver.get_log("performance"))
    netloc = urlsplit(gateway_url).netloc
    assert f"{gateway_url}/graphiql/static/graphiql-3.8.3/graphiql.min.js" in urls, urls
    assert f"{gateway_url}/graphql" in urls, urls
    assert foreign(urls, netloc) == [], f"the page reached beyond {netloc}: {foreign(urls, netloc)}"
