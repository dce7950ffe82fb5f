"""Leia's parameter vocabulary, shared by the adapter's validation and the simulator.

Enums come from the 1.0.0 OpenAPI document (``TransformTypes``, ``FormatTypes``);
``page_range`` is Python slice syntax over pages, comma-separated
(``0,2:5,-2:-1``); ``ConditionalBody.rules`` maps a rule id to
``{conditions, jobs}``.
"""

from __future__ import annotations

import re
from typing import Any

TRANSFORM_TYPES = ("text", "text_tree", "image", "autorotate", "trim", "merge", "split", "transcode")
FORMAT_TYPES = ("classification",)
RULE_JOB_TYPES = ("apply_model", "transform")
CONDITION_OPERATORS = ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin")

_INDEX = re.compile(r"^-?\d+$")
_SLICE = re.compile(r"^(-?\d+)?:(-?\d+)?(?::(-?\d+)?)?$")


def page_range_ok(value: str) -> bool:
    """Whether ``value`` is a comma list of page indexes and slices with a non-zero step."""
    if not value:
        return False
    for item in value.split(","):
        item = item.strip()
        if _INDEX.match(item):
            continue
        match = _SLICE.match(item)
        if match is None:
            return False
        step = match.group(3)
        if step is not None and int(step) == 0:
            return False
    return True


def job_type_for_transform(output_type: str) -> str:
    """The ``JobTypes`` word a transform job gets (the simulator's choice, see its docstring)."""
    if output_type == "image":
        return "pdf-images"
    if output_type in ("text", "text_tree"):
        return "image-text"
    return "transform"


def rules_problems(rules: Any) -> list[tuple[tuple[str, ...], str]]:
    """Shape problems of a ``ConditionalBody.rules`` object, as ``(path, message)``."""
    if not isinstance(rules, dict) or not rules:
        return [(("rules",), "must be a non-empty object of rule id -> {conditions, jobs}")]
    problems: list[tuple[tuple[str, ...], str]] = []
    for rule_id, rule in rules.items():
        where = ("rules", str(rule_id))
        if not isinstance(rule, dict):
            problems.append((where, "must be an object with conditions and jobs"))
            continue
        if not isinstance(rule.get("conditions", {}), dict):
            problems.append(((*where, "conditions"), "must be an object"))
        jobs = rule.get("jobs")
        if not isinstance(jobs, list) or not jobs:
            problems.append(((*where, "jobs"), "must be a non-empty list"))
            continue
        for index, job in enumerate(jobs):
            problems.extend(_rule_job_problems((*where, "jobs", str(index)), job, first=index == 0))
    return problems


def _rule_job_problems(where: tuple[str, ...], job: Any, *, first: bool) -> list[tuple[tuple[str, ...], str]]:
    if not isinstance(job, dict):
        return [(where, "must be an object")]
    problems: list[tuple[tuple[str, ...], str]] = []
    kind = job.get("job_type")
    if kind not in RULE_JOB_TYPES:
        problems.append(((*where, "job_type"), f"must be one of {list(RULE_JOB_TYPES)}"))
    if kind == "apply_model" and not _non_empty_str(job.get("model_id")):
        problems.append(((*where, "model_id"), "is required for apply_model"))
    if kind == "transform" and job.get("output_type") not in TRANSFORM_TYPES:
        problems.append(((*where, "output_type"), f"must be one of {list(TRANSFORM_TYPES)}"))
    docs = job.get("document_ids", [])
    if not isinstance(docs, list) or not all(_non_empty_str(d) for d in docs):
        problems.append(((*where, "document_ids"), "must be a list of document ids"))
    if "format_type" in job and job["format_type"] not in FORMAT_TYPES:
        problems.append(((*where, "format_type"), f"must be one of {list(FORMAT_TYPES)}"))
    page_range = job.get("page_range")
    if page_range is not None and not (isinstance(page_range, str) and page_range_ok(page_range)):
        problems.append(((*where, "page_range"), "is not a valid page range"))
    for key in ("model_params", "transform_params"):
        if key in job and not isinstance(job[key], dict):
            problems.append(((*where, key), "must be an object"))
    return problems


def _non_empty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value)
