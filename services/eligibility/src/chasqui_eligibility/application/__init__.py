"""Use cases: event handlers, the sweep, simulation and queries."""
