"""Log lines: JSON or text, structured fields kept, webhook tokens redacted, one handler, quiet companions."""

from __future__ import annotations

import json
import logging

import pytest

from gateway import logs


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("job_gateway.test", logging.WARNING, __file__, 1, message, args, None)
    made.__dict__.update(extra)
    return made


def test_json_lines_carry_the_structured_fields() -> None:
    line = json.loads(
        logs.JsonFormatter().format(record("upstream %s failed", "SCALE", source="SCALE", kind="TIMEOUT"))
    )
    assert line["message"] == "upstream SCALE failed" and line["level"] == "warning"
    assert line["source"] == "SCALE" and line["kind"] == "TIMEOUT" and line["logger"] == "job_gateway.test"


@pytest.mark.parametrize("formatter", [logs.JsonFormatter(), logs.TextFormatter()])
def test_webhook_tokens_are_redacted_in_messages_and_fields(formatter: logging.Formatter) -> None:
    text = formatter.format(record("POST %s", "/webhooks/leia/tok-123abc?x=1", path="/webhooks/leia/tok-123abc"))
    assert "tok-123abc" not in text and "/webhooks/leia/***" in text


def test_configure_leaves_one_handler_and_quiets_url_loggers() -> None:
    logs.configure("json", "info")
    logs.configure("text", "info")
    assert len(logging.getLogger().handlers) == 1
    assert logging.getLogger("uvicorn.error").handlers == [] and logging.getLogger("uvicorn.error").propagate
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="must be one of text, json"):
        logs.configure("xml", "info")


def test_a_companion_servers_info_lines_are_dropped() -> None:
    logs.configure("json", "info")
    [handler] = logging.getLogger().handlers
    token = logs.QUIET.set(True)
    try:
        quiet_info = handler.filter(logging.LogRecord("uvicorn.error", logging.INFO, "", 1, "Started", (), None))
        quiet_error = handler.filter(logging.LogRecord("uvicorn.error", logging.ERROR, "", 1, "bind failed", (), None))
    finally:
        logs.QUIET.reset(token)
    assert not quiet_info and quiet_error
    assert handler.filter(logging.LogRecord("uvicorn.error", logging.INFO, "", 1, "Started", (), None))


@pytest.mark.parametrize("formatter", [logs.JsonFormatter(), logs.TextFormatter()])
def test_uvicorns_coloured_copy_of_a_message_is_not_a_field(formatter: logging.Formatter) -> None:
    text = formatter.format(record("Started server process [%d]", 7, color_message="Started [\x1b[36m%d\x1b[0m]"))
    assert "Started server process [7]" in text and "color_message" not in text and "\x1b" not in text
