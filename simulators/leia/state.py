"""The Leia simulator's in-memory store: applications, tokens, models, documents, jobs, callbacks.

Job status is never stored: ``timeline(job)`` derives it from the job's facts
and its prerequisite's timeline, cached until the next mutation. Conditional
jobs spawn their children lazily: ``materialize(now)`` (run before every
request and every tick) creates them, dated when their parent finished, so
the result does not depend on when someone looks.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from adapters.timeparse import format_ms
from simulators.kit import Seeded, SimClock
from simulators.leia.conditions import matches
from simulators.leia.jobs import JobSpec, make_job
from simulators.leia.model import FINAL, SimApplication, SimDocument, SimJob, SimModel, Timeline, build_timeline

log = logging.getLogger("job_gateway.sim.leia")

CALLBACK_ATTEMPTS = 3


@dataclass
class Session:
    application_id: str
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class CallbackAttempt:
    job_id: str
    url: str
    status: str
    """The job status sent."""
    http_status: int | None
    error: str | None
    at: datetime


class LeiaState:
    def __init__(self, clock: SimClock, rng: Seeded, token_rng: Seeded) -> None:
        self.clock = clock
        self.rng = rng
        self._token_rng = token_rng
        self.applications: dict[str, SimApplication] = {}
        self.models: dict[str, SimModel] = {}
        self.documents: dict[str, SimDocument] = {}
        self.jobs: dict[str, SimJob] = {}
        self.tokens: dict[str, Session] = {}
        self.token_idle_s = 600.0
        """Sliding token expiry in simulated seconds; every authenticated call resets it."""
        self.default_limit = 50
        self.max_limit = 100
        self.callback_transport: httpx.AsyncBaseTransport | None = None
        """Tests may route callbacks through a mock transport."""
        self.callback_timeout_s = 5.0
        self.tick_interval_s = 0.2
        self.callback_log: list[CallbackAttempt] = []
        self._callback_attempts: dict[str, int] = {}
        self._in_flight: set[str] = set()
        self._pending_conditionals: set[str] = set()
        self._timelines: dict[str, Timeline] = {}

    # --- applications and tokens -------------------------------------------------------

    def add_application(self, app: SimApplication) -> None:
        self.applications[app.id] = app

    def application_by_key(self, api_key: str) -> SimApplication | None:
        return next((a for a in self.applications.values() if a.api_key == api_key), None)

    def login(self, app: SimApplication) -> str:
        token = self._token_rng.uuid()
        self.tokens[token] = Session(app.id, self.clock.now())
        return token

    def session(self, token: str | None) -> SimApplication | None:
        """The application behind a live token; a hit slides its expiry forward."""
        if not token or token not in self.tokens:
            return None
        session = self.tokens[token]
        now = self.clock.now()
        if now - session.last_seen > timedelta(seconds=self.token_idle_s):
            del self.tokens[token]
            return None
        session.last_seen = now
        return self.applications.get(session.application_id)

    def logout(self, token: str) -> None:
        self.tokens.pop(token, None)

    def expire_tokens(self) -> None:
        """Forget every token (tests: the next call must log in again)."""
        self.tokens.clear()

    # --- models and documents ------------------------------------------------------------

    def model_for(self, application_id: str, ref: str) -> SimModel | None:
        """A model the application may use, by id or short name."""
        for model in self.models.values():
            if ref in (model.id, model.short_name) and model.application_id in (None, application_id):
                return model
        return None

    # --- jobs ---------------------------------------------------------------------------

    def add_job(self, job: SimJob) -> SimJob:
        while job.id in self.jobs:  # a collision is all but impossible; keep ids unique anyway
            job.id = job.id[:8] + self.rng.hex(16)
        self.jobs[job.id] = job
        if job.rules is not None and not job.expanded:
            self._pending_conditionals.add(job.id)
        if job.callback_url:
            self._callback_attempts[job.id] = 0
        self._timelines.clear()
        return job

    def timeline(self, job: SimJob) -> Timeline:
        cached = self._timelines.get(job.id)
        if cached is None:
            cached = build_timeline(job, self._prerequisite)
            self._timelines[job.id] = cached
        return cached

    def _prerequisite(self, job_id: str) -> Timeline | None:
        job = self.jobs.get(job_id)
        return self.timeline(job) if job is not None else None

    def status(self, job: SimJob, now: datetime) -> str:
        return self.timeline(job).status_at(now)

    def cancel(self, job: SimJob, now: datetime) -> bool:
        """Mark CANCELED at ``now``; ``False`` if the job is already final."""
        if self.status(job, now) in FINAL:
            return False
        job.canceled_at = now
        self._timelines.clear()
        return True

    def release(self, job: SimJob, now: datetime) -> None:
        """``POST /job/{id}/start``: a BLOCKED job becomes eligible now; others are left alone."""
        if self.status(job, now) == "BLOCKED":
            job.released_at = now
            self._timelines.clear()

    def job_json(self, job: SimJob, now: datetime) -> dict[str, Any]:
        timeline = self.timeline(job)
        word = timeline.status_at(now)
        out: dict[str, Any] = {
            "id": job.id,
            "application_id": job.application_id,
            "submitter_id": job.application_id,
            "creation_time": format_ms(job.creation_time),
            "document_ids": list(job.document_ids),
            "job_type": job.job_type,
            "status": word,
        }
        for key in ("model_id", "execute_after_id", "parent_job_id", "callback_url", "page_range"):
            value = getattr(job, key)
            if value is not None:
                out[key] = value
        started = timeline.since("STARTING")
        if started is not None and started <= now:
            out["starting_time"] = format_ms(started)
        final = timeline.final_at(now)
        if final is not None:
            out["finished_time"] = format_ms(final[1])
        if word == "FAILED":
            out["reason"] = timeline.reason or "Job failed"
            out["http_code"] = timeline.http_code or 500
        if word == "PROCESSED" and job.result_type == "conditional":
            out["result"] = self._rule_results(job, now)
            out["result_type"] = job.result_type
        elif word == "PROCESSED" and job.result_type is not None and final is not None:
            out["result"] = _dated_result(job.result, format_ms(final[1]))
            out["result_type"] = job.result_type
        return out

    # --- conditional children ------------------------------------------------------------

    def materialize(self, now: datetime) -> None:
        """Create the children of conditional jobs that have finished by ``now``."""
        for job_id in sorted(self._pending_conditionals):
            job = self.jobs[job_id]
            final = self.timeline(job).final_at(now)
            if final is None:
                continue
            self._pending_conditionals.discard(job_id)
            job.expanded = True
            if final[0] == "PROCESSED":
                self._run_rules(job, final[1])

    def _run_rules(self, parent: SimJob, at: datetime) -> None:
        """Spawn the jobs of the matching rules; the conditional job ends when they have, with their results.

        Its ``result`` (``result_type`` ``conditional``) maps each matching rule id to the results of
        the jobs it ran, in order; a rule job that fails or is canceled fails the conditional job.
        """
        parent.rule_jobs = self._spawn_children(parent, at)
        parent.result_type = "conditional"
        children = [self.jobs[i] for ids in parent.rule_jobs.values() for i in ids]
        ends = [(child, self.timeline(child).final) for child in children]
        parent.held_until = max((end[1] for _, end in ends if end is not None), default=at)
        failed = next(((child, end[0]) for child, end in ends if end is not None and end[0] != "PROCESSED"), None)
        if failed is not None:
            parent.outcome = "FAILED"
            parent.failure = (400, f"Job {failed[0].id} of a matching rule is {failed[1]}")
        self._timelines.clear()

    def _rule_results(self, parent: SimJob, now: datetime) -> dict[str, list[Any]]:
        return {
            rule: [self.job_json(self.jobs[i], now).get("result") for i in ids]
            for rule, ids in parent.rule_jobs.items()
        }

    def _spawn_children(self, parent: SimJob, at: datetime) -> dict[str, list[str]]:
        assert parent.execute_after_id is not None and parent.rules is not None
        before = self.jobs[parent.execute_after_id]
        spawned: dict[str, list[str]] = {}
        for rule_id, rule in parent.rules.items():
            if not matches(rule.get("conditions") or {}, before.result):
                continue
            previous: SimJob | None = None
            ids: list[str] = []
            for spec in rule["jobs"]:
                child = self._child(parent, spec, previous or before, at)
                if child is None:
                    break
                child.execute_after_id = previous.id if previous else None
                previous = self.add_job(child)
                ids.append(child.id)
            spawned[str(rule_id)] = ids
        return spawned

    def _child(self, parent: SimJob, spec: dict[str, Any], previous: SimJob, at: datetime) -> SimJob | None:
        app_id = parent.application_id
        doc_ids = spec.get("document_ids") or previous.document_ids
        documents = [self.documents[d] for d in doc_ids if d in self.documents]
        if spec.get("job_type") == "apply_model":
            model = self.model_for(app_id, str(spec.get("model_id")))
            if model is None:
                return None
            job_spec = JobSpec(app_id, documents, "predict", model=model, format_type=spec.get("format_type"))
        else:
            job_spec = JobSpec(app_id, documents, "transform", output_type=spec.get("output_type"))
        child = make_job(self.rng, job_spec, at)
        child.document_ids = list(doc_ids)
        child.parent_job_id = parent.id
        child.page_range = spec.get("page_range")
        return child

    # --- callbacks ------------------------------------------------------------------------

    async def tick(self) -> int:
        """Deliver the callbacks of jobs that became final; returns how many were acknowledged."""
        now = self.clock.now()
        self.materialize(now)
        due = [
            self.jobs[job_id]
            for job_id in sorted(self._callback_attempts)
            if job_id not in self._in_flight and self.timeline(self.jobs[job_id]).final_at(now) is not None
        ]
        if not due:
            return 0
        self._in_flight.update(job.id for job in due)
        try:
            async with httpx.AsyncClient(transport=self.callback_transport, timeout=self.callback_timeout_s) as client:
                outcomes = await asyncio.gather(*(self._deliver(client, job, now) for job in due))
        finally:
            self._in_flight.difference_update(job.id for job in due)
        return sum(outcomes)

    async def _deliver(self, client: httpx.AsyncClient, job: SimJob, now: datetime) -> bool:
        assert job.callback_url is not None
        payload = self.job_json(job, now)
        http_status: int | None = None
        error: str | None = None
        try:
            response = await client.post(job.callback_url, json=payload, headers=job.callback_headers)
            http_status = response.status_code
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        ok = http_status in (200, 204)
        self.callback_log.append(CallbackAttempt(job.id, job.callback_url, payload["status"], http_status, error, now))
        attempts = self._callback_attempts.get(job.id, 0) + 1
        if ok or attempts >= CALLBACK_ATTEMPTS:
            self._callback_attempts.pop(job.id, None)
        else:
            self._callback_attempts[job.id] = attempts
        return ok

    async def run_callbacks(self) -> None:
        """The background loop the app's lifespan runs."""
        while True:
            try:
                await self.tick()
            except Exception:  # the loop must survive one bad tick
                log.exception("leia simulator callback tick failed")
            await asyncio.sleep(self.tick_interval_s)


def _dated_result(result: Any, finished: str) -> Any:
    """Result documents are created when the job finishes; fill in that time."""
    result = copy.deepcopy(result)
    docs = result if isinstance(result, list) else [result]
    for doc in docs:
        if isinstance(doc, dict) and "original_id" in doc:
            doc.setdefault("creation_time", finished)
    return result
