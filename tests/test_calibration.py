"""The calibration helper: fitting named parameters to an observed cumulative series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import lachin_sim as ls
from lachin_sim.config.validation import validate_scenario
from lachin_sim.model.streams import spawn_seeds
from lachin_sim.studies.calibration import (
    calibrate,
    cumulative_column,
    cumulative_delivered,
    golden_section,
)

PARAM = "convoys.aid.trucks_per_day"
DATES = ["2023-01-10", "2023-01-20", "2023-01-30"]


@pytest.fixture
def scenario(make_scenario):
    """Thirty days of the tiny scenario: a Poisson aid source whose rate is to be recovered."""
    return make_scenario(end=pd.Timestamp("2023-01-31").date())


def test_golden_section_finds_the_minimum_of_a_parabola():
    """Golden-section search lands within its tolerance of a known minimiser, inside the bounds."""
    found = golden_section(lambda x: (x - 2.7) ** 2, 0.0, 10.0, 1e-4)
    assert found == pytest.approx(2.7, abs=1e-3)
    edge = golden_section(lambda x: x, 1.0, 5.0, 1e-4)  # monotone: the lower bound wins
    assert edge == pytest.approx(1.0)


def test_cumulative_delivered_matches_the_convoy_log(scenario):
    """The output helper sums delivered truck tonnage by arrival day, cumulatively."""
    result = ls.simulate(scenario, seed=3)
    series = cumulative_delivered(operators=["humanitarian"])(result)
    delivered = result.convoys[result.convoys["outcome"] == "delivered"]
    assert series.iloc[-1] == pytest.approx(delivered["payload_t"].sum())
    assert (np.diff(series.to_numpy()) >= 0).all()
    stocks_delivered = cumulative_column("delivered")(result)
    assert stocks_delivered.iloc[-1] == pytest.approx(series.iloc[-1])


def test_calibration_recovers_a_rate_from_a_series_the_model_generated(scenario):
    """Fitting to the model's own mean cumulative deliveries at a known rate recovers that rate,
    with zero fit error, and the per-seed interval covers it."""
    true_rate, reps, seed = 3.0, 8, 5
    true_scenario = validate_scenario(scenario.to_dict(), overrides={PARAM: true_rate})
    output = cumulative_delivered(operators=["humanitarian"])
    runs = [output(ls.simulate(true_scenario, seed=s)) for s in spawn_seeds(seed, reps)]
    observed = {d: float(np.mean([r[pd.Timestamp(d)] for r in runs])) for d in DATES}

    fit = calibrate(scenario, {PARAM: (0.5, 8.0)}, observed, output, replications=reps, seed=seed)

    assert fit.values[PARAM] == pytest.approx(true_rate, rel=0.03)
    assert fit.rmse <= 0.05 * np.mean(list(observed.values()))
    lo, hi = fit.interval[PARAM]
    assert lo <= true_rate <= hi
    assert len(fit.per_seed) == reps
    assert list(fit.fit["observed"]) == pytest.approx(list(observed.values()))


@pytest.mark.slow
def test_calibration_moves_with_the_observation(scenario):
    """Asking for twice the deliveries yields about twice the truck rate (the fit is not fixed)."""
    output = cumulative_delivered(operators=["humanitarian"])
    low = calibrate(scenario, {PARAM: (0.2, 10.0)}, {"2023-01-30": 60.0}, output, replications=4)
    high = calibrate(scenario, {PARAM: (0.2, 10.0)}, {"2023-01-30": 120.0}, output, replications=4)
    assert high.values[PARAM] == pytest.approx(2 * low.values[PARAM], rel=0.15)
