"""``Mutation``: submit, cancel and rerun jobs anywhere; Scale job-type management.

Relay style: each mutation takes one ``input`` and returns a payload with the
affected node and a list of typed errors for expected refusals. Unexpected
failures stay GraphQL errors with ``extensions.code``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from adapters.errors import ErrorKind, UpstreamError
from adapters.model import JobTypeRecord, Source
from gateway.errors import GatewayError
from gateway.ids import InvalidId, decode_id
from gateway.mutations import MutationErrorCode, Outcome, Problem
from gateway.schema.mutation_inputs import InputProblems, JobSubmission, to_request
from gateway.schema.nodes import Job, JobType

Info = strawberry.Info[Any, None]

strawberry.enum(MutationErrorCode, description="Why a mutation was refused.")

MAX_KEY_LENGTH = 200


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


@strawberry.type
class CancelJobPayload:
    job: Job | None
    errors: list[MutationError]
    replayed: bool


@strawberry.type
class RerunJobPayload:
    job: Job | None
    errors: list[MutationError]
    replayed: bool


@strawberry.input
class SubmitJobInput:
    job: JobSubmission
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying with the same key and input returns the first result; see README."
    )


@strawberry.input
class CancelJobInput:
    id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.input
class RerunJobInput:
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


def _key(value: str | None) -> str | None:
    if value is not None and not 1 <= len(value) <= MAX_KEY_LENGTH:
        raise GatewayError(f"input.idempotencyKey: must be 1 to {MAX_KEY_LENGTH} characters")
    return value


def _job(outcome: Outcome) -> Job | None:
    return None if outcome.job is None else Job.from_record(outcome.job)


async def _change(info: Info, operation: str, raw_id: str, key: str | None) -> Outcome:
    context = info.context
    try:
        gid = decode_id(raw_id, "Job")
    except InvalidId as exc:
        return Outcome(None, (Problem(MutationErrorCode.INVALID_INPUT, str(exc), ("input", "id")),))
    if gid.source not in context.upstreams:
        return Outcome(
            None, (Problem(MutationErrorCode.NOT_FOUND, f"{gid.source.value} is not configured", ("input", "id")),)
        )
    adapter = context.upstreams.get(gid.source)
    context.loaders.forget_job(gid.source, gid.key)
    current = await context.loaders.job(gid.source, gid.key)
    service = context.services.extras["mutations"]
    return cast(
        Outcome,
        await service.change(
            operation, adapter, context.upstreams.cache_scope(gid.source), gid.key, current, _key(key)
        ),
    )


def _scale(info: Info) -> Any:
    upstreams = info.context.upstreams
    if Source.SCALE not in upstreams:
        raise GatewayError("SCALE is not configured", code="NOT_CONFIGURED")
    return upstreams.get(Source.SCALE)


def _messages(items: Any) -> list[ValidationMessage]:
    out = []
    for item in items or ():
        if isinstance(item, dict):
            out.append(ValidationMessage(name=str(item.get("name", "")), description=str(item.get("description", ""))))
        else:
            out.append(ValidationMessage(name="", description=str(item)))
    return out


def _definition(d: JobTypeDefinitionInput) -> dict[str, Any]:
    body: dict[str, Any] = {"manifest": d.manifest}
    for key, value in (
        ("configuration", d.configuration),
        ("docker_image", d.docker_image),
        ("icon_code", d.icon_code),
        ("is_published", d.is_published),
        ("max_scheduled", d.max_scheduled),
    ):
        if value is not None:
            body[key] = value
    if not isinstance(d.manifest, dict):
        raise GatewayError("input.manifest: must be a JSON object (a Seed manifest)")
    return body


async def _job_type_call(call: Any) -> JobTypePayload:
    try:
        record: JobTypeRecord = await call
    except UpstreamError as err:
        if err.kind in (ErrorKind.INVALID, ErrorKind.NOT_FOUND, ErrorKind.CONFLICT, ErrorKind.FORBIDDEN):
            code = {
                ErrorKind.INVALID: MutationErrorCode.INVALID_INPUT,
                ErrorKind.NOT_FOUND: MutationErrorCode.NOT_FOUND,
                ErrorKind.CONFLICT: MutationErrorCode.CONFLICT,
                ErrorKind.FORBIDDEN: MutationErrorCode.FORBIDDEN,
            }[err.kind]
            errors = [MutationError(code=code, message=f.message, field=list(f.path)) for f in err.field_errors]
            return JobTypePayload(
                job_type=None, errors=errors or [MutationError(code=code, message=err.message, field=[])], warnings=[]
            )
        raise
    warnings = _messages(record.raw.get("warnings")) if isinstance(record.raw, dict) else []
    return JobTypePayload(job_type=JobType.from_record(record), errors=[], warnings=warnings)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Start a job on one source. Amperity ingest jobs are read-only: refused.")
    async def submit_job(self, info: Info, input: SubmitJobInput) -> SubmitJobPayload:
        key = _key(input.idempotency_key)
        try:
            source, request = to_request(input.job)
        except InputProblems as exc:
            problems = tuple(Problem(MutationErrorCode.INVALID_INPUT, p.message, p.path) for p in exc.problems)
            return SubmitJobPayload(job=None, errors=_errors(problems), replayed=False)
        context = info.context
        if source not in context.upstreams:
            problem = Problem(MutationErrorCode.NOT_SUPPORTED, f"{source.value} is not configured", ("input", "job"))
            return SubmitJobPayload(job=None, errors=_errors((problem,)), replayed=False)
        adapter = context.upstreams.get(source)
        service = context.services.extras["mutations"]
        prefix = ("input", "job", source.value.lower())
        hooks = context.services.extras.get("leia_webhooks")
        token = None
        asked = request
        if source is Source.LEIA and hooks is not None and "callback_url" not in request.params:
            token, url = hooks.new_callback_url()
            request = dataclasses.replace(request, params={**request.params, "callback_url": url})
        outcome = await service.submit(adapter, context.upstreams.cache_scope(source), request, key, prefix, asked)
        if token is not None and outcome.job is not None:
            hooks.bind(token, outcome.job.native_id)
        return SubmitJobPayload(job=_job(outcome), errors=_errors(outcome.problems), replayed=outcome.replayed)

    @strawberry.mutation(description="Cancel a job. Cancelling a final job is a harmless NOT_CANCELLABLE answer.")
    async def cancel_job(self, info: Info, input: CancelJobInput) -> CancelJobPayload:
        outcome = await _change(info, "cancelJob", input.id, input.idempotency_key)
        return CancelJobPayload(job=_job(outcome), errors=_errors(outcome.problems), replayed=outcome.replayed)

    @strawberry.mutation(description="Run a job again: natively where the source can, else by resubmitting its input.")
    async def rerun_job(self, info: Info, input: RerunJobInput) -> RerunJobPayload:
        outcome = await _change(info, "rerunJob", input.id, input.idempotency_key)
        return RerunJobPayload(job=_job(outcome), errors=_errors(outcome.problems), replayed=outcome.replayed)

    @strawberry.mutation(description="Scale: check a job type definition without creating it.")
    async def validate_job_type(self, info: Info, input: JobTypeDefinitionInput) -> ValidateJobTypePayload:
        result = await _scale(info).validate_job_type(_definition(input))
        return ValidateJobTypePayload(
            is_valid=bool(result.get("is_valid")),
            errors=_messages(result.get("errors")),
            warnings=_messages(result.get("warnings")),
        )

    @strawberry.mutation(description="Scale: create a job type (or a new revision of an existing version).")
    async def create_job_type(self, info: Info, input: JobTypeDefinitionInput) -> JobTypePayload:
        return await _job_type_call(_scale(info).create_job_type(_definition(input)))

    @strawberry.mutation(description="Scale: pause/activate a job type version or change its limits.")
    async def edit_job_type(self, info: Info, input: EditJobTypeInput) -> JobTypePayload:
        try:
            gid = decode_id(input.id, "JobType")
        except InvalidId as exc:
            raise GatewayError(f"input.id: {exc}") from None
        if gid.source is not Source.SCALE:
            raise GatewayError(f"input.id: a {gid.source.value} job type cannot be edited; only SCALE ones")
        patch: dict[str, Any] = {}
        for key, value in (
            ("is_paused", input.is_paused),
            ("is_active", input.is_active),
            ("max_scheduled", input.max_scheduled),
            ("configuration", input.configuration),
        ):
            if value is not None:
                patch[key] = value
        if not patch:
            raise GatewayError("input: nothing to change")
        if input.max_scheduled is not None and input.max_scheduled < 1:
            raise GatewayError("input.maxScheduled: must be >= 1")
        adapter = _scale(info)
        current = await info.context.loaders.job_type(Source.SCALE, gid.key)
        if current is None:
            return JobTypePayload(
                job_type=None,
                errors=[
                    MutationError(code=MutationErrorCode.NOT_FOUND, message="no such job type", field=["input", "id"])
                ],
                warnings=[],
            )
        info.context.services.cache.evict("job_type", (info.context.upstreams.cache_scope(Source.SCALE), gid.key))
        return await _job_type_call(adapter.edit_job_type(current.name, current.version, patch))
