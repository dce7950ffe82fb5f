"""What ``submitJob`` takes for Leia: a model, transform or conditional job, optionally chained."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.base import SubmitRequest
from adapters.model import NativeKey
from adapters.submission import (
    ClientUrl,
    FieldProblem,
    InputProblems,
    JobRef,
    JsonValue,
    Submission,
    check_json_size,
    describe,
    input_model,
)

MAX_DOCUMENTS = 100


@input_model("Leia: apply a model to documents.")
@dataclass(frozen=True, slots=True)
class LeiaApplyModelInput:
    model_id: str
    document_ids: list[str]
    tag: str | None = None
    format_type: str | None = None
    page_range: str | None = None
    model_params: JsonValue | None = None


@input_model("Leia: transform documents (text, image, trim, merge, ...).")
@dataclass(frozen=True, slots=True)
class LeiaTransformInput:
    document_ids: list[str]
    output_type: str
    input_tag: str | None = None
    output_tag: str | None = None
    page_range: str | None = None
    transform_params: JsonValue | None = None


@input_model("Leia: jobs that run after another job, chosen by rules on its result.")
@dataclass(frozen=True, slots=True)
class LeiaConditionalInput:
    rules: JsonValue


@input_model("Leia: exactly one kind of job.", one_of=True)
@dataclass(frozen=True, slots=True)
class LeiaJobKind:
    apply_model: LeiaApplyModelInput | None = None
    transform: LeiaTransformInput | None = None
    conditional: LeiaConditionalInput | None = None


@input_model("Leia: a model, transform or conditional job, optionally chained.")
@dataclass(frozen=True, slots=True)
class LeiaJobInput:
    job: LeiaJobKind
    execute_after: JobRef | None = field(
        default=None, metadata=describe("Global id of the Leia job this one waits for (required for conditional jobs).")
    )
    block_processing: bool = False
    callback_url: ClientUrl | None = field(
        default=None,
        metadata=describe(
            "http(s) URL Leia POSTs the job to when it ends; addresses that are not public are refused "
            "unless the gateway's callback_allow lists them."
        ),
    )


def _documents(ids: list[str], path: tuple[str, ...], problems: list[FieldProblem]) -> None:
    if not ids:
        problems.append(FieldProblem(path, "at least one document id is required"))
    elif len(ids) > MAX_DOCUMENTS:
        problems.append(FieldProblem(path, f"at most {MAX_DOCUMENTS} documents per job"))
    elif any(not i or "," in i or "/" in i for i in ids):
        problems.append(FieldProblem(path, "document ids must be non-empty and contain no ',' or '/'"))


def _optional(params: dict[str, Any], **values: object) -> None:
    params.update({k: v for k, v in values.items() if v is not None})


def to_request(leia: LeiaJobInput) -> SubmitRequest:
    problems: list[FieldProblem] = []
    params: dict[str, Any] = {"block_processing": leia.block_processing}
    after: NativeKey | None = leia.execute_after
    if after is not None:
        params["execute_after_id"] = after.native_id
    if leia.callback_url is not None:  # already checked by the gateway (a ClientUrl)
        params["callback_url"] = leia.callback_url
    kind = leia.job
    if kind.apply_model is not None:
        m = kind.apply_model
        _documents(m.document_ids, ("job", "apply_model", "document_ids"), problems)
        params.update(kind="apply_model", model_id=m.model_id, document_ids=list(m.document_ids))
        _optional(params, tag=m.tag, format_type=m.format_type, page_range=m.page_range)
        if m.model_params is not None:
            check_json_size(m.model_params, ("job", "apply_model", "model_params"), problems)
            params["model_params"] = m.model_params
    elif kind.transform is not None:
        t = kind.transform
        _documents(t.document_ids, ("job", "transform", "document_ids"), problems)
        params.update(kind="transform", output_type=t.output_type, document_ids=list(t.document_ids))
        _optional(params, input_tag=t.input_tag, output_tag=t.output_tag, page_range=t.page_range)
        _optional(params, transform_params=t.transform_params)
    elif kind.conditional is not None:
        c = kind.conditional
        if after is None:
            problems.append(FieldProblem(("execute_after",), "a conditional job needs the job it follows"))
        if not isinstance(c.rules, dict) or not c.rules:
            problems.append(FieldProblem(("job", "conditional", "rules"), "must be a non-empty JSON object"))
        check_json_size(c.rules, ("job", "conditional", "rules"), problems)
        params.update(kind="conditional", rules=c.rules)
    if problems:
        raise InputProblems(problems)
    return SubmitRequest("", params)


_KINDS = frozenset({"apply_model", "transform", "conditional"})
_TOP = {
    "execute_after_id": ("execute_after",),
    "callback_url": ("callback_url",),
    "callback_headers": ("callback_url",),
    "block_processing": ("block_processing",),
    "kind": ("job",),
    "scope": (),
}


def field_path(params: Mapping[str, Any], path: tuple[str, ...]) -> tuple[str, ...]:
    head, rest = path[0], path[1:]
    if head in _TOP:
        return _TOP[head]
    kind = str(params.get("kind"))
    return ("job", kind, head, *rest) if kind in _KINDS else ("job",)


SUBMISSION = Submission(LeiaJobInput, to_request, field_path)
