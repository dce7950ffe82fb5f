"""Poll leases: which of the watched jobs this replica polls, so replicas do not poll one job twice.

A lease per job lives in the state store under ``lease:<source>:<scope>:<id>``,
valued with the holder's name. ``renew`` takes or renews, in one atomic store
call, the leases of every job this replica wants to poll; a job another replica
holds is left to it (its events reach this replica through the shared log).
A holder that dies stops renewing, its leases lapse after ``ttl_s``, and the
next ``renew`` of a replica that watches the job takes it over. Together, the
leases are the store's registry of watched jobs: who polls what, right now.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from gateway.events.model import JobRef
from gateway.state import StateStore, StateUnavailable

log = logging.getLogger(__name__)

DEFAULT_TTL_S = 3.0
DEFAULT_RENEW_S = 1.0


class PollLeases:
    """This replica's leases; ``holds`` is what the watcher asks before polling a job."""

    def __init__(
        self, store: StateStore, owner: str, *, ttl_s: float = DEFAULT_TTL_S, renew_s: float = DEFAULT_RENEW_S
    ) -> None:
        if not 0 < renew_s < ttl_s:
            raise ValueError("leases must be renewed more often than they lapse")
        self._store = store
        self._owner = owner.encode()
        self.ttl_s = ttl_s
        self.renew_s = renew_s
        self._held: set[JobRef] = set()

    def holds(self, ref: JobRef) -> bool:
        return ref in self._held

    @property
    def held(self) -> frozenset[JobRef]:
        return frozenset(self._held)

    async def renew(self, wanted: Collection[JobRef]) -> None:
        """Hold exactly the leases of ``wanted`` that are free or ours; give back the rest of ours.

        If the store cannot answer, keep polling what we held: two pollers for a
        while (their repeated events are dropped) beat nobody polling.
        """
        refs = list(wanted)
        try:
            flags = await self._store.hold([_key(ref) for ref in refs], self._owner, ttl_s=self.ttl_s)
            held = {ref for ref, flag in zip(refs, flags, strict=True) if flag}
            dropped = self._held - set(refs)
            if dropped:
                await self._store.release([_key(ref) for ref in dropped], self._owner)
        except StateUnavailable as exc:
            log.warning("poll leases not renewed; polling the %d job(s) held before: %s", len(self._held), exc)
            return
        self._held = held

    async def release_all(self) -> None:
        """On the way out: let other replicas take over at once instead of after ``ttl_s``."""
        held, self._held = self._held, set()
        if held:
            try:
                await self._store.release([_key(ref) for ref in held], self._owner)
            except StateUnavailable as exc:
                log.warning("poll leases not released (they lapse in %.0fs): %s", self.ttl_s, exc)


def _key(ref: JobRef) -> str:
    return f"lease:{ref.path}"
