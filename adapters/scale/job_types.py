"""Scale's job type services beyond the common protocol: details, revisions, statistics, create, validate, edit.

The adapter exposes these as extra methods; each is one request (or one per
1000 records for the statistics lists).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from adapters.errors import ErrorKind, FieldError, UpstreamError
from adapters.http import UpstreamClient
from adapters.model import JobTypeRecord, Source
from adapters.scale import translate as tr
from adapters.scale.listing import read_all, translated, when
from adapters.scale.records import JobTypeFailure, JobTypeQueueCount, JobTypeRevision, JobTypeStatusCount

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


async def revisions(client: UpstreamClient, name: str, version: str) -> list[JobTypeRevision]:
    _require_key(name, version)
    items = await read_all(client, type_path(name, version, "revisions"), [], "job_type_revisions")
    return [translated(tr.revision_record, item, "a job type revision") for item in items]


async def revision(client: UpstreamClient, name: str, version: str, revision_num: int) -> JobTypeRevision:
    _require_key(name, version)
    path = type_path(name, version, "revisions", str(revision_num))
    body = await client.get_json(path, operation="job_type_revision")
    return translated(tr.revision_record, body, "a job type revision")


async def status_counts(
    client: UpstreamClient,
    *,
    started: datetime | None = None,
    ended: datetime | None = None,
    is_active: bool | None = None,
) -> dict[str, tuple[JobTypeStatusCount, ...]]:
    params = [(k, when(v)) for k, v in (("started", started), ("ended", ended)) if v is not None]
    if is_active is not None:
        params.append(("is_active", "true" if is_active else "false"))
    items = await read_all(client, "/v6/job-types/status/", params, "job_type_status")
    return dict(translated(tr.status_counts, item, "job type statistics") for item in items)


async def queue_counts(client: UpstreamClient, which: str) -> list[JobTypeQueueCount]:
    """``which`` is ``pending`` or ``running``."""
    items = await read_all(client, f"/v6/job-types/{which}/", [], f"job_types_{which}")
    key = f"longest_{which}"
    return [translated(lambda item: tr.queue_count(item, key), item, "job type counts") for item in items]


async def system_failures(client: UpstreamClient) -> list[JobTypeFailure]:
    items = await read_all(client, "/v6/job-types/system-failures/", [], "job_type_failures")
    return [translated(tr.failure, item, "job type failures") for item in items]


def _payload(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, Mapping):
        raise _invalid("the job type payload must be an object", "payload")
    return dict(payload)


async def validate(client: UpstreamClient, payload: Any) -> dict[str, Any]:
    body = _payload(payload)
    if body.get("manifest") is None:
        raise _invalid("a Seed manifest is required", "manifest")
    response = await client.request("POST", "/v6/job-types/validation/", operation="validate_job_type", json_body=body)
    return translated(tr.validation, client.decode(response), "a validation answer")


async def create(client: UpstreamClient, payload: Any) -> JobTypeRecord:
    body = _payload(payload)
    for name in ("docker_image", "manifest"):
        if body.get(name) is None:
            raise _invalid(f"{name} is required", name)
    response = await client.request("POST", "/v6/job-types/", operation="create_job_type", json_body=body)
    return translated(tr.job_type_record, client.decode(response), "a job type")


async def edit(client: UpstreamClient, name: str, version: str, patch: Any) -> JobTypeRecord:
    """PATCH the job type; the validation answer rides along in ``raw["validation"]``.

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
    return dataclasses.replace(record, raw={**record.raw, "validation": outcome})
