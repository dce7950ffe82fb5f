"""Leia's models and documents for ``Query.catalog``: paged by offset, 404 is an empty list."""

from __future__ import annotations

import httpx
import pytest
import respx

from adapters.errors import ErrorKind, UpstreamError
from adapters.http import UpstreamClient
from adapters.leia.catalog import list_catalog
from adapters.model import Source

BASE = "https://leia.test/leia/1.0.0"


@pytest.fixture
async def client() -> UpstreamClient:
    return UpstreamClient(Source.LEIA, BASE, headers={})


@respx.mock
async def test_models_page_with_content_range(client: UpstreamClient) -> None:
    models = [
        {
            "id": "m1",
            "name": "doctype",
            "model_type": "classification",
            "application_id": "app",
            "creation_time": "2026-01-01T00:00:00Z",
        }
    ]
    route = respx.get(f"{BASE}/model").respond(json=models, headers={"Content-Range": "3-3/9"})
    page = await list_catalog(client, "models", "3", 1)
    params = route.calls[0].request.url.params
    assert (params["offset"], params["limit"], params["sort"]) == ("3", "1", "creation_time")
    [entry] = page.entries
    assert (entry.record.native_id, entry.record.name, entry.record.description) == ("m1", "doctype", "classification")
    assert entry.position == "4" and page.total == 9 and page.has_more
    await client.aclose()


@respx.mock
async def test_an_empty_page_is_leias_404_and_bad_kinds_are_refused(client: UpstreamClient) -> None:
    respx.get(f"{BASE}/document").respond(404, json={"detail": "No documents found"})
    page = await list_catalog(client, "documents", None, 5)
    assert list(page.entries) == [] and page.total == 0 and not page.has_more
    with pytest.raises(UpstreamError) as err:
        await list_catalog(client, "robots", None, 5)
    assert err.value.kind is ErrorKind.INVALID
    respx.get(f"{BASE}/model").mock(return_value=httpx.Response(200, json={"not": "a list"}))
    with pytest.raises(UpstreamError) as bad:
        await list_catalog(client, "models", None, 5)
    assert bad.value.kind is ErrorKind.BAD_RESPONSE
    await client.aclose()
