"""Seeded data for the Scale simulator: 40 job types, 800 jobs, 100 ingests.

Each seeded job is given a *target* status at the simulator's epoch and a plan of
executions built around that instant, so at start the statuses follow the mix
below and, as the clock moves, queued jobs start, running ones finish (sometimes
failing and retrying), pending ones get queued and transferring ingests arrive.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from adapters.timeparse import truncate_ms
from simulators.kit import Seeded
from simulators.scale.store import (
    BLOCKED,
    CANCELED,
    COMPLETED,
    FAILED,
    PENDING,
    QUEUED,
    RUNNING,
    Execution,
    SimError,
    SimIngest,
    SimJob,
    SimJobType,
    SimRevision,
    Store,
)

JOB_TYPE_COUNT = 40
JOB_COUNT = 800
INGEST_COUNT = 100

_USER_TYPES: tuple[tuple[str, str, str], ...] = (
    ("landsat8-calibrate", "Landsat 8 Calibration", "Radiometric calibration of Landsat 8 OLI scenes"),
    ("sentinel2-l1c-parse", "Sentinel-2 L1C Parser", "Extracts metadata and footprints from Sentinel-2 L1C products"),
    ("modis-cloud-mask", "MODIS Cloud Mask", "Builds a per-pixel cloud mask from MODIS granules"),
    ("ndvi-compute", "NDVI", "Computes the normalized difference vegetation index"),
    ("sar-geocode", "SAR Geocoder", "Terrain-corrects and geocodes SAR imagery"),
    ("tile-generator", "Tile Generator", "Cuts imagery into web map tiles"),
    ("vector-extract", "Vector Extractor", "Extracts vector features from classified rasters"),
    ("metadata-harvest", "Metadata Harvester", "Harvests ISO 19115 metadata into the catalog"),
    ("thumbnail-render", "Thumbnail Renderer", "Renders browse images and thumbnails"),
    ("ship-detect", "Ship Detection", "Detects vessels in SAR and EO imagery"),
    ("change-detect", "Change Detection", "Finds changes between two co-registered scenes"),
    ("orthorectify", "Orthorectification", "Orthorectifies imagery with a DEM"),
    ("pansharpen", "Pan-sharpening", "Fuses panchromatic and multispectral bands"),
    ("mosaic-builder", "Mosaic Builder", "Builds seamless mosaics from overlapping scenes"),
    ("atmos-correct", "Atmospheric Correction", "Converts top-of-atmosphere to surface reflectance"),
    ("gdal-translate", "GDAL Translate", "Converts rasters between formats"),
    ("image-chip", "Image Chipper", "Cuts fixed-size chips around points of interest"),
    ("object-count", "Object Counter", "Counts objects detected in imagery"),
    ("kml-export", "KML Export", "Exports footprints and detections as KML"),
    ("geojson-validate", "GeoJSON Validator", "Validates GeoJSON products against the schema"),
    ("weather-grib-parse", "GRIB Parser", "Parses GRIB2 weather model output"),
    ("dem-fill", "DEM Void Fill", "Fills voids in digital elevation models"),
)

_SYSTEM_TYPES: tuple[tuple[str, str, str, list[dict[str, Any]]], ...] = (
    (
        "scale-ingest",
        "Scale Ingest",
        "Ingests a source file into a workspace",
        [
            {"name": "ingest_id", "type": "integer", "required": True},
            {"name": "workspace", "type": "string", "required": True},
            {"name": "new_workspace", "type": "string", "required": False},
        ],
    ),
    (
        "scale-strike",
        "Scale Strike",
        "Monitors a directory for incoming files to ingest",
        [
            {"name": "STRIKE_ID", "type": "integer", "required": True},
        ],
    ),
    (
        "scale-scan",
        "Scale Scan",
        "Scans a workspace for existing files to ingest",
        [
            {"name": "SCAN_ID", "type": "integer", "required": True},
            {"name": "DRY_RUN", "type": "boolean", "required": False},
        ],
    ),
    (
        "scale-delete-files",
        "Scale Delete Files",
        "Deletes files from a workspace",
        [
            {"name": "job_id", "type": "integer", "required": True},
            {"name": "files", "type": "array", "required": True},
        ],
    ),
    ("scale-clock", "Scale Clock", "Runs periodic system tasks", []),
)

_ERRORS: tuple[tuple[str, str, str, str, bool, str | None], ...] = (
    ("unknown", "Unknown", "The error that caused the failure is unknown.", "SYSTEM", True, None),
    ("database", "Database Error", "The database could not be reached.", "SYSTEM", True, None),
    ("node-lost", "Node Lost", "The node running the job was lost.", "SYSTEM", True, None),
    ("docker-task-launch", "Docker Task Launch", "The Docker task failed to launch.", "SYSTEM", True, None),
    ("timeout", "Timeout", "The job exceeded its timeout.", "SYSTEM", False, None),
    ("bad-input", "Invalid Input Data", "The input data could not be read.", "DATA", False, None),
    ("algorithm-unknown", "Algorithm Error", "The algorithm exited with an error.", "ALGORITHM", False, None),
    ("ingest-file-missing", "File Missing", "The file to ingest was not found.", "DATA", False, "scale-ingest"),
)

FILES: tuple[tuple[str, str, str, list[str]], ...] = (
    ("LC08_L1TP_{a:03d}{b:03d}_20261101_20261101_01_T1.tif", "image/tiff", "landsat", ["landsat", "l8"]),
    ("S2B_MSIL1C_20261101T10{a:02d}{b:02d}_N0208_R008_T31UFS.zip", "application/zip", "sentinel", ["sentinel2"]),
    ("sar_20261101T10{a:02d}{b:02d}_vv.h5", "application/x-hdf5", "sar", ["sar", "vv"]),
    ("gfs_20261101_{a:02d}{b:02d}.grib2", "application/octet-stream", "weather", ["weather", "gfs"]),
)

_STATUS_MIX = {COMPLETED: 48, FAILED: 12, CANCELED: 7, RUNNING: 9, QUEUED: 11, PENDING: 7, BLOCKED: 6}
_INGEST_MIX = {
    "INGESTED": 45,
    "ERRORED": 8,
    "DUPLICATE": 6,
    "DEFERRED": 6,
    "TRANSFERRING": 8,
    "TRANSFERRED": 7,
    "QUEUED": 10,
    "INGESTING": 10,
}
_INGEST_JOB_TARGET = {
    "INGESTED": COMPLETED,
    "DUPLICATE": COMPLETED,
    "ERRORED": FAILED,
    "QUEUED": QUEUED,
    "INGESTING": RUNNING,
}


def _s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def seed_store(seed: int, epoch: datetime) -> Store:
    seeded = Seeded(seed, "scale")
    store = Store(seed=seed, epoch=epoch)
    store.tokens = {seeded.hex(40): True, seeded.hex(40): False}
    store.errors = [
        SimError(i + 1, name, title, desc, cat, retry, jt_name, True, truncate_ms(epoch - _s(400 * 86400)))
        for i, (name, title, desc, cat, retry, jt_name) in enumerate(_ERRORS)
    ]
    store.nodes = [
        {"id": i + 1, "hostname": f"ip-10-0-{seeded.rng.randint(1, 9)}-{seeded.rng.randint(10, 250)}.ec2.internal"}
        for i in range(6)
    ]
    store.strikes = [
        {"id": 1, "name": "landsat-strike", "title": "Landsat Strike", "description": "Landsat landing zone"},
        {"id": 2, "name": "sentinel-strike", "title": "Sentinel Strike", "description": "Sentinel landing zone"},
        {"id": 3, "name": "weather-strike", "title": "Weather Strike", "description": "Weather model drops"},
    ]
    _Builder(store, seeded.rng, epoch).build()
    return store


@dataclass
class _Planned:
    job: SimJob
    target: str


class _Builder:
    def __init__(self, store: Store, rng: random.Random, epoch: datetime) -> None:
        self.store = store
        self.rng = rng
        self.t0 = epoch
        self.planned: list[_Planned] = []

    # --- job types ---------------------------------------------------------------------

    def build(self) -> None:
        self._job_types()
        ingests = self._ingests()
        self._system_jobs()
        self._user_jobs(JOB_COUNT - len(self.planned))
        self._number(ingests)
        self._link_files()
        self._supersede()
        self._pause_and_deprecate()

    def _job_types(self) -> None:
        rng = self.rng
        for name, title, description, json_inputs in _SYSTEM_TYPES:
            self._add_type(name, "1.0.0", title, description, [], json_inputs, system=True, revisions=1)
        names = list(_USER_TYPES)
        rng.shuffle(names)
        remaining = JOB_TYPE_COUNT - len(_SYSTEM_TYPES)
        for index, (name, title, description) in enumerate(names):
            left_names = len(names) - index - 1
            count = min(remaining - left_names, rng.choices((1, 2, 3), (6, 3, 1))[0]) if left_names else remaining
            count = max(1, min(count, remaining))
            for v in range(count):
                version = ("1.0.0", "1.1.0", "2.0.0")[v]
                files = [{"name": "INPUT_FILE", "mediaTypes": ["image/tiff"], "required": True}]
                json_inputs = [{"name": "THRESHOLD", "type": "number", "required": False}]
                jt = self._add_type(
                    name, version, title, description, files, json_inputs, system=False, revisions=rng.randint(1, 4)
                )
                jt.is_active = v == count - 1 or rng.random() < 0.5
            remaining -= count
            if remaining == 0:
                break

    def _add_type(
        self,
        name: str,
        version: str,
        title: str,
        description: str,
        files: list[dict[str, Any]],
        json_inputs: list[dict[str, Any]],
        *,
        system: bool,
        revisions: int,
    ) -> SimJobType:
        store, rng = self.store, self.rng
        created = truncate_ms(self.t0 - _s(rng.uniform(60, 400) * 86400))
        manifest = build_manifest(name, version, title, description, files, json_inputs, system=system)
        docker = f"{name}-{version}-seed:{version}"
        jt = SimJobType(
            id=store.next_job_type_id,
            name=name,
            version=version,
            title=title,
            description=description,
            icon_code=rng.choice(("f013", "f1c5", "f0ac", "f1b2", "f085")),
            is_published=not system and rng.random() < 0.4,
            is_active=True,
            is_paused=False,
            is_system=system,
            max_scheduled=None if system else rng.choice((None, 1, 5, 10)),
            max_tries=1 if name in ("scale-strike", "scale-clock") else rng.choice((3, 3, 3, 1, 5)),
            docker_image=docker,
            manifest=manifest,
            configuration=default_configuration(manifest),
            created=created,
            last_modified=created,
            unmet_resources=None,
        )
        store.next_job_type_id += 1
        moment = created
        for num in range(1, revisions + 1):
            jt.revisions.append(SimRevision(store.next_revision_id, num, docker, manifest, moment))
            store.next_revision_id += 1
            jt.last_modified = moment
            moment = truncate_ms(moment + _s(rng.uniform(1, 20) * 86400))
        store.job_types.append(jt)
        return jt

    def _type(self, name: str) -> SimJobType:
        return next(jt for jt in self.store.job_types if jt.name == name)

    # --- jobs --------------------------------------------------------------------------

    def _new_job(self, job_type: SimJobType, data: dict[str, Any]) -> SimJob:
        job = SimJob(
            id=0,
            job_type=job_type,
            revision_num=job_type.revision_num,
            created=self.t0,
            input={"version": "7", "files": {}, "json": data},
            configuration={**job_type.configuration, "priority": self.rng.choice((100, 100, 50, 200))},
            max_tries=job_type.max_tries,
        )
        return job

    def _system_jobs(self) -> None:
        rng = self.rng
        for strike in self.store.strikes:
            job = self._new_job(self._type("scale-strike"), {"STRIKE_ID": strike["id"]})
            self._plan_forever(job)
            job.event = {"type": "USER"}
        job = self._new_job(self._type("scale-clock"), {})
        self._plan_forever(job)
        job.event = {"type": "USER"}
        for scan_id in (1, 2):
            job = self._new_job(self._type("scale-scan"), {"SCAN_ID": scan_id, "DRY_RUN": scan_id == 1})
            self._plan(job, COMPLETED)
            job.event = {"type": "USER"}
        for _ in range(10):
            target = rng.choices((COMPLETED, FAILED, RUNNING, QUEUED), (7, 1, 1, 1))[0]
            job = self._new_job(self._type("scale-delete-files"), {"job_id": rng.randint(1, 9999), "files": []})
            self._plan(job, target)
            job.event = {"type": "USER"}

    def _user_jobs(self, count: int) -> None:
        rng = self.rng
        users = [jt for jt in self.store.job_types if not jt.is_system]
        active = [jt for jt in users if jt.is_active]
        statuses = list(_STATUS_MIX)
        weights = list(_STATUS_MIX.values())
        for _ in range(count):
            target = rng.choices(statuses, weights)[0]
            final = target in (COMPLETED, FAILED, CANCELED)
            job_type = rng.choice(users if final else active)
            data: dict[str, Any] = {}
            if rng.random() < 0.4:
                data["THRESHOLD"] = round(rng.uniform(0, 1), 2)
            job = self._new_job(job_type, data)
            file_id = rng.randint(90000, 99999)
            job.input["files"] = {"INPUT_FILE": [file_id]}
            job.input_file_ids = [file_id]
            job.input_file_names = {"INPUT_FILE": [f"file_{file_id}.tif"]}
            job.input_file_size = round(rng.uniform(1, 900), 2)
            if target == BLOCKED or rng.random() < 0.2:
                recipe_id = rng.randint(300, 900)
                job.recipe = {
                    "id": recipe_id,
                    "recipe_type": {
                        "id": rng.randint(1, 6),
                        "name": f"{job_type.name}-recipe",
                        "title": f"{job_type.title} Recipe",
                        "description": f"Runs {job_type.title}",
                        "revision_num": 1,
                    },
                    "recipe_type_rev": {"id": rng.randint(1, 12)},
                    "event": {"id": 0},
                }
            if rng.random() < 0.05:
                job.batch = {"id": rng.randint(1, 30), "title": "Reprocess", "description": "Bulk reprocessing"}
            job.event = {"type": "PARSE" if rng.random() < 0.6 else "USER"}
            self._plan(job, target)

    def _plan_forever(self, job: SimJob) -> None:
        """Strike and clock jobs run until someone stops them."""
        rng = self.rng
        start = truncate_ms(self.t0 - _s(rng.uniform(1, 10) * 86400))
        job.created = truncate_ms(start - _s(rng.uniform(5, 30)))
        self._exe(job, 1, job.created, start, truncate_ms(self.t0 + _s(365 * 86400)), None)
        self.planned.append(_Planned(job, RUNNING))

    def _exe(
        self, job: SimJob, num: int, queued: datetime, start: datetime, end: datetime, error: SimError | None
    ) -> Execution:
        exe = self.store.new_execution(
            job, num, truncate_ms(queued), truncate_ms(start), truncate_ms(end), error, self.rng
        )
        job.executions.append(exe)
        return exe

    def _error(self, *, retryable: bool | None = None) -> SimError:
        pool = [e for e in self.store.errors if retryable is None or e.should_be_retried == retryable]
        return self.rng.choice(pool)

    def _chain(self, job: SimJob, queued: datetime, failures: list[SimError | None]) -> datetime:
        """Executions back to back from ``queued``, one per entry (``None`` = success); returns the last end."""
        rng = self.rng
        for num, error in enumerate(failures, start=len(job.executions) + 1):
            start = queued + _s(rng.uniform(2, 60))
            end = start + _s(rng.uniform(20, 600))
            self._exe(job, num, queued, start, end, error)
            queued = end
        return queued

    def _future(self, job: SimJob, queued: datetime, start: datetime, end: datetime) -> None:
        """The execution in flight at the epoch, and the retries a retryable failure would bring."""
        rng = self.rng
        num = len(job.executions) + 1
        error = self._error() if rng.random() < 0.2 else None
        self._exe(job, num, queued, start, end, error)
        while error is not None and error.should_be_retried and num < job.max_tries:
            num += 1
            queued = end
            start = queued + _s(rng.uniform(3, 25))
            end = start + _s(rng.uniform(10, 60))
            error = self._error() if rng.random() < 0.2 else None
            self._exe(job, num, queued, start, end, error)

    def _plan(self, job: SimJob, target: str) -> None:
        rng, t0 = self.rng, self.t0
        job.created = truncate_ms(t0 - _s(rng.uniform(3600, 7 * 86400)))
        first = job.created + _s(rng.uniform(1, 60))
        if target == COMPLETED:
            prior = [self._error(retryable=True)] if rng.random() < 0.2 and job.max_tries > 1 else []
            self._chain(job, first, [*prior, None])
        elif target == FAILED:
            if rng.random() < 0.6 or job.max_tries == 1:
                self._chain(job, first, [self._error(retryable=False)])
            else:
                self._chain(job, first, [self._error(retryable=True) for _ in range(job.max_tries)])
        elif target == CANCELED:
            self._plan_canceled(job, first)
        elif target == RUNNING:
            start = t0 - _s(rng.uniform(1, 240))
            queued = start - _s(rng.uniform(2, 30))
            job.created = truncate_ms(queued - _s(rng.uniform(1, 3 * 3600)))
            self._future(job, queued, start, t0 + _s(rng.uniform(5, 75)))
        elif target == QUEUED:
            queued = t0 - _s(rng.uniform(1, 300))
            job.created = truncate_ms(queued - _s(rng.uniform(1, 3600)))
            start = t0 + _s(rng.uniform(3, 50))
            self._future(job, queued, start, start + _s(rng.uniform(10, 90)))
        elif target == PENDING:
            job.created = truncate_ms(t0 - _s(rng.uniform(5, 3600)))
            if rng.random() < 0.5:
                queued = t0 + _s(rng.uniform(10, 240))
                start = queued + _s(rng.uniform(3, 30))
                self._future(job, queued, start, start + _s(rng.uniform(10, 90)))
        else:
            job.created = truncate_ms(t0 - _s(rng.uniform(60, 6 * 3600)))
            job.base_status = BLOCKED
        self.planned.append(_Planned(job, target))

    def _plan_canceled(self, job: SimJob, first: datetime) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.35:
            job.canceled_at = truncate_ms(job.created + _s(rng.uniform(30, 1200)))
            return
        start = first + _s(rng.uniform(2, 60))
        end = start + _s(rng.uniform(60, 600))
        exe = self._exe(job, 1, first, start, end, None)
        moment = first + (start - first) * rng.uniform(0.1, 0.9) if roll < 0.65 else start + (end - start) * 0.5
        exe.canceled_at = job.canceled_at = truncate_ms(moment)

    # --- ingests -----------------------------------------------------------------------

    def _ingests(self) -> list[SimIngest]:
        rng, t0 = self.rng, self.t0
        ingest_type = self._type("scale-ingest")
        statuses = [status for status, n in _INGEST_MIX.items() for _ in range(n)]
        rng.shuffle(statuses)
        ingests: list[SimIngest] = []
        for status in statuses[:INGEST_COUNT]:
            chosen = rng.choice(FILES)
            pattern, _, family, _ = chosen
            file_name = pattern.format(a=rng.randint(0, 99), b=rng.randint(0, 99))
            strike = self.store.strikes[("landsat", "sentinel", "weather").index(family)] if family != "sar" else None
            job = self._new_job(ingest_type, {"ingest_id": 0, "workspace": f"{family}-landing"})
            job.event = {"type": "STRIKE_TRANSFER" if strike else "SCAN_TRANSFER"}
            if status in _INGEST_JOB_TARGET:
                self._plan(job, _INGEST_JOB_TARGET[status])
                first = job.executions[0].queued
                transfer_started = job.created
                transfer_ended = truncate_ms(transfer_started + (first - transfer_started) * rng.uniform(0.3, 0.9))
            else:
                job.created = transfer_started = truncate_ms(
                    t0 - _s(rng.uniform(5, 60 if status == "TRANSFERRING" else 7200))
                )
                if status == "TRANSFERRING":
                    transfer_ended = truncate_ms(t0 + _s(rng.uniform(5, 60)))
                    queued = transfer_ended + _s(rng.uniform(1, 3))
                else:
                    transfer_ended = truncate_ms(transfer_started + _s(rng.uniform(1, 4)))
                    queued = t0 + _s(rng.uniform(5, 40))
                if status != "DEFERRED":
                    start = queued + _s(rng.uniform(3, 20))
                    self._future(job, queued, start, start + _s(rng.uniform(5, 40)))
                self.planned.append(_Planned(job, PENDING))
            kind = {"DEFERRED": "deferred", "DUPLICATE": "duplicate"}.get(status, "normal")
            ingests.append(make_ingest(rng, job, file_name, chosen, strike, kind, transfer_ended))
        return ingests

    # --- numbering and links -----------------------------------------------------------

    def _number(self, ingests: list[SimIngest]) -> None:
        """Ids grow with creation time, like database sequences."""
        store, rng = self.store, self.rng
        base = rng.randint(10_000, 60_000)
        for index, planned in enumerate(sorted(self.planned, key=lambda p: p.job.created)):
            planned.job.id = base + index
            store.jobs[planned.job.id] = planned.job
        store.next_job_id = base + len(self.planned)
        exes = sorted((exe for job in store.jobs.values() for exe in job.executions), key=lambda e: e.queued)
        for number, exe in enumerate(exes, start=rng.randint(100_000, 400_000)):
            exe.id = number
            exe.cluster_id = f"scale_job_{number}_{rng.randint(100, 999)}x{exe.exe_num - 1}"
        store.next_exe_id = (exes[-1].id + 1) if exes else 1
        ingest_base = rng.randint(1_000, 5_000)
        file_base = rng.randint(50_000, 80_000)
        for index, ingest in enumerate(sorted(ingests, key=lambda i: i.created)):
            ingest.id = ingest_base + index
            ingest.source_file_id = file_base + index
            ingest.job.input["json"]["ingest_id"] = ingest.id
            store.ingests[ingest.id] = ingest
        event_id = rng.randint(1_000, 9_000)
        for job in sorted(store.jobs.values(), key=lambda j: j.id):
            if job.event is not None:
                job.event = {"id": event_id, "type": job.event["type"], "occurred": job.created}
                event_id += 1
            if job.recipe is not None:
                job.recipe["event"] = {"id": event_id}

    def _link_files(self) -> None:
        """Some user jobs consume an ingested file: that is what ``/ingests/{id}/jobs/`` lists."""
        rng = self.rng
        users = sorted((j for j in self.store.jobs.values() if not j.job_type.is_system), key=lambda j: j.created)
        for ingest in self.store.ingests.values():
            ended = ingest.job.executions[-1].end if ingest.job.executions else None
            if ingest.kind != "normal" or ended is None or ended > self.t0 or rng.random() < 0.4:
                continue
            # Seeded user jobs read files 90000+ until linked to an ingest here.
            later = [j for j in users if j.created > ended and j.input_file_ids[0] >= 90000]
            for job in rng.sample(later, min(len(later), rng.randint(1, 2))):
                job.input["files"] = {"INPUT_FILE": [ingest.source_file_id]}
                job.input_file_ids = [ingest.source_file_id]
                job.input_file_names = {"INPUT_FILE": [ingest.file_name]}
                job.source = {
                    "source_started": ingest.data_started,
                    "source_ended": ingest.data_ended,
                    "source_sensor_class": ingest.data_type_tags[0],
                    "source_sensor": ingest.data_type_tags[-1].upper(),
                    "source_collection": ingest.workspace["name"],
                    "source_task": "ingest",
                }

    def _supersede(self) -> None:
        rng = self.rng
        jobs = sorted(self.store.jobs.values(), key=lambda j: j.id)
        finals = [p.job for p in self.planned if p.target in (COMPLETED, FAILED) and not p.job.job_type.is_system]
        for old in rng.sample(finals, min(10, len(finals))):
            newer = [j for j in jobs if j.job_type is old.job_type and j.id > old.id and j.superseded_job_id is None]
            if not newer or old.superseded_by_id is not None:
                continue
            new = newer[0]
            old.superseded_by_id, old.superseded = new.id, new.created
            new.superseded_job_id = old.id

    def _pause_and_deprecate(self) -> None:
        """Pause a few active user types and date deprecations after their last job, keeping history consistent."""
        rng, t0 = self.rng, self.t0
        for jt in self.store.job_types:
            jobs = list(self.store.jobs_of_type(jt))
            past = [e.start for j in jobs for e in j.executions if e.start <= t0] or [jt.last_modified]
            if not jt.is_active:
                latest = max(max(past), *(j.created for j in jobs)) if jobs else jt.last_modified
                jt.deprecated = truncate_ms(min(t0 - _s(1), latest + _s(rng.uniform(60, 3600))))
                jt.last_modified = max(jt.last_modified, jt.deprecated)
            elif not jt.is_system and rng.random() < 0.15:
                jt.is_paused = True
                jt.paused = truncate_ms(min(t0 - _s(1), max(past) + _s(0.001)))
                jt.last_modified = max(jt.last_modified, jt.paused)


def make_ingest(
    rng: random.Random,
    job: SimJob,
    file_name: str,
    file_kind: tuple[str, str, str, list[str]],
    strike: dict[str, Any] | None,
    kind: str,
    transfer_ended: datetime,
    ingest_id: int = 0,
    source_file_id: int = 0,
) -> SimIngest:
    """An ingest of ``file_name`` (one of ``FILES``) by ``job``, its transfer started when the job was created.

    Draws the file size and the data times; sets the job's input size. Seeding numbers
    ingests afterwards (ids 0); arrivals pass theirs.
    """
    _, media, family, tags = file_kind
    transfer_started = job.created
    day = transfer_started.strftime("%Y/%m/%d")
    file_size = rng.randint(2_000_000, 900_000_000)
    data_started = truncate_ms(transfer_started - _s(rng.uniform(600, 86400)))
    job.input_file_size = round(file_size / 1048576, 2)
    return SimIngest(
        id=ingest_id,
        file_name=file_name,
        kind=kind,
        strike=strike,
        scan=None if strike else {"id": 1, "name": "archive-scan", "title": "Archive Scan"},
        transfer_started=transfer_started,
        transfer_ended=transfer_ended,
        file_size=file_size,
        media_type=media,
        data_type_tags=list(tags),
        file_path=f"landing/{day}/{file_name}",
        workspace={"id": 1, "name": f"{family}-landing"},
        new_file_path=f"ingested/{day}/{file_name}",
        new_workspace={"id": 2, "name": "products"},
        job=job,
        source_file_id=source_file_id,
        data_started=data_started,
        data_ended=truncate_ms(data_started + _s(rng.uniform(10, 300))),
        created=transfer_started,
    )


# --- manifests and configurations (also used when a client creates a job type) ---------------


def build_manifest(
    name: str,
    version: str,
    title: str,
    description: str,
    files: list[dict[str, Any]],
    json_inputs: list[dict[str, Any]],
    *,
    system: bool = False,
) -> dict[str, Any]:
    interface: dict[str, Any] = {
        "command": " ".join(f"${{{i['name']}}}" for i in (*files, *json_inputs)) or "run",
        "inputs": {"files": files, "json": json_inputs},
        "outputs": {
            "files": [] if system else [{"name": "OUTPUT_FILE", "mediaType": "image/tiff", "pattern": "*.tif"}]
        },
        "mounts": [],
        "settings": [] if system else [{"name": "DB_HOST", "secret": False}, {"name": "API_KEY", "secret": True}],
    }
    return {
        "seedVersion": "1.0.0",
        "job": {
            "name": name,
            "jobVersion": version,
            "packageVersion": "1.0.0",
            "title": title,
            "description": description,
            "tags": name.split("-")[:2],
            "maintainer": {"name": "Scale Team", "email": "scale@example.com"},
            "timeout": 3600,
            "interface": interface,
            "resources": {"scalar": [{"name": "cpus", "value": 1.0}, {"name": "mem", "value": 1024.0}]},
            "errors": [],
        },
    }


def default_configuration(manifest: dict[str, Any]) -> dict[str, Any]:
    settings = manifest.get("job", {}).get("interface", {}).get("settings", [])
    return {
        "mounts": {},
        "output_workspaces": {"default": "products", "outputs": {}},
        "priority": 100,
        "settings": {s["name"]: ("secret-value" if s.get("secret") else "db.scale.local") for s in settings},
    }
