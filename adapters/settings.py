"""One source's configuration, as read from a ``[sources.<name>]`` TOML table.

Shared by every adapter so that all of them read secrets, scopes and timeouts
the same way: a secret ``x`` is given either inline as ``x`` or as ``x_env``,
the name of an environment variable holding it. Problems are collected, not
raised one at a time, so the operator sees every mistake at start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class ConfigError(Exception):
    """A missing or invalid setting; the message names the table and key."""


@dataclass
class SourceSettings:
    name: str
    table: Mapping[str, Any]
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    problems: list[str] = field(default_factory=list)

    def _where(self, key: str) -> str:
        return f"[sources.{self.name}] {key}"

    def base_url(self) -> str:
        value = self.table.get("base_url")
        if not isinstance(value, str) or not value.startswith(("http://", "https://")):
            self.problems.append(f"{self._where('base_url')}: an http(s) URL is required")
            return "http://invalid.invalid"
        return value.rstrip("/")

    def secret(self, key: str) -> str:
        """A credential, inline or via ``<key>_env``; never echoed in a problem message."""
        inline = self.table.get(key)
        env_name = self.table.get(f"{key}_env")
        if isinstance(inline, str) and inline:
            return inline
        if isinstance(env_name, str) and env_name:
            value = self.environ.get(env_name)
            if value:
                return value
            self.problems.append(f"{self._where(key + '_env')}: environment variable {env_name} is not set")
            return ""
        self.problems.append(f"{self._where(key)}: required (or {key}_env naming a variable)")
        return ""

    def string(self, key: str, default: str | None = None) -> str:
        value = self.table.get(key, default)
        if not isinstance(value, str) or not value:
            self.problems.append(f"{self._where(key)}: a non-empty string is required")
            return ""
        return value

    def string_list(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        value = self.table.get(key)
        if value is None and not required:
            return ()
        if not isinstance(value, list) or not value or not all(isinstance(v, str | int) for v in value):
            self.problems.append(f"{self._where(key)}: a non-empty list of ids is required")
            return ()
        return tuple(str(v) for v in value)

    def number(self, key: str, default: float) -> float:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            self.problems.append(f"{self._where(key)}: a positive number is required")
            return default
        return float(value)

    def timeout(self) -> float:
        return self.number("timeout_s", 10.0)

    def raise_problems(self) -> None:
        if self.problems:
            raise ConfigError("; ".join(self.problems))
