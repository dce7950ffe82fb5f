"""``SubmitRequest.params`` for Leia: validated, then turned into one creation call.

The params are a plain dict in Leia's own names, with ``kind`` choosing the endpoint:

- ``kind: "apply_model"`` -> ``POST /model/{model_id}/apply/{document_ids}``:
  ``model_id`` (id or short name, required), ``document_ids`` (non-empty list,
  required), ``tag``, ``format_type`` (``classification``),
  ``execute_after_id``, ``page_range``, ``model_params`` (object).
- ``kind: "transform"`` -> ``POST /document/{document_ids}/transform/{output_type}``:
  ``document_ids`` (required), ``output_type`` (``text, text_tree, image,
  autorotate, trim, merge, split, transcode``; required), ``input_tag``,
  ``output_tag``, ``execute_after_id``, ``page_range``, ``transform_params``.
- ``kind: "conditional"`` -> ``POST /job/conditional/{execute_after_id}``:
  ``execute_after_id`` (required), ``rules`` (required; rule id ->
  ``{conditions, jobs: [{job_type: apply_model|transform, ...}]}``).
- Every kind also takes ``callback_url`` (http/https), ``callback_headers``
  (object of strings) and ``block_processing`` (bool).

Everything but the path parameters is sent as the JSON body (the spec allows
body or query; only the body can carry ``callback_headers`` and ``rules``).
Unknown or misplaced keys are refused, all problems at once, each naming its
field, before any upstream call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from adapters.errors import ErrorKind, FieldError, UpstreamError
from adapters.leia.syntax import FORMAT_TYPES, TRANSFORM_TYPES, page_range_ok, rules_problems
from adapters.model import Source

KINDS = ("apply_model", "transform", "conditional")
_COMMON = ("callback_url", "callback_headers", "block_processing")
_CHAINING = ("execute_after_id", "page_range")
ALLOWED: Mapping[str, frozenset[str]] = {
    "apply_model": frozenset({"model_id", "document_ids", "tag", "format_type", "model_params", *_CHAINING, *_COMMON}),
    "transform": frozenset(
        {"document_ids", "output_type", "input_tag", "output_tag", "transform_params", *_CHAINING, *_COMMON}
    ),
    "conditional": frozenset({"execute_after_id", "rules", *_COMMON}),
}
_PATH_KEYS: Mapping[str, frozenset[str]] = {
    "apply_model": frozenset({"model_id", "document_ids"}),
    "transform": frozenset({"document_ids", "output_type"}),
    "conditional": frozenset({"execute_after_id"}),
}


@dataclass(frozen=True, slots=True)
class LeiaCall:
    path: str
    body: dict[str, Any]


Problems = list[FieldError]


def build_call(params: Mapping[str, Any], *, default_callback_url: str | None = None) -> LeiaCall:
    """The creation call for ``params``; ``UpstreamError(INVALID)`` naming every bad field."""
    problems: Problems = []
    kind = params.get("kind")
    if kind not in KINDS:
        raise _invalid([FieldError(("kind",), f"must be one of {list(KINDS)}")])
    for key in sorted(set(params) - ALLOWED[kind] - {"kind"}):
        problems.append(FieldError((key,), f"is not a parameter of a {kind} job"))
    for key, check in _CHECKS.items():
        if key in params and key in ALLOWED[kind]:
            message = check(params[key])
            if message:
                problems.append(FieldError((key,), message))
    problems.extend(_required(kind, params))
    problems.extend(_cross_checks(kind, params))
    if problems:
        raise _invalid(problems)
    body = {k: v for k, v in params.items() if k in ALLOWED[kind] - _PATH_KEYS[kind]}
    if default_callback_url and "callback_url" not in body:
        body["callback_url"] = default_callback_url
    return LeiaCall(_path(kind, params), body)


def _invalid(problems: Problems) -> UpstreamError:
    fields = ", ".join(".".join(p.path) for p in problems)
    return UpstreamError(
        ErrorKind.INVALID, Source.LEIA, f"invalid LEIA job parameters: {fields}", field_errors=tuple(problems)
    )


def _path(kind: str, params: Mapping[str, Any]) -> str:
    if kind == "conditional":
        return f"/job/conditional/{_segment(params['execute_after_id'])}"
    documents = ",".join(_segment(d) for d in params["document_ids"])
    if kind == "apply_model":
        return f"/model/{_segment(params['model_id'])}/apply/{documents}"
    return f"/document/{documents}/transform/{params['output_type']}"


def _segment(value: str) -> str:
    return quote(value, safe="")


def _required(kind: str, params: Mapping[str, Any]) -> Problems:
    needed = {"apply_model": ("model_id", "document_ids"), "transform": ("document_ids", "output_type")}.get(
        kind, ("execute_after_id", "rules")
    )
    return [FieldError((key,), "is required") for key in needed if key not in params]


def _cross_checks(kind: str, params: Mapping[str, Any]) -> Problems:
    problems: Problems = []
    docs = params.get("document_ids")
    for tag in ("tag", "input_tag"):
        if tag in params and isinstance(docs, list) and len(docs) > 1:
            problems.append(FieldError((tag,), "can only be used with a single document id"))
    if "page_range" in params and "execute_after_id" not in params:
        problems.append(FieldError(("page_range",), "can only be used with execute_after_id"))
    if kind == "conditional" and "rules" in params:
        problems.extend(FieldError(path, message) for path, message in rules_problems(params["rules"]))
    return problems


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be a non-empty string"


def _id(value: Any) -> str | None:
    if _text(value) is not None:
        return "must be a non-empty string"
    return "must not contain ',' or '/'" if "," in value or "/" in value else None


def _document_ids(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return "must be a non-empty list of document ids"
    return next(("every id " + m for m in map(_id, value) if m), None)


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str | None]:
    return lambda value: None if value in choices else f"must be one of {list(choices)}"


def _url(value: Any) -> str | None:
    ok = isinstance(value, str) and value.startswith(("http://", "https://"))
    return None if ok else "must be an http(s) URL"


def _headers(value: Any) -> str | None:
    ok = isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    return None if ok else "must be an object of header name -> string value"


def _object(value: Any) -> str | None:
    return None if isinstance(value, dict) else "must be an object"


def _bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _page_range(value: Any) -> str | None:
    ok = isinstance(value, str) and page_range_ok(value)
    return None if ok else "must be Python slice syntax over pages, comma-separated (e.g. '0,2:5,-1')"


_CHECKS: Mapping[str, Callable[[Any], str | None]] = {
    "model_id": _id,
    "document_ids": _document_ids,
    "output_type": _one_of(TRANSFORM_TYPES),
    "format_type": _one_of(FORMAT_TYPES),
    "execute_after_id": _id,
    "page_range": _page_range,
    "tag": _text,
    "input_tag": _text,
    "output_tag": _text,
    "model_params": _object,
    "transform_params": _object,
    "callback_url": _url,
    "callback_headers": _headers,
    "block_processing": _bool,
}
