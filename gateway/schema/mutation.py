"""``Mutation``: submit, cancel and rerun jobs anywhere; Scale job-type management.

Relay style: each mutation takes one ``input`` and returns a payload with the
affected node and a list of typed errors for expected refusals. Unexpected
failures stay GraphQL errors with ``extensions.code``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Optional, Protocol

import strawberry
from strawberry.scalars import JSON

from adapters.base import JobTypeAdmin, JobTypeEdit, ValidationIssue
from adapters.errors import ErrorKind, UpstreamError
from adapters.model import JobRecord, Source
from adapters.registry import Registry
from adapters.submission import FieldProblem, InputProblems
from gateway.context import Context, Info
from gateway.errors import GatewayError
from gateway.ids import GlobalId, InvalidId, decode_id
from gateway.mutations import JobAction, MutationErrorCode, Outcome, Problem
from gateway.schema.enums import JobStatus
from gateway.schema.nodes import Job, JobType
from gateway.schema.submission import camel, input_path, submission_input, to_request

strawberry.enum(MutationErrorCode, description="Why a mutation was refused.")

MAX_KEY_LENGTH = 200

SUBMIT_DESCRIPTION = "Start a job on one source. Amperity ingest jobs are read-only: refused."
CANCEL_DESCRIPTION = (
    "Cancel a job. Cancelling a final job is a harmless NOT_CANCELLABLE answer. "
    "AMPERITY: an ingest job can only be stopped by stopping its whole workflow, so this stops every "
    "ingest job of that workflow and its downstream tasks too; `affectedJobs` lists the ingest jobs. "
    "SCALE: the cancel is queued by Scale and applied a moment later (`pending`); a FAILED Scale job "
    "is not cancelled (it is final)."
)
RERUN_DESCRIPTION = "Run a job again: natively where the source can, else by resubmitting its input."
START_DESCRIPTION = "Release a held job (`canStart`: Leia jobs submitted with blockProcessing) so it runs."
VALIDATE_DESCRIPTION = "Scale: check a job type definition without creating it."
CREATE_DESCRIPTION = "Scale: create a job type (or a new revision of an existing version)."
EDIT_DESCRIPTION = "Scale: pause/activate a job type version or change its limits."


@strawberry.type(description="An expected refusal: the request was understood and answered with no.")
class MutationError:
    code: MutationErrorCode
    message: str
    field: list[str] = strawberry.field(description="Path of the input field at fault, if one is.")


@strawberry.type
class SubmitJobPayload:
    job: Job | None
    errors: list[MutationError]
    replayed: bool = strawberry.field(description="An earlier call with this idempotencyKey is being answered again.")


def _pending() -> Any:
    # A field declaration with its default, as ``strawberry.field`` itself returns: one per payload type.
    return strawberry.field(
        default=False,
        description=(
            "The upstream accepted the change and applies it later (Scale queues cancel and requeue as "
            "messages): `job` still shows its state before, `pendingStatus` the status to come, and "
            "`jobStatusChanged` delivers the transition when the upstream makes it."
        ),
    )


def _pending_status() -> Any:
    return strawberry.field(default=None, description="The status a pending change will bring (`pending` is true).")


@strawberry.type
class CancelJobPayload:
    job: Job | None
    errors: list[MutationError]
    replayed: bool
    affected_jobs: list[Job] = strawberry.field(
        default_factory=list,
        description=(
            "Every job the cancel stops, `job` included (as the cancel left it; the others as they were "
            "before it): more than one where the upstream cannot stop one job alone (AMPERITY: every "
            "unfinished ingest job of the job's workflow)."
        ),
    )
    pending: bool = _pending()
    pending_status: JobStatus | None = _pending_status()


@strawberry.type
class RerunJobPayload:
    job: Job | None
    errors: list[MutationError]
    replayed: bool
    pending: bool = _pending()
    pending_status: JobStatus | None = _pending_status()


@strawberry.input
class CancelJobInput:
    id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.input
class RerunJobInput:
    id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.type
class StartJobPayload:
    job: Job | None
    errors: list[MutationError]
    replayed: bool


@strawberry.input
class StartJobInput:
    id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.type(description="One message from Scale's job-type validation.")
class ValidationMessage:
    name: str
    description: str


@strawberry.type
class JobTypePayload:
    job_type: JobType | None
    errors: list[MutationError]
    warnings: list[ValidationMessage]


@strawberry.type
class ValidateJobTypePayload:
    is_valid: bool
    errors: list[ValidationMessage]
    warnings: list[ValidationMessage]


@strawberry.input(description="A Scale job type: its Seed manifest and configuration.")
class JobTypeDefinitionInput:
    manifest: JSON
    configuration: JSON | None = None
    docker_image: str | None = None
    icon_code: str | None = None
    is_published: bool | None = None
    max_scheduled: int | None = None


@strawberry.input(description="Changes to a Scale job type version.")
class EditJobTypeInput:
    id: strawberry.ID
    is_paused: bool | None = None
    is_active: bool | None = None
    max_scheduled: int | None = None
    configuration: JSON | None = None


def _errors(problems: tuple[Problem, ...]) -> list[MutationError]:
    return [MutationError(code=p.code, message=p.message, field=list(p.field)) for p in problems]


def _invalid(message: str, *path: str) -> Outcome:
    return Outcome(None, (Problem(MutationErrorCode.INVALID_INPUT, message, ("input", *path)),))


def _key(value: str | None) -> Outcome | None:
    """A typed refusal for an unusable idempotency key, else ``None``."""
    if value is not None and not 1 <= len(value) <= MAX_KEY_LENGTH:
        return _invalid(f"must be 1 to {MAX_KEY_LENGTH} characters", "idempotencyKey")
    return None


def client_scope(context: Context) -> str:
    """The idempotency namespace of the caller: a digest of its credential, never the credential.

    With client auth off every caller shares one namespace (keys are meant to be
    random, e.g. UUIDs).
    """
    credential = context.credential
    if not credential:
        return "client:anonymous"
    return "client:" + hashlib.sha256(credential.encode()).hexdigest()[:24]


def _job(outcome: Outcome) -> Job | None:
    return None if outcome.job is None else Job.from_record(outcome.job)


async def _change(info: Info, action: JobAction, raw_id: str, key: str | None) -> Outcome:
    context = info.context
    refused = _key(key)
    if refused is not None:
        return refused
    try:
        gid = decode_id(raw_id, "Job")
    except InvalidId as exc:
        return _invalid(str(exc), "id")
    if gid.source not in context.upstreams:
        return Outcome(
            None, (Problem(MutationErrorCode.NOT_FOUND, f"{gid.source.value} is not configured", ("input", "id")),)
        )
    adapter = context.upstreams.get(gid.source)

    async def load_current() -> JobRecord | None:
        # A cancel or rerun decides on the job as it is now, not as a cache remembers it.
        context.loaders.forget_job(gid.source, gid.key)
        return await context.loaders.job(gid.source, gid.key)

    outcome = await context.services.mutations.change(
        action, adapter, client_scope(context), gid.key, load_current, key
    )
    # The job changed upstream: no cache may keep answering with its old state.
    context.loaders.forget_job(gid.source, gid.key)
    return outcome


def _admin(info: Info, source: Source = Source.SCALE) -> JobTypeAdmin:
    """The source's job-type administration; a clear error where it has none."""
    upstreams = info.context.upstreams
    if source not in upstreams:
        raise GatewayError(f"{source.value} is not configured", code="NOT_CONFIGURED")
    adapter = upstreams.get(source)
    if not isinstance(adapter, JobTypeAdmin):
        raise GatewayError(f"{source.value} job types cannot be managed through the gateway", code="NOT_SUPPORTED")
    return adapter


def _messages(items: Sequence[ValidationIssue]) -> list[ValidationMessage]:
    return [ValidationMessage(name=i.name, description=i.description) for i in items]


def _definition(d: JobTypeDefinitionInput) -> dict[str, object]:
    """The Scale job type body (Scale's own names); ``InputProblems`` for what cannot be sent."""
    problems: list[FieldProblem] = []
    if not isinstance(d.manifest, dict):
        problems.append(FieldProblem(("input", "manifest"), "must be a JSON object (a Seed manifest)"))
    if d.configuration is not None and not isinstance(d.configuration, dict):
        problems.append(FieldProblem(("input", "configuration"), "must be a JSON object"))
    if d.max_scheduled is not None and d.max_scheduled < 1:
        problems.append(FieldProblem(("input", "maxScheduled"), "must be >= 1"))
    if problems:
        raise InputProblems(problems)
    body: dict[str, object] = {"manifest": d.manifest}
    for key, value in (
        ("configuration", d.configuration),
        ("docker_image", d.docker_image),
        ("icon_code", d.icon_code),
        ("is_published", d.is_published),
        ("max_scheduled", d.max_scheduled),
    ):
        if value is not None:
            body[key] = value
    return body


_JOB_TYPE_CODES = {
    ErrorKind.INVALID: MutationErrorCode.INVALID_INPUT,
    ErrorKind.NOT_FOUND: MutationErrorCode.NOT_FOUND,
    ErrorKind.CONFLICT: MutationErrorCode.CONFLICT,
    ErrorKind.FORBIDDEN: MutationErrorCode.FORBIDDEN,
    ErrorKind.UNAUTHENTICATED: MutationErrorCode.FORBIDDEN,
}


def _job_type_errors(err: UpstreamError) -> list[MutationError] | None:
    """Scale's refusal of a job type call as typed errors (fields as input paths); ``None`` if unexpected."""
    code = _JOB_TYPE_CODES.get(err.kind)
    if code is None:
        return None
    errors = [
        MutationError(code=code, message=f.message, field=["input", *(camel(p) for p in f.path)])
        for f in err.field_errors
    ]
    return errors or [MutationError(code=code, message=err.message, field=[])]


def _problems_payload(exc: InputProblems) -> JobTypePayload:
    errors = [
        MutationError(code=MutationErrorCode.INVALID_INPUT, message=p.message, field=list(p.path)) for p in exc.problems
    ]
    return JobTypePayload(job_type=None, errors=errors, warnings=[])


async def _job_type_call(call: Awaitable[JobTypeEdit]) -> JobTypePayload:
    try:
        edit = await call
    except UpstreamError as err:
        errors = _job_type_errors(err)
        if errors is None:
            raise
        return JobTypePayload(job_type=None, errors=errors, warnings=[])
    validation = edit.validation
    errors = [
        MutationError(code=MutationErrorCode.INVALID_INPUT, message=f"{m.name}: {m.description}", field=["input"])
        for m in validation.errors
    ]
    if not validation.is_valid and not errors:
        message = f"{edit.job_type.source.value} refused the change"
        errors = [MutationError(code=MutationErrorCode.INVALID_INPUT, message=message, field=["input"])]
    return JobTypePayload(
        job_type=JobType.from_record(edit.job_type), errors=errors, warnings=_messages(validation.warnings)
    )


def _pending_status_of(outcome: Outcome) -> JobStatus | None:
    return outcome.job.pending_status if outcome.job is not None else None


async def cancel_job(self: object, info: Info, input: CancelJobInput) -> CancelJobPayload:
    outcome = await _change(info, JobAction.CANCEL, input.id, input.idempotency_key)
    return CancelJobPayload(
        affected_jobs=[Job.from_record(r) for r in outcome.affected],
        job=_job(outcome),
        errors=_errors(outcome.problems),
        replayed=outcome.replayed,
        pending=outcome.pending,
        pending_status=_pending_status_of(outcome),
    )


async def rerun_job(self: object, info: Info, input: RerunJobInput) -> RerunJobPayload:
    outcome = await _change(info, JobAction.RERUN, input.id, input.idempotency_key)
    return RerunJobPayload(
        job=_job(outcome),
        errors=_errors(outcome.problems),
        replayed=outcome.replayed,
        pending=outcome.pending,
        pending_status=_pending_status_of(outcome),
    )


async def start_job(self: object, info: Info, input: StartJobInput) -> StartJobPayload:
    outcome = await _change(info, JobAction.START, input.id, input.idempotency_key)
    return StartJobPayload(job=_job(outcome), errors=_errors(outcome.problems), replayed=outcome.replayed)


async def validate_job_type(self: object, info: Info, input: JobTypeDefinitionInput) -> ValidateJobTypePayload:
    try:
        result = await _admin(info).validate_job_type(_definition(input))
    except InputProblems as exc:
        issues = [ValidationMessage(name=".".join(p.path), description=p.message) for p in exc.problems]
        return ValidateJobTypePayload(is_valid=False, errors=issues, warnings=[])
    except UpstreamError as err:
        if err.kind is not ErrorKind.INVALID:
            raise
        issues = [ValidationMessage(name=".".join(f.path), description=f.message) for f in err.field_errors]
        return ValidateJobTypePayload(
            is_valid=False, errors=issues or [ValidationMessage(name="", description=err.message)], warnings=[]
        )
    return ValidateJobTypePayload(
        is_valid=result.is_valid, errors=_messages(result.errors), warnings=_messages(result.warnings)
    )


async def create_job_type(self: object, info: Info, input: JobTypeDefinitionInput) -> JobTypePayload:
    try:
        body = _definition(input)
    except InputProblems as exc:
        return _problems_payload(exc)
    return await _job_type_call(_admin(info).create_job_type(body))


async def edit_job_type(self: object, info: Info, input: EditJobTypeInput) -> JobTypePayload:
    try:
        gid, patch = _edit(input)
    except InputProblems as exc:
        return _problems_payload(exc)
    if gid.source in info.context.upstreams and not isinstance(info.context.upstreams.get(gid.source), JobTypeAdmin):
        message = f"a {gid.source.value} job type cannot be edited through this gateway"
        return _problems_payload(InputProblems([FieldProblem(("input", "id"), message)]))
    admin = _admin(info, gid.source)
    context = info.context
    context.services.cache.evict("job_type", (context.upstreams.cache_scope(gid.source), gid.key))
    current = await context.loaders.job_type(gid.source, gid.key)
    if current is None:
        return JobTypePayload(
            job_type=None,
            errors=[MutationError(code=MutationErrorCode.NOT_FOUND, message="no such job type", field=["input", "id"])],
            warnings=[],
        )
    try:
        return await _job_type_call(admin.edit_job_type(current, patch))
    finally:
        # Evict after the edit too: a read racing with it may have cached the old version.
        context.services.cache.evict("job_type", (context.upstreams.cache_scope(gid.source), gid.key))


def _edit(input: EditJobTypeInput) -> tuple[GlobalId, dict[str, object]]:
    try:
        gid = decode_id(input.id, "JobType")
    except InvalidId as exc:
        raise InputProblems([FieldProblem(("input", "id"), str(exc))]) from None
    problems: list[FieldProblem] = []
    if input.max_scheduled is not None and input.max_scheduled < 1:
        problems.append(FieldProblem(("input", "maxScheduled"), "must be >= 1"))
    if input.configuration is not None and not isinstance(input.configuration, dict):
        problems.append(FieldProblem(("input", "configuration"), "must be a JSON object"))
    patch: dict[str, object] = {}
    for key, value in (
        ("is_paused", input.is_paused),
        ("is_active", input.is_active),
        ("max_scheduled", input.max_scheduled),
        ("configuration", input.configuration),
    ):
        if value is not None:
            patch[key] = value
    if not patch:
        problems.append(
            FieldProblem(("input",), "nothing to change: give isPaused, isActive, maxScheduled or configuration")
        )
    if problems:
        raise InputProblems(problems)
    return gid, patch


async def _submit(info: Info, registry: Registry, job: object, idempotency_key: str | None) -> Outcome:
    refused = _key(idempotency_key)
    if refused is not None:
        return refused
    context = info.context
    try:
        source, request = await to_request(job, registry, context.services.client_urls.problem)
    except InputProblems as exc:
        return Outcome(None, tuple(Problem(MutationErrorCode.INVALID_INPUT, p.message, p.path) for p in exc.problems))
    entry = registry.get(source)
    member = ("input", "job", entry.name)
    if source not in context.upstreams:
        return Outcome(None, (Problem(MutationErrorCode.NOT_SUPPORTED, f"{source.value} is not configured", member),))
    adapter = context.upstreams.get(source)
    if not adapter.capabilities.submit:
        # Nothing is sent: the source cannot start jobs (Amperity's are started by its workflows).
        try:
            await adapter.submit_job(request)
        except UpstreamError as err:
            if err.kind is ErrorKind.NOT_SUPPORTED:
                return Outcome(None, (Problem(MutationErrorCode.NOT_SUPPORTED, err.message, member),))
            raise
        return Outcome(None, (Problem(MutationErrorCode.NOT_SUPPORTED, f"{source.value} cannot submit jobs", member),))

    def fields(path: tuple[str, ...]) -> tuple[str, ...]:
        return input_path(entry, request.params, path)

    return await context.services.mutations.submit(adapter, client_scope(context), request, idempotency_key, fields)


class SubmitJobArgs(Protocol):
    """What ``submitJob`` reads of its input, whose ``job`` type depends on the registry."""

    job: object
    idempotency_key: str | None


def build_mutation(registry: Registry) -> type:
    """``Mutation`` with ``submitJob`` taking one member per source of ``registry`` that accepts submissions."""
    submit_input = strawberry.input(
        type(
            "SubmitJobInput",
            (),
            {
                "__module__": __name__,
                "__annotations__": {"job": submission_input(registry), "idempotency_key": Optional[str]},  # noqa: UP045
                "idempotency_key": strawberry.field(
                    default=None,
                    description=(
                        "Makes a retry safe: the same key with the same input returns the first call's result "
                        "(`replayed: true`) without a second upstream call; with a different input it is "
                        "IDEMPOTENCY_CONFLICT. Keys are kept 24 h per client credential. If the upstream never "
                        "answered, the key records OUTCOME_UNKNOWN: check the job list, then use a new key."
                    ),
                ),
            },
        )
    )

    async def submit_job(self: object, info: Info, input: SubmitJobArgs) -> SubmitJobPayload:
        outcome = await _submit(info, registry, input.job, input.idempotency_key)
        return SubmitJobPayload(job=_job(outcome), errors=_errors(outcome.problems), replayed=outcome.replayed)

    submit_job.__annotations__["input"] = submit_input
    resolvers: dict[str, tuple[Callable[..., object], str]] = {
        "submit_job": (submit_job, SUBMIT_DESCRIPTION),
        "cancel_job": (cancel_job, CANCEL_DESCRIPTION),
        "rerun_job": (rerun_job, RERUN_DESCRIPTION),
        "start_job": (start_job, START_DESCRIPTION),
        "validate_job_type": (validate_job_type, VALIDATE_DESCRIPTION),
        "create_job_type": (create_job_type, CREATE_DESCRIPTION),
        "edit_job_type": (edit_job_type, EDIT_DESCRIPTION),
    }
    namespace = {name: strawberry.mutation(fn, description=text) for name, (fn, text) in resolvers.items()}
    built: type = strawberry.type(type("Mutation", (), {"__module__": __name__, **namespace}))
    return built
