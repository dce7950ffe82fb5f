"""Validation of ``SubmitRequest.params`` for WordLift KPI jobs, before any upstream call.

The params are the upstream's ``SubmitJobBody`` fields, by their own names:

| name | type | required | upstream default |
|---|---|---|---|
| ``snapshot_date`` | ``"YYYY-MM-DD"`` (a real calendar day) | yes | - |
| ``force_rerun`` | bool | no | false |
| ``stage_retries`` | int >= 0 | no | 1 |
| ``limit_documents`` | int >= 1 or null | no | null |
| ``limit_urls`` | int >= 1 or null | no | null |
| ``skip_validation`` | bool | no | false |
| ``replace_validation`` | bool | no | false |

The body has ``additionalProperties: false``, so unknown names are refused
here too. Every problem is reported at once, one ``FieldError`` per field.
Only the given fields are sent: the upstream applies its own defaults.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from adapters.errors import ErrorKind, FieldError, UpstreamError
from adapters.model import Source

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _check_day(value: Any) -> str | None:
    if not isinstance(value, str) or not _DAY.match(value):
        return "must be a date in YYYY-MM-DD format"
    try:
        date.fromisoformat(value)
    except ValueError:
        return "is not a valid calendar date"
    return None


def _check_bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be a boolean"


def _int_at_least(minimum: int, *, nullable: bool) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be an integer" + (" or null" if nullable else "")
        return None if value >= minimum else f"must be >= {minimum}"

    return check


_CHECKS: Mapping[str, Callable[[Any], str | None]] = {
    "snapshot_date": _check_day,
    "force_rerun": _check_bool,
    "stage_retries": _int_at_least(0, nullable=False),
    "limit_documents": _int_at_least(1, nullable=True),
    "limit_urls": _int_at_least(1, nullable=True),
    "skip_validation": _check_bool,
    "replace_validation": _check_bool,
}

PARAM_NAMES = tuple(_CHECKS)


def submit_body(params: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body for ``POST /kpi/graphs/{graph_id}/jobs``, or ``UpstreamError(INVALID)``."""
    errors: list[FieldError] = []
    if "snapshot_date" not in params:
        errors.append(FieldError(("snapshot_date",), "is required"))
    for name, value in params.items():
        check = _CHECKS.get(name)
        problem = f"is not a WordLift KPI job parameter (known: {', '.join(PARAM_NAMES)})" if check is None else None
        problem = problem or (check(value) if check else None)
        if problem:
            errors.append(FieldError((str(name),), problem))
    if errors:
        summary = "; ".join(f"{e.path[0]} {e.message}" for e in errors)
        raise UpstreamError(
            ErrorKind.INVALID, Source.WORDLIFT, f"invalid KPI job parameters: {summary}", field_errors=tuple(errors)
        )
    return dict(params)
