"""What the gateway remembers beyond one request: one small store protocol, three backends.

``StateStore`` is what services use (the idempotency ledger, the cursor key); the
backend is chosen by ``[gateway] state_url``: ``sqlite:///PATH`` (a file that
survives restarts, the default of ``job-gateway serve``), ``redis://host:port/db``
or ``rediss://`` (shared by replicas), ``memory://`` (one process, tests).
"""

from __future__ import annotations

from gateway.state.base import StateStore, StateUnavailable, redact_url
from gateway.state.factory import open_store

__all__ = ["StateStore", "StateUnavailable", "open_store", "redact_url"]
