"""The example requests and responses of the Scale v6 job type page (the seed), as Python data.

Copied from the shared ``upstreams/scale-v6-job-types.txt`` seed page. The page's JSON is
not quite JSON (``"version": "1.0.0" "title"`` lacks a comma, ``"is_published", true``
has one too many, manifests are shown as ``{ ... }``); those are mended here and
nothing else is changed.
"""

from __future__ import annotations

from typing import Any

JOB_TYPE_NAMES: dict[str, Any] = {
    "count": 1,
    "next": None,
    "previous": None,
    "results": [
        {
            "name": "my-job",
            "title": "My Job",
            "description": "A simple job type",
            "icon_code": "f013",
            "versions": ["1.0.0"],
            "latest_version": "1.0.0",
        }
    ],
}

JOB_TYPE_LIST: dict[str, Any] = {
    "count": 2,
    "next": None,
    "previous": None,
    "results": [
        {
            "id": 3,
            "name": "my-job",
            "version": "1.0.0",
            "title": "My Job",
            "description": "A simple job type",
            "icon_code": "f013",
            "is_published": True,
            "is_active": True,
            "is_paused": False,
            "is_system": False,
            "max_scheduled": 1,
            "revision_num": 1,
            "docker_image": "my-job-1.0.0-seed:1.0.0",
            "created": "2015-03-11T00:00:00Z",
            "deprecated": None,
            "paused": None,
            "last_modified": "2015-03-11T00:00:00Z",
        }
    ],
}

JOB_TYPE_VERSIONS: dict[str, Any] = {
    "count": 2,
    "next": None,
    "previous": None,
    "results": [{**JOB_TYPE_LIST["results"][0], "unmet_resources": "chocolate,vanilla"}],
}

JOB_TYPE_DETAILS: dict[str, Any] = {
    "id": 3,
    "name": "my-job",
    "version": "1.0.0",
    "title": "My Job",
    "description": "A simple job type",
    "icon_code": "f013",
    "is_published": True,
    "is_active": True,
    "is_paused": False,
    "is_system": False,
    "max_scheduled": 1,
    "max_tries": 3,
    "revision_num": 1,
    "docker_image": "my-job-1.0.0-seed:1.0.0",
    "unmet_resources": "chocolate,vanilla",
    "manifest": {},
    "configuration": {},
    "recipe_types": [],
    "created": "2015-03-11T00:00:00Z",
    "deprecated": None,
    "paused": None,
    "last_modified": "2015-03-11T00:00:00Z",
}

_REVISION_JOB_TYPE: dict[str, Any] = {
    "name": "my-job",
    "version": "1.0.0",
    "title": "My first job",
    "description": "My very first job",
    "is_active": True,
    "is_paused": False,
    "is_published": False,
    "icon_code": "f013",
    "unmet_resources": "chocolate,vanilla",
}

JOB_TYPE_REVISIONS: dict[str, Any] = {
    "count": 1,
    "next": None,
    "previous": None,
    "results": [
        {
            "id": 3,
            "job_type": _REVISION_JOB_TYPE,
            "revision_num": 1,
            "docker_image": "my-job-1.0.0-seed:1.0.0",
            "created": "2015-03-11T00:00:00Z",
        }
    ],
}

JOB_TYPE_REVISION_DETAILS: dict[str, Any] = {
    "id": 3,
    "job_type": _REVISION_JOB_TYPE,
    "revision_num": 1,
    "docker_image": "my-job-1.0.0-seed:1.0.0",
    "manifest": "",
    "created": "2015-03-11T00:00:00Z",
}

SEED_MANIFEST: dict[str, Any] = {
    "seedVersion": "1.0.0",
    "job": {
        "jobVersion": "1.0.0",
        "packageVersion": "1.0.0",
        "name": "test",
        "title": "Job to demonstrate job type APIs",
        "description": "Reads input file and spit out specified number of bytes as output",
        "tags": ["sample", "job"],
        "timeout": 3600,
        "maintainer": {
            "email": "jdoe@example.com",
            "name": "John Doe",
            "organization": "E-corp",
            "phone": "666-555-4321",
            "url": "http://www.example.com",
        },
        "errors": [
            {
                "category": "data",
                "code": 1,
                "description": "There was a problem with input data",
                "title": "Data Issue discovered",
            },
            {
                "code": 2,
                "category": "job",
                "description": "Expected environment not provided",
                "title": "Missing environment",
            },
        ],
        "interface": {
            "command": "${INPUT_TEXT} ${INPUT_FILES} ${READ_LENGTH}",
            "inputs": {
                "files": [{"mediaTypes": ["text/plain"], "name": "INPUT_TEXT", "partial": True}],
                "json": [{"name": "READ_LENGTH", "type": "integer"}],
            },
            "mounts": [{"mode": "ro", "name": "MOUNT_PATH", "path": "/the/container/path"}],
            "outputs": {
                "files": [{"mediaType": "text/plain", "name": "OUTPUT_TEXT", "pattern": "output_text.txt"}],
                "json": [{"key": "TOTAL_INPUT", "name": "total_input", "type": "integer"}],
            },
            "settings": [{"name": "DB_HOST", "secret": False}, {"name": "DB_PASS", "secret": True}],
        },
        "resources": {
            "scalar": [
                {"name": "cpus", "value": 1.5},
                {"name": "mem", "value": 244},
                {"name": "sharedMem", "value": 1},
                {"inputMultiplier": 4, "name": "disk", "value": 11},
            ]
        },
    },
}

SEED_CONFIGURATION: dict[str, Any] = {
    "mounts": {"MOUNT_PATH": {"type": "host", "host_path": "/path/on/host"}},
    "output_workspaces": {"default": "workspace_1", "outputs": {"output_1": "workspace_2"}},
    "settings": {"DB_HOST": "som.host.name", "DB_PASS": "secret_password"},
}

CREATE_REQUEST: dict[str, Any] = {
    "icon_code": "f1c5",
    "max_scheduled": 1,
    "docker_image": "test-1.0.0-seed:1.0.0",
    "configuration": SEED_CONFIGURATION,
    "manifest": SEED_MANIFEST,
    "auto_update": True,
}

CREATE_RESPONSE: dict[str, Any] = {
    "id": 3,
    "name": "test",
    "version": "1.0.0",
    "title": "Job to demonstrate job type APIs",
    "description": "Reads input file and spit out specified number of bytes as output",
    "icon_code": "f1c5",
    "is_published": True,
    "is_active": True,
    "is_paused": False,
    "is_system": False,
    "max_scheduled": 1,
    "max_tries": 3,
    "revision_num": 1,
    "docker_image": "test-1.0.0-seed:1.0.0",
    "unmet_resources": "chocolate,vanilla",
    "manifest": {},
    "configuration": {},
    "created": "2015-03-11T00:00:00Z",
    "deprecated": None,
    "paused": None,
    "last_modified": "2015-03-11T00:00:00Z",
}

VALIDATE_REQUEST: dict[str, Any] = {"configuration": SEED_CONFIGURATION, "manifest": SEED_MANIFEST}

VALIDATION_RESPONSE: dict[str, Any] = {
    "is_valid": True,
    "errors": [],
    "warnings": [{"name": "EXAMPLE_WARNING", "description": "This is an example warning."}],
}

EDIT_REQUEST: dict[str, Any] = {
    "icon_code": "012F",
    "is_published": True,
    "is_active": True,
    "is_paused": False,
    "max_scheduled": 1,
    "configuration": SEED_CONFIGURATION,
}

_STATUS_JOB_TYPE: dict[str, Any] = {
    "id": 1,
    "name": "scale-ingest",
    "version": "1.0",
    "title": "Scale Ingest",
    "description": "Ingests a source file into a workspace",
    "is_active": True,
    "is_paused": False,
    "is_published": True,
    "icon_code": "f013",
    "unmet_resources": "chocolate,vanilla",
}

JOB_TYPE_STATUS: dict[str, Any] = {
    "count": 1,
    "next": None,
    "previous": None,
    "results": [
        {
            "job_type": _STATUS_JOB_TYPE,
            "job_counts": [
                {"status": "RUNNING", "count": 1, "most_recent": "2015-08-31T22:09:12.674Z", "category": None},
                {"status": "FAILED", "count": 2, "most_recent": "2015-08-31T19:28:30.799Z", "category": "SYSTEM"},
                {"status": "COMPLETED", "count": 57, "most_recent": "2015-08-31T21:51:40.900Z", "category": None},
            ],
        },
        {"job_type": {**_STATUS_JOB_TYPE, "id": 3, "name": "scale-clock", "title": "Scale Clock"}, "job_counts": []},
    ],
}

_CLOCK: dict[str, Any] = {**_STATUS_JOB_TYPE, "id": 3, "name": "scale-clock", "title": "Scale Clock", "description": ""}

JOB_TYPE_PENDING: dict[str, Any] = {
    "count": 1,
    "next": None,
    "previous": None,
    "results": [{"job_type": _CLOCK, "count": 1, "longest_pending": "2015-09-08T15:43:15.681Z"}],
}

JOB_TYPE_RUNNING: dict[str, Any] = {
    "count": 1,
    "next": None,
    "previous": None,
    "results": [{"job_type": _CLOCK, "count": 1, "longest_running": "2015-09-08T15:43:15.681Z"}],
}

JOB_TYPE_FAILURES: dict[str, Any] = {
    "count": 1,
    "next": None,
    "previous": None,
    "results": [
        {
            "job_type": _CLOCK,
            "error": {
                "id": 1,
                "name": "Unknown",
                "description": "The error that caused the failure is unknown.",
                "category": "SYSTEM",
                "is_builtin": True,
                "should_be_retried": True,
                "created": "2015-03-11T00:00:00Z",
                "last_modified": "2015-03-11T00:00:00Z",
            },
            "count": 38,
            "first_error": "2015-08-28T23:29:28.719Z",
            "last_error": "2015-09-08T16:27:42.243Z",
        }
    ],
}

# --- jobs and ingests, from the spec's example values (scale-v6-job / -ingest.openapi.yaml) ----------

JOB: dict[str, Any] = {
    "id": 1,
    "job_type": {
        "id": 1,
        "name": "my-job",
        "title": "My Job",
        "description": "My Job Description",
        "icon_code": "f186",
        "is_active": True,
        "is_paused": False,
        "is_published": True,
        "unmet_resources": "cpu",
    },
    "job_type_rev": {"id": 4, "job_type": {"id": 4}, "revision_num": 1},
    "status": "QUEUED",
    "is_superseded": False,
    "superseded_job": None,
    "node": None,
    "error": None,
    "num_exes": 1,
    "max_tries": 3,
    "input_file_size": 1.0,
    "source_started": "2015-09-10T15:24:53.503Z",
    "source_ended": "2015-09-10T15:24:53.503Z",
    "source_sensor_class": "classA",
    "source_sensor": "1",
    "source_collection": "12345",
    "source_task": "my-task",
    "created": "2015-09-10T15:24:53.503Z",
    "queued": "2015-09-10T15:24:53.987Z",
    "started": None,
    "ended": None,
    "last_status_change": "2015-09-10T15:24:53.987Z",
    "superseded": None,
    "last_modified": "2015-09-10T15:24:53.987Z",
}

INGEST: dict[str, Any] = {
    "id": 4,
    "file_name": "file_name.txt",
    "scan": None,
    "strike": {"id": 1, "name": "my-strike"},
    "status": "INGESTED",
    "bytes_transferred": 1234,
    "transfer_started": "2015-09-10T14:48:08.920Z",
    "transfer_ended": "2015-09-10T14:48:08.956Z",
    "media_type": "text/plain",
    "file_size": 1234,
    "data_type_tags": [],
    "file_path": "the/current/path/file_name.txt",
    "new_file_path": "the/new/path/file_name.txt",
    "job": {"id": 7},
    "ingest_started": "2015-09-10T15:24:53.503Z",
    "ingest_ended": "2015-09-10T15:24:53.987Z",
    "data_started": "2015-09-10T15:24:53.503Z",
    "data_ended": "2015-09-10T15:24:53.987Z",
    "created": "2015-09-10T15:24:53.503Z",
    "last_modified": "2015-09-10T15:24:53.987Z",
}


def page(*results: dict[str, Any], count: int | None = None, next_url: str | None = None) -> dict[str, Any]:
    return {
        "count": len(results) if count is None else count,
        "next": next_url,
        "previous": None,
        "results": list(results),
    }
