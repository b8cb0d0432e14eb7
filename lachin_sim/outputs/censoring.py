"""Time-to-event metrics over many runs: the one rule for runs in which the event never came.

``days_to_first_shortage`` and ``days_to_share_below_*pct`` are *times to an event*, and so are
the outcomes that are NaN when they never happen (``days_to_stock_empty``,
``days_to_first_ration_cut``, ``days_to_outcome_lost``, and the health model's
``days_to_famine_cdr``, ``days_to_emergency_cdr``, ``days_to_famine_gam``). A run in
which the commodity never fell short has no such day (NaN in its summary): the event came, if
at all, at or after the horizon (the scenario's length in days). Dropping those runs would
report the median of the runs that did go short as if it were everyone's, so:

- a never-reached run counts as ``+inf`` (after the horizon), never as missing;
- quantiles are order statistics (no interpolation), so a quantile that falls among the
  never-reached runs is ``inf`` and is shown as ``>= horizon``;
- every aggregate carries the count of runs that reached the event ("short in 19 of 20 runs").

>>> stats = censored_stats([10.0, float("nan"), 30.0], horizon=304)
>>> stats.median, stats.reached, stats.runs
(30.0, 2, 3)
>>> stats.describe()
'day 30 [10, >=304]; reached in 2 of 3 runs'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lachin_sim.outputs.metrics import MILESTONES

OUTCOME_EVENTS = ("days_to_stock_empty", "days_to_first_ration_cut", "days_to_outcome_lost")
HEALTH_EVENTS = ("days_to_famine_cdr", "days_to_emergency_cdr", "days_to_famine_gam")
TIME_TO_EVENT = (
    "days_to_first_shortage",
    *(f"days_to_share_below_{round(m * 100)}pct" for m in MILESTONES),
    *OUTCOME_EVENTS,  # lachin_sim.outputs.outcomes
    *HEALTH_EVENTS,  # lachin_sim.model.health.metrics
)  # summary metrics (days) that are NaN in a run where the event never happened


def is_time_to_event(metric: str) -> bool:
    """True for ``days_to_first_shortage:food`` and the other time-to-event metrics."""
    return metric.split(":", 1)[0] in TIME_TO_EVENT


def event_days(values) -> np.ndarray:
    """Days to the event per run, with never-reached runs (NaN) as ``+inf``."""
    days = np.asarray(values, dtype=float)
    return np.where(np.isnan(days), np.inf, days)


def at_horizon(values, horizon: float) -> np.ndarray:
    """Days to the event per run, with never-reached runs (NaN) at the ``horizon``: for means,
    variances and sensitivity indices, which need a finite number for every run (they then
    understate how late the event comes in runs that never reached it)."""
    days = np.asarray(values, dtype=float)
    return np.where(np.isnan(days), float(horizon), days)


def quantiles(values, qs) -> np.ndarray:
    """Order-statistic quantiles of event days (inf stays inf); NaN for no runs at all."""
    days = event_days(values)
    if not len(days):
        return np.full(len(qs), np.nan)
    return np.quantile(days, qs, method="inverted_cdf")


@dataclass(frozen=True)
class CensoredStats:
    """Median and 5-95 % of event days over ``runs`` runs, ``reached`` of which had the event
    before the ``horizon`` (days); a quantile among the never-reached runs is ``inf``."""

    runs: int
    reached: int
    median: float
    q05: float
    q95: float
    horizon: float

    @property
    def share_reached(self) -> float:
        """Share of runs in which the event happened (NaN for no runs)."""
        return self.reached / self.runs if self.runs else float("nan")

    def day(self, value: float) -> str:
        """One quantile as text: 'day 45', or '>=304' when it is censored."""
        return show_day(value, self.horizon)

    def interval(self) -> str:
        """``day 45 [30, >=304]``: the median and the 5-95 % of event days."""
        if not self.runs:
            return "no runs"
        if not self.reached:
            return show_day(np.inf, self.horizon)
        lo, hi = (show_day(v, self.horizon, prefix="") for v in (self.q05, self.q95))
        return f"{self.day(self.median)} [{lo}, {hi}]"

    def describe(self, event: str = "reached") -> str:
        """``day 45 [30, >=304]; short in 19 of 20 runs`` (``event`` = 'short', ...)."""
        if not self.runs:
            return "no runs"
        if not self.reached:
            return f"never in {self.runs} of {self.runs} runs (>= day {self.horizon:.0f})"
        return f"{self.interval()}; {event} in {self.reached} of {self.runs} runs"


def censored_stats(values, horizon: float) -> CensoredStats:
    """Median, 5 % and 95 % of event days over runs, never-reached runs counted as ``inf``."""
    days = event_days(values)
    q05, median, q95 = quantiles(days, [0.05, 0.5, 0.95])
    return CensoredStats(runs=len(days), reached=int(np.isfinite(days).sum()),
                         median=float(median), q05=float(q05), q95=float(q95),
                         horizon=float(horizon))  # fmt: skip


def show_day(value: float, horizon: float, prefix: str = "day ") -> str:
    """A day count as text; ``inf`` (never before the end) as ``>=horizon``."""
    if np.isnan(value):
        return "n/a"
    if np.isinf(value):
        return f">={horizon:.0f}"
    return f"{prefix}{value:.0f}"
