"""How a source declares what ``submitJob`` takes from a client: a typed submission model.

Each upstream package has a ``submission.py`` holding frozen dataclasses (the
model) and a ``Submission`` that turns a model instance into the adapter's
``SubmitRequest``. The GraphQL layer derives its input types from the model
(class names become type names, field names become camelCase fields), so a new
source needs no change in the gateway. Nothing here knows GraphQL.

Field types a model may use: ``str``, ``int``, ``float``, ``bool``, ``date``,
``datetime``, ``JsonValue`` (any JSON), ``NodeRef`` (a global id the gateway
decodes into the ``NativeKey`` of one of this source's records), ``ClientUrl``
(a URL the upstream will send requests to, e.g. a callback: the gateway checks it
before the model sees it), another model, ``list[...]`` of these, and ``X | None``. A model marked ``one_of`` takes exactly
one of its fields (every field ``X | None = None``).

Problems are raised as ``InputProblems`` whose paths name model fields
(``("job", "apply_model", "document_ids")``); the gateway shows them as input
paths (``input.job.leia.job.applyModel.documentIds``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Generic, NewType, TypeVar

from adapters.base import SubmitRequest
from adapters.model import NativeKey

M = TypeVar("M")

JsonValue = NewType("JsonValue", object)
"""Any JSON value (the ``JSON`` scalar)."""

MAX_JSON_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class NodeRefKind:
    """Marks a field holding a global id of one of the source's own records (``Job``, ``JobType``)."""

    type_name: str


JobRef = Annotated[NativeKey, NodeRefKind("Job")]
"""A global ``Job`` id of this source, handed to the model as that job's ``NativeKey``."""

JobTypeRef = Annotated[NativeKey, NodeRefKind("JobType")]
"""A global ``JobType`` id of this source, handed to the model as that job type's ``NativeKey``."""


@dataclass(frozen=True, slots=True)
class ClientUrlKind:
    """Marks a ``str`` field holding a URL the upstream will call on the client's behalf.

    The gateway refuses it unless it is http(s) and every address its host resolves
    to is public (or allowed by configuration), so that a client cannot make an
    upstream send requests into the gateway's own or the upstream's private network.
    """


ClientUrl = Annotated[str, ClientUrlKind()]
"""An http(s) URL the upstream will call (a callback), checked by the gateway before the model sees it."""


@dataclass(frozen=True, slots=True)
class InputModel:
    description: str | None = None
    one_of: bool = False


def input_model(description: str | None = None, *, one_of: bool = False) -> Callable[[type[M]], type[M]]:
    """Marks a dataclass as a submission model (a GraphQL input type of the same name)."""

    def mark(cls: type[M]) -> type[M]:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__}: a submission model must be a dataclass")
        cls.__submission_model__ = InputModel(description, one_of)  # type: ignore[attr-defined]
        return cls

    return mark


def model_info(cls: type) -> InputModel | None:
    found = getattr(cls, "__submission_model__", None)
    return found if isinstance(found, InputModel) else None


def describe(text: str) -> dict[str, str]:
    """Field metadata: ``field(default=..., metadata=describe("..."))``."""
    return {"description": text}


@dataclass(frozen=True, slots=True)
class FieldProblem:
    path: tuple[str, ...]
    message: str


class InputProblems(Exception):
    """Every problem of one submission, each naming the field at fault."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{'.'.join(p.path)}: {p.message}" for p in problems))
        self.problems = problems


def check_json_size(value: object, path: tuple[str, ...], problems: list[FieldProblem]) -> None:
    if len(json.dumps(value, default=str)) > MAX_JSON_BYTES:
        problems.append(FieldProblem(path, f"larger than {MAX_JSON_BYTES // 1024} KiB"))


def same_path(params: Mapping[str, Any], path: tuple[str, ...]) -> tuple[str, ...]:
    """Upstream parameter names that are the model's own field names."""
    return path


@dataclass(frozen=True, slots=True)
class Submission(Generic[M]):
    """What one source's ``submitJob`` member takes and how it becomes a ``SubmitRequest``."""

    model: type[M]
    to_request: Callable[[M], SubmitRequest]
    """The request for a model instance; raises ``InputProblems`` (paths in model field names)."""
    field_path: Callable[[Mapping[str, Any], tuple[str, ...]], tuple[str, ...]] = same_path
    """Where, in the model, an upstream complaint about a parameter points: ``(params, upstream path)``
    -> model path. ``params`` are the request's, so the mapping can depend on the kind of job."""
