"""``JobSubmission``: the @oneOf input of ``submitJob``, derived from each registered source's model.

A source declares its submission as dataclasses (``adapters.submission``); this
module turns them into Strawberry input types of the same names, one member of
``JobSubmission`` per source (named as its registry entry), reads a client's
input back into the source's model (decoding global ids and checking
``ClientUrl`` fields with the services' URL policy on the way), and maps problem
paths between the model's field names and the client's input.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Optional, get_args, get_origin

import strawberry
from strawberry.scalars import JSON

from adapters.base import SubmitRequest
from adapters.model import NativeKey, Source
from adapters.registry import Registry, SourceEntry
from adapters.submission import (
    ClientUrlKind,
    FieldProblem,
    InputProblems,
    JsonValue,
    NodeRefKind,
    Submission,
    model_info,
)
from gateway.ids import InvalidId, decode_id

_PLAIN = (str, int, float, bool, dt.date, dt.datetime)
_inputs: dict[type, type] = {}

UrlCheck = Callable[[str], Awaitable[str | None]]
"""What is wrong with a client-supplied URL (``ClientUrl``), or ``None``: ``ClientUrlPolicy.problem``."""


@dataclass(slots=True)
class _Reading:
    """One client input being read into a model: its source, the problems so far, the URLs to check."""

    source: Source
    problems: list[FieldProblem] = field(default_factory=list)
    urls: list[tuple[tuple[str, ...], str]] = field(default_factory=list)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def input_type(model: type) -> type:
    """The Strawberry input type of a submission model, built once per model."""
    found = _inputs.get(model)
    if found is not None:
        return found
    info = model_info(model)
    if info is None:
        raise TypeError(f"{model.__name__} is not marked with adapters.submission.input_model")
    hints = typing.get_type_hints(model, include_extras=True)
    annotations: dict[str, object] = {}
    namespace: dict[str, object] = {}
    for f in dataclasses.fields(model):
        annotations[f.name] = _graphql_type(hints[f.name])
        description = f.metadata.get("description")
        if info.one_of:
            namespace[f.name] = strawberry.field(default=strawberry.UNSET, description=description)
        elif f.default is not dataclasses.MISSING:
            namespace[f.name] = strawberry.field(default=f.default, description=description)
        elif f.default_factory is not dataclasses.MISSING:
            namespace[f.name] = strawberry.field(default_factory=f.default_factory, description=description)
        elif description is not None:
            namespace[f.name] = strawberry.field(description=description)
    cls = type(model.__name__, (), {"__annotations__": annotations, "__module__": __name__, **namespace})
    built: type = strawberry.input(cls, description=info.description, one_of=info.one_of or None)
    _inputs[model] = built
    return built


def _graphql_type(hint: object) -> object:
    if get_origin(hint) is Annotated:
        base, *marks = get_args(hint)
        if base is NativeKey and any(isinstance(m, NodeRefKind) for m in marks):
            return strawberry.ID
        return _graphql_type(base)
    if hint is JsonValue:
        return JSON
    if hint in _PLAIN:
        return hint
    origin = get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in get_args(hint) if a is not type(None)]
        if len(members) == 1:
            return Optional[_graphql_type(members[0])]  # noqa: UP045 (built at run time from a value)
    if origin is list:
        (item,) = get_args(hint)
        return list[_graphql_type(item)]  # type: ignore[misc]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return input_type(hint)
    raise TypeError(f"submission models cannot use {hint!r}")


def submission_input(registry: Registry) -> type:
    """``JobSubmission``: exactly one member per registered source that takes submissions."""
    annotations: dict[str, object] = {}
    namespace: dict[str, object] = {}
    for entry in registry:
        submission = entry.submission()
        if submission is None:
            continue
        annotations[entry.name] = Optional[input_type(submission.model)]  # noqa: UP045
        namespace[entry.name] = strawberry.field(default=strawberry.UNSET)
    cls = type("JobSubmission", (), {"__annotations__": annotations, "__module__": __name__, **namespace})
    description = "The job to submit: exactly one source's parameters."
    built: type = strawberry.input(cls, description=description, one_of=True)
    return built


def _given(value: object) -> bool:
    return value is not None and value is not strawberry.UNSET


def chosen(submission: object, registry: Registry) -> tuple[SourceEntry, Submission[Any], object]:
    """The source the client chose, its submission spec and its member of the input."""
    for entry in registry:
        member = getattr(submission, entry.name, None)
        spec = entry.submission()
        if spec is not None and _given(member):
            return entry, spec, member
    raise InputProblems([FieldProblem(("input", "job"), "exactly one source must be given")])


async def to_request(submission: object, registry: Registry, check_url: UrlCheck) -> tuple[Source, SubmitRequest]:
    """The chosen source and its request; ``InputProblems`` with the client's input paths.

    Every ``ClientUrl`` field is checked with ``check_url`` (concurrently: it may
    resolve host names) before the source's ``to_request`` sees the model.
    """
    entry, spec, member = chosen(submission, registry)
    base = ("input", "job", entry.name)
    reading = _Reading(entry.source)
    model = _to_model(member, spec.model, (), reading)
    problems = reading.problems
    if not problems:
        refused = await asyncio.gather(*(check_url(url) for _, url in reading.urls))
        problems = [
            FieldProblem(path, message) for (path, _), message in zip(reading.urls, refused, strict=True) if message
        ]
        try:
            request = spec.to_request(model)
        except InputProblems as exc:
            problems = [*problems, *exc.problems]
        else:
            if not problems:
                return entry.source, request
    raise InputProblems([FieldProblem(_input_path(base, p.path), p.message) for p in problems])


def input_path(entry: SourceEntry, params: typing.Mapping[str, Any], path: tuple[str, ...]) -> tuple[str, ...]:
    """The client's input path of a field an adapter complained about (by the upstream's parameter names)."""
    base = ("input", "job", entry.name)
    spec = entry.submission()
    if not path or spec is None:
        return base
    return _input_path(base, spec.field_path(params, path))


def _input_path(base: tuple[str, ...], model_path: Sequence[str]) -> tuple[str, ...]:
    return (*base, *(p if p.isdigit() else camel(p) for p in model_path))


def _to_model(value: object, model: type, path: tuple[str, ...], reading: _Reading) -> Any:
    hints = typing.get_type_hints(model, include_extras=True)
    values = {
        f.name: _convert(getattr(value, f.name, None), hints[f.name], (*path, f.name), reading)
        for f in dataclasses.fields(model)
    }
    return model(**values)


def _convert(value: object, hint: object, path: tuple[str, ...], reading: _Reading) -> Any:
    if not _given(value):
        return None
    if get_origin(hint) in (typing.Union, types.UnionType):
        hint = next(a for a in get_args(hint) if a is not type(None))
    if get_origin(hint) is Annotated:
        base, *marks = get_args(hint)
        kind = next((m for m in marks if isinstance(m, NodeRefKind)), None)
        if kind is not None:
            return _node_key(str(value), kind.type_name, reading.source, path, reading.problems)
        if any(isinstance(m, ClientUrlKind) for m in marks):
            reading.urls.append((path, str(value)))
        hint = base
    if get_origin(hint) is list and isinstance(value, list):
        (item,) = get_args(hint)
        return [_convert(v, item, (*path, str(i)), reading) for i, v in enumerate(value)]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _to_model(value, hint, path, reading)
    return value


def _node_key(
    value: str, type_name: str, source: Source, path: tuple[str, ...], problems: list[FieldProblem]
) -> NativeKey | None:
    try:
        gid = decode_id(value, type_name)
    except InvalidId as exc:
        problems.append(FieldProblem(path, str(exc)))
        return None
    if gid.source is not source:
        problems.append(FieldProblem(path, f"is a {gid.source.value} {type_name}, not a {source.value} one"))
        return None
    return gid.key
