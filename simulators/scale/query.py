"""DRF and ``util.rest`` behaviour the Scale simulator copies: parameter parsing, paging, ordering.

Messages are Scale's own (``util/rest.py``) and Django REST Framework's
(``PageNumberPagination``: ``page`` 1-based or ``last``, ``page_size`` capped at
1000 with invalid values falling back to the default, ``{"detail": "Invalid
page."}`` with 404 beyond the end, ``next``/``previous`` as absolute URLs whose
query is re-encoded with sorted keys).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.datastructures import QueryParams

from adapters.timeparse import parse_time

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


class ApiError(Exception):
    """Answered as ``status`` with ``body`` as JSON (DRF ``{"detail": ...}`` unless a view says otherwise)."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(str(body))
        self.status = status
        self.body = body
        self.headers = headers or {}


def bad(message: str) -> ApiError:
    return ApiError(400, {"detail": message})


def not_found() -> ApiError:
    return ApiError(404, {"detail": "Not found."})


_DURATION = re.compile(
    r"^P(?:(?P<days>\d+(?:\.\d+)?)D)?(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?"
    r"(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


_UNESCAPED_OFFSET = re.compile(r"(?<=\d) (\d\d:?\d\d)$")


def parse_moment(text: str, now: datetime) -> datetime | None:
    """An ISO-8601 date/time, or an ISO-8601 duration meaning that long before ``now``."""
    match = _DURATION.match(text)
    if match and text not in ("P", "PT"):
        parts = {k: float(v) for k, v in match.groupdict().items() if v}
        return now - timedelta(**parts)
    # A "+hh:mm" offset arrives as " hh:mm" when the client did not escape the plus sign.
    return parse_time(_UNESCAPED_OFFSET.sub(r"+\1", text))


def check_time_range(started: datetime | None, ended: datetime | None, max_days: int | None = None) -> None:
    if started is None or ended is None:
        return
    if started == ended:
        raise bad("Start and end values must be different")
    if started > ended:
        raise bad("Start time must come before end time")
    if max_days is not None and ended - started > timedelta(days=max_days):
        raise bad(f"Time range must be between 0 and {max_days} days, 0:00:00")


class Params:
    """Query parameters read the way ``util.rest.parse_*`` reads them."""

    def __init__(self, query: QueryParams, now: datetime) -> None:
        self.query = query
        self.now = now

    def strings(self, name: str) -> list[str]:
        return self.query.getlist(name)

    def string(self, name: str) -> str | None:
        return self.query.get(name)

    def ints(self, name: str) -> list[int]:
        try:
            return [int(v) for v in self.query.getlist(name)]
        except ValueError:
            raise bad(f'Parameter must be a valid integer: "{name}"') from None

    def boolean(self, name: str) -> bool | None:
        value = self.query.get(name)
        return None if value is None else to_bool(name, value)

    def moment(self, name: str, default: datetime | None = None) -> datetime | None:
        value = self.query.get(name)
        if value is None:
            return default
        moment = parse_moment(value, self.now)
        if moment is None:
            raise bad(f"Invalid ISO timestamp format for parameter: {name}")
        return moment

    def time_range(self, started_name: str = "started", ended_name: str = "ended") -> tuple[datetime | None, ...]:
        started, ended = self.moment(started_name), self.moment(ended_name)
        check_time_range(started, ended)
        return started, ended


def to_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "t", "1"):
        return True
    if text in ("false", "f", "0"):
        return False
    raise bad(f'Parameter must be a valid boolean: "{name}"')


# --- ordering -----------------------------------------------------------------------------------

SortKey = Callable[[T], Any]


def order_by(items: list[T], orders: Sequence[str], fields: dict[str, SortKey[T]], tiebreak: str) -> list[T]:
    """Sort by each ``order`` field in turn (``-`` = descending) like Postgres: NULLs last ascending, first descending.

    The ``tiebreak`` field is appended so equal keys come back in the same order every time.
    """
    keys: list[tuple[SortKey[T], bool]] = []
    for order in [*orders, tiebreak]:
        name = order.lstrip("-")
        if name not in fields:
            raise bad(f"Invalid order field: {name}")
        keys.append((fields[name], order.startswith("-")))
    result = list(items)
    for key, descending in reversed(keys):
        result.sort(key=lambda item, key=key: _nullable(key(item)), reverse=descending)  # type: ignore[misc]
    return result


def _nullable(value: Any) -> tuple[Any, ...]:
    return (1,) if value is None else (0, value)


# --- paging -----------------------------------------------------------------------------------------


def page_size(query: QueryParams) -> int:
    raw = query.get("page_size")
    try:
        size = int(raw) if raw is not None else DEFAULT_PAGE_SIZE
    except ValueError:
        return DEFAULT_PAGE_SIZE
    if size <= 0:
        return DEFAULT_PAGE_SIZE
    return min(size, MAX_PAGE_SIZE)


def paginate(url: str, query: QueryParams, items: Sequence[T], render: Callable[[T], Any]) -> dict[str, Any]:
    size = page_size(query)
    pages = max(1, math.ceil(len(items) / size))
    raw = query.get("page", "1")
    number = pages if raw == "last" else _page_number(raw)
    if number is None or number < 1 or number > pages:
        raise ApiError(404, {"detail": "Invalid page."})
    chunk = items[(number - 1) * size : number * size]
    return {
        "count": len(items),
        "next": _replace(url, "page", str(number + 1)) if number < pages else None,
        "previous": (_remove(url, "page") if number == 2 else _replace(url, "page", str(number - 1)))
        if number > 1
        else None,
        "results": [render(item) for item in chunk],
    }


def _page_number(raw: str) -> int | None:
    try:
        return int(raw)
    except ValueError:
        return None


def _replace(url: str, key: str, value: str) -> str:
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != key]
    pairs.append((key, value))
    return urlunsplit(parts._replace(query=urlencode(_sorted(pairs))))


def _remove(url: str, key: str) -> str:
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != key]
    return urlunsplit(parts._replace(query=urlencode(_sorted(pairs))))


def _sorted(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """DRF rebuilds the query from a dict sorted by key, keeping each key's values in order."""
    return sorted(pairs, key=lambda pair: pair[0])
