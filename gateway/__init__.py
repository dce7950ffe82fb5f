"""Job Gateway: one GraphQL graph over heterogeneous job APIs."""

__version__ = "0.1.0"
