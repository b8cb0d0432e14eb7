"""Decisions that follow from the situation: ration rules, decision behaviour, dated caps (the
replay of recorded decisions) and reservoir release rules. The model's side is
``lachin_sim/model/policies/``; ``docs/policies.md`` explains each rule."""

from __future__ import annotations

import datetime as dt

from pydantic import model_validator

from .types import Model, NonNegative, Positive, Probability


class RationStep(Model):
    below_days_of_supply: Positive  # the step applies when days of supply fall below this
    ration: Probability  # fraction of full need distributed


class StretchRule(Model):
    """The ration that makes the stock, plus the inflow expected from recent deliveries, last
    until a horizon: ``(stock + inflow x H) / (need x H)``, bounded by ``floor`` and ``ceiling``."""

    horizon_days: Positive | None = None  # H: this many days ahead of each tick
    until: dt.date | None = None  # or: H runs to this date (at least one tick)
    inflow_window_days: NonNegative = 14.0  # deliveries + production averaged over this; 0 = none
    floor: Probability = 0.0  # never ration below this share of need
    ceiling: Probability = 1.0  # never serve above this share of need
    trigger_days_of_supply: Positive | None = None  # engage the first tick days of supply < this

    @model_validator(mode="after")
    def _one_horizon(self) -> StretchRule:
        if (self.horizon_days is None) == (self.until is None):
            raise ValueError("give exactly one of horizon_days and until")
        if self.floor > self.ceiling:
            raise ValueError(f"floor ({self.floor}) must not exceed ceiling ({self.ceiling})")
        return self


class DecisionBehaviour(Model):
    """How a ration decided by rule changes: in announced steps, not too often, after a delay,
    and with hysteresis so that it does not oscillate."""

    step: Probability = 0.0  # rations are whole multiples of this share (0 = any value)
    min_days_between_changes: NonNegative = 0.0  # days from one change to the next
    delay_days: NonNegative = 0.0  # from the tick whose state calls for a change to the change
    hysteresis: Probability = (
        0.0  # a change (up or down) needs at least this gap from the ration now
    )


class RationRule(Model):
    """The rules that set one commodity's ration each tick (the lowest wins)."""

    enabled: bool = True  # False: no rule (switch it off in a variant)
    thresholds: list[RationStep] = []  # days-of-supply steps
    stretch: StretchRule | None = None
    decisions: DecisionBehaviour = DecisionBehaviour()


class RationCap(Model):
    """A dated ration decision (the replay of a recorded decision, e.g. coupon rationing),
    for all of a commodity's uses and groups or only some."""

    commodity: str
    start: dt.date
    end: dt.date | None = None  # exclusive; None = until the scenario ends
    ration: Probability | None = None  # share of full need
    amount_per_person_day: NonNegative | None = None  # or: commodity unit per person per day
    groups: list[str] | None = None  # None = every group
    uses: list[str] | None = None  # None = every use
    note: str = ""

    @model_validator(mode="after")
    def _one_amount(self) -> RationCap:
        if (self.ration is None) == (self.amount_per_person_day is None):
            raise ValueError("give exactly one of ration and amount_per_person_day")
        return self


class Rationing(Model):
    rules: dict[str, RationRule] = {}  # per commodity
    caps: list[RationCap] = []


class ReleaseRule(Model):
    """How much water a hydro plant may release each tick. Without a rule it follows demand
    down to the dead volume. With ``horizon_days`` or ``until`` the usable water (above dead
    volume plus ``reserve_m3``) and the inflow expected from the trailing window are spread
    evenly over the horizon: the stretch rule applied to stored water."""

    enabled: bool = True  # False: follow demand (switch it off in a variant)
    reserve_m3: NonNegative = 0.0  # m3 kept above the dead volume, never released
    horizon_days: Positive | None = None  # spread over this many days ahead of each tick
    until: dt.date | None = None  # or: spread until this date
    inflow_window_days: NonNegative = 30.0  # expected inflow: mean of this many past days

    @model_validator(mode="after")
    def _at_most_one_horizon(self) -> ReleaseRule:
        if self.horizon_days is not None and self.until is not None:
            raise ValueError("give at most one of horizon_days and until")
        return self
