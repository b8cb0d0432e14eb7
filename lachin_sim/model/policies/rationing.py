"""Ration rules: the share of full need a commodity may serve in a tick, from the model's state.

Each rule is a small strategy object whose ``propose`` looks at the tick's state (stock before
use, need per day, inflow expected from the trailing window, time) and returns a share of need:

- :class:`ThresholdRule`: a step down as days of supply fall below thresholds;
- :class:`StretchRule`: the share that makes the stock plus the expected inflow last to a
  horizon, ``(stock + inflow x H) / (draw x H)``, bounded by a floor and a ceiling; with a
  trigger, it engages the first tick days of supply fall below it and stays engaged.

:class:`DecidedRation` takes the lowest proposal and applies the decision behaviour: announced
steps, at most one change every K days, a delay from the state that calls for a change to the
change itself, and hysteresis (a change smaller than it is not made, up or down). Dated caps (the replay of recorded decisions) are not
rules: they cap individual demand lines (:func:`line_caps`) and are applied afterwards.

>>> from lachin_sim.config.policies import StretchRule as Cfg
>>> rule = StretchRule(Cfg(horizon_days=10))
>>> rule.propose(stock=50.0, draw_per_day=10.0, inflow_per_day=0.0, t=0.0)
0.5
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lachin_sim.config.policies import DecisionBehaviour, RationCap, RationRule
from lachin_sim.config.policies import StretchRule as StretchConfig

EPS = 1e-12


class ThresholdRule:
    """Below ``below_days_of_supply`` days of supply, serve ``ration`` (the lowest step that
    applies wins)."""

    name = "threshold"

    def __init__(self, steps: list[tuple[float, float]]):
        self.steps = sorted(steps, reverse=True)  # (below_days, ration)

    def propose(self, stock: float, draw_per_day: float, inflow_per_day: float | None,
                t: float) -> float:  # fmt: skip
        days = stock / draw_per_day if draw_per_day > 0 else math.inf
        ration = 1.0
        for below, step in self.steps:
            if days < below:
                ration = min(ration, step)
        return ration


class StretchRule:
    """The share of need that makes stock + expected inflow last ``H`` days (or to a date)."""

    name = "stretch"

    def __init__(self, config: StretchConfig, until_day: float | None = None):
        self.horizon = config.horizon_days
        self.until = until_day
        self.floor, self.ceiling = config.floor, config.ceiling
        self.trigger = config.trigger_days_of_supply
        self.engaged = self.trigger is None  # a trigger starts rationing; it then stays on

    def horizon_at(self, t: float) -> float:
        """Days from ``t`` to the horizon (at least one day)."""
        if self.horizon is not None:
            return self.horizon
        return max((self.until or 0.0) - t, 1.0)

    def propose(self, stock: float, draw_per_day: float, inflow_per_day: float | None,
                t: float) -> float | None:  # fmt: skip
        if inflow_per_day is None:
            return None  # nothing seen yet: no basis for a decision
        if draw_per_day <= 0:
            return self.ceiling
        if not self.engaged and self.trigger is not None:
            if stock / draw_per_day >= self.trigger:
                return None  # stocks are not yet low enough for the rule to engage
            self.engaged = True
        h = self.horizon_at(t)
        wanted = float(draw_per_day) * h
        if wanted <= 0:  # a need too small to represent
            return self.ceiling
        share = (float(stock) + float(inflow_per_day) * h) / wanted
        return min(max(share, self.floor), self.ceiling)


@dataclass
class _Pending:
    tick: int  # the tick from which the new ration holds
    ration: float
    rule: str


class DecidedRation:
    """One commodity's ration by rule, changed the way a decision-maker changes it.

    State: the ration in force (starts at the rules' ceiling, 1 unless a stretch ceiling is
    lower), the time of the last change, and at most one announced change waiting for its
    delay to pass. ``ration(k, t, ...)`` returns (ration in force in tick k, the rule that set it).
    """

    def __init__(self, rules: list, behaviour: DecisionBehaviour, tick_days: float):
        self.rules = rules
        self.step = behaviour.step
        self.min_gap = behaviour.min_days_between_changes
        self.delay_ticks = math.ceil(behaviour.delay_days / tick_days - 1e-9)
        self.tick_days = tick_days
        self.hysteresis = behaviour.hysteresis
        self.floor = max((getattr(r, "floor", 0.0) for r in rules), default=0.0)
        self.current = min((getattr(r, "ceiling", 1.0) for r in rules), default=1.0)
        self.rule = ""
        self.last_change = -math.inf
        self.pending: _Pending | None = None
        self.changes: list[tuple[int, float, float, str]] = []  # (tick, decided at, ration, rule)

    def _quantize(self, share: float) -> float:
        if self.step <= 0:
            return share
        stepped = math.floor(share / self.step + 1e-9) * self.step
        return max(stepped, self.floor) if share >= self.floor else stepped

    def ration(
        self, k: int, t: float, stock: float, draw_per_day: float, inflow_per_day: float | None
    ) -> tuple[float, str]:
        if self.pending is not None and k >= self.pending.tick:
            self._apply(self.pending.tick, k, self.pending.ration, self.pending.rule)
        proposals = [(share, r.name) for r in self.rules
                     if (share := r.propose(stock, draw_per_day, inflow_per_day, t)) is not None]  # fmt: skip
        if not proposals:
            return self.current, self.rule
        share, name = min(proposals)
        share = self._quantize(share)
        effective_tick = k + self.delay_ticks
        effective_t = effective_tick * self.tick_days
        if self.pending is None and effective_t - self.last_change >= self.min_gap - EPS:
            gap = abs(share - self.current)
            if gap > EPS and gap >= self.hysteresis - EPS:  # a change worth announcing
                self.pending = _Pending(effective_tick, share, name)
                if self.delay_ticks == 0:
                    self._apply(k, k, share, name, decided=k)
        return self.current, self.rule

    def _apply(
        self, tick: int, k: int, ration: float, rule: str, decided: int | None = None
    ) -> None:
        self.current, self.rule = ration, rule
        self.last_change = tick * self.tick_days
        self.changes.append((tick, tick - self.delay_ticks if decided is None else decided,
                             ration, rule))  # fmt: skip
        self.pending = None


def build_rule(rule: RationRule, scenario_day, tick_days: float) -> DecidedRation | None:
    """The DecidedRation for one commodity's ``RationRule`` (None when it has no rule)."""
    if not rule.enabled:
        return None
    rules: list = []
    if rule.thresholds:
        rules.append(ThresholdRule([(s.below_days_of_supply, s.ration) for s in rule.thresholds]))
    if rule.stretch is not None:
        until = scenario_day(rule.stretch.until) if rule.stretch.until is not None else None
        rules.append(StretchRule(rule.stretch, until))
    return DecidedRation(rules, rule.decisions, tick_days) if rules else None


class InflowWindow:
    """Mean inflow per day over a trailing window of ticks (what a planner expects to arrive).
    Until a whole window has been seen it is unknown (None), and rules that need it make no
    proposal: a planner does not judge deliveries on a day or two."""

    def __init__(self, window_days: float, tick_days: float):
        self.n = max(round(window_days / tick_days), 0)
        self.tick_days = tick_days
        self.history: list[float] = []

    def rate(self) -> float | None:
        if self.n == 0:
            return 0.0
        if len(self.history) < self.n:
            return None
        recent = self.history[-self.n :]
        return sum(recent) / (self.n * self.tick_days)

    def record(self, amount: float) -> None:
        self.history.append(amount)


def line_caps(
    caps: list[RationCap],
    commodity: str,
    use: str,
    group: str | None,
    per_person_need: np.ndarray | None,
    tick_starts: np.ndarray,
    scenario_day,
) -> tuple[np.ndarray, list[str]]:
    """Per-tick cap (share of need, 0..1) of one demand line from the dated caps that match it,
    and, per tick, the note of the cap that binds ("" where none does). ``amount_per_person_day``
    caps become a share of the line's need per person (``per_person_need``, unit/person/day)."""
    share = np.ones(len(tick_starts))
    notes = [""] * len(tick_starts)
    for i, cap in enumerate(caps):
        if cap.commodity != commodity:
            continue
        if cap.uses is not None and use not in cap.uses:
            continue
        if cap.groups is not None and group not in cap.groups:
            continue
        t0 = scenario_day(cap.start)
        t1 = scenario_day(cap.end) if cap.end is not None else math.inf
        hit = (tick_starts >= t0) & (tick_starts < t1)
        if cap.ration is not None:
            value = np.full(len(tick_starts), cap.ration)
        else:
            if per_person_need is None:
                continue  # a per-person amount does not apply to a fixed need
            with np.errstate(divide="ignore", invalid="ignore"):
                value = np.where(per_person_need > 0,
                                 np.minimum(cap.amount_per_person_day / per_person_need, 1.0), 1.0)  # fmt: skip
        lower = hit & (value < share)
        share[lower] = value[lower]
        for k in np.flatnonzero(lower):
            notes[k] = cap.note or f"cap {i}"
    return share, notes
