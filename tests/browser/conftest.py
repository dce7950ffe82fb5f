"""One gateway on the simulators for every browser test of the session: starting it costs seconds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.browser import Gateway, running_gateway


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(tmp_path_factory.mktemp("gateway") / "gateway.log") as running:
        yield running


@pytest.fixture(scope="session")
def gateway_url(gateway: Gateway) -> str:
    return gateway.url
