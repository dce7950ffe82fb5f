"""What ``submitJob`` takes for phyloDB: an inference or visualization job in a project."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.base import SubmitRequest
from adapters.submission import FieldProblem, InputProblems, Submission, input_model


@input_model()
@dataclass(frozen=True, slots=True)
class PhyloDbInferenceInput:
    dataset_id: str
    lvs: int
    algorithm: str = "goeburst"


@input_model()
@dataclass(frozen=True, slots=True)
class PhyloDbVisualizationInput:
    dataset_id: str
    inference_id: str
    algorithm: str = "radial"


@input_model(one_of=True)
@dataclass(frozen=True, slots=True)
class PhyloDbAnalysis:
    inference: PhyloDbInferenceInput | None = None
    visualization: PhyloDbVisualizationInput | None = None


@input_model("phyloDB: an inference or visualization job in a project.")
@dataclass(frozen=True, slots=True)
class PhyloDbJobInput:
    project_id: str
    analysis: PhyloDbAnalysis


def to_request(job: PhyloDbJobInput) -> SubmitRequest:
    analysis = job.analysis
    params: dict[str, Any]
    if analysis.inference is not None:
        inf = analysis.inference
        if inf.lvs < 1:
            raise InputProblems([FieldProblem(("analysis", "inference", "lvs"), "must be >= 1")])
        params = {"analysis": "inference", "algorithm": inf.algorithm, "parameters": [inf.dataset_id, inf.lvs]}
    elif analysis.visualization is not None:
        vis = analysis.visualization
        params = {
            "analysis": "visualization",
            "algorithm": vis.algorithm,
            "parameters": [vis.dataset_id, vis.inference_id],
        }
    else:
        raise InputProblems([FieldProblem(("analysis",), "inference or visualization is required")])
    return SubmitRequest(job.project_id, params)


_SECOND = {"inference": "lvs", "visualization": "inference_id"}
"""phyloDB's ``parameters`` are positional: the second one is a different field per analysis."""


def field_path(params: Mapping[str, Any], path: tuple[str, ...]) -> tuple[str, ...]:
    head, rest = path[0], path[1:]
    analysis = str(params.get("analysis", ""))
    member: tuple[str, ...] = ("analysis", analysis) if analysis in _SECOND else ("analysis",)
    if head == "scope":
        return ("project_id",)
    if head == "analysis":
        return ("analysis",)
    if head == "parameters" and rest[:1] == ("0",):
        return (*member, "dataset_id")
    if head == "parameters" and rest[:1] == ("1",) and analysis in _SECOND:
        return (*member, _SECOND[analysis])
    if head == "parameters":
        return member
    return (*member, head, *rest)


SUBMISSION = Submission(PhyloDbJobInput, to_request, field_path)
