"""WordLift Graph KPI jobs: a faithful simulator (records, planning, store, seed data, rendering, HTTP routes).

``app`` builds it (``create_simulator``); its module docstring lists what it reproduces.
"""

from simulators.wordlift.app import create_simulator

__all__ = ["create_simulator"]
