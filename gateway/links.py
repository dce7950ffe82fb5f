"""Links into the upstreams' own web UIs: ``Job.webUrl``.

Each source's ``ui_base_url`` setting (optional) is joined with the job page path its adapter
declares (``Capabilities.web_path``); a ``ui_base_url`` that holds ``{native_id}`` (and optionally
``{scope}``) is a whole template instead, for deployments whose UI lives elsewhere. Ids are
URL-quoted, so a native id can never change the link's host or path shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from adapters.model import JobRecord, Source


@dataclass(frozen=True, slots=True)
class WebLinks:
    templates: Mapping[Source, str]
    """Per source, the full link template (base joined with the path)."""

    @classmethod
    def of(cls, bases: Mapping[Source, str | None], paths: Mapping[Source, str | None]) -> WebLinks:
        templates: dict[Source, str] = {}
        for source, base in bases.items():
            if base is None:
                continue
            if "{native_id}" in base:
                templates[source] = base
            elif (path := paths.get(source)) is not None:
                templates[source] = base + path
        return cls(templates)

    def url(self, job: JobRecord) -> str | None:
        template = self.templates.get(job.source)
        if template is None:
            return None
        return template.replace("{scope}", quote(job.scope, safe="")).replace(
            "{native_id}", quote(job.native_id, safe="")
        )
