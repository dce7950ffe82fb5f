"""Vendored browser files are exactly the pinned releases SOURCES.txt names, each with its licence.

The dashboard (``gateway.dashboard``) and GraphiQL share these files; a changed byte, a file
nobody listed, or a listed file gone fails here.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "gateway" / "graphiql" / "static"


def _listed_hashes() -> dict[str, str]:
    text = (STATIC / "SOURCES.txt").read_text()
    block = text.split("sha256:", 1)[1]
    return {path.removeprefix("./"): digest for digest, path in re.findall(r"^([0-9a-f]{64})  (\S+)$", block, re.M)}


def test_every_vendored_file_has_its_pinned_checksum() -> None:
    listed = _listed_hashes()
    shipped = {
        path.relative_to(STATIC).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in STATIC.rglob("*")
        if path.is_file() and path.name != "SOURCES.txt"
    }
    assert shipped == listed


def test_graphql_ws_is_pinned_with_its_licence() -> None:
    listed = _listed_hashes()
    assert "graphql-ws-6.4.2/graphql-ws.min.js" in listed
    licence = (STATIC / "LICENSES" / "graphql-ws.LICENSE").read_text()
    assert "MIT" in licence or "Permission is hereby granted" in licence
