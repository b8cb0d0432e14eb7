"""Rationing: the fraction of full need a commodity's stock is allowed to serve each tick.

Two rules, combined by taking the lower ration:
- thresholds: when days of supply fall below ``below_days_of_supply``, serve ``ration``;
- caps: a dated decision (e.g. coupon rationing) serves at most ``ration`` over ``[start, end)``.
"""

from __future__ import annotations

import numpy as np

from lachin_sim.config.schema import Scenario


class RationPolicy:
    """Ration lookup for one scenario, by commodity position; dated caps are precomputed per
    tick (plain lists, no pandas), so the lookup in the consumption tick is cheap."""

    def __init__(self, scenario: Scenario, tick_starts: np.ndarray):
        names = list(scenario.commodities)
        self._steps: list[list[tuple[float, float]]] = [[] for _ in names]
        for name, steps in scenario.rationing.thresholds.items():
            self._steps[names.index(name)] = sorted(
                ((s.below_days_of_supply, s.ration) for s in steps), reverse=True
            )
        self._caps: list[list[float] | None] = [None for _ in names]
        for cap in scenario.rationing.caps:
            t0 = scenario.day_of(cap.start)
            t1 = scenario.day_of(cap.end) if cap.end is not None else float("inf")
            i = names.index(cap.commodity)
            ceiling = self._caps[i] = self._caps[i] or [1.0] * len(tick_starts)
            for k, t in enumerate(tick_starts):
                if t0 <= t < t1 and cap.ration < ceiling[k]:
                    ceiling[k] = cap.ration

    def ration(self, commodity: int, tick: int, stock: float, need_per_day: float) -> float:
        """Fraction of full need (0..1) that commodity number ``commodity`` may serve in
        ``tick``, given its stock before consumption and its full need per day."""
        caps = self._caps[commodity]
        ration = caps[tick] if caps is not None else 1.0
        steps = self._steps[commodity]
        if steps:
            days_of_supply = stock / need_per_day if need_per_day > 0 else float("inf")
            for below, step_ration in steps:
                if days_of_supply < below and step_ration < ration:
                    ration = step_ration
        return ration
