"""The deployment files hold together: Kubernetes manifests, their gateway configuration, and the Dockerfile.

No cluster and no kubeconform here: the manifests are parsed and every field the
deployment relies on is checked, as is how the pieces refer to each other (labels
and selectors, named ports, the config path, the Redis service behind ``state_url``,
a grace period that covers the preStop pause plus ``shutdown_timeout_s``). The
ConfigMap's ``config.toml`` is validated by the gateway's own configuration loader.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from gateway.config import GatewayConfig, config_from_mapping

ROOT = Path(__file__).resolve().parents[2]
KUBE = ROOT / "deploy" / "kubernetes"


def documents() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted(KUBE.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            assert isinstance(doc, dict) and {"apiVersion", "kind", "metadata"} <= doc.keys(), path
            found.append(doc)
    return found


def one(kind: str, name: str) -> dict[str, Any]:
    [doc] = [d for d in documents() if d["kind"] == kind and d["metadata"]["name"] == name]
    return doc


def gateway_config() -> tuple[dict[str, Any], GatewayConfig]:
    text = one("ConfigMap", "job-gateway-config")["data"]["config.toml"]
    data = tomllib.loads(text)
    secret = one("Secret", "job-gateway-credentials")["stringData"]
    return data, config_from_mapping(data, secret)


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    [found] = deployment["spec"]["template"]["spec"]["containers"]
    return dict(found)


def test_kustomization_lists_every_manifest() -> None:
    listed = yaml.safe_load((KUBE / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == sorted(p.name for p in KUBE.glob("*.yaml") if p.name != "kustomization.yaml")


def test_api_versions_are_the_stable_ones() -> None:
    expected = {"Deployment": "apps/v1", "Service": "v1", "ConfigMap": "v1", "Secret": "v1"}
    for doc in documents():
        assert doc["apiVersion"] == expected[doc["kind"]], doc["metadata"]["name"]


def test_two_gateway_replicas_with_probes_and_a_drain() -> None:
    deployment = one("Deployment", "job-gateway")
    spec = deployment["spec"]
    assert spec["replicas"] == 2
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    gw = container(deployment)
    port = next(p for p in gw["ports"] if p["containerPort"] == 8000)
    assert gw["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert gw["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("readinessProbe", "livenessProbe"):
        assert gw[probe]["httpGet"]["port"] in (port["name"], port["containerPort"])
    command = gw["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    _, config = gateway_config()
    grace = spec["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace > float(command[1]) + config.gateway.shutdown_timeout_s
    # The readiness probe's timeout outlasts the gateway's own upstream check (5 s).
    assert gw["readinessProbe"]["timeoutSeconds"] > 5


def test_the_config_is_mounted_where_the_environment_says_and_is_valid() -> None:
    gw = container(one("Deployment", "job-gateway"))
    env = {e["name"]: e.get("value") for e in gw["env"]}
    config_path = Path(env["JOB_GATEWAY_CONFIG"])
    volumes = {v["name"]: v for v in one("Deployment", "job-gateway")["spec"]["template"]["spec"]["volumes"]}
    mount = next(m for m in gw["volumeMounts"] if Path(m["mountPath"]) == config_path.parent)
    assert volumes[mount["name"]]["configMap"]["name"] == "job-gateway-config"
    assert config_path.name in one("ConfigMap", "job-gateway-config")["data"]
    assert gw["envFrom"] == [{"secretRef": {"name": "job-gateway-credentials"}}]
    data, config = gateway_config()
    assert set(config.sources) == set(data["sources"])  # every source valid, its secret variable present


def test_state_is_shared_through_the_redis_service() -> None:
    _, config = gateway_config()
    url = urlsplit(config.gateway.state_url or "")
    assert url.scheme == "redis"
    service = one("Service", url.hostname or "")
    [port] = service["spec"]["ports"]
    assert port["port"] == url.port
    redis = one("Deployment", "job-gateway-redis")
    assert service["spec"]["selector"].items() <= redis["spec"]["template"]["metadata"]["labels"].items()
    assert port["targetPort"] in {p["name"] for p in container(redis)["ports"]}


def test_the_service_reaches_the_gateway_pods() -> None:
    service = one("Service", "job-gateway")
    deployment = one("Deployment", "job-gateway")
    assert service["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    names = {p["name"] for p in container(deployment)["ports"]}
    assert all(p["targetPort"] in names for p in service["spec"]["ports"])


def test_the_example_secret_holds_placeholders_only() -> None:
    values = one("Secret", "job-gateway-credentials")["stringData"].values()
    assert set(values) == {"replace-me"}


def dockerfile() -> dict[str, str]:
    instructions: dict[str, str] = {}
    for line in (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines():
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            instructions[word] = rest  # the final stage's wins
    return instructions


@pytest.mark.parametrize("word", ["ENTRYPOINT", "HEALTHCHECK", "ENV", "USER", "STOPSIGNAL"])
def test_the_dockerfile_has(word: str) -> None:
    assert word in dockerfile()


def test_the_image_logs_json_reads_its_config_from_the_environment_and_checks_health() -> None:
    found = dockerfile()
    entry = yaml.safe_load(found["ENTRYPOINT"])  # a JSON array
    assert entry[:2] == ["job-gateway", "serve"] and entry[entry.index("--log-format") + 1] == "json"
    assert "--config" not in entry  # JOB_GATEWAY_CONFIG names it, so arguments after the image keep it
    assert re.search(r"JOB_GATEWAY_CONFIG=/etc/job-gateway/config\.toml", found["ENV"])
    assert "/healthz" in found["HEALTHCHECK"]
    assert found["STOPSIGNAL"] == "SIGTERM"
    assert shlex.split(found["USER"]) == ["gateway"]
