"""Tokens of the callback URLs the gateway hands to upstreams that push job changes.

Only when ``[gateway] public_base_url`` is configured (the upstream must be able
to reach us). Each job submitted through the gateway to a ``CallbackSource``
without a callback of the client's own gets a fresh random token in its URL
(``/webhooks/<source>/<token>``); a POST is accepted only for a known token and
only about the job that token was issued for, so a forged or replayed callback
for another job changes nothing. The token map is bounded and expires with the
job's expected lifetime.
"""

from __future__ import annotations

import secrets

from cachetools import TTLCache

from adapters.model import Source


class CallbackTokens:
    def __init__(self, public_base_url: str, *, ttl_s: float = 7 * 24 * 3600, maxsize: int = 100_000) -> None:
        self.base = public_base_url.rstrip("/")
        # token -> the native ids of the jobs it speaks for (None until the submit returned the id).
        # More than one only through reruns: a rerun resubmits the same callback URL.
        self._tokens: TTLCache[str, frozenset[str] | None] = TTLCache(maxsize=maxsize, ttl=ttl_s)
        self._by_job: TTLCache[str, str] = TTLCache(maxsize=maxsize, ttl=ttl_s)

    def new_callback_url(self, source: Source) -> tuple[str, str]:
        token = secrets.token_urlsafe(24)
        self._tokens[token] = None
        return token, f"{self.base}/webhooks/{source.value.lower()}/{token}"

    def bind(self, token: str, native_id: str) -> None:
        jobs = self._tokens.get(token) or frozenset()
        self._tokens[token] = jobs | {native_id}
        self._by_job[native_id] = token

    def inherit(self, old_id: str, new_id: str) -> None:
        """A rerun of ``old_id`` became ``new_id`` with the same callback URL: let its token speak for both."""
        token = self._by_job.get(old_id)
        if token is not None and token in self._tokens:
            self.bind(token, new_id)

    def known(self, token: str) -> bool:
        return token in self._tokens

    def accept(self, token: str, native_id: str) -> bool:
        """Whether a callback about ``native_id`` may use ``token``.

        A token still unbound (its job ended before the submit returned) is bound
        to the first job it reports, so it can never speak for another one.
        """
        if token not in self._tokens:
            return False
        expected = self._tokens[token]
        if expected is None:
            self.bind(token, native_id)
            return True
        return native_id in expected
