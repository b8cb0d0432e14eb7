"""Rationing: the fraction of full need a commodity's stock is allowed to serve each tick.

Two rules, combined by taking the lower ration:
- thresholds: when days of supply fall below ``below_days_of_supply``, serve ``ration``;
- caps: a dated decision (e.g. coupon rationing) serves at most ``ration`` over ``[start, end)``.
"""

from __future__ import annotations

import numpy as np

from .config import Scenario


class RationPolicy:
    """Ration lookup for one scenario; caps are precomputed per tick (plain lists, no pandas)."""

    def __init__(self, scenario: Scenario, tick_starts: np.ndarray):
        self._steps = {
            name: sorted(((s.below_days_of_supply, s.ration) for s in steps), reverse=True)
            for name, steps in scenario.rationing.thresholds.items()
        }
        self._caps: dict[str, list[float]] = {}
        for cap in scenario.rationing.caps:
            t0 = scenario.day_of(cap.start)
            t1 = scenario.day_of(cap.end) if cap.end is not None else float("inf")
            ceiling = self._caps.setdefault(cap.commodity, [1.0] * len(tick_starts))
            for k, t in enumerate(tick_starts):
                if t0 <= t < t1 and cap.ration < ceiling[k]:
                    ceiling[k] = cap.ration

    def caps_for(self, commodity: str) -> list[float] | None:
        """Ration ceiling of each tick from dated caps, or None when the commodity has none."""
        return self._caps.get(commodity)

    def steps_for(self, commodity: str) -> list[tuple[float, float]]:
        """(below_days_of_supply, ration) steps, highest threshold first."""
        return self._steps.get(commodity, [])

    def ration(self, commodity: str, tick: int, days_of_supply: float) -> float:
        """Fraction of full need to serve (0..1) given the days of supply before consumption."""
        caps = self._caps.get(commodity)
        ration = caps[tick] if caps is not None else 1.0
        for below, step_ration in self.steps_for(commodity):
            if days_of_supply < below and step_ration < ration:
                ration = step_ration
        return ration
