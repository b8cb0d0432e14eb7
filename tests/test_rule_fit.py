"""Setting a stretch rule from one recorded decision (lachin_sim.studies.rule_fit): with the fitted
trigger and horizon, the run the fit was made on decides on the decision's date, the ration it
proposes there is the recorded one (before the announced step rounds it), and it does not engage
earlier."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import REPO

import lachin_sim as ls
from lachin_sim.model.streams import spawn_seeds
from lachin_sim.studies.rule_fit import fit_stretch_to_decision

CONFIG = REPO / "configs" / "blockade_2023.toml"


@pytest.mark.parametrize("decided", ["2023-01-09", "2023-02-01"])
def test_the_fitted_rule_decides_on_the_decision_date(decided):
    fit = fit_stretch_to_decision(CONFIG, "food", decided, ration=0.467, replications=1, seed=3)
    (seed,) = spawn_seeds(3, 1)
    row = fit.state.iloc[0]
    assert row["days_on"] < fit.trigger_days_of_supply < row["days_before"]
    base = ls.load_scenario(CONFIG)
    stretch = base.rationing.rules["food"].stretch
    scenario = ls.load_scenario(CONFIG, overrides={
        "rationing.rules.food.stretch.trigger_days_of_supply": fit.trigger_days_of_supply,
        "rationing.rules.food.stretch.horizon_days": fit.horizon_days,
        "rationing.rules.food.decisions.step": 0.001,  # so the proposal is seen unrounded
        "rationing.rules.food.decisions.hysteresis": 0.0,
    })  # fmt: skip
    assert stretch is not None and stretch.inflow_window_days == 0  # the fit's I = 0 case
    food = ls.simulate(scenario, seed=seed).decisions
    food = food[food["commodity"] == "food"]
    first = food.iloc[0]
    assert first["decided"] == pd.Timestamp(decided)
    assert first["ration"] == pytest.approx(0.467, abs=0.002)
