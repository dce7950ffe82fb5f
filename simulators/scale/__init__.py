"""Scale v6 job types, jobs and ingests: a faithful simulator (store, query rules, rendering, endpoints, seed data).

``app`` builds it (``create_simulator``); its module docstring lists what it reproduces.
"""

from simulators.scale.app import create_simulator

__all__ = ["create_simulator"]
