"""What ``submitJob`` takes for WordLift: the KPI snapshot of one graph for one day."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from adapters.base import SubmitRequest
from adapters.submission import FieldProblem, InputProblems, Submission, describe, input_model


@input_model("WordLift: compute the KPI snapshot of one graph for one day.")
@dataclass(frozen=True, slots=True)
class WordLiftKpiJobInput:
    graph_id: str
    snapshot_date: date
    force_rerun: bool = field(default=False, metadata=describe("Bypass snapshot reuse and replace an active job."))
    stage_retries: int | None = None
    limit_documents: int | None = None
    limit_urls: int | None = None
    skip_validation: bool = False
    replace_validation: bool = False


def to_request(job: WordLiftKpiJobInput) -> SubmitRequest:
    problems: list[FieldProblem] = []
    if job.stage_retries is not None and job.stage_retries < 0:
        problems.append(FieldProblem(("stage_retries",), "must be >= 0"))
    for name, value in (("limit_documents", job.limit_documents), ("limit_urls", job.limit_urls)):
        if value is not None and value < 1:
            problems.append(FieldProblem((name,), "must be >= 1"))
    if problems:
        raise InputProblems(problems)
    params: dict[str, Any] = {
        "snapshot_date": job.snapshot_date.isoformat(),
        "force_rerun": job.force_rerun,
        "skip_validation": job.skip_validation,
        "replace_validation": job.replace_validation,
    }
    for key, value in (
        ("stage_retries", job.stage_retries),
        ("limit_documents", job.limit_documents),
        ("limit_urls", job.limit_urls),
    ):
        if value is not None:
            params[key] = value
    return SubmitRequest(job.graph_id, params)


def field_path(params: Mapping[str, Any], path: tuple[str, ...]) -> tuple[str, ...]:
    head, rest = path[0], path[1:]
    return ("graph_id",) if head == "scope" else (head, *rest)


SUBMISSION = Submission(WordLiftKpiJobInput, to_request, field_path)
