"""How big the scenario is, which seed it uses and how long it waits."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_HOUSEHOLDS = 200
DEFAULT_SEED = 20250601


@dataclass(frozen=True)
class Options:
    households: int = DEFAULT_HOUSEHOLDS
    seed: int = DEFAULT_SEED
    settle_timeout: float | None = None  # default: 120 s + 0.5 s per household

    @property
    def timeout(self) -> float:
        """Seconds each waiting stage (import, events, settling) may take."""
        return self.settle_timeout if self.settle_timeout is not None else 120 + 0.5 * self.households
