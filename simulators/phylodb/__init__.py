"""phyloDB (PHYLOViZ) jobs: a faithful simulator (seeded state and the HTTP app).

``app`` builds it (``create_simulator``); its module docstring lists what it reproduces.
"""

from simulators.phylodb.app import create_simulator

__all__ = ["create_simulator"]
