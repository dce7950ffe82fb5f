"""The dashboard's routes and files, in process: what is served, under which policy, and that the files hold together."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway import dashboard, graphiql

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "gateway" / "dashboard"
STATIC = PACKAGE / "static"
MODULES = sorted(STATIC.glob("*.js"))


@pytest.fixture(scope="module")
def client() -> Any:
    app = FastAPI()
    app.include_router(graphiql.router)
    app.include_router(dashboard.router)
    return TestClient(app)


@pytest.mark.parametrize("path", ["/ui/", "/ui/activity", "/ui/jobs/Sm9iOkxFSUE6eDp5", "/ui/static/main.js"])
def test_pages_and_files_carry_the_strict_policy(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert policy.startswith("default-src 'self';")
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_policy_is_scoped_to_the_dashboard(client: Any) -> None:
    # GraphiQL's page bootstraps with an inline script, which this policy would block.
    response = client.get(f"{graphiql.STATIC_URL_PREFIX}/graphql-ws-6.4.2/graphql-ws.min.js")
    assert response.status_code == 200
    assert "content-security-policy" not in response.headers


@pytest.mark.parametrize("path", ["/", "/ui"])
def test_the_front_door_leads_to_the_dashboard(client: Any, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/ui/"


def test_every_page_route_answers_the_shell_page(client: Any) -> None:
    bodies = {client.get(path).text for path in ("/ui/", "/ui/activity", "/ui/jobs/anything")}
    assert bodies == {(PACKAGE / "page.html").read_text()}
    assert client.head("/ui/").status_code == 200


@pytest.mark.parametrize(
    "path", ["nope.js", "../page.html", "..%2fpage.html", "%2e%2e/__init__.py", "", "main.js.map", "static/main.js"]
)
def test_only_shipped_files_are_served(client: Any, path: str) -> None:
    response = client.get(f"{dashboard.STATIC_URL_PREFIX}/{path}")
    assert response.status_code == 404


def test_the_shell_loads_only_files_the_gateway_serves_and_runs_no_inline_code(client: Any) -> None:
    html = (PACKAGE / "page.html").read_text()
    urls = re.findall(r"""(?:src|href)=["']([^"']*)["']""", html)
    assert urls and all(url.startswith(("/", "#")) for url in urls), urls
    for url in urls:
        if url.startswith(("/ui/static/", "/graphiql/static/")):
            assert client.get(url).status_code == 200, url
    # Scripts only by src= and no style= attributes: the policy would refuse inline ones.
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert "style=" not in html and "<style" not in html


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_each_module_imports_only_shipped_modules_and_never_writes_markup(module: Path) -> None:
    text = module.read_text()
    for target in re.findall(r"""^import .* from "([^"]+)";$""", text, flags=re.MULTILINE):
        assert target.startswith("./") and (STATIC / target).is_file(), f"{module.name} imports {target}"
    assert ".innerHTML" not in text and ".outerHTML" not in text and "eval(" not in text
    assert not re.search(r"https?://", text), f"{module.name} names an absolute URL"
    assert text.startswith("// "), f"{module.name} starts without a line saying what it owns"


def test_the_stylesheet_loads_nothing_from_elsewhere() -> None:
    css = (STATIC / "app.css").read_text()
    assert "url(" not in css and "@import" not in css
