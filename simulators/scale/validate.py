"""Job type and job data validation as the Scale simulator does it.

Scale answers validation as ``{"is_valid", "errors", "warnings"}`` where each issue
is ``{"name", "description"}``. The simulator checks the parts of a Seed manifest
and a job type configuration that a client can get wrong in practice; it does not
implement the whole Seed JSON schema.
"""

from __future__ import annotations

import json
import re
from typing import Any

Issue = dict[str, str]

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")


def _issue(name: str, description: str) -> Issue:
    return {"name": name, "description": description}


def coerce_manifest(value: Any) -> Any:
    """The docs type the manifest as a string but every example sends an object: accept both."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def manifest_errors(manifest: Any) -> list[Issue]:
    if not isinstance(manifest, dict):
        return [_issue("INVALID_MANIFEST", "Seed manifest must be a JSON object")]
    errors: list[Issue] = []
    if not isinstance(manifest.get("seedVersion"), str):
        errors.append(_issue("INVALID_MANIFEST", "'seedVersion' is a required property"))
    job = manifest.get("job")
    if not isinstance(job, dict):
        return [*errors, _issue("INVALID_MANIFEST", "'job' is a required property")]
    name = job.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        errors.append(_issue("INVALID_MANIFEST", "job.name must be lower case letters, digits and dashes"))
    for key in ("jobVersion", "packageVersion"):
        if not isinstance(job.get(key), str) or not _SEMVER.match(job[key]):
            errors.append(_issue("INVALID_MANIFEST", f"job.{key} must be a semantic version (e.g. 1.0.0)"))
    for key in ("title", "description"):
        if key in job and not isinstance(job[key], str):
            errors.append(_issue("INVALID_MANIFEST", f"job.{key} must be a string"))
    interface = job.get("interface", {})
    if not isinstance(interface, dict):
        errors.append(_issue("INVALID_MANIFEST", "job.interface must be an object"))
    return errors


def _interface(manifest: dict[str, Any]) -> dict[str, Any]:
    interface = manifest.get("job", {}).get("interface", {})
    return interface if isinstance(interface, dict) else {}


def _names(items: Any) -> set[str]:
    if not isinstance(items, list):
        return set()
    return {str(i["name"]) for i in items if isinstance(i, dict) and "name" in i}


def configuration_issues(configuration: Any, manifest: dict[str, Any]) -> tuple[list[Issue], list[Issue]]:
    """(errors, warnings) for a job type configuration against its manifest."""
    if not isinstance(configuration, dict):
        return [_issue("INVALID_CONFIGURATION", "Configuration must be a JSON object")], []
    errors: list[Issue] = []
    warnings: list[Issue] = []
    interface = _interface(manifest)
    mounts = configuration.get("mounts", {})
    if not isinstance(mounts, dict):
        errors.append(_issue("INVALID_CONFIGURATION", "'mounts' must be an object"))
        mounts = {}
    known_mounts = _names(interface.get("mounts"))
    for mount_name, mount in mounts.items():
        if not isinstance(mount, dict) or mount.get("type") not in ("host", "volume"):
            errors.append(_issue("INVALID_MOUNT", f"Mount {mount_name} must have type 'host' or 'volume'"))
        elif mount["type"] == "host" and not str(mount.get("host_path", "")).startswith("/"):
            errors.append(_issue("INVALID_MOUNT", f"Host mount {mount_name} requires an absolute host_path"))
        if mount_name not in known_mounts:
            warnings.append(_issue("UNKNOWN_MOUNT", f"Mount {mount_name} is not defined in the manifest"))
    if "priority" in configuration and (
        isinstance(configuration["priority"], bool)
        or not isinstance(configuration["priority"], int)
        or configuration["priority"] < 1
    ):
        errors.append(_issue("INVALID_PRIORITY", "'priority' must be a positive integer"))
    settings = configuration.get("settings", {})
    if not isinstance(settings, dict):
        errors.append(_issue("INVALID_CONFIGURATION", "'settings' must be an object"))
        settings = {}
    known_settings = _names(interface.get("settings"))
    for setting in settings:
        if setting not in known_settings:
            warnings.append(_issue("UNKNOWN_SETTING", f"Setting {setting} is not defined in the manifest"))
    for setting in sorted(known_settings - set(settings)):
        warnings.append(_issue("MISSING_SETTING", f"Setting {setting} has no value"))
    workspaces = configuration.get("output_workspaces", {})
    outputs = workspaces.get("outputs", {}) if isinstance(workspaces, dict) else None
    if not isinstance(outputs, dict):
        errors.append(_issue("INVALID_CONFIGURATION", "'output_workspaces' must be an object"))
        outputs = {}
    known_outputs = _names(
        interface.get("outputs", {}).get("files") if isinstance(interface.get("outputs"), dict) else []
    )
    for output in outputs:
        if output not in known_outputs:
            warnings.append(_issue("UNKNOWN_OUTPUT", f"Output {output} is not a file output of the manifest"))
    return errors, warnings


def validate(manifest: Any, configuration: Any | None) -> dict[str, Any]:
    """The body of ``POST /v6/job-types/validation/``."""
    manifest = coerce_manifest(manifest)
    errors = manifest_errors(manifest)
    warnings: list[Issue] = []
    if not errors and configuration is not None:
        config_errors, warnings = configuration_issues(configuration, manifest)
        errors.extend(config_errors)
    return {"is_valid": not errors, "errors": errors, "warnings": warnings}


def job_data_problem(data: Any, manifest: dict[str, Any]) -> str | None:
    """Why ``data`` (Scale Data JSON) cannot feed a job of this manifest, or ``None``."""
    if not isinstance(data, dict):
        return "input must be a JSON object"
    files = data.get("files", {})
    values = data.get("json", {})
    if not isinstance(files, dict) or not isinstance(values, dict):
        return "'files' and 'json' must be objects"
    for name, ids in files.items():
        if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            return f"file input '{name}' must be a list of file ids"
    inputs = _interface(manifest).get("inputs", {})
    inputs = inputs if isinstance(inputs, dict) else {}
    for spec in inputs.get("files", []) or []:
        if spec.get("required", True) and not files.get(spec["name"]):
            return f"Required input '{spec['name']}' was not provided"
    for spec in inputs.get("json", []) or []:
        if spec.get("required", True) and spec["name"] not in values:
            return f"Required input '{spec['name']}' was not provided"
    return None
