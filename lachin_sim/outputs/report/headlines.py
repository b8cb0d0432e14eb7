"""The facts of a headline per commodity: when it first falls short, how much of its need is met,
for one run or over many runs (a sweep point, a compared scenario). Numbers only: the words are
in the templates (``templates/macros.html.j2``, macro ``headline``).

Over many runs, days to the first shortage follow :mod:`lachin_sim.outputs.censoring`: a run
never short counts as short after the end of the period (``inf``), quantiles are order
statistics, so the 5 % and 95 % dates are those of real runs or "after the end".

>>> import datetime as dt
>>> h = replicated_headline("food", dt.date(2022, 12, 1), 304, [50.0, 52.0, float("nan")],
...                         share_met=[0.5, 0.6, 0.7])
>>> h.first, h.low, h.high, h.reached, h.runs
(datetime.date(2023, 1, 22), datetime.date(2023, 1, 20), None, 2, 3)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lachin_sim.outputs.censoring import censored_stats

INTERVAL = (0.05, 0.95)  # the "90 % of runs" interval: 5 % and 95 % order statistics
EMPTY_STOCK = 1e-9  # a stock below this share of a day's need is empty (float noise is not stock)


@dataclass(frozen=True)
class Headline:
    """One commodity's headline. Dates are ``None`` when the event did not come before the end
    (for ``first``, ``low``, ``high``: the quantile falls among runs never short). Shares are
    fractions of need (0..1); ``hours`` is hours of supply a day (non-storable commodities)."""

    commodity: str
    runs: int  # 1 for a single run
    reached: int  # runs in which the commodity fell short
    first: dt.date | None  # the run's date, or the median over runs
    low: dt.date | None  # 5 % of runs (None for one run, or censored)
    high: dt.date | None  # 95 % of runs (None for one run, or censored)
    share_met: float  # share of need met over the period (median over runs)
    share_low: float | None = None  # its 5 % and 95 % over runs
    share_high: float | None = None
    worst_day: float | None = None  # one run: lowest share of need met on any day
    below_half: dt.date | None = None  # first day below half of need (run; median over runs)
    ration_cut_first: bool = False  # the first shortage is the first ration cut
    storable: bool = True
    hours: float | None = None  # mean hours of supply a day (median over runs)
    stock_out: dt.date | None = None  # one run: first day that ends with the stock empty
    first_ration: float | None = None  # one run: the ration (share of need) of the first short
    # day, when a ration cut made it; set by a ration rule (ration_by_rule) or a dated decision
    ration_by_rule: bool = False
    ration_note: str = ""  # the dated decision's note

    @property
    def single(self) -> bool:
        return self.runs == 1


def day_to_date(start: dt.date, days: float) -> dt.date | None:
    """The date ``days`` after ``start`` (the tick that starts then); None for NaN or inf."""
    if days is None or not math.isfinite(days):
        return None
    return start + dt.timedelta(days=math.floor(days))


def run_headline(
    commodity: str,
    start: dt.date,
    summary,
    storable: bool,
    stock_out: dt.date | None = None,
    ration: dict | None = None,
) -> Headline:
    """The headline of one run from its summary (a Series indexed ``metric:commodity``), the
    first day its stock ended empty (:func:`stock_out_date`) and the ration that made its first
    shortage (``{"share", "by_rule", "note"}``: ``lachin_sim.outputs.report.run.first_ration``)."""

    def value(metric: str) -> float:
        v = summary.get(f"{metric}:{commodity}", float("nan"))
        return float(v) if v is not None else float("nan")

    first = value("days_to_first_shortage")
    cut = value("days_to_first_ration_cut")
    hours = value("mean_hours_of_supply")
    return Headline(
        commodity=commodity,
        runs=1,
        reached=0 if math.isnan(first) else 1,
        first=day_to_date(start, first),
        low=None,
        high=None,
        share_met=value("share_met"),
        worst_day=value("min_share_met"),
        below_half=day_to_date(start, value("days_to_share_below_50pct")),
        ration_cut_first=math.isfinite(first) and cut == first,
        storable=storable,
        hours=None if math.isnan(hours) else hours,
        stock_out=stock_out,
        first_ration=ration["share"] if ration else None,
        ration_by_rule=bool(ration and ration["by_rule"]),
        ration_note=ration["note"] if ration else "",
    )


def stock_out_date(stocks, commodity: str) -> dt.date | None:
    """The first day whose tick ends with no stock of ``commodity`` left while some was needed
    (``stocks`` table of one run); None if the stock never ran out."""
    rows = stocks[stocks["commodity"] == commodity]
    empty = (rows["stock"] <= EMPTY_STOCK * rows["need"]) & (rows["need"] > 0)
    if not empty.any():
        return None
    return rows.loc[empty.idxmax(), "date"].date()


def replicated_headline(
    commodity: str,
    start: dt.date,
    horizon: float,
    first_days: npt.ArrayLike,
    share_met: npt.ArrayLike,
    ration_cut_days: npt.ArrayLike | None = None,
    below_half_days: npt.ArrayLike | None = None,
    hours: npt.ArrayLike | None = None,
    storable: bool = True,
) -> Headline:
    """The headline over runs from per-run metrics (one value per run, NaN: never)."""
    stats = censored_stats(first_days, horizon)
    share = np.asarray(share_met, dtype=float)
    q05, q50, q95 = _quantiles(share, (INTERVAL[0], 0.5, INTERVAL[1]))
    cut_median = _censored_median(ration_cut_days, horizon)
    hours_median = (
        _quantiles(np.asarray(hours, dtype=float), (0.5,))[0] if hours is not None else None
    )
    return Headline(
        commodity=commodity,
        runs=stats.runs,
        reached=stats.reached,
        first=day_to_date(start, stats.median),
        low=day_to_date(start, stats.q05),
        high=day_to_date(start, stats.q95),
        share_met=q50,
        share_low=q05,
        share_high=q95,
        below_half=day_to_date(start, _censored_median(below_half_days, horizon)),
        ration_cut_first=math.isfinite(stats.median) and cut_median == stats.median,
        storable=storable,
        hours=None if hours_median is None or math.isnan(hours_median) else hours_median,
    )


def _censored_median(days: npt.ArrayLike | None, horizon: float) -> float:
    if days is None:
        return float("nan")
    return censored_stats(days, horizon).median


def _quantiles(values: np.ndarray, qs: Sequence[float]) -> list[float]:
    """Order-statistic quantiles of the finite values (NaN when there are none)."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return [float("nan")] * len(qs)
    return [float(v) for v in np.quantile(finite, qs, method="inverted_cdf")]
