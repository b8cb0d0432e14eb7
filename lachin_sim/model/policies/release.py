"""Reservoir release rules: how much water a hydro plant may release in a tick.

Without a rule the plant follows demand down to the dead volume (it runs at full output until
the reservoir is empty). With a rule, operators keep ``reserve_m3`` above the dead volume and,
given a horizon (``horizon_days`` ahead, or ``until`` a date), spread the usable water plus the
inflow they expect (the mean of a trailing window) evenly over it: the stretch rule applied to
stored water. The shortfall becomes scheduled power cuts.

>>> from lachin_sim.config.policies import ReleaseRule as Cfg
>>> rule = ReleasePolicy(Cfg(horizon_days=100), dead_m3=10.0, tick_days=1.0)
>>> rule.limit_m3(volume_m3=110.0, t=0.0)   # (110 - 10) / 100 days, one tick
1.0
"""

from __future__ import annotations

import math

from lachin_sim.config.policies import ReleaseRule
from lachin_sim.model.policies.rationing import InflowWindow


class ReleasePolicy:
    """Release limit per tick (m3) of one plant; ``record_inflow`` feeds its trailing window."""

    def __init__(self, rule: ReleaseRule | None, dead_m3: float, tick_days: float,
                 until_day: float | None = None):  # fmt: skip
        rule = rule if rule is not None and rule.enabled else None
        self.rule = rule
        self.floor_m3 = dead_m3 + (rule.reserve_m3 if rule is not None else 0.0)
        self.tick_days = tick_days
        self.until = until_day
        window = rule.inflow_window_days if rule is not None else 0.0
        self.inflow = InflowWindow(window, tick_days)

    def limit_m3(self, volume_m3: float, t: float) -> float:
        """Most water (m3) that may be released in the tick starting at ``t``."""
        usable = max(volume_m3 - self.floor_m3, 0.0)
        rule = self.rule
        if rule is None or (rule.horizon_days is None and self.until is None):
            return usable
        if rule.horizon_days is not None:
            horizon = rule.horizon_days
        else:
            assert self.until is not None  # checked above
            horizon = max(self.until - t, 1.0)
        per_day = (usable + (self.inflow.rate() or 0.0) * horizon) / horizon
        return min(per_day * self.tick_days, usable) if math.isfinite(per_day) else usable

    def record_inflow(self, inflow_m3: float) -> None:
        self.inflow.record(inflow_m3)
