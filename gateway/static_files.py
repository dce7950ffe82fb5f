"""Serving a package's own static files: only those shipped, with ETag, gzip and fixed headers.

Shared by GraphiQL (``gateway.graphiql``, versioned vendor files cached for a year) and the
dashboard (``gateway.dashboard``, files of ours revalidated on every load).  The set of files
is read once from the directory, so a path that is not one of them (``..``, a map file, a
directory) is a 404 without touching the file system.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Final

from fastapi import Request, Response

__all__ = ["MEDIA_TYPES", "ShippedFiles"]

MEDIA_TYPES: Final = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".LICENSE": "text/plain; charset=utf-8",
}
# Smaller files are not worth compressing.
_GZIP_MIN_SIZE: Final = 1024


@dataclass(frozen=True, slots=True)
class _Asset:
    body: bytes
    gzipped: bytes | None
    etag: str
    media_type: str


def _accepts_gzip(request: Request) -> bool:
    for coding in request.headers.get("accept-encoding", "").split(","):
        name, _, params = coding.strip().partition(";")
        if name.strip().lower() == "gzip":
            return params.replace(" ", "").lower() not in {"q=0", "q=0.0", "q=0.00", "q=0.000"}
    return False


class ShippedFiles:
    """The files under ``directory`` whose suffix is in :data:`MEDIA_TYPES`, served by relative path."""

    def __init__(self, directory: Path, *, cache_control: str, headers: Mapping[str, str] | None = None) -> None:
        self.directory = directory
        self.cache_control = cache_control
        self.headers = dict(headers or {})
        self._assets: dict[str, _Asset] = {}

    @cached_property
    def files(self) -> dict[str, Path]:
        """Map each URL path to its file: the only files served (hidden ones are not)."""
        files: dict[str, Path] = {}
        for path in sorted(self.directory.rglob("*")):
            if not path.is_file() or path.suffix not in MEDIA_TYPES:
                continue
            relative = path.relative_to(self.directory)
            if any(part.startswith(".") for part in relative.parts):
                continue
            files[relative.as_posix()] = path
        return files

    def _asset(self, name: str) -> _Asset:
        asset = self._assets.get(name)
        if asset is None:
            path = self.files[name]
            body = path.read_bytes()
            gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= _GZIP_MIN_SIZE else None
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            asset = _Asset(body=body, gzipped=gzipped, etag=etag, media_type=MEDIA_TYPES[path.suffix])
            self._assets[name] = asset
        return asset

    def response(self, path: str, request: Request) -> Response:
        """The file at ``path`` (304 when the client has it), or a plain 404 for anything not shipped."""
        if path not in self.files:
            return Response("Not Found", status_code=404, media_type="text/plain; charset=utf-8", headers=self.headers)
        asset = self._asset(path)
        headers = {
            **self.headers,
            "Cache-Control": self.cache_control,
            "ETag": asset.etag,
            "Vary": "Accept-Encoding",
            "X-Content-Type-Options": "nosniff",
        }
        if_none_match = request.headers.get("if-none-match", "")
        if asset.etag in {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}:
            return Response(status_code=304, headers=headers)
        body = asset.body
        if asset.gzipped is not None and _accepts_gzip(request):
            body = asset.gzipped
            headers["Content-Encoding"] = "gzip"
        return Response(body, media_type=asset.media_type, headers=headers)
