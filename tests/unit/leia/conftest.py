from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx

from adapters.leia import LeiaAdapter, build_adapter
from adapters.registry import source_settings

BASE = "https://api.leia.io/leia/1.0.0"
API_KEY = "ghsrt6j94u6nbdw148j6t41nxf65bnwdt"
APP = "5dceca1246eac2df484031de"
TOKEN = "tok-1111-secret"
TOKEN_2 = "tok-2222-secret"
APPLICATION = {
    "id": APP,
    "application_type": "developer",
    "creation_time": "2018-11-07T16:02:29.761Z",
    "email": "contact@leia.io",
    "first_name": "Firstname",
    "last_name": "Lastname",
}


def job_json(job_id: str = "5f0000000000000000000001", status: str = "PROCESSED", **extra: Any) -> dict[str, Any]:
    return {
        "id": job_id,
        "application_id": APP,
        "creation_time": "2026-11-02T11:00:00.000Z",
        "document_ids": ["5e0000000000000000000001"],
        "job_type": "predict",
        "status": status,
        **extra,
    }


def problem(status: int, detail: str) -> httpx.Response:
    title = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}.get(status, "Error")
    body = {"detail": detail, "status": status, "title": title, "type": "about:blank"}
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


def login_ok(token: str = TOKEN) -> httpx.Response:
    return httpx.Response(200, json={"token": token, "application": APPLICATION})


def make_adapter(**table: Any) -> LeiaAdapter:
    settings = source_settings("leia", {"base_url": BASE, "api_key": API_KEY, "application_id": APP, **table})
    return build_adapter(settings)


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
async def adapter(router: respx.MockRouter) -> AsyncIterator[LeiaAdapter]:
    router.post("/login").mock(return_value=login_ok())
    router.get("/logout").mock(return_value=httpx.Response(204))
    leia = make_adapter()
    yield leia
    await leia.aclose()


def assert_no_secret(err: BaseException) -> None:
    text = f"{err} {err!r} {[f.message for f in getattr(err, 'field_errors', ())]}"
    for secret in (API_KEY, TOKEN, TOKEN_2):
        assert secret not in text
