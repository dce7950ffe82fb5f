"""The dashboard at /ui/ in a real browser, against the gateway on the simulators.

One gateway (``conftest.py``) and one Chromium serve every test here.  After each test,
any console error fails it, and so does any request that went beyond the gateway.  Screenshots of each page go to
``$DASHBOARD_SCREENSHOTS`` (default ``build/screenshots/``, not tracked); with
``DASHBOARD_README_SCREENSHOT`` set, the jobs page is also saved there (``make screenshot``).

Jobs to act on are picked through the graph, so the tests do not depend on which jobs the
seed made. The world is frozen (``browser.gateway_command``): Leia cancels at once, and
Scale's queued cancel is applied when a test advances the Scale simulator's clock.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest

from tests.browser.browser import (
    REPO_ROOT,
    UI_TIMEOUT,
    Gateway,
    chromium_driver,
    diagnostics,
    foreign,
    requested_urls,
)

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("DASHBOARD_SCREENSHOTS") or REPO_ROOT / "build" / "screenshots")
SOURCES = ("WORDLIFT", "LEIA", "PHYLODB", "SCALE", "AMPERITY")
LIVE_DEADLINE_S = 5.0  # the "a status change reaches the row and the timeline within 5 s"

OPEN_JOBS = """query Open($sources: [Source!]) {
  jobs(first: 100, filter: {sources: $sources, statuses: [PENDING, BLOCKED, QUEUED, RUNNING]}) {
    edges { node { id source nativeId status canCancel } }
  }
}"""
CANCEL = "mutation($id: ID!) { cancelJob(input: {id: $id}) { errors { code } pending job { status } } }"

CATALOG = """{
  models: catalog(source: LEIA, kind: "models", first: 1) { edges { node { nativeId } } }
  documents: catalog(source: LEIA, kind: "documents", first: 1) { edges { node { nativeId } } }
}"""
SUBMIT_BLOCKED_LEIA = """mutation($model: String!, $documents: [String!]!) {
  submitJob(input: {job: {leia: {job: {applyModel: {modelId: $model, documentIds: $documents}}, blockProcessing: true}}}) {
    errors { code message } job { id status }
  }
}"""

_used: set[str] = set()


def graphql(gateway: Gateway, query: str, **variables: Any) -> dict[str, Any]:
    response = httpx.post(f"{gateway.url}/graphql", json={"query": query, "variables": variables}, timeout=30)
    body: dict[str, Any] = response.json()
    assert body.get("data") is not None, body
    return body["data"]


def cancellable(gateway: Gateway, source: str, status: str | None = None) -> dict[str, Any]:
    """An open job of ``source`` (with ``status`` if given) that can be cancelled and no test has used yet."""
    for edge in graphql(gateway, OPEN_JOBS, sources=[source])["jobs"]["edges"]:
        job = edge["node"]
        if job["canCancel"] and job["id"] not in _used and status in (None, job["status"]):
            _used.add(job["id"])
            return job
    pytest.fail(f"the simulators have no cancellable {source} job left to use", pytrace=False)


def submit_blocked_leia_job(gateway: Gateway) -> dict[str, Any]:
    """A new Leia job, submitted through the graph as another client would (it waits to be started)."""
    catalog = graphql(gateway, CATALOG)
    model = catalog["models"]["edges"][0]["node"]["nativeId"]
    document = catalog["documents"]["edges"][0]["node"]["nativeId"]
    payload = graphql(gateway, SUBMIT_BLOCKED_LEIA, model=model, documents=[document])["submitJob"]
    assert payload["errors"] == [], payload
    job: dict[str, Any] = payload["job"]
    _used.add(job["id"])
    return job


def advance_clock(gateway: Gateway, source: str, seconds: float) -> None:
    """Move one simulator's frozen clock on, so what it planned for then happens."""
    url = f"{gateway.simulators}/{source}/_sim/clock"
    httpx.post(url, json={"advance_s": seconds}, timeout=10).raise_for_status()


class Page:
    """The driver, with waits that fail the test with a screenshot and the console."""

    def __init__(self, driver: Any, base: str) -> None:
        self.driver = driver
        self.base = base

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def wait(self, what: str, condition: Callable[[Any], Any], timeout: float = UI_TIMEOUT) -> Any:
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait

        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(condition)
        except TimeoutException:
            self.shot("failure")
            pytest.fail(f"{what} within {timeout:.0f}s\n{diagnostics(self.driver)}", pytrace=False)

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def css(self, selector: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return list(self.driver.find_elements(By.CSS_SELECTOR, selector))

    def click(self, element: Any) -> None:
        """Click it in the middle of the window, clear of the table's sticky header."""
        self.js("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()

    def rows(self) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = self.js(
            "return [...document.querySelectorAll('table.jobs tbody tr')].map(r => ({...r.dataset}));"
        )
        return rows

    def wait_rows(self) -> list[dict[str, str]]:
        self.wait("the jobs page showed no rows", lambda _: self.rows() or None)
        self.wait("the counts strip never filled", lambda _: self.css("table.counts") or None)
        return self.rows()

    def wait_live(self, mode: str = "websocket") -> None:
        self.wait(
            f"the page never went live over {mode}",
            lambda _: self.js("return document.getElementById('connection').dataset.mode;") == mode,
        )

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium_driver(tmp_path_factory.mktemp("chromium") / "profile") as driver:
        driver.execute_cdp_cmd("Network.enable", {})
        yield driver


@pytest.fixture
def page(browser: Any, gateway: Gateway) -> Iterator[Page]:
    """A fresh start on about:blank; afterwards, no console error and no request beyond the gateway."""
    browser.get("about:blank")
    browser.get_log("browser")
    browser.get_log("performance")
    yield Page(browser, gateway.url)
    errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    urls = requested_urls(browser.get_log("performance"))
    browser.get("about:blank")  # ends the page's subscriptions before the next test
    assert errors == [], f"console errors: {errors}"
    netloc = urlsplit(gateway.url).netloc
    assert foreign(urls, netloc) == [], f"the page reached beyond {netloc}: {foreign(urls, netloc)}"


def test_jobs_page_shows_every_source_and_the_url_filter_narrows_rows_and_counts(page: Page) -> None:
    page.open("/ui/")
    rows = page.wait_rows()
    assert len(rows) == 50
    page.wait("the newest-first list never showed a live connection", lambda _: page.css("#connection[data-mode]"))
    page.shot("jobs")
    if readme := os.environ.get("DASHBOARD_README_SCREENSHOT"):
        shutil.copyfile(SCREENSHOTS / "jobs.png", readme)
    counted = {row.get_attribute("data-source") for row in page.css("table.counts tbody tr")}
    assert counted == set(SOURCES)
    # Final jobs that cannot be rerun offer nothing to select.
    disabled = page.js("return document.querySelectorAll('table.jobs tbody input.select:disabled').length;")
    enabled = page.js("return document.querySelectorAll('table.jobs tbody input.select:enabled').length;")
    assert disabled + enabled == 50

    for source in SOURCES:
        page.open(f"/ui/?source={source}&status=SUCCEEDED")
        rows = page.wait_rows()
        assert {row["source"] for row in rows} == {source}, rows
        assert {row["status"] for row in rows} == {"SUCCEEDED"}, rows
        assert page.js("return document.querySelector('select[name=source]').value;") == source
        counts = page.css("table.counts tbody tr")
        assert [row.get_attribute("data-source") for row in counts] == [source]
        headers = [th.text for th in page.css("table.counts thead th")]
        assert headers == ["Source", "✓ Succeeded"], headers
    assert page.driver.current_url.endswith("/ui/?source=AMPERITY&status=SUCCEEDED")


def test_a_filter_chosen_on_the_page_goes_into_the_url(page: Page) -> None:
    from selenium.webdriver.support.ui import Select

    page.open("/ui/?source=NOPE")
    page.wait_rows()
    assert "Ignored source=NOPE" in page.css(".notices")[0].text
    Select(page.css("select[name=status]")[0]).select_by_value("FAILED")
    page.wait("the status filter never reached the URL", lambda d: "status=FAILED" in d.current_url)
    page.wait(
        "the list never narrowed to FAILED",
        lambda _: (rows := page.rows()) and {row["status"] for row in rows} == {"FAILED"},
    )
    page.css("button[aria-pressed]")[0].click()  # times in local time
    page.wait("the time zone never reached the URL", lambda d: "tz=local" in d.current_url)


def test_a_status_change_reaches_the_row_and_the_activity_timeline_within_5_s(page: Page, gateway: Gateway) -> None:
    job = cancellable(gateway, "LEIA")
    page.open("/ui/activity")
    page.wait_live()
    activity = page.driver.current_window_handle
    page.driver.switch_to.new_window("tab")
    jobs = page.driver.current_window_handle
    page.open(f"/ui/?q={quote(job['nativeId'])}")
    page.wait("the searched job never showed", lambda _: [r["id"] for r in page.rows()] == [job["id"]])
    page.wait_live()

    started = time.monotonic()
    assert graphql(gateway, CANCEL, id=job["id"])["cancelJob"]["errors"] == []
    seen: dict[str, float] = {}
    selector = f'[data-id="{job["id"]}"][data-status="CANCELED"]'
    while len(seen) < 2 and time.monotonic() - started < LIVE_DEADLINE_S:
        for name, handle in (("row", jobs), ("timeline", activity)):
            if name not in seen:
                page.driver.switch_to.window(handle)
                if page.css(f"table.jobs {selector}" if name == "row" else f"ol.activity li{selector}"):
                    seen[name] = time.monotonic() - started
        time.sleep(0.05)
    page.driver.switch_to.window(activity)
    page.shot("activity")
    page.driver.close()
    page.driver.switch_to.window(jobs)
    assert set(seen) == {"row", "timeline"}, f"within {LIVE_DEADLINE_S} s only {seen} showed CANCELED"
    row = page.css(f"table.jobs tr[data-id='{job['id']}']")[0]
    assert "Canceled" in row.text
    print(f"\nstatus change seen after: row {seen['row']:.2f} s, timeline {seen['timeline']:.2f} s")


def test_cancel_from_the_detail_page_changes_the_badge(page: Page, gateway: Gateway) -> None:
    job = cancellable(gateway, "LEIA")
    page.open(f"/ui/jobs/{quote(job['id'], safe='')}")
    button = page.wait("no Cancel button", lambda _: next(iter(page.css(".actions button.danger")), None))
    assert button.text == "Cancel job"
    button.click()
    dialog = page.wait("no confirmation dialog", lambda _: next(iter(page.css("dialog.confirm[open]")), None))
    assert "Leia cancels the job" in dialog.text
    page.shot("job-confirm")
    dialog.find_element("css selector", "button.danger").click()
    page.wait(
        "the badge never showed Canceled",
        lambda _: page.css(".fields .badge[data-status='CANCELED']"),
    )
    assert "done" in page.css(".outcome")[0].text
    page.wait("the Cancel button stayed", lambda _: not page.css(".actions button.danger"))
    page.shot("job")


def test_amperity_cancel_says_the_whole_workflow_stops(page: Page, gateway: Gateway) -> None:
    job = cancellable(gateway, "AMPERITY")
    page.open(f"/ui/jobs/{quote(job['id'], safe='')}")
    page.wait("no Cancel button", lambda _: next(iter(page.css(".actions button.danger")), None)).click()
    dialog = page.wait("no confirmation dialog", lambda _: next(iter(page.css("dialog.confirm[open]")), None))
    assert "stops its whole workflow" in dialog.text
    dialog.find_element("css selector", "button:not(.danger)").click()  # keep it
    page.wait("the dialog stayed open", lambda _: not page.css("dialog.confirm"))
    assert page.css(".fields .badge")[0].get_attribute("data-status") == job["status"]


def test_bulk_cancel_with_one_ineligible_job_reports_per_job(page: Page, gateway: Gateway) -> None:
    stale = cancellable(gateway, "LEIA")
    others = [cancellable(gateway, "SCALE", stale["status"]), cancellable(gateway, "SCALE", stale["status"])]
    chosen = [stale, *others]
    # Live updates off, so the row of the job cancelled behind the page's back stays selectable.
    page.open(f"/ui/?status={stale['status']}&live=off")
    page.wait_rows()
    missing = [job for job in chosen if not page.css(f"tr[data-id='{job['id']}']")]
    while missing and page.css("button.more")[0].is_displayed():
        count = len(page.rows())
        page.click(page.css("button.more")[0])
        page.wait("Load more added no rows", lambda _, count=count: len(page.rows()) > count)
        missing = [job for job in chosen if not page.css(f"tr[data-id='{job['id']}']")]
    assert not missing, f"jobs not listed: {missing}"
    for job in chosen:
        page.click(page.css(f"tr[data-id='{job['id']}'] input.select")[0])
    assert graphql(gateway, CANCEL, id=stale["id"])["cancelJob"]["errors"] == []

    cancel = page.css(".bulk button")[0]
    assert cancel.text == "Cancel selected (3)"
    cancel.click()
    dialog = page.wait("no confirmation dialog", lambda _: next(iter(page.css("dialog.confirm[open]")), None))
    assert "3 jobs" in dialog.text and "Scale queues the cancel" in dialog.text
    dialog.find_element("css selector", "button.danger").click()
    page.wait("no per-job report", lambda _: len(page.css(".bulk-report li.outcome")) == 3)
    report = {li.get_attribute("data-id"): li.get_attribute("class") for li in page.css(".bulk-report li.outcome")}
    page.shot("bulk-report")
    assert report[stale["id"]] == "outcome outcome-refused", report
    for job in others:
        assert report[job["id"]] == "outcome outcome-requested", report
    assert "NOT_CANCELLABLE" in page.css(f".bulk-report li[data-id='{stale['id']}']")[0].text


def test_a_new_job_waits_behind_the_banner_until_asked_for(page: Page, gateway: Gateway) -> None:
    page.open("/ui/")
    shown = [row["id"] for row in page.wait_rows()]
    page.wait_live()
    job = submit_blocked_leia_job(gateway)
    banner = page.wait(
        "no new-jobs banner", lambda _: next((b for b in page.css("button.banner") if b.is_displayed()), None)
    )
    assert banner.text == "1 new job: show them"
    assert [row["id"] for row in page.rows()] == shown, "the list moved under the reader"
    page.shot("jobs-new-banner")
    page.click(banner)
    page.wait("the new job never came to the top", lambda _: (rows := page.rows()) and rows[0]["id"] == job["id"])
    assert not page.css("button.banner")[0].is_displayed()


def test_the_live_toggle_opens_and_closes_the_subscription(page: Page, gateway: Gateway) -> None:
    page.open("/ui/?live=off")
    page.wait_rows()
    assert page.css("#connection")[0].get_attribute("data-mode") == "off"
    netloc = urlsplit(gateway.url).netloc
    urls = requested_urls(page.driver.get_log("performance"))  # read here, so checked here too
    assert foreign(urls, netloc) == []
    assert [u for u in urls if u.startswith("ws:")] == [], "live updates off, yet the page opened a WebSocket"

    def live_toggle() -> Any:  # looked up again after the page is reopened
        return next(b for b in page.css("button[aria-pressed]") if b.text.startswith("Live updates"))

    toggle = live_toggle()
    assert (toggle.text, toggle.get_attribute("aria-pressed")) == ("Live updates: off", "false")
    page.click(toggle)
    page.wait_live()
    assert "live=off" not in page.driver.current_url  # on is the default, left out of the URL
    assert toggle.get_attribute("aria-pressed") == "true"
    # Live again: a change made elsewhere reaches the row.
    job = cancellable(gateway, "LEIA")
    page.open(f"/ui/?q={quote(job['nativeId'])}")
    page.wait("the searched job never showed", lambda _: [r["id"] for r in page.rows()] == [job["id"]])
    page.wait_live()
    assert graphql(gateway, CANCEL, id=job["id"])["cancelJob"]["errors"] == []
    page.wait("the row never showed CANCELED", lambda _: page.rows()[0]["status"] == "CANCELED")
    page.click(live_toggle())
    page.wait("the connection never went off", lambda _: page.css("#connection")[0].get_attribute("data-mode") == "off")
    assert "live=off" in page.driver.current_url


# Chrome's request blocking (Network.setBlockedURLs) does not stop WebSockets, so the page is
# given a WebSocket that fails the way an unreachable one does (error, then close 1006), and for
# the polling case a fetch that refuses event streams, the way a proxy that buffers them would.
NO_WEBSOCKET = """window.WebSocket = class extends EventTarget {
  static CONNECTING = 0; static OPEN = 1; static CLOSING = 2; static CLOSED = 3;
  constructor(url, protocol) {
    super(); this.url = url; this.protocol = protocol; this.readyState = 0;
    setTimeout(() => {
      this.readyState = 3;
      const error = new Event("error"); this.dispatchEvent(error); if (this.onerror) this.onerror(error);
      const close = new CloseEvent("close", {code: 1006, reason: "", wasClean: false});
      this.dispatchEvent(close); if (this.onclose) this.onclose(close);
    }, 50);
  }
  send() {} close() {}
};"""
NO_EVENT_STREAM = """const realFetch = window.fetch;
window.fetch = (url, init = {}) => (init.headers && init.headers.accept === "text/event-stream")
  ? Promise.reject(new TypeError("event streams are blocked"))
  : realFetch(url, init);"""


@pytest.mark.parametrize(("mode", "scripts"), [("sse", [NO_WEBSOCKET]), ("polling", [NO_WEBSOCKET, NO_EVENT_STREAM])])
def test_without_a_websocket_the_list_stays_live(page: Page, gateway: Gateway, mode: str, scripts: list[str]) -> None:
    job = cancellable(gateway, "SCALE")
    ids = [page.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": s}) for s in scripts]
    try:
        page.open(f"/ui/?q={quote(job['nativeId'])}&source=SCALE")
        page.wait("the searched job never showed", lambda _: [r["id"] for r in page.rows()] == [job["id"]])
        page.wait_live(mode)
        label = page.css("#connection")[0].text
        assert ("WebSocket unavailable" if mode == "sse" else "Polling every 10 s") in label, label
        assert graphql(gateway, CANCEL, id=job["id"])["cancelJob"]["pending"] is True
        advance_clock(gateway, "scale", seconds=5)  # Scale's message handler applies the cancel
        page.wait("the row never showed CANCELED", lambda _: page.rows()[0]["status"] == "CANCELED")
        page.shot(f"jobs-{mode}-fallback")
    finally:
        for added in ids:
            page.driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": added["identifier"]})


FOCUSED = """const e = document.activeElement;
const style = getComputedStyle(e);
return {tag: e.tagName, name: (e.getAttribute('aria-label') || e.textContent || e.name || '').trim().slice(0, 60),
        cls: e.className, outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};"""


def _tab_through(page: Page, limit: int) -> list[dict[str, Any]]:
    """Press Tab until focus comes back to the start (or ``limit`` presses); what got focus, in order."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    page.js("document.activeElement && document.activeElement.blur(); window.focus();")
    seen: list[dict[str, Any]] = []
    for _ in range(limit):
        ActionChains(page.driver).send_keys(Keys.TAB).perform()
        focused = page.js(FOCUSED)
        if seen and focused == seen[0]:
            break
        seen.append(focused)
    return seen


def test_keyboard_alone_reaches_every_action_with_visible_focus(page: Page, gateway: Gateway) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    page.open("/ui/?status=BLOCKED")
    page.wait_rows()
    first = _tab_through(page, 40)
    names = [f["name"] for f in first]
    for wanted in ("Skip to content", "Jobs", "Activity", "GraphiQL", "Apply", "Times in UTC", "Live updates: on"):
        assert wanted in names, names
    assert [f["tag"] for f in first].count("SELECT") == 3
    assert "Select every selectable job shown" in names
    assert any(
        n.startswith("Select ") and "job" in n for n in names[names.index("Select every selectable job shown") + 1 :]
    )
    assert all(f["outline"] != "none" and f["width"] >= 2 for f in first), [f for f in first if f["outline"] == "none"]

    # Select one row with the keyboard: the bulk buttons become reachable and open their dialog.
    page.js("document.querySelector('table.jobs tbody input.select:enabled').focus();")
    ActionChains(page.driver).send_keys(Keys.SPACE).perform()
    page.wait("Space did not select the row", lambda _: page.css(".bulk button")[0].is_enabled())
    page.js("document.querySelector('table.jobs thead input').focus();")
    ActionChains(page.driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
    assert page.js(FOCUSED)["name"] == "Clear selection"
    # Blocked jobs cannot be rerun: that button stays disabled, out of the tab order.
    ActionChains(page.driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
    assert page.js(FOCUSED)["name"] == "Cancel selected (1)"
    ActionChains(page.driver).send_keys(Keys.ENTER).perform()
    page.wait("Enter did not open the dialog", lambda _: page.css("dialog.confirm[open]"))
    assert page.js(FOCUSED)["tag"] == "BUTTON"  # the modal took focus
    ActionChains(page.driver).send_keys(Keys.ESCAPE).perform()
    page.wait("Escape did not close the dialog", lambda _: not page.css("dialog.confirm"))

    # The row's own page: its actions are buttons with names, reached by Tab.
    link = page.css("table.jobs tbody a")[0]
    page.js("arguments[0].focus();", link)
    ActionChains(page.driver).send_keys(Keys.ENTER).perform()
    page.wait("Enter did not open the job", lambda d: "/ui/jobs/" in d.current_url)
    page.wait("the job page never loaded", lambda _: page.css(".actions"))
    names = [f["name"] for f in _tab_through(page, 30)]
    assert "Cancel job" in names, names
    assert "← All jobs" in names, names


RENDER_COUNT = "return performance.getEntriesByName('jobs-page-render').length;"
SHOWN_COUNT = "return performance.getEntriesByName('jobs-page-shown').length;"


def test_a_thousand_rows_by_paging_stay_responsive(page: Page, capsys: pytest.CaptureFixture[str]) -> None:
    page.open("/ui/?live=off")
    page.wait_rows()
    while len(page.rows()) < 1000:
        count = len(page.rows())
        page.click(page.css("button.more")[0])
        page.wait("Load more added no rows", lambda _, count=count: len(page.rows()) > count)
    page.wait("the last page never reached the screen", lambda _: page.js(SHOWN_COUNT) == page.js(RENDER_COUNT))
    durations = page.js("return performance.getEntriesByName('jobs-page-render').map(e => e.duration);")
    shown = page.js("return performance.getEntriesByName('jobs-page-shown').map(e => e.duration);")
    # Live data moves between pages (a job updated since sorts earlier again): the page drops the
    # repeats, so 1,000 rows may take a page more than 20.
    assert len(durations) >= 20 and len(page.rows()) >= 1000
    assert len({row["id"] for row in page.rows()}) == len(page.rows())
    # Still answering: a toggle redraws every row's times.
    started = time.monotonic()
    page.click(page.css("button[aria-pressed]")[0])
    first_started = "return document.querySelector('table.jobs tbody tr').cells[6].textContent;"
    page.wait("the rows never showed local times", lambda _: "UTC" not in page.js(first_started))
    toggle_s = time.monotonic() - started
    redraw = page.js("return performance.getEntriesByName('jobs-page-redraw').map(e => e.duration);")
    page.shot("jobs-1000-rows")
    figures = {
        "pages": len(durations),
        "rows": len(page.rows()),
        "dom_ms_first_page": round(durations[0], 1),
        "dom_ms_median": round(sorted(durations)[len(durations) // 2], 1),
        "dom_ms_max": round(max(durations), 1),
        "on_screen_ms_first_page": round(shown[0], 1),
        "on_screen_ms_median": round(sorted(shown)[len(shown) // 2], 1),
        "on_screen_ms_last_page": round(shown[-1], 1),
        "time_zone_redraw_of_all_rows_ms": round(redraw[-1], 1),
        "time_zone_toggle_seen_by_the_test_s": round(toggle_s, 2),
    }
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "render-times.json").write_text(
        json.dumps({**figures, "dom_ms": durations, "on_screen_ms": shown}, indent=2)
    )
    with capsys.disabled():
        print(f"\nrender time per page of 50 rows: {figures}")


def test_a_source_that_is_down_shows_an_unavailable_chip(page: Page, gateway: Gateway) -> None:
    faults = f"{gateway.simulators}/amperity/_sim/faults"
    httpx.post(faults, json={"error_rate": 1.0, "status": 503}, timeout=10).raise_for_status()
    try:
        page.open("/ui/")
        chip = page.wait("no unavailable chip", lambda _: next(iter(page.css(".chip.unavailable")), None))
        assert chip.get_attribute("data-source") == "AMPERITY"
        # The reason is the upstream's 503, or the open circuit when the page's first requests' failures
        # (the list and the counts, each with its retries) have already opened Amperity's breaker.
        assert "AMPERITY unavailable" in chip.text
        assert "503" in chip.text or "(circuit open)" in chip.text, chip.text
        assert page.rows(), "the other sources' jobs should still show"
        page.shot("jobs-source-down")
    finally:
        httpx.post(faults, json={}, timeout=10).raise_for_status()
