"""What ``submitJob`` takes for Scale: a job of a job type with its input data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.base import SubmitRequest
from adapters.submission import (
    FieldProblem,
    InputProblems,
    JobTypeRef,
    JsonValue,
    Submission,
    check_json_size,
    describe,
    input_model,
)


@input_model("Scale: queue a job of a job type with its input data.")
@dataclass(frozen=True, slots=True)
class ScaleJobInput:
    job_type: JobTypeRef = field(metadata=describe("Global id of a SCALE JobType."))
    input: JsonValue
    configuration: JsonValue | None = None


def to_request(job: ScaleJobInput) -> SubmitRequest:
    problems: list[FieldProblem] = []
    if not isinstance(job.input, dict):
        problems.append(FieldProblem(("input",), "must be a JSON object (Scale Data)"))
    check_json_size(job.input, ("input",), problems)
    type_id = job.job_type.native_id
    params: dict[str, Any] = {"job_type_id": int(type_id) if type_id.isdigit() else type_id, "input": job.input}
    if job.configuration is not None:
        if not isinstance(job.configuration, dict):
            problems.append(FieldProblem(("configuration",), "must be a JSON object"))
        params["configuration"] = job.configuration
    if problems:
        raise InputProblems(problems)
    return SubmitRequest("", params)


_FIELDS = {"job_type_id": ("job_type",), "input": ("input",), "configuration": ("configuration",), "scope": ()}


def field_path(params: Mapping[str, Any], path: tuple[str, ...]) -> tuple[str, ...]:
    head, rest = path[0], path[1:]
    return (*_FIELDS[head], *rest) if head in _FIELDS else (head, *rest)


SUBMISSION = Submission(ScaleJobInput, to_request, field_path)
