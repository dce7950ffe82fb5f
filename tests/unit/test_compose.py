"""compose.yaml: two gateway replicas on Redis, the simulators and one published port, checked field by field.

``docker compose config`` is the real validator where Docker is installed; CI has
no Docker, so this test validates the file against the Compose Specification's JSON
schema (``data/compose-spec.json``, from github.com/compose-spec/compose-spec, commit
170098b, Apache-2.0), checks every field the setup relies on, and runs the commands
it names through the gateway's own CLI parser.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs
import yaml

from gateway.cli import _parsers
from gateway.state import open_store

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return data


def test_compose_yaml_follows_the_compose_specification() -> None:
    validator = jsonschema_rs.validator_for(json.loads((ROOT / "tests/unit/data/compose-spec.json").read_text()))
    assert [error.message for error in validator.iter_errors(compose())] == []
    broken = {**compose(), "services": {"gateway": {"image": "x", "replica": 2}}}
    assert [error.message for error in validator.iter_errors(broken)], "the schema catches a misspelt key"


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> volume or host path, for ``source:target[:mode]`` entries."""
    found = {}
    for entry in service.get("volumes", []):
        source, target = entry.split(":")[:2]
        found[target] = source
    return found


def test_two_gateway_replicas_share_redis_and_read_the_simulators_config() -> None:
    services = compose()["services"]
    assert set(services) == {"redis", "simulators", "gateway", "proxy"}
    gateway = services["gateway"]
    assert gateway["deploy"]["replicas"] == 2
    assert gateway["build"] == ".", "the replicas run the product image (the root Dockerfile)"
    state_url = gateway["environment"]["JOB_GATEWAY_STATE_URL"]
    open_store(state_url)  # a URL the gateway accepts
    assert urlsplit(state_url).scheme == "redis" and urlsplit(state_url).hostname == "redis"
    assert gateway["depends_on"] == {
        "redis": {"condition": "service_healthy"},
        "simulators": {"condition": "service_healthy"},
    }

    simulate = _parsers()[0].parse_args(["simulate", *services["simulators"]["command"]])
    config = Path(gateway["environment"]["JOB_GATEWAY_CONFIG"])
    assert Path(simulate.config_out) == config, "the gateways read the config the simulators write"
    assert _mounts(services["simulators"])[str(config.parent)] == _mounts(gateway)[str(config.parent)]
    public = urlsplit(simulate.public_url)
    assert (public.hostname, public.port) == ("simulators", simulate.port)
    assert simulate.host == "0.0.0.0"


def test_one_published_port_spreads_http_websockets_and_sse_over_the_replicas() -> None:
    proxy = compose()["services"]["proxy"]
    (published,) = proxy["ports"]
    assert published.endswith(":8000")
    conf_path = next(source for target, source in _mounts(proxy).items() if target.endswith("default.conf"))
    conf = (ROOT / conf_path).read_text()
    assert "server gateway:8000;" in conf and "proxy_pass http://gateway;" in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf, "WebSocket subscriptions pass"
    assert "proxy_buffering off;" in conf, "SSE events pass at once"


def test_the_simulators_image_is_not_the_product_image() -> None:
    simulators = compose()["services"]["simulators"]["build"]
    dockerfile = (ROOT / simulators["dockerfile"]).read_text()
    assert "COPY simulators" in dockerfile and 'ENTRYPOINT ["job-gateway", "simulate"]' in dockerfile
    assert "COPY simulators" not in (ROOT / "Dockerfile").read_text()
