"""What every upstream simulator shares: the simulated clock, fault injection, seeded ids."""

from simulators.kit.clock import SimClock
from simulators.kit.faults import FaultInjector, Faults
from simulators.kit.seeding import Seeded

__all__ = ["FaultInjector", "Faults", "Seeded", "SimClock"]
