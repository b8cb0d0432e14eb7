"""Summary metric names are known before running (used to check sweep configs up front)."""

from __future__ import annotations

import pytest

import lachin_sim as ls
from lachin_sim.outputs.metrics import metric_names


@pytest.mark.parametrize("name", ["blockade_2023", "baseline_open", "checkpoint_only"])
def test_metric_names_match_the_summary_of_a_run(configs_dir, name):
    """metric_names(scenario) lists exactly the metrics a run's summary reports."""
    scenario = ls.load_scenario(configs_dir / f"{name}.toml")
    result = ls.simulate(scenario, seed=1)
    assert metric_names(scenario) == list(result.summary.index)


def test_metric_names_follow_the_scenario(make_scenario):
    """Adding a commodity with need adds its metrics; a commodity without need has none."""
    base = make_scenario()
    names = metric_names(base)
    assert "share_met:food" in names and "delivered_t:humanitarian" in names
    assert metric_names(make_scenario(commodities={
        "food": {"unit": "t", "initial_stock": 10.0, "need_per_person_day": 0.001},
        "fuel": {"unit": "t", "initial_stock": 2.0, "need_per_person_day": 0.0},
    })).count("share_met:fuel") == 0  # fmt: skip
