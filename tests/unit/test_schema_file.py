"""schema.graphql must be exactly what the running code exports."""

from __future__ import annotations

from pathlib import Path

from strawberry.printer import print_schema

from gateway.schema.build import build_schema

ROOT = Path(__file__).resolve().parents[2]


def test_schema_graphql_matches_the_code() -> None:
    exported = print_schema(build_schema()) + "\n"
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == exported, "schema.graphql is stale: run `make schema` (job-gateway export-schema)"
