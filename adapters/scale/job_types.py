"""Scale's job type administration (the ``JobTypeAdmin`` capability): validate, create, edit.

Each is one request; an edit reads the job type back to show what now holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from adapters.base import JobTypeEdit, JobTypeValidation
from adapters.errors import ErrorKind, FieldError, UpstreamError
from adapters.http import UpstreamClient
from adapters.model import JobTypeRecord, Source
from adapters.scale import translate as tr
from adapters.scale.listing import translated

_EDITABLE = frozenset(
    {
        "icon_code",
        "is_published",
        "is_active",
        "is_paused",
        "max_scheduled",
        "docker_image",
        "manifest",
        "configuration",
        "auto_update",
    }
)


def type_path(name: str, version: str, *rest: str) -> str:
    parts = [quote(name, safe=""), quote(version, safe=""), *rest]
    return "/v6/job-types/" + "/".join(parts) + "/"


def versions_path(name: str) -> str:
    return f"/v6/job-types/{quote(name, safe='')}/"


def _invalid(message: str, field: str) -> UpstreamError:
    return UpstreamError(ErrorKind.INVALID, Source.SCALE, message, field_errors=(FieldError((field,), message),))


def _require_key(name: str, version: str) -> None:
    if not name or not version:
        raise _invalid("a job type name and version are required", "name" if not name else "version")


async def details(client: UpstreamClient, name: str, version: str) -> JobTypeRecord:
    _require_key(name, version)
    body = await client.get_json(type_path(name, version), operation="job_type_details")
    return translated(tr.job_type_record, body, "a job type")


def _payload(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, Mapping):
        raise _invalid("the job type payload must be an object", "payload")
    return dict(payload)


async def validate(client: UpstreamClient, payload: Any) -> JobTypeValidation:
    body = _payload(payload)
    if body.get("manifest") is None:
        raise _invalid("a Seed manifest is required", "manifest")
    response = await client.request("POST", "/v6/job-types/validation/", operation="validate_job_type", json_body=body)
    return translated(tr.validation, client.decode(response), "a validation answer")


async def create(client: UpstreamClient, payload: Any) -> JobTypeEdit:
    body = _payload(payload)
    for name in ("docker_image", "manifest"):
        if body.get(name) is None:
            raise _invalid(f"{name} is required", name)
    response = await client.request("POST", "/v6/job-types/", operation="create_job_type", json_body=body)
    record = translated(tr.job_type_record, client.decode(response), "a job type")
    # A create answers with the job type itself; Scale may add warnings to it.
    return JobTypeEdit(record, JobTypeValidation(True, warnings=tr.issues(record.raw.get("warnings"))))


async def edit(client: UpstreamClient, name: str, version: str, patch: Any) -> JobTypeEdit:
    """PATCH the job type; the answer carries Scale's validation of the change.

    Scale answers a PATCH with validation only and applies nothing when it is not
    valid, so the record is fetched again to show what now holds.
    """
    _require_key(name, version)
    body = _payload(patch)
    unknown = sorted(set(body) - _EDITABLE)
    if unknown:
        raise _invalid(f"fields cannot be edited: {', '.join(unknown)}", unknown[0])
    response = await client.request("PATCH", type_path(name, version), operation="edit_job_type", json_body=body)
    outcome = translated(tr.validation, client.decode(response), "a validation answer")
    record = await details(client, name, version)
    return JobTypeEdit(record, outcome)
