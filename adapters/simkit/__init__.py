"""What every upstream simulator shares: the simulated clock, fault injection, seeded ids."""

from adapters.simkit.clock import SimClock
from adapters.simkit.faults import FaultInjector, Faults
from adapters.simkit.seeding import Seeded

__all__ = ["FaultInjector", "Faults", "Seeded", "SimClock"]
