"""GraphQL enums: the common model's own enum classes, registered with Strawberry.

Registering the model classes themselves (rather than copies) keeps the graph
and the adapters from ever disagreeing on a value, and lets mypy see real types.
``Source`` is an open set (a registered upstream adds its name), so its GraphQL
enum is declared when a schema is built, from the registry of that moment.
"""

from __future__ import annotations

from collections.abc import Iterable

import strawberry
from strawberry.types.enum import EnumValue, StrawberryEnumDefinition

from adapters.model import ErrorCategory, JobStatus, Source
from adapters.resilience import CircuitState

strawberry.enum(
    JobStatus,
    description="Normalized status shared by all sources; `nativeStatus` keeps the upstream's word.",
)
strawberry.enum(CircuitState, description="The per-source circuit breaker's state.")
strawberry.enum(
    ErrorCategory,
    description=(
        "Why a job failed, one vocabulary for every source: SYSTEM (the platform failed), DATA (the input "
        "was unusable), ALGORITHM (the job's own code failed), USER (refused as requested), TIMEOUT, "
        "CANCELED (it or a job it depended on was cancelled), UNKNOWN (the source does not say)."
    ),
)


def declare_sources(sources: Iterable[Source]) -> None:
    """Make ``Source`` the GraphQL enum of these sources for the schemas built from now on.

    Strawberry reads an enum's values from its definition when it builds a schema; the
    values are ``Source`` instances, so resolvers return and receive ``Source`` itself.
    """
    definition = StrawberryEnumDefinition(
        wrapped_cls=Source,  # type: ignore[arg-type]  # a str subclass standing in for an Enum
        name="Source",
        values=[EnumValue(source.value, source) for source in sources],
        description="The upstream a record comes from.",
    )
    setattr(Source, "__strawberry_definition__", definition)  # noqa: B010 (Source is not a Strawberry type)


__all__ = ["CircuitState", "JobStatus", "Source", "declare_sources"]
