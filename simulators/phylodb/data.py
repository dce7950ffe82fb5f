"""The phyloDB simulator's in-memory world: users, projects, datasets, inferences, visualizations, jobs.

Nothing here speaks HTTP (``app.py`` does). Job state is never stored as
a word: it is derived from the submit time, the simulated duration and the
cancel time against the clock, so a frozen clock gives the same answers and
``clock.advance`` moves jobs on. A result resource (inference or
visualization) made by a job becomes visible when that job succeeds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from simulators.kit import Seeded, SimClock

ANALYSES: dict[str, str] = {"inference": "goeburst", "visualization": "radial"}
"""Each analysis and the one algorithm phyloDB's enums accept for it."""

JOB_COUNTS = (50, 40, 30)
"""Seeded jobs per project: 120 in all."""


@dataclass(frozen=True, slots=True)
class User:
    email: str
    provider: str


@dataclass
class Project:
    id: str
    name: str
    visibility: str
    description: str
    users: tuple[User, ...]
    version: int = 1

    def allows(self, user: User) -> bool:
        """phyloDB's rule for ALGORITHMS activities: a member (same provider) or a public project."""
        return self.visibility == "public" or user in self.users


@dataclass
class Dataset:
    id: str
    project_id: str
    description: str
    profiles: tuple[str, ...]
    loci: int = 7
    version: int = 1


@dataclass
class Job:
    id: str
    project_id: str
    analysis: str
    algorithm: str
    parameters: tuple[Any, ...]
    analysis_id: str
    submitted_at: datetime
    duration_s: float
    fails: bool
    cancelled_at: datetime | None = None

    @property
    def finishes_at(self) -> datetime:
        return self.submitted_at + timedelta(seconds=self.duration_s)

    @property
    def dataset_id(self) -> str:
        return str(self.parameters[0])

    def is_cancelled(self, now: datetime) -> bool:
        return self.cancelled_at is not None and self.cancelled_at <= now

    def is_completed(self, now: datetime) -> bool:
        # A cancelled java Future reports isDone() == true, so APOC lists it as done too.
        return self.is_cancelled(now) or now >= self.finishes_at

    def succeeded(self, now: datetime) -> bool:
        return self.is_completed(now) and not self.is_cancelled(now) and not self.fails

    def as_json(self, now: datetime) -> dict[str, Any]:
        return {"id": self.id, "completed": self.is_completed(now), "cancelled": self.is_cancelled(now)}

    def sort_key(self) -> tuple[int, str]:
        # phyloDB orders jobs by the APOC job name "<project>-<job>": length, then lexicographic.
        name = f"{self.project_id}-{self.id}"
        return len(name), name


@dataclass
class Inference:
    id: str
    project_id: str
    dataset_id: str
    tree: str
    job: Job | None = None
    algorithm: str = "goeburst"
    deprecated: bool = False

    def visible(self, now: datetime) -> bool:
        return self.job is None or self.job.succeeded(now)


@dataclass
class Visualization:
    id: str
    project_id: str
    dataset_id: str
    inference_id: str
    coordinates: tuple[dict[str, Any], ...]
    job: Job | None = None
    algorithm: str = "radial"
    deprecated: bool = False

    def visible(self, now: datetime) -> bool:
        return self.job is None or self.job.succeeded(now)


@dataclass
class SimState:
    """Everything the simulator knows; tests may read and change it directly."""

    clock: SimClock
    page_size: int
    ids: Seeded
    tokens: dict[str, User] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    datasets: dict[tuple[str, str], Dataset] = field(default_factory=dict)
    inferences: dict[tuple[str, str], Inference] = field(default_factory=dict)
    visualizations: dict[tuple[str, str], Visualization] = field(default_factory=dict)
    jobs: dict[tuple[str, str], Job] = field(default_factory=dict)
    main_token: str = ""
    """Member of the two private projects and reader of the public one (the gateway's token)."""
    outsider_token: str = ""
    """A valid Google token whose user is a member of no project: sees only the public one."""
    phyloviz_token: str = ""
    """A Keycloak token for ``provider=phyloviz``; member of the second project."""

    def now(self) -> datetime:
        return self.clock.now()

    def jobs_in(self, project_id: str) -> list[Job]:
        return sorted((j for (p, _), j in self.jobs.items() if p == project_id), key=Job.sort_key)

    def datasets_in(self, project_id: str) -> list[Dataset]:
        return [d for (p, _), d in self.datasets.items() if p == project_id]

    def inference(self, project_id: str, dataset_id: str, inference_id: str) -> Inference | None:
        found = self.inferences.get((project_id, inference_id))
        if found is None or found.dataset_id != dataset_id or not found.visible(self.now()):
            return None
        return found

    def visualization(self, project_id: str, dataset_id: str, inference_id: str, vis_id: str) -> Visualization | None:
        found = self.visualizations.get((project_id, vis_id))
        if found is None or (found.dataset_id, found.inference_id) != (dataset_id, inference_id):
            return None
        return found if found.visible(self.now()) else None

    def can_start(self, project_id: str, analysis: str, parameters: tuple[Any, ...]) -> bool:
        """phyloDB's semantic check before a job starts (its failure is a 401 ``unauthorized``)."""
        dataset = self.datasets.get((project_id, str(parameters[0])))
        if dataset is None:
            return False
        if analysis == "inference":
            return len(dataset.profiles) >= 2
        return self.inference(project_id, dataset.id, str(parameters[1])) is not None

    def submit(
        self, project_id: str, analysis: str, parameters: tuple[Any, ...], at: datetime, ids: Seeded | None = None
    ) -> Job:
        """Start a job (callers have run ``can_start``) and register the result it will produce.

        ``ids`` is the random stream for its ids and draws (default: the simulator's own).
        """
        ids = ids or self.ids
        dataset = self.datasets[(project_id, str(parameters[0]))]
        fails = analysis == "inference" and int(parameters[1]) > dataset.loci
        job = Job(
            id=ids.uuid(),
            project_id=project_id,
            analysis=analysis,
            algorithm=ANALYSES[analysis],
            parameters=parameters,
            analysis_id=ids.uuid(),
            submitted_at=at,
            duration_s=_duration(ids, analysis, dataset),
            fails=fails,
        )
        self.jobs[(project_id, job.id)] = job
        if analysis == "inference":
            tree = _newick(ids, dataset.profiles)
            self.inferences[(project_id, job.analysis_id)] = Inference(
                job.analysis_id, project_id, dataset.id, tree, job
            )
        else:
            coords = _radial(dataset.profiles)
            vis = Visualization(job.analysis_id, project_id, dataset.id, str(parameters[1]), coords, job)
            self.visualizations[(project_id, job.analysis_id)] = vis
        return job

    def cancel(self, project_id: str, job_id: str) -> bool:
        """APOC's cancel: stops a running job; a finished or cancelled one is left as it is."""
        job = self.jobs.get((project_id, job_id))
        if job is None:
            return False
        now = self.now()
        if not job.is_completed(now):
            job.cancelled_at = now
        return True


def _duration(ids: Seeded, analysis: str, dataset: Dataset) -> float:
    if analysis == "inference":
        return round(15 + 0.2 * len(dataset.profiles) + ids.rng.uniform(0, 15), 1)
    return round(8 + ids.rng.uniform(0, 12), 1)


def _newick(ids: Seeded, profiles: tuple[str, ...]) -> str:
    # A caterpillar tree is enough: clients only need a well-formed Newick string.
    tree = profiles[0]
    for profile in profiles[1:]:
        tree = f"({tree}:{ids.rng.randint(1, 3)},{profile}:{ids.rng.randint(1, 3)})"
    return tree + ";"


def _radial(profiles: tuple[str, ...]) -> tuple[dict[str, Any], ...]:
    step = 2 * math.pi / max(1, len(profiles))
    return tuple(
        {
            "profile_id": p,
            "component": 0,
            "x": round(100 * math.cos(i * step), 3),
            "y": round(100 * math.sin(i * step), 3),
        }
        for i, p in enumerate(profiles)
    )


# --- seeding ----------------------------------------------------------------------------------

_PROJECTS = (
    ("S. aureus surveillance", "private", "MRSA typing across regional hospitals"),
    ("Campylobacter outbreak 2026", "private", "Outbreak investigation, poultry and clinical isolates"),
    ("Public MLST reference", "public", "Reference profiles shared with the community"),
)
_DATASET_NAMES = ("MLST 7 loci", "cgMLST subset", "Isolates batch")


def build_state(seed: int, clock: SimClock, page_size: int, epoch: datetime | None = None) -> SimState:
    """Seeded data: 3 projects, 7 datasets (one with a single profile), uploaded inferences, 120 jobs.

    Seeded job times are relative to ``epoch`` (default: the clock's now).
    """
    ids = Seeded(seed, "phylodb")
    state = SimState(clock=clock, page_size=page_size, ids=ids)
    main = User("ana.silva@example.org", "google")
    other = User("rui.costa@example.org", "google")
    keycloak = User("maria.santos@example.org", "phyloviz")
    state.main_token = "ya29.a0" + ids.alnum(120)
    state.outsider_token = "ya29.a0" + ids.alnum(120)
    state.phyloviz_token = "eyJhbGciOiJSUzI1NiJ9." + ids.alnum(90) + "." + ids.alnum(43)
    state.tokens = {state.main_token: main, state.outsider_token: other, state.phyloviz_token: keycloak}
    colleague = User("joao.pereira@example.org", "google")
    curator = User("curator@example.org", "google")
    members = ((main, colleague), (main, keycloak), (curator,))
    for (name, visibility, description), users in zip(_PROJECTS, members, strict=True):
        project = Project(ids.uuid(), name, visibility, description, users)
        state.projects[project.id] = project
    now = epoch or clock.now()
    for index, project in enumerate(state.projects.values()):
        _seed_datasets(state, project, tiny=index == 0)
        for _ in range(JOB_COUNTS[index]):
            _seed_job(state, project, now)
    return state


def _seed_datasets(state: SimState, project: Project, *, tiny: bool) -> None:
    ids = state.ids
    count = 3 if tiny else 2
    for n in range(count):
        size = 1 if tiny and n == count - 1 else ids.rng.randint(8, 120)
        first = ids.rng.randint(1, 5000)
        profiles = tuple(str(first + k) for k in range(size))
        dataset = Dataset(ids.uuid(), project.id, f"{_DATASET_NAMES[n]} ({project.name})", profiles)
        state.datasets[(project.id, dataset.id)] = dataset
        if size >= 2:
            for _ in range(ids.rng.randint(1, 2)):
                inference = Inference(ids.uuid(), project.id, dataset.id, _newick(ids, profiles))
                state.inferences[(project.id, inference.id)] = inference


def _seed_job(state: SimState, project: Project, now: datetime) -> None:
    rng = state.ids.rng
    usable = [d for d in state.datasets_in(project.id) if len(d.profiles) >= 2]
    dataset = rng.choice(usable)
    uploaded = [i for i in state.inferences.values() if i.dataset_id == dataset.id and i.job is None]
    roll = rng.random()
    params: tuple[Any, ...]
    if rng.random() < 0.6:
        analysis = "inference"
        failing = roll >= 0.28 and rng.random() < 0.12
        lvs = dataset.loci + rng.randint(1, 3) if failing else rng.randint(1, 3)
        params = (dataset.id, lvs)
    else:
        analysis = "visualization"
        params = (dataset.id, rng.choice(uploaded).id)
    job = state.submit(project.id, analysis, params, now)
    if roll < 0.18:  # running: ends within its duration (under a minute) from now
        job.submitted_at = now - timedelta(seconds=rng.uniform(0, 0.8 * job.duration_s))
    elif roll < 0.28:  # cancelled part way through
        job.submitted_at = now - timedelta(seconds=rng.uniform(job.duration_s + 60, 86_400))
        job.cancelled_at = job.submitted_at + timedelta(seconds=rng.uniform(0.1, 0.9) * job.duration_s)
    else:  # finished some time in the last three days
        job.submitted_at = now - timedelta(seconds=rng.uniform(job.duration_s + 60, 3 * 86_400))
