"""Typed, per-source inputs for ``submitJob``, validated before any upstream call.

Each source's parameters are their own input type, one member of the
``JobSubmission`` @oneOf input. ``to_request`` turns the chosen member into
the adapter's ``SubmitRequest`` (the upstream's own parameter names), or raises
``InputProblems`` naming every bad field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import strawberry
from strawberry.scalars import JSON

from adapters.base import SubmitRequest
from adapters.model import Source
from gateway.ids import InvalidId, decode_id

MAX_JSON_BYTES = 256 * 1024
MAX_DOCUMENTS = 100


@dataclass(frozen=True, slots=True)
class FieldProblem:
    path: tuple[str, ...]
    message: str


class InputProblems(Exception):
    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{'.'.join(p.path)}: {p.message}" for p in problems))
        self.problems = problems


@strawberry.input(description="WordLift: compute the KPI snapshot of one graph for one day.")
class WordLiftKpiJobInput:
    graph_id: str
    snapshot_date: date
    force_rerun: bool = strawberry.field(default=False, description="Bypass snapshot reuse and replace an active job.")
    stage_retries: int | None = None
    limit_documents: int | None = None
    limit_urls: int | None = None
    skip_validation: bool = False
    replace_validation: bool = False


@strawberry.input(description="Leia: apply a model to documents.")
class LeiaApplyModelInput:
    model_id: str
    document_ids: list[str]
    tag: str | None = None
    format_type: str | None = None
    page_range: str | None = None
    model_params: JSON | None = None


@strawberry.input(description="Leia: transform documents (text, image, trim, merge, ...).")
class LeiaTransformInput:
    document_ids: list[str]
    output_type: str
    input_tag: str | None = None
    output_tag: str | None = None
    page_range: str | None = None
    transform_params: JSON | None = None


@strawberry.input(description="Leia: jobs that run after another job, chosen by rules on its result.")
class LeiaConditionalInput:
    rules: JSON


@strawberry.input(one_of=True, description="Leia: exactly one kind of job.")
class LeiaJobKind:
    apply_model: LeiaApplyModelInput | None = strawberry.UNSET
    transform: LeiaTransformInput | None = strawberry.UNSET
    conditional: LeiaConditionalInput | None = strawberry.UNSET


@strawberry.input(description="Leia: a model, transform or conditional job, optionally chained.")
class LeiaJobInput:
    job: LeiaJobKind
    execute_after: strawberry.ID | None = strawberry.field(
        default=None, description="Global id of the Leia job this one waits for (required for conditional jobs)."
    )
    block_processing: bool = False
    callback_url: str | None = None


@strawberry.input
class PhyloDbInferenceInput:
    dataset_id: str
    lvs: int
    algorithm: str = "goeburst"


@strawberry.input
class PhyloDbVisualizationInput:
    dataset_id: str
    inference_id: str
    algorithm: str = "radial"


@strawberry.input(one_of=True)
class PhyloDbAnalysis:
    inference: PhyloDbInferenceInput | None = strawberry.UNSET
    visualization: PhyloDbVisualizationInput | None = strawberry.UNSET


@strawberry.input(description="phyloDB: an inference or visualization job in a project.")
class PhyloDbJobInput:
    project_id: str
    analysis: PhyloDbAnalysis


@strawberry.input(description="Scale: queue a job of a job type with its input data.")
class ScaleJobInput:
    job_type: strawberry.ID = strawberry.field(description="Global id of a SCALE JobType.")
    input: JSON
    configuration: JSON | None = None


@strawberry.input(description="Amperity ingest jobs are read-only upstream; submitting is refused.")
class AmperityIngestInput:
    tenant: str | None = None


@strawberry.input(one_of=True, description="The job to submit: exactly one source's parameters.")
class JobSubmission:
    wordlift: WordLiftKpiJobInput | None = strawberry.UNSET
    leia: LeiaJobInput | None = strawberry.UNSET
    phylodb: PhyloDbJobInput | None = strawberry.UNSET
    scale: ScaleJobInput | None = strawberry.UNSET
    amperity: AmperityIngestInput | None = strawberry.UNSET


def _given(value: Any) -> bool:
    return value is not None and value is not strawberry.UNSET


def _json_size(value: Any, path: tuple[str, ...], problems: list[FieldProblem]) -> None:
    if len(json.dumps(value, default=str)) > MAX_JSON_BYTES:
        problems.append(FieldProblem(path, f"larger than {MAX_JSON_BYTES // 1024} KiB"))


def _native_id(value: str, type_name: str, source: Source, path: tuple[str, ...], problems: list[FieldProblem]) -> str:
    try:
        gid = decode_id(value, type_name)
    except InvalidId as exc:
        problems.append(FieldProblem(path, str(exc)))
        return ""
    if gid.source is not source:
        problems.append(FieldProblem(path, f"is a {gid.source.value} {type_name}, not a {source.value} one"))
        return ""
    return gid.key.native_id


def _documents(ids: list[str], path: tuple[str, ...], problems: list[FieldProblem]) -> None:
    if not ids:
        problems.append(FieldProblem(path, "at least one document id is required"))
    elif len(ids) > MAX_DOCUMENTS:
        problems.append(FieldProblem(path, f"at most {MAX_DOCUMENTS} documents per job"))
    elif any(not i or "," in i or "/" in i for i in ids):
        problems.append(FieldProblem(path, "document ids must be non-empty and contain no ',' or '/'"))


def chosen_source(submission: JobSubmission) -> Source:
    for source, member in (
        (Source.WORDLIFT, submission.wordlift),
        (Source.LEIA, submission.leia),
        (Source.PHYLODB, submission.phylodb),
        (Source.SCALE, submission.scale),
        (Source.AMPERITY, submission.amperity),
    ):
        if _given(member):
            return source
    raise InputProblems([FieldProblem(("input", "job"), "exactly one source must be given")])


def to_request(submission: JobSubmission) -> tuple[Source, SubmitRequest]:
    source = chosen_source(submission)
    problems: list[FieldProblem] = []
    base = ("input", "job", source.value.lower())
    request: SubmitRequest
    if source is Source.WORDLIFT:
        w = submission.wordlift
        assert w is not None
        if w.stage_retries is not None and w.stage_retries < 0:
            problems.append(FieldProblem((*base, "stageRetries"), "must be >= 0"))
        for name, value in (("limitDocuments", w.limit_documents), ("limitUrls", w.limit_urls)):
            if value is not None and value < 1:
                problems.append(FieldProblem((*base, name), "must be >= 1"))
        params: dict[str, Any] = {
            "snapshot_date": w.snapshot_date.isoformat(),
            "force_rerun": w.force_rerun,
            "skip_validation": w.skip_validation,
            "replace_validation": w.replace_validation,
        }
        for key, value in (
            ("stage_retries", w.stage_retries),
            ("limit_documents", w.limit_documents),
            ("limit_urls", w.limit_urls),
        ):
            if value is not None:
                params[key] = value
        request = SubmitRequest(w.graph_id, params)
    elif source is Source.LEIA:
        request = _leia(submission.leia, base, problems)
    elif source is Source.PHYLODB:
        p = submission.phylodb
        assert p is not None
        a = p.analysis
        if _given(a.inference):
            inf = a.inference
            assert inf is not None
            if inf.lvs < 1:
                problems.append(FieldProblem((*base, "analysis", "inference", "lvs"), "must be >= 1"))
            params = {"analysis": "inference", "algorithm": inf.algorithm, "parameters": [inf.dataset_id, inf.lvs]}
        elif _given(a.visualization):
            vis = a.visualization
            assert vis is not None
            params = {
                "analysis": "visualization",
                "algorithm": vis.algorithm,
                "parameters": [vis.dataset_id, vis.inference_id],
            }
        else:
            problems.append(FieldProblem((*base, "analysis"), "inference or visualization is required"))
            params = {}
        request = SubmitRequest(p.project_id, params)
    elif source is Source.SCALE:
        s = submission.scale
        assert s is not None
        type_id = _native_id(s.job_type, "JobType", Source.SCALE, (*base, "jobType"), problems)
        if not isinstance(s.input, dict):
            problems.append(FieldProblem((*base, "input"), "must be a JSON object (Scale Data)"))
        _json_size(s.input, (*base, "input"), problems)
        params = {"job_type_id": int(type_id) if type_id.isdigit() else type_id, "input": s.input}
        if _given(s.configuration):
            if not isinstance(s.configuration, dict):
                problems.append(FieldProblem((*base, "configuration"), "must be a JSON object"))
            params["configuration"] = s.configuration
        request = SubmitRequest("", params)
    else:
        a_input = submission.amperity
        request = SubmitRequest((a_input.tenant if a_input else None) or "", {})
    if problems:
        raise InputProblems(problems)
    return source, request


def _leia(leia: LeiaJobInput | None, base: tuple[str, ...], problems: list[FieldProblem]) -> SubmitRequest:
    assert leia is not None
    params: dict[str, Any] = {"block_processing": leia.block_processing}
    if leia.execute_after is not None:
        params["execute_after_id"] = _native_id(
            leia.execute_after, "Job", Source.LEIA, (*base, "executeAfter"), problems
        )
    if leia.callback_url is not None:
        if not leia.callback_url.startswith(("http://", "https://")):
            problems.append(FieldProblem((*base, "callbackUrl"), "must be an http(s) URL"))
        params["callback_url"] = leia.callback_url
    kind = leia.job
    path = (*base, "job")
    if _given(kind.apply_model):
        m = kind.apply_model
        assert m is not None
        _documents(m.document_ids, (*path, "applyModel", "documentIds"), problems)
        params.update(kind="apply_model", model_id=m.model_id, document_ids=list(m.document_ids))
        for key, value in (("tag", m.tag), ("format_type", m.format_type), ("page_range", m.page_range)):
            if value is not None:
                params[key] = value
        if _given(m.model_params):
            _json_size(m.model_params, (*path, "applyModel", "modelParams"), problems)
            params["model_params"] = m.model_params
    elif _given(kind.transform):
        t = kind.transform
        assert t is not None
        _documents(t.document_ids, (*path, "transform", "documentIds"), problems)
        params.update(kind="transform", output_type=t.output_type, document_ids=list(t.document_ids))
        for key, value in (("input_tag", t.input_tag), ("output_tag", t.output_tag), ("page_range", t.page_range)):
            if value is not None:
                params[key] = value
        if _given(t.transform_params):
            params["transform_params"] = t.transform_params
    elif _given(kind.conditional):
        c = kind.conditional
        assert c is not None
        if "execute_after_id" not in params:
            problems.append(FieldProblem((*base, "executeAfter"), "a conditional job needs the job it follows"))
        if not isinstance(c.rules, dict) or not c.rules:
            problems.append(FieldProblem((*path, "conditional", "rules"), "must be a non-empty JSON object"))
        _json_size(c.rules, (*path, "conditional", "rules"), problems)
        params.update(kind="conditional", rules=c.rules)
    return SubmitRequest("", params)


# --- upstream field errors -> GraphQL input paths ---------------------------------------

_LEIA_MEMBERS = {"apply_model": "applyModel", "transform": "transform", "conditional": "conditional"}
_LEIA_TOP = {
    "execute_after_id": ("executeAfter",),
    "callback_url": ("callbackUrl",),
    "callback_headers": ("callbackUrl",),
    "block_processing": ("blockProcessing",),
    "kind": ("job",),
    "scope": (),
}
_PHYLODB_SECOND = {"inference": "lvs", "visualization": "inferenceId"}
_SCALE_FIELDS = {"job_type_id": ("jobType",), "input": ("input",), "configuration": ("configuration",), "scope": ()}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def input_path(source: Source, params: Mapping[str, Any], path: tuple[str, ...]) -> tuple[str, ...]:
    """The GraphQL input path of a field an adapter complained about.

    Adapters name fields by the upstream's own parameter names (``snapshot_date``,
    ``parameters.0``, ``job_type_id``, ``scope``); clients wrote ``submitJob``'s
    input, so a typed error must point there (``input.job.wordlift.snapshotDate``).
    """
    base = ("input", "job", source.value.lower())
    if not path:
        return base
    head, rest = path[0], path[1:]
    mapped: tuple[str, ...]
    if source is Source.WORDLIFT:
        mapped = ("graphId",) if head == "scope" else (camel(head), *rest)
    elif source is Source.LEIA:
        kind = _LEIA_MEMBERS.get(str(params.get("kind")), "")
        if head in _LEIA_TOP:
            mapped = _LEIA_TOP[head]
        elif kind:
            mapped = ("job", kind, camel(head), *rest)
        else:
            mapped = ("job",)
    elif source is Source.PHYLODB:
        analysis = str(params.get("analysis", ""))
        member: tuple[str, ...] = ("analysis", analysis) if analysis in _PHYLODB_SECOND else ("analysis",)
        if head == "scope":
            mapped = ("projectId",)
        elif head == "analysis":
            mapped = ("analysis",)
        elif head == "parameters" and rest[:1] == ("0",):
            mapped = (*member, "datasetId")
        elif head == "parameters" and rest[:1] == ("1",) and analysis in _PHYLODB_SECOND:
            mapped = (*member, _PHYLODB_SECOND[analysis])
        elif head == "parameters":
            mapped = member
        else:
            mapped = (*member, camel(head), *rest)
    elif source is Source.SCALE:
        mapped = (*_SCALE_FIELDS[head], *rest) if head in _SCALE_FIELDS else (camel(head), *rest)
    else:
        mapped = ()
    return (*base, *mapped)
