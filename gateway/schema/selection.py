"""What a query selects below the field being resolved, for work worth skipping when nobody asked.

Conservative by design: a selection under ``@include``/``@skip`` counts as selected
(the directive's variable decides at execution, after the resolver ran), so an
answer is never missing something it asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from gateway.context import Info


def selects(selections: Iterable[Selection], path: Sequence[str]) -> bool:
    """Whether ``path`` (field names, e.g. ``("edges", "cursor")``) may be selected in ``selections``."""
    head, rest = path[0], path[1:]
    for selection in selections:
        if selection.directives:
            return True
        if isinstance(selection, SelectedField):
            if selection.name == head and (not rest or selects(selection.selections, rest)):
                return True
        elif isinstance(selection, FragmentSpread | InlineFragment) and selects(selection.selections, path):
            return True
    return False


def selects_edge_cursors(info: Info) -> bool:
    """Whether the connection field being resolved has ``edges { cursor }`` selected (in any fragment)."""
    return any(selects(field.selections, ("edges", "cursor")) for field in info.selected_fields)
