"""Setting a stretch rule from one recorded decision: on the date the authorities decided to
ration, what were the model's stocks, and which horizon makes the rule propose the ration they
chose? Both parameters come from the decision itself (a fact before any cut-off), so they are
CALIBRATED, not tuned to outcomes.

The rule engages the first tick its commodity's days of supply fall below
``trigger_days_of_supply``; its proposal is ``(S + I x H) / (D x H)``. With the rule switched
off, runs give, on the decision date, the stock S before use, the draw D per day and the mean
inflow I per day over the rule's window. The trigger lies halfway between the median days of
supply on the tick before the decision and on its tick, so that the median run engages on the
decision's tick (not the tick after: engaging needs days of supply *below* the trigger), and the horizon
solves ``(S + I x H) / (D x H) = ration``: ``H = S / (ration x D - I)``.

>>> fit = fit_stretch_to_decision("configs/blockade_2023.toml", "food", "2023-01-09",
...                               ration=0.467, replications=3)  # doctest: +SKIP
>>> fit.trigger_days_of_supply, fit.horizon_days  # doctest: +SKIP
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lachin_sim.config.schema import Scenario
from lachin_sim.model.streams import spawn_seeds


@dataclass
class RuleFit:
    """The fitted trigger and horizon, and the per-run state they come from."""

    commodity: str
    decided: pd.Timestamp
    ration: float
    trigger_days_of_supply: float
    horizon_days: float
    state: pd.DataFrame  # one row per run: days of supply before and on the date, S, D, I


def rule_view(
    stocks: pd.DataFrame, commodity: str, tick_days: float, window_days: float
) -> pd.DataFrame:
    """Per tick, what a ration rule of ``commodity`` sees before the tick's use: stock S, days of
    supply S / D, draw D per day (need plus generators' claims), and the mean inflow per day
    over the trailing window (deliveries and production of the ticks before)."""
    rows = stocks[stocks["commodity"] == commodity].sort_values("date")
    before = (rows["stock"] + rows["consumed"] + rows["converted"] + rows["spoiled"]).to_numpy()
    draw = (rows["need"] + rows["converted"]).to_numpy() / tick_days
    inflow = (rows["delivered"] + rows["produced"]).to_numpy()
    n = round(window_days / tick_days)
    trailing = (pd.Series(inflow).shift(1).rolling(n, min_periods=1).mean().to_numpy() / tick_days
                if n > 0 else np.zeros(len(inflow)))  # no window: no inflow expected  # fmt: skip
    with np.errstate(divide="ignore", invalid="ignore"):
        days = np.where(draw > 0, before / draw, np.inf)
    return pd.DataFrame({"date": rows["date"].to_numpy(), "stock": before, "draw_per_day": draw,
                         "inflow_per_day": trailing, "days_of_supply": days})  # fmt: skip


def fit_stretch_to_decision(
    scenario: Scenario | str | os.PathLike,
    commodity: str,
    decided: str,
    ration: float,
    replications: int = 20,
    seed: int = 0,
    window_days: float | None = None,
) -> RuleFit:
    """Trigger and horizon of ``commodity``'s stretch rule that make it decide ``ration`` on
    ``decided``, from runs with its rule switched off (medians over ``replications``)."""
    from lachin_sim.config import load_scenario, validate_scenario
    from lachin_sim.model.simulation import simulate

    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    rule = base.rationing.rules.get(commodity)
    if window_days is None:
        window_days = rule.stretch.inflow_window_days if rule is not None and rule.stretch else 14.0
    off = validate_scenario(base.to_dict(), f"<{base.name} without its {commodity} rule>",
                            overrides={f"rationing.rules.{commodity}.enabled": False})  # fmt: skip
    day = pd.Timestamp(decided)
    rows = []
    for run_seed in spawn_seeds(seed, replications):
        view = rule_view(
            simulate(off, seed=run_seed).stocks, commodity, base.tick_days, window_days
        )
        at = view.index[view["date"] == day]
        if not len(at) or at[0] == 0:
            raise ValueError(f"{decided} is not a tick after the first of the scenario")
        k = at[0]
        rows.append({"seed": run_seed, "days_before": view["days_of_supply"].iloc[k - 1],
                     "days_on": view["days_of_supply"].iloc[k], "stock": view["stock"].iloc[k],
                     "draw_per_day": view["draw_per_day"].iloc[k],
                     "inflow_per_day": view["inflow_per_day"].iloc[k]})  # fmt: skip
    state = pd.DataFrame(rows)
    med = state.median(numeric_only=True)
    trigger = float((med["days_before"] + med["days_on"]) / 2)
    denominator = ration * med["draw_per_day"] - med["inflow_per_day"]
    if denominator <= 0:
        raise ValueError(f"the expected inflow alone covers a ration of {ration:g} on {decided}")
    horizon = float(med["stock"] / denominator)
    return RuleFit(commodity, day, ration, trigger, horizon, state)
