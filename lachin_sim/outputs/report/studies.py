"""What the reports of many runs (a sweep, a comparison) share: the headlines of one group of
replications, the other outcomes over them (food energy, hours of supply, first ration cut,
deaths) as median and 90 % interval, and the provenance of the study. Every number is computed
from the study's ``runs`` table (one row per run), with the rules of the other summaries:
censoring for times to an event, order statistics for quantiles."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lachin_sim.outputs.censoring import censored_stats
from lachin_sim.outputs.report.common import Provenance, finite, now_utc
from lachin_sim.outputs.report.headlines import (
    INTERVAL,
    Headline,
    day_to_date,
    replicated_headline,
)


@dataclass(frozen=True)
class Spread:
    """Median and 90 % interval (5 % and 95 % order statistics) of a metric over runs."""

    median: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class DateSpread:
    """Median date and 90 % interval of a time to an event over runs (None: after the end),
    with the number of runs in which it happened."""

    median: dt.date | None
    low: dt.date | None
    high: dt.date | None
    reached: int
    runs: int


class StudyBase:
    """The base scenario of a study (from its spec): calendar, commodities and what they are."""

    def __init__(self, spec: dict):
        from lachin_sim.config.validation import validate_scenario

        self.spec = spec
        self.scenario = validate_scenario(spec["base"], str(spec.get("source") or "study"))
        self.start = dt.date.fromisoformat(str(spec["start"]))
        tick = float(spec.get("tick_days", 1.0))
        self.horizon = float(spec["n_dates"]) * tick
        self.last_day = self.start + dt.timedelta(days=math.ceil(self.horizon) - 1)
        self.commodities = list(spec.get("commodities", []))
        self.storable = {n: c.storage_capacity != 0 for n, c in self.scenario.commodities.items()}
        self.foods = [n for n, c in self.scenario.commodities.items() if c.kcal_per_unit]


def headlines_of(runs: pd.DataFrame, base: StudyBase) -> list[Headline]:
    """One headline per commodity of the runs of one point or scenario (runs that finished)."""
    out = []
    for c in base.commodities:

        def column(metric: str, c: str = c) -> pd.Series | None:
            name = f"{metric}:{c}"
            return runs.get(name, None)

        first = column("days_to_first_shortage")
        if first is None:
            continue
        hours = column("mean_hours_of_supply")
        out.append(
            replicated_headline(
                c,
                base.start,
                base.horizon,
                first,
                runs[f"share_met:{c}"],
                ration_cut_days=column("days_to_first_ration_cut"),
                below_half_days=column("days_to_share_below_50pct"),
                hours=hours,
                storable=base.storable.get(c, True),
            )
        )
    return out


def spread(values: pd.Series | None) -> Spread | None:
    """Median and 90 % interval of the finite values (None without a column or a value)."""
    if values is None:
        return None
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return None
    low, median, high = np.quantile(v, [INTERVAL[0], 0.5, INTERVAL[1]], method="inverted_cdf")
    return Spread(finite(median), finite(low), finite(high))


def date_spread(values: pd.Series | None, base: StudyBase) -> DateSpread | None:
    """A time to an event over runs as dates (runs without the event count as after the end)."""
    if values is None:
        return None
    stats = censored_stats(values, base.horizon)
    return DateSpread(
        day_to_date(base.start, stats.median),
        day_to_date(base.start, stats.q05),
        day_to_date(base.start, stats.q95),
        stats.reached,
        stats.runs,
    )


def outcomes_of(runs: pd.DataFrame, base: StudyBase) -> dict:
    """Food energy, hours of supply, first ration cuts and deaths over the runs of one point or
    scenario; each entry None where the runs do not report it."""

    def col(name: str) -> pd.Series | None:
        return runs.get(name, None)

    non_storable = [c for c in base.commodities if not base.storable.get(c, True)]
    return {
        "runs": len(runs),
        "food_kcal": spread(col("food_kcal_per_person_day:all")),
        "hours": {c: spread(col(f"mean_hours_of_supply:{c}")) for c in non_storable},
        "ration_cuts": {
            c: d
            for c in base.commodities
            if (d := date_spread(col(f"days_to_first_ration_cut:{c}"), base)) is not None
            and d.reached
        },
        "excess_deaths": spread(col("excess_deaths:all")),
        "famine": date_spread(col("days_to_famine_cdr:all"), base),
    }


def study_provenance(
    kind: str, spec: dict, base: StudyBase, overrides: list[str] | None
) -> Provenance:
    from lachin_sim import __version__

    digests = {
        "study SHA-256 (sweep_sha256)": str(spec.get("sweep_sha256", "")),
        "base config SHA-256": base.scenario.digest(),
    }
    return Provenance(
        kind=kind,
        scenario=base.scenario.name,
        source=str(spec.get("source") or ""),
        overrides=overrides,
        digests=digests,
        seed=spec.get("seed"),
        replications=spec.get("replications"),
        package_version=str(spec.get("package_version") or ""),
        made=now_utc(),
        report_version=__version__,
    )


def point_overrides(point: dict) -> list[str]:
    """A design point (or named scenario) as ``path=value`` strings."""
    return [f"{k}={v}" for k, v in point.items()]
