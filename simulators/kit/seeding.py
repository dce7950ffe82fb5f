"""Seeded randomness and upstream-looking ids, so the same seed gives the same data."""

from __future__ import annotations

import random
import string
import uuid


class Seeded:
    """A ``random.Random`` with helpers for the id formats the upstreams use."""

    def __init__(self, seed: int, salt: str) -> None:
        # Salting by upstream keeps simulators independent of each other's draws.
        self.rng = random.Random(f"{seed}:{salt}")

    def hex(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def alnum(self, n: int) -> str:
        return "".join(self.rng.choice(string.ascii_letters + string.digits) for _ in range(n))

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def mongo_id(self) -> str:
        return self.hex(24)
