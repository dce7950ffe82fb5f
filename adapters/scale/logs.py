"""A Scale job's logs: its executions' ``combined`` logs, oldest execution first.

``GET /v6/jobs/{id}/executions/`` (one page of up to 1000, newest first upstream) names the
executions; ``GET /v6/job-executions/{exe_id}/logs/combined/`` serves one execution's lines
as JSON (204 when it has none yet). A position is ``"<exe_num>:<lines read of it>"``, so a
page may stop inside an execution and the next one continues there; lines an execution
adds later (it is still running) are read when the list reaches it again.

A line's ``level`` is the word before `` - `` at its start (``INFO - Starting``), else
ERROR on stderr and INFO on stdout; ``time`` is its ``timestamp``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.base import Page, PageEntry
from adapters.errors import ErrorKind, UpstreamError
from adapters.http import UpstreamClient
from adapters.model import LogRecord, Source
from adapters.timeparse import parse_time

_LEVELS = frozenset({"DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL"})


def _position(after: str | None) -> tuple[int, int]:
    if after is None:
        return 0, 0
    exe, sep, line = after.partition(":")
    if not sep or not (exe.isdigit() and line.isdigit()) or len(after) > 24:
        raise UpstreamError(ErrorKind.INVALID, Source.SCALE, "malformed SCALE log position")
    return int(exe), int(line)


async def job_logs(client: UpstreamClient, job_id: int, after: str | None, limit: int) -> Page[LogRecord]:
    start_exe, start_line = _position(after)
    body = await client.get_json(
        f"/v6/jobs/{job_id}/executions/", operation="list_executions", params={"page_size": "1000"}
    )
    results = body.get("results") if isinstance(body, Mapping) else None
    if not isinstance(results, list):
        raise UpstreamError(ErrorKind.BAD_RESPONSE, Source.SCALE, "SCALE sent an execution list of the wrong shape")
    executions = sorted(
        (e["exe_num"], e["id"]) for e in results if isinstance(e, Mapping) and _ints(e.get("exe_num"), e.get("id"))
    )
    entries: list[PageEntry[LogRecord]] = []
    pending = [(num, exe_id) for num, exe_id in executions if num >= start_exe]
    for index, (num, exe_id) in enumerate(pending):
        skip = start_line if num == start_exe else 0
        lines = await _lines(client, exe_id)
        for offset, line in enumerate(lines[skip:], start=skip + 1):
            if len(entries) == limit:
                return Page(entries, has_more=True)
            entries.append(PageEntry(line, f"{num}:{offset}"))
        if len(entries) == limit:
            return Page(entries, has_more=index + 1 < len(pending))
    return Page(entries, has_more=False)


def _ints(*values: Any) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


async def _lines(client: UpstreamClient, exe_id: int) -> list[LogRecord]:
    response = await client.request(
        "GET",
        f"/v6/job-executions/{exe_id}/logs/combined/",
        operation="job_logs",
        headers={"Accept": "application/json"},
    )
    if response.status_code == 204 or not response.content:
        return []
    body = client.decode(response)
    if not isinstance(body, list):
        raise UpstreamError(ErrorKind.BAD_RESPONSE, Source.SCALE, "SCALE sent a log of the wrong shape")
    return [_line(item) for item in body if isinstance(item, Mapping) and isinstance(item.get("message"), str)]


def _line(item: Mapping[str, Any]) -> LogRecord:
    message: str = item["message"]
    stream = item.get("stream") if isinstance(item.get("stream"), str) else None
    word = message.split(" - ", 1)[0].strip().upper() if " - " in message else ""
    level = word if word in _LEVELS else ("ERROR" if stream == "stderr" else "INFO" if stream == "stdout" else None)
    return LogRecord(message=message, time=parse_time(item.get("timestamp")), level=level, stream=stream)
