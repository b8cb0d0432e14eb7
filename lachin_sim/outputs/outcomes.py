"""Headline outcomes beyond the stock table: rations by rule, uses that stop, food energy by
group, people and vehicles that crossed. Pure functions of a run's tables, named like the other
summary metrics (``metric:name``); :func:`outcome_metric_names` lists them before a run.

- ``days_to_first_ration_cut:<commodity>``: days from the start to the first tick whose ration
  is below full need (by rule or by a dated cap); NaN if never.
- ``days_to_stock_empty:<commodity>``: for a storable commodity, days to the first tick that
  ends with no stock left; NaN if never.
- ``days_to_outcome_lost:<commodity>.<use>``: for a use with an ``outcome`` (e.g. "public
  transport runs"), days to the first tick in which the use got less than
  ``outcome_min_share`` of its need; NaN if never.
- ``mean_hours_of_supply:<commodity>``: for a commodity that cannot be stored (electricity),
  the mean of 24 x share of need met.
- ``food_kcal_per_person_day:<group>`` and ``:all``: mean food energy eaten per person per day
  over the run (``all`` weighs groups by their people).
- ``vehicles_in:<operator>``, ``vehicles_out:<operator>``: crossings over the run;
  ``people_out:all``: people who left in vehicles or flows; ``people_in:all``: who arrived.
- ``food_kcal_per_person_day@YYYY-MM-DD:<group>`` (and ``:all``): food energy eaten per person
  per day in the tick holding that date; only when a study asks for dates
  (:func:`dated_metric_names`, :func:`dated_outcomes`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lachin_sim.config.schema import Scenario

EPS = 1e-9


def _days(dates: pd.Series, start: np.datetime64) -> np.ndarray:
    return ((dates.to_numpy() - start) / np.timedelta64(1, "D")).astype(float)


def outcome_metric_names(scenario: Scenario) -> list[str]:
    """Names of the outcome metrics a run of ``scenario`` reports, in order."""
    names = []
    for name, c in scenario.commodities.items():
        if c.has_need:
            names.append(f"days_to_first_ration_cut:{name}")
    for name, c in scenario.commodities.items():
        if c.has_need and c.storage_capacity != 0:
            names.append(f"days_to_stock_empty:{name}")
    for name, c in scenario.commodities.items():
        names += [f"days_to_outcome_lost:{name}.{u}" for u, use in c.uses.items() if use.outcome]
    for name, c in scenario.commodities.items():
        if c.has_need and c.storage_capacity == 0:
            names.append(f"mean_hours_of_supply:{name}")
    if any(c.kcal_per_unit for c in scenario.commodities.values()):
        groups = scenario.group_names
        names += [f"food_kcal_per_person_day:{g}" for g in groups if g != "all"]
        names.append("food_kcal_per_person_day:all")
    operators = sorted({s.operator for s in scenario.convoys.values()})
    names += [f"vehicles_in:{op}" for op in operators]
    names += [f"vehicles_out:{op}" for op in operators]
    names += ["people_in:all", "people_out:all"]
    return names


def outcome_metrics(
    scenario: Scenario, stocks: pd.DataFrame, uses: pd.DataFrame, groups: pd.DataFrame,
    crossings: pd.DataFrame,
) -> dict[str, float]:  # fmt: skip
    """The outcome metrics of one run (see the module docstring)."""
    start = np.datetime64(scenario.start, "ns")
    out: dict[str, float] = {}
    for name, c in scenario.commodities.items():
        if not c.has_need:
            continue
        rows = stocks[stocks["commodity"] == name]
        cut = rows["ration"].to_numpy() < 1 - EPS
        out[f"days_to_first_ration_cut:{name}"] = (
            float(_days(rows["date"], start)[cut.argmax()]) if cut.any() else np.nan
        )
    for name, c in scenario.commodities.items():
        if c.has_need and c.storage_capacity != 0:
            rows = stocks[stocks["commodity"] == name]
            empty = rows["stock"].to_numpy() <= EPS
            out[f"days_to_stock_empty:{name}"] = (
                float(_days(rows["date"], start)[empty.argmax()]) if empty.any() else np.nan
            )
    for name, c in scenario.commodities.items():
        for u, use in c.uses.items():
            if not use.outcome:
                continue
            lines = uses[(uses["commodity"] == name) & (uses["use"] == u)]
            per_tick = lines.groupby("date")[["need", "consumed"]].sum()
            with np.errstate(divide="ignore", invalid="ignore"):
                share = np.where(per_tick["need"] > 0, per_tick["consumed"] / per_tick["need"], 1.0)
            lost = share < use.outcome_min_share - EPS
            day = _days(per_tick.index.to_series(), start)
            out[f"days_to_outcome_lost:{name}.{u}"] = (
                float(day[lost.argmax()]) if lost.any() else np.nan
            )
    for name, c in scenario.commodities.items():
        if c.has_need and c.storage_capacity == 0:
            rows = stocks[stocks["commodity"] == name]
            out[f"mean_hours_of_supply:{name}"] = float(rows["hours_of_supply"].mean())
    if "kcal_per_person_day" in groups:
        for g in scenario.group_names:
            if g != "all":
                rows = groups[groups["group"] == g]
                out[f"food_kcal_per_person_day:{g}"] = float(rows["kcal_per_person_day"].mean())
        kcal = (
            (groups["kcal_per_person_day"].fillna(0) * groups["people"])
            .groupby(groups["date"])
            .sum()
        )
        people = groups.groupby("date")["people"].sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            out["food_kcal_per_person_day:all"] = float((kcal / people).mean())
    for way in ("in", "out"):
        for op in sorted({s.operator for s in scenario.convoys.values()}):
            mine = crossings[(crossings["operator"] == op) & (crossings["direction"] == way)]
            out[f"vehicles_{way}:{op}"] = float(mine["vehicles"].sum())
    out["people_in:all"] = float(groups["arrived_in_vehicles"].sum())
    out["people_out:all"] = float(groups["left_in_vehicles"].sum())
    return out


DATED_KCAL = "food_kcal_per_person_day"  # the metric reported on chosen dates


def dated_metric_names(scenario: Scenario, dates: list[str] | tuple[str, ...]) -> list[str]:
    """``food_kcal_per_person_day@DATE:<group>`` for each date (ISO ``YYYY-MM-DD``) and group
    (and ``all``), when the scenario has food with an energy density; else none."""
    if not dates or not any(c.kcal_per_unit for c in scenario.commodities.values()):
        return []
    groups = [g for g in scenario.group_names if g != "all"] + ["all"]
    return [f"{DATED_KCAL}@{date}:{g}" for date in dates for g in groups]


def dated_outcomes(scenario: Scenario, groups: pd.DataFrame,
                   dates: list[str] | tuple[str, ...]) -> dict[str, float]:  # fmt: skip
    """Food energy eaten per person per day (kcal) in the tick holding each date, per group
    and over all groups (weighted by their people); NaN where no one is left."""
    names = dated_metric_names(scenario, dates)
    if not names or "kcal_per_person_day" not in groups:
        return dict.fromkeys(names, np.nan)
    out: dict[str, float] = {}
    ticks = groups["date"].to_numpy()
    for date in dates:
        moment = np.datetime64(date, "ns")
        tick = ticks[ticks <= moment].max()  # the tick that holds the date
        rows = groups[groups["date"] == tick]
        kcal, people = rows["kcal_per_person_day"].to_numpy(float), rows["people"].to_numpy(float)
        for g, value in zip(rows["group"], kcal, strict=True):
            if g != "all":
                out[f"{DATED_KCAL}@{date}:{g}"] = float(value)
        alive = people.sum()
        out[f"{DATED_KCAL}@{date}:all"] = (
            float(np.nansum(kcal * people) / alive) if alive > 0 else np.nan
        )
    return {name: out.get(name, np.nan) for name in names}


def date_problems(scenario: Scenario, dates: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """(date, why) for each requested date that cannot be reported (not ``YYYY-MM-DD``, or
    outside the scenario)."""
    import datetime as dt

    out = []
    last = scenario.end - dt.timedelta(days=1)
    for date in dates:
        try:
            day = dt.date.fromisoformat(str(date))
        except ValueError:
            out.append((date, "not a date YYYY-MM-DD"))
            continue
        if not scenario.start <= day <= last:
            out.append((date, f"outside the scenario ({scenario.start} to {last})"))
    return out
