"""GraphQL enums: the common model's own enum classes, registered with Strawberry.

Registering the model classes themselves (rather than copies) keeps the graph
and the adapters from ever disagreeing on a value, and lets mypy see real types.
"""

from __future__ import annotations

import strawberry

from adapters.model import JobStatus, Source
from adapters.resilience import CircuitState

strawberry.enum(Source, description="The upstream a record comes from.")
strawberry.enum(
    JobStatus,
    description="Normalized status shared by all sources; `nativeStatus` keeps the upstream's word.",
)
strawberry.enum(CircuitState, description="The per-source circuit breaker's state.")

__all__ = ["CircuitState", "JobStatus", "Source"]
