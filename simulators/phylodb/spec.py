"""phyloDB's OpenAPI document as the simulator serves it: written here from phyloDB's source (it publishes none).

``openapi/phylodb.openapi.yaml`` describes the operations of ``app`` from the
controllers and models of ``phyloviz/phyloDB`` (its ``info.description`` says
which); ``shared/upstreams/phyloviz.md`` holds the facts it was written from.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from simulators.kit.openapi import load


@cache
def document() -> dict[str, Any]:
    return load("simulators.phylodb", "phylodb.openapi.yaml")
