"""The calibration helper: fitting named parameters to observed cumulative series (tonnes
delivered, vehicles crossing), up to a cut-off date."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import lachin_sim as ls
from lachin_sim.config.validation import validate_scenario
from lachin_sim.errors import ConfigError
from lachin_sim.model.streams import spawn_seeds
from lachin_sim.studies.calibration import (
    calibrate,
    cumulative_column,
    cumulative_crossings,
    cumulative_delivered,
)

PARAM = "convoys.aid.trucks_per_day"
DATES = ["2023-01-10", "2023-01-20", "2023-01-30"]


@pytest.fixture
def scenario(make_scenario):
    """Thirty days of the tiny scenario: a Poisson aid source whose rate is to be recovered."""
    return make_scenario(end=pd.Timestamp("2023-01-31").date())


def test_cumulative_delivered_matches_the_convoy_log(scenario):
    """The output helper sums delivered truck tonnage by arrival day, cumulatively."""
    result = ls.simulate(scenario, seed=3)
    series = cumulative_delivered(operators=["humanitarian"])(result)
    delivered = result.convoys[result.convoys["outcome"] == "delivered"]
    assert series.iloc[-1] == pytest.approx(delivered["payload_t"].sum())
    assert (np.diff(series.to_numpy()) >= 0).all()
    stocks_delivered = cumulative_column("delivered")(result)
    assert stocks_delivered.iloc[-1] == pytest.approx(series.iloc[-1])


@pytest.mark.slow  # quick mode stays near a minute; CI runs it
def test_calibration_recovers_a_rate_from_a_series_the_model_generated(scenario):
    """Fitting to the model's own mean cumulative deliveries at a known rate recovers that rate,
    with zero fit error, and the per-seed interval covers it."""
    true_rate, reps, seed = 3.0, 8, 5
    true_scenario = validate_scenario(scenario.to_dict(), overrides={PARAM: true_rate})
    output = cumulative_delivered(operators=["humanitarian"])
    runs = [output(ls.simulate(true_scenario, seed=s)) for s in spawn_seeds(seed, reps)]
    observed = {d: float(np.mean([r[pd.Timestamp(d)] for r in runs])) for d in DATES}

    fit = calibrate(scenario, {PARAM: (0.5, 8.0)}, observed, output, cutoff=DATES[-1],
                    replications=reps, seed=seed)  # fmt: skip

    assert fit.values[PARAM] == pytest.approx(true_rate, rel=0.03)
    assert fit.rmse["series"] <= 0.05 * np.mean(list(observed.values()))
    lo, hi = fit.interval[PARAM]
    assert lo <= true_rate <= hi
    assert len(fit.per_seed) == reps
    assert list(fit.fit["observed"]) == pytest.approx(list(observed.values()))
    residuals = fit.fit["model_mean"] - fit.fit["observed"]
    assert list(fit.fit["residual"]) == pytest.approx(list(residuals))


@pytest.mark.slow
def test_calibration_moves_with_the_observation(scenario):
    """Asking for twice the deliveries yields about twice the truck rate (the fit is not fixed)."""
    output = cumulative_delivered(operators=["humanitarian"])
    low = calibrate(scenario, {PARAM: (0.2, 10.0)}, {"2023-01-30": 60.0}, output,
                    cutoff="2023-01-30", replications=4)  # fmt: skip
    high = calibrate(scenario, {PARAM: (0.2, 10.0)}, {"2023-01-30": 120.0}, output,
                     cutoff="2023-01-30", replications=4)  # fmt: skip
    assert high.values[PARAM] == pytest.approx(2 * low.values[PARAM], rel=0.15)


COMMERCIAL = "convoys.trade.trucks_per_day"


@pytest.fixture
def two_sources(make_scenario):
    """Thirty days, two Poisson sources: aid trucks of 2 t and trade trucks of 10 t. Tonnes
    delivered and vehicles crossing together identify both rates."""
    aid = {
        "operator": "humanitarian",
        "corridor": "road",
        "schedule": "poisson",
        "trucks_per_day": 1.0,
        "payload_t": 2.0,
        "cargo": {"food": 0.7, "fuel": 0.3},
    }
    trade = {**aid, "operator": "commercial", "payload_t": 10.0}
    return make_scenario(
        end=pd.Timestamp("2023-01-31").date(), convoys={"aid": aid, "trade": trade}
    )


def model_series(scenario, truth: dict, outputs: dict, reps: int, seed: int) -> dict:
    """The mean over ``reps`` seeded runs at ``truth`` of each output, at DATES."""
    true_scenario = validate_scenario(scenario.to_dict(), overrides=truth)
    runs = [ls.simulate(true_scenario, seed=s) for s in spawn_seeds(seed, reps)]
    return {name: {d: float(np.mean([f(r)[pd.Timestamp(d)] for r in runs])) for d in DATES}
            for name, f in outputs.items()}  # fmt: skip


def test_one_parameter_is_fitted_to_two_series_at_once(two_sources):
    """Two series in different units (tonnes, vehicles) fitted together: the rate that made
    them comes back, and each observation has its residual."""
    outputs = {"tonnes": cumulative_delivered(), "vehicles": cumulative_crossings()}
    observed = model_series(two_sources, {PARAM: 2.5}, outputs, reps=3, seed=4)
    fit = calibrate(two_sources, {PARAM: (0.2, 5.0)}, observed, outputs, cutoff="2023-01-30",
                    replications=3, seed=4, per_seed=False)  # fmt: skip
    assert fit.values[PARAM] == pytest.approx(2.5, rel=0.03)
    assert len(fit.fit) == 2 * len(DATES) and fit.fit["relative_residual"].abs().max() < 0.03
    assert fit.per_seed.empty and "vehicles" in fit.report()


@pytest.mark.slow
def test_two_parameters_are_recovered_from_two_series(two_sources):
    """Tonnes and crossings generated by the model at known rates (the mean over the same
    seeds) give back both rates, with residuals near 0 at every observation."""
    truth, reps, seed = {PARAM: 2.0, COMMERCIAL: 0.8}, 3, 2
    outputs = {"tonnes": cumulative_delivered(), "vehicles": cumulative_crossings()}
    observed = model_series(two_sources, truth, outputs, reps, seed)
    fit = calibrate(two_sources, {PARAM: (0.2, 5.0), COMMERCIAL: (0.1, 3.0)}, observed, outputs,
                    cutoff="2023-01-30", replications=reps, seed=seed, per_seed=False,
                    tolerance=0.02)  # fmt: skip

    assert fit.values[PARAM] == pytest.approx(2.0, rel=0.08)
    assert fit.values[COMMERCIAL] == pytest.approx(0.8, rel=0.08)
    assert len(fit.fit) == 2 * len(DATES) and set(fit.fit["series"]) == {"tonnes", "vehicles"}
    assert fit.fit["relative_residual"].abs().max() < 0.05
    assert set(fit.rmse) == {"tonnes", "vehicles"}


def test_cumulative_crossings_counts_the_crossings_table(two_sources):
    result = ls.simulate(two_sources, seed=4)
    series = cumulative_crossings(operators=["commercial"])(result)
    rows = result.crossings
    assert series.iloc[-1] == rows.loc[(rows["operator"] == "commercial")
                                       & (rows["direction"] == "in"), "vehicles"].sum()  # fmt: skip
    assert (np.diff(series.to_numpy()) >= 0).all()


def test_observations_after_the_cut_off_are_refused(scenario):
    """Any observation dated after the cut-off is refused before a run, naming it."""
    output = cumulative_delivered()
    with pytest.raises(ConfigError) as err:
        calibrate(scenario, {PARAM: (0.5, 8.0)}, {"2023-01-10": 5.0, "2023-01-20": 9.0}, output,
                  cutoff="2023-01-15")  # fmt: skip
    assert "observed.2023-01-20" in str(err.value) and "after the cut-off 2023-01-15" in str(
        err.value
    )
    assert "2023-01-10" not in str(err.value)
    with pytest.raises(ConfigError, match=r"observed\.vehicles\.2023-01-30"):
        calibrate(scenario, {PARAM: (0.5, 8.0)},
                  {"tonnes": {"2023-01-10": 5.0}, "vehicles": {"2023-01-30": 9.0}},
                  {"tonnes": output, "vehicles": cumulative_crossings()}, cutoff="2023-01-29")  # fmt: skip
    with pytest.raises(TypeError):
        calibrate(scenario, {PARAM: (0.5, 8.0)}, {"2023-01-10": 5.0}, output)  # no cut-off


def test_series_and_outputs_must_pair_up(scenario):
    with pytest.raises(ConfigError, match="one output per observed series"):
        calibrate(scenario, {PARAM: (0.5, 8.0)}, {"tonnes": {"2023-01-10": 5.0}},
                  {"trucks": cumulative_crossings()}, cutoff="2023-01-29")  # fmt: skip
