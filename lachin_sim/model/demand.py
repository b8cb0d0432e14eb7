"""Demand lines: who draws on each commodity, how much, with which priority.

A commodity's need is split into *lines*: one per (use, group) for a per-person need, one per
use for a fixed need. A commodity without ``uses`` has one use, named after the commodity,
whose need per person is the commodity's ``need_per_person_day``. A group's ``need_factors``
multiply its per-person need; the commodity's (or the use's) monthly factors multiply both.
Each line's dated caps (the replay of recorded decisions) are precomputed per tick.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lachin_sim.config.schema import Scenario
from lachin_sim.model.policies.rationing import line_caps


@dataclass
class DemandLine:
    commodity: int
    use: str
    group: int | None  # index of the group whose people count; None for a fixed need
    group_name: str
    priority: int
    weight: float  # share weight when a priority level cannot be served in full
    per_person_day: np.ndarray | None  # unit / person / day in each tick (None: fixed need)
    fixed_per_day: np.ndarray | None  # unit / day in each tick (None: per-person need)
    cap: np.ndarray  # share of need the dated caps allow in each tick (1 = no cap)
    cap_note: list[str]
    outcome: str = ""
    outcome_min_share: float = 1.0
    records: list[tuple] = field(default_factory=list)

    def need(self, k: int, people: np.ndarray, tick_days: float) -> float:
        """Need in tick ``k`` (commodity unit per tick)."""
        if self.per_person_day is not None and self.group is not None:
            return float(self.per_person_day[k] * people[self.group] * tick_days)
        return float(self.fixed_per_day[k] * tick_days) if self.fixed_per_day is not None else 0.0


def monthly(factors: list[float] | None, months: np.ndarray) -> np.ndarray:
    """Per-tick multipliers from 12 monthly factors (ones when there are none)."""
    if factors is None:
        return np.ones(len(months))
    return np.asarray(factors, dtype=float)[months - 1]


def build_lines(
    scenario: Scenario, tick_starts: np.ndarray, months: np.ndarray
) -> list[list[DemandLine]]:
    """The demand lines of every commodity, in commodity order."""
    groups = scenario.group_names
    group_cfg = scenario.population.groups
    out: list[list[DemandLine]] = []
    for ci, (name, c) in enumerate(scenario.commodities.items()):
        lines: list[DemandLine] = []
        uses = c.uses or {name: _implicit_use(c)}
        for use_name, use in uses.items():
            factors = monthly(use.monthly_need_factors if use.monthly_need_factors is not None
                              else c.monthly_need_factors, months)  # fmt: skip
            common: dict[str, Any] = {"commodity": ci, "use": use_name, "priority": use.priority,
                      "outcome": use.outcome, "outcome_min_share": use.outcome_min_share}  # fmt: skip
            if use.need_per_person_day > 0 or (use.need_per_day == 0 and not c.uses):
                for gi, g in enumerate(groups):
                    if use.groups is not None and g not in use.groups:
                        continue
                    gcfg = group_cfg.get(g)
                    factor = gcfg.need_factors.get(name, 1.0) if gcfg is not None else 1.0
                    weight = gcfg.share_weights.get(name, 1.0) if gcfg is not None else 1.0
                    per_person = use.need_per_person_day * factor * factors
                    cap, notes = line_caps(scenario.rationing.caps, name, use_name, g, per_person,
                                           tick_starts, scenario.day_of)  # fmt: skip
                    lines.append(DemandLine(group=gi, group_name=g, weight=weight,
                                            per_person_day=per_person, fixed_per_day=None,
                                            cap=cap, cap_note=notes, **common))  # fmt: skip
            if use.need_per_day > 0:
                cap, notes = line_caps(scenario.rationing.caps, name, use_name, None, None,
                                       tick_starts, scenario.day_of)  # fmt: skip
                lines.append(DemandLine(group=None, group_name="", weight=1.0,
                                        per_person_day=None, fixed_per_day=use.need_per_day * factors,
                                        cap=cap, cap_note=notes, **common))  # fmt: skip
        out.append(lines)
    return out


def _implicit_use(c):
    from lachin_sim.config.schema import Use

    return Use(need_per_person_day=c.need_per_person_day, monthly_need_factors=None)
