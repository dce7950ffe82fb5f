"""What ``SubmitRequest.params`` may hold for phyloDB, checked before any upstream call.

Two equivalent forms are accepted:

- phyloDB's own body: ``{"analysis": "inference", "algorithm": "goeburst",
  "parameters": [dataset_id, lvs]}`` or ``{"analysis": "visualization",
  "algorithm": "radial", "parameters": [dataset_id, inference_id]}``;
- typed: ``{"analysis": "inference", "dataset_id": ..., "lvs": 3}`` or
  ``{"analysis": "visualization", "dataset_id": ..., "inference_id": ...}``;
  ``algorithm`` may be left out (each analysis has one algorithm).

Ids are UUID strings (phyloDB's ids are UUIDs); ``lvs`` is an integer >= 1.
Unknown keys, or mixing ``parameters`` with typed keys, are refused. All
problems are reported at once, each naming its field.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.errors import ErrorKind, FieldError, UpstreamError
from adapters.model import Source

ALGORITHMS: dict[str, str] = {"inference": "goeburst", "visualization": "radial"}
_SECOND = {"inference": "lvs", "visualization": "inference_id"}
_TYPED_KEYS = frozenset({"dataset_id", "lvs", "inference_id"})
_ALL_KEYS = frozenset({"analysis", "algorithm", "parameters"}) | _TYPED_KEYS


@dataclass(frozen=True, slots=True)
class JobInput:
    """A validated job body, as phyloDB's POST wants it."""

    analysis: str
    algorithm: str
    dataset_id: str
    second: str | int
    """``lvs`` for an inference, ``inference_id`` for a visualization."""

    @property
    def parameters(self) -> list[Any]:
        return [self.dataset_id, self.second]

    def body(self) -> dict[str, Any]:
        return {"analysis": self.analysis, "algorithm": self.algorithm, "parameters": self.parameters}


def parse_params(params: Mapping[str, Any]) -> JobInput:
    """The ``JobInput`` in ``params``, or ``UpstreamError(INVALID)`` listing every bad field."""
    problems: list[FieldError] = []
    unknown = sorted(set(params) - _ALL_KEYS)
    problems.extend(FieldError((key,), "unknown parameter") for key in unknown)
    analysis = params.get("analysis")
    if analysis not in ALGORITHMS:
        problems.append(FieldError(("analysis",), "must be 'inference' or 'visualization'"))
        raise _invalid(problems)
    algorithm = params.get("algorithm", ALGORITHMS[analysis])
    if algorithm != ALGORITHMS[analysis]:
        problems.append(FieldError(("algorithm",), f"{analysis} supports only '{ALGORITHMS[analysis]}'"))
    dataset_id, second = _values(params, analysis, problems)
    if problems:
        raise _invalid(problems)
    assert dataset_id is not None and second is not None
    return JobInput(analysis, algorithm, dataset_id, second)


def _values(params: Mapping[str, Any], analysis: str, problems: list[FieldError]) -> tuple[str | None, Any]:
    typed = sorted(_TYPED_KEYS & set(params))
    if "parameters" in params:
        problems.extend(FieldError((key,), "give either 'parameters' or typed fields, not both") for key in typed)
        raw = params["parameters"]
        if not isinstance(raw, list | tuple) or len(raw) != 2:
            problems.append(FieldError(("parameters",), f"must be [dataset_id, {_SECOND[analysis]}]"))
            return None, None
        paths: tuple[tuple[str, ...], tuple[str, ...]] = (("parameters", "0"), ("parameters", "1"))
        dataset_id, second = raw
    else:
        other = _SECOND["visualization" if analysis == "inference" else "inference"]
        if other in params:
            problems.append(FieldError((other,), f"not a parameter of {analysis}"))
        paths = (("dataset_id",), (_SECOND[analysis],))
        dataset_id, second = params.get("dataset_id"), params.get(_SECOND[analysis])
    ok_dataset = _check_uuid(dataset_id, paths[0], problems)
    ok_second = (
        _check_lvs(second, paths[1], problems) if analysis == "inference" else _check_uuid(second, paths[1], problems)
    )
    return (dataset_id if ok_dataset else None), (second if ok_second else None)


def is_uuid(value: object) -> bool:
    """phyloDB ids (projects, datasets, inferences, jobs) are UUID strings."""
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _check_uuid(value: Any, path: tuple[str, ...], problems: list[FieldError]) -> bool:
    if is_uuid(value):
        return True
    problems.append(FieldError(path, "must be a UUID string"))
    return False


def _check_lvs(value: Any, path: tuple[str, ...], problems: list[FieldError]) -> bool:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return True
    problems.append(FieldError(path, "must be an integer >= 1 (goeBURST locus variants)"))
    return False


def _invalid(problems: list[FieldError]) -> UpstreamError:
    summary = "; ".join(f"{'.'.join(p.path)}: {p.message}" for p in problems)
    return UpstreamError(
        ErrorKind.INVALID, Source.PHYLODB, f"invalid phyloDB job: {summary}", field_errors=tuple(problems)
    )
