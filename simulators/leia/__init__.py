"""Leia API (leia.io) jobs: a faithful simulator (model, state, listing, routes, seed data).

``app`` builds it (``create_simulator``); its module docstring lists what it reproduces.
"""

from simulators.leia.app import create_simulator

__all__ = ["create_simulator"]
