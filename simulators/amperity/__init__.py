"""Amperity ingest jobs and workflows (API version 2024-04-01): a faithful simulator (model, gate, seed data).

``app`` builds it (``create_simulator``); its module docstring lists what it reproduces.
"""

from simulators.amperity.app import create_simulator

__all__ = ["create_simulator"]
