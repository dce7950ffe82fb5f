"""One gateway on the simulators for every browser test: starting it costs seconds.

Package-scoped, so it stops after the last browser test instead of running on (polling,
its simulators moving) through the rest of the suite.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.browser import Gateway, running_gateway


@pytest.fixture(scope="package")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with running_gateway(tmp_path_factory.mktemp("gateway") / "gateway.log") as running:
        yield running


@pytest.fixture(scope="package")
def gateway_url(gateway: Gateway) -> str:
    return gateway.url
