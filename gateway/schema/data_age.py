"""``extensions.dataAgeSeconds``: how old the list pages of an answer are, when some came from the freshness window.

A client that needs to know (a dashboard showing "as of") reads, per source, the
age of the oldest page it was served from the window (``gateway.freshness``);
answers read entirely from the upstreams carry no such entry.
"""

from __future__ import annotations

from typing import Any

from strawberry.extensions import SchemaExtension

from gateway.context import Context


class DataAge(SchemaExtension):
    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        if not isinstance(context, Context) or not context.data_age:
            return {}
        return {"dataAgeSeconds": {source.value: round(age, 3) for source, age in sorted(context.data_age.items())}}
