"""The eligibility application: the rule book, the clock and the projection cache, wired once."""

from __future__ import annotations

from dataclasses import dataclass, field

from chasqui_eligibility.application.clock import Clock, SystemClock
from chasqui_eligibility.application.projection import ProjectionCache
from chasqui_eligibility.domain.rules import RuleBook


@dataclass
class Eligibility:
    book: RuleBook
    clock: Clock = field(default_factory=SystemClock)
    projection: ProjectionCache = field(default_factory=ProjectionCache)
