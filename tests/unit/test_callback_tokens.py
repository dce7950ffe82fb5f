"""Callback tokens: one token speaks only for the jobs it was issued for (and their reruns)."""

from __future__ import annotations

from adapters.model import Source
from gateway.callbacks import CallbackTokens


def test_a_token_speaks_only_for_its_job_and_its_reruns() -> None:
    hooks = CallbackTokens("https://gw.example")
    token, url = hooks.new_callback_url(Source.LEIA)
    assert url == f"https://gw.example/webhooks/leia/{token}"
    hooks.bind(token, "job-1")
    assert hooks.accept(token, "job-1")
    assert not hooks.accept(token, "job-2")
    hooks.inherit("job-1", "job-2")
    assert hooks.accept(token, "job-2")
    assert not hooks.accept("unknown-token", "job-1")


def test_an_unbound_token_binds_to_the_first_job_it_reports() -> None:
    hooks = CallbackTokens("https://gw.example/")
    token, _ = hooks.new_callback_url(Source.LEIA)
    assert hooks.accept(token, "early")
    assert not hooks.accept(token, "other")


def test_inheriting_from_a_job_without_a_token_changes_nothing() -> None:
    hooks = CallbackTokens("https://gw.example")
    hooks.inherit("never-submitted-here", "job-9")
    token, _ = hooks.new_callback_url(Source.LEIA)
    hooks.bind(token, "job-1")
    assert not hooks.accept(token, "job-9")
