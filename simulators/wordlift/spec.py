"""WordLift's OpenAPI document as the simulator serves it: the Graph KPI document, whole.

The copy in ``openapi/`` is WordLift's own (``wordlift/python-client``
``api/graph-kpi.yaml``, OpenAPI 3.1); the simulator answers all four of its paths.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from simulators.kit.openapi import load


@cache
def document() -> dict[str, Any]:
    return load("simulators.wordlift", "wordlift-graph-kpi.openapi.yaml")
