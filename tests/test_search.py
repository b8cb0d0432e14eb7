"""Capacity search: the smallest parameter value meeting a target, by bisection over sweeps or
read off a finished grid sweep, and the Wilson interval of its success probability.

The hand-computable scenario: 10,000 people eating 0.001 t/person/day (10 t/day), no stock, one
regular source of 2 t trucks with no travel time, so food need is met in full on every day
exactly when at least 5 trucks/day arrive (4.5/day leaves every other day a truck short).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics

import numpy as np
import pandas as pd
import pytest
from sweep_helpers import TRUCKS, sweep_scenario

import lachin_sim as ls
from lachin_sim.config.validation import validate_scenario
from lachin_sim.studies.search import minimum_from_sweep, minimum_parameter, wilson_interval

OPERATORS = ["commercial", "humanitarian", "peacekeeper"]
CAPACITY = {
    "name": "capacity",
    "start": dt.date(2023, 3, 1),
    "end": dt.date(2023, 3, 31),
    "operators": OPERATORS,
    "population": {"initial": 10_000},
    "commodities": {"food": {"unit": "t", "initial_stock": 0.0, "need_per_person_day": 0.001}},
    "regimes": {"open": {"allowed_operators": OPERATORS}},
    "corridors": {"road": {"timeline": [{"start": dt.date(2023, 3, 1), "regime": "open"}]}},
    "convoys": {
        "aid": {
            "operator": "humanitarian",
            "corridor": "road",
            "schedule": "regular",
            "trucks_per_day": 1.0,
            "payload_t": 2.0,
            "cargo": {"food": 1.0},
        }
    },
}
SEARCH = {"low": 0, "high": 20, "step": 0.5, "replications": 2, "executor": "serial"}


@pytest.fixture(scope="module")
def capacity():
    """The hand-computable scenario, validated."""
    return validate_scenario(CAPACITY, "<capacity>")


def need_t_per_day(population: int) -> float:
    return population * CAPACITY["commodities"]["food"]["need_per_person_day"]


def test_hand_computed_threshold_is_found(capacity):
    """share_met:food >= 0.999 needs trucks x 2 t >= 10 t/day: the search returns 5."""
    expected = need_t_per_day(10_000) / CAPACITY["convoys"]["aid"]["payload_t"]
    answer = minimum_parameter(capacity, "convoys.aid.trucks_per_day", "share_met:food",
                               target=0.999, probability=0.9, **SEARCH)  # fmt: skip
    assert answer.value == expected == 5.0
    tried = answer.evaluations.set_index("convoys.aid.trucks_per_day")
    assert tried.loc[5.0, "meets"] and tried.loc[5.0, "probability"] == 1.0
    assert not tried.loc[4.5, "meets"] and tried.loc[4.5, "probability"] == 0.0
    assert (tried["meets"] == (tried.index >= 5.0)).all()
    assert str(answer) == "convoys.aid.trucks_per_day >= 5"


def test_scenario_really_has_its_threshold_at_five(capacity):
    """Direct runs confirm the premise: 4.5 trucks/day falls short on some days, 5 never does."""
    for trucks, short in ((4.5, True), (5.0, False)):
        scenario = validate_scenario(CAPACITY, overrides={"convoys.aid.trucks_per_day": trucks})
        summary = ls.simulate(scenario, seed=1).summary
        assert (summary["shortage_days:food"] > 0) == short
        assert (summary["share_met:food"] >= 0.999) == (not short)


def test_no_value_in_range_meets_the_target(capacity):
    """When even ``high`` misses the target the answer is None, and says so."""
    answer = minimum_parameter(capacity, "convoys.aid.trucks_per_day", "share_met:food",
                               target=0.999, **{**SEARCH, "high": 4})  # fmt: skip
    assert answer.value is None
    assert "no value" in str(answer)
    assert answer.evaluations["convoys.aid.trucks_per_day"].tolist() == [4]
    assert not answer.evaluations["meets"].any()


def test_low_end_meeting_the_target_is_the_answer(capacity):
    """When ``low`` already meets the target, ``low`` is the answer."""
    answer = minimum_parameter(capacity, "convoys.aid.trucks_per_day", "share_met:food",
                               target=0.999, **{**SEARCH, "low": 6})  # fmt: skip
    assert answer.value == 6


def test_lower_is_better_metric(capacity):
    """With better="lower", the target is a ceiling: shortage_days:food <= 0 also needs 5."""
    answer = minimum_parameter(capacity, "convoys.aid.trucks_per_day", "shortage_days:food",
                               target=0, better="lower", **SEARCH)  # fmt: skip
    assert answer.value == 5.0
    higher = minimum_parameter(capacity, "convoys.aid.trucks_per_day", "shortage_days:food",
                               target=0, better="higher", **SEARCH)  # fmt: skip
    assert higher.value == 0  # 0 trucks: shortage_days >= 0 trivially holds


def test_bad_better_and_unknown_metric_are_refused(capacity):
    """``better`` must be "higher" or "lower"; an unknown metric is a KeyError listing the known."""
    with pytest.raises(ValueError, match="higher"):
        minimum_parameter(capacity, "convoys.aid.trucks_per_day", "share_met:food", 0.9,
                          better="more", **SEARCH)  # fmt: skip
    with pytest.raises(KeyError, match="share_met:food"):
        minimum_parameter(capacity, "convoys.aid.trucks_per_day", "share_met:fod", 0.9, **SEARCH)


def test_bisection_brackets_its_answer_on_a_noisy_scenario():
    """On a stochastic scenario the answer meets the target and one step below it was tried and
    failed; each tried value's probability is the share of its replications meeting the target
    (same seeds as a plain sweep at that value)."""
    scenario = sweep_scenario()
    answer = minimum_parameter(scenario, TRUCKS, "share_met:food", target=0.9, probability=0.75,
                               low=0, high=4, step=0.25, replications=8, seed=3,
                               executor="serial")  # fmt: skip
    tried = answer.evaluations.set_index(TRUCKS)
    assert answer.value is not None and 0 < answer.value <= 4
    assert tried.loc[answer.value, "meets"]
    assert not tried.loc[answer.value - 0.25, "meets"]
    for value, row in tried.iterrows():
        runs = ls.sweep(scenario, grid={TRUCKS: [value]}, replications=8, seed=3,
                        executor="serial", progress=False).runs  # fmt: skip
        hits = int((runs["share_met:food"] >= 0.9).sum())
        assert row["probability"] == hits / 8
        assert row["meets"] == (hits / 8 >= 0.75)
        assert (row["ci_low"], row["ci_high"]) == wilson_interval(hits, 8)


# --------------------------------------------------------------------------------------------
# From a finished grid sweep
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def capacity_grid(capacity):
    """A grid sweep of trucks/day (0 to 12 by 0.5) for 10,000 and 20,000 people."""
    trucks = [k * 0.5 for k in range(25)]
    return ls.sweep(capacity, grid={"population.initial": [10_000, 20_000],
                                    "convoys.aid.trucks_per_day": trucks},
                    replications=2, executor="serial", progress=False)  # fmt: skip


def test_minimum_from_sweep_gives_the_threshold_per_group(capacity_grid, capacity):
    """From the grid sweep, the threshold is 5 trucks/day for 10,000 people and 10 for 20,000,
    as the bisection search finds for each group."""
    table = minimum_from_sweep(capacity_grid, "convoys.aid.trucks_per_day", "share_met:food",
                               target=0.999, probability=0.9, by=["population.initial"])  # fmt: skip
    found = dict(zip(table["population.initial"], table["minimum convoys.aid.trucks_per_day"],
                     strict=True))  # fmt: skip
    assert found == {p: need_t_per_day(p) / 2.0 for p in (10_000, 20_000)}
    for population, value in found.items():
        search = minimum_parameter(capacity, "convoys.aid.trucks_per_day", "share_met:food",
                                   target=0.999, overrides={"population.initial": population},
                                   **SEARCH)  # fmt: skip
        assert search.value == value


def test_minimum_from_sweep_without_groups_and_when_nothing_meets(capacity_grid):
    """Without ``by`` the runs of both populations are pooled into one row (10 trucks/day: at
    5 the 20,000-people runs fail); a target no point meets gives NaN."""
    one = minimum_from_sweep(capacity_grid, "convoys.aid.trucks_per_day", "shortage_days:food",
                             target=0, better="lower")  # fmt: skip
    assert one["minimum convoys.aid.trucks_per_day"].tolist() == [10.0]
    half = minimum_from_sweep(capacity_grid, "convoys.aid.trucks_per_day", "shortage_days:food",
                              target=0, better="lower", probability=0.5)  # fmt: skip
    assert half["minimum convoys.aid.trucks_per_day"].tolist() == [5.0]
    none = minimum_from_sweep(capacity_grid, "convoys.aid.trucks_per_day", "share_met:food",
                              target=1.5, by=["population.initial"])  # fmt: skip
    assert len(none) == 2 and none["minimum convoys.aid.trucks_per_day"].isna().all()


def test_minimum_from_sweep_respects_the_probability(capacity_grid):
    """The answer is the smallest value whose share of replications meeting the target is at
    least ``probability``: with one of two replications failing, 0.5 passes and 0.9 does not."""
    runs = capacity_grid.runs.copy()
    hit = (runs["convoys.aid.trucks_per_day"] == 5.0) & (runs["replication"] == 0)
    runs.loc[hit, "share_met:food"] = 0.5  # one replication at 5 trucks/day now misses
    edited = ls.SweepResult(runs=runs, bands=capacity_grid.bands, design=capacity_grid.design,
                            spec=capacity_grid.spec)  # fmt: skip
    args = ("convoys.aid.trucks_per_day", "share_met:food", 0.999)
    by = ["population.initial"]
    strict = minimum_from_sweep(edited, *args, probability=0.9, by=by)
    loose = minimum_from_sweep(edited, *args, probability=0.5, by=by)
    assert strict["minimum convoys.aid.trucks_per_day"].tolist() == [5.5, 10.0]
    assert loose["minimum convoys.aid.trucks_per_day"].tolist() == [5.0, 10.0]


# --------------------------------------------------------------------------------------------
# Wilson interval
# --------------------------------------------------------------------------------------------
def wilson_by_quadratic(p: float, n: int, z: float) -> tuple[float, float]:
    """The Wilson bounds as the roots of (p - q)^2 = z^2 q (1 - q) / n in q."""
    k = z * z / n
    roots = np.roots([1 + k, -(2 * p + k), p * p])
    return tuple(sorted(float(r.real) for r in roots))  # type: ignore[return-value]


Z_95 = statistics.NormalDist().inv_cdf(0.975)  # two-sided 95 % normal quantile


@pytest.mark.parametrize("k, n", [(40, 50), (5, 10), (190, 200), (1, 7)])
def test_wilson_interval_matches_the_score_interval(k, n):
    """The interval's ends solve the Wilson score equation, and it contains k / n."""
    low, high = wilson_interval(k, n)
    np.testing.assert_allclose((low, high), wilson_by_quadratic(k / n, n, Z_95), rtol=1e-9)
    assert low < k / n < high


def test_wilson_interval_known_value():
    """For 8 successes in 10 the 95 % Wilson interval is about [0.490, 0.943]; a 90 % interval
    is narrower and inside it."""
    low, high = wilson_interval(8, 10)
    assert math.isclose(low, 0.4902, abs_tol=5e-4)
    assert math.isclose(high, 0.9433, abs_tol=5e-4)
    low90, high90 = wilson_interval(8, 10, confidence=0.9)
    assert low < low90 < 0.8 < high90 < high


def test_wilson_interval_edges():
    """With no or all successes the interval touches 0 or 1 and stays inside [0, 1]; with no
    replications it is undefined."""
    assert wilson_interval(0, 20)[0] == 0.0 and 0 < wilson_interval(0, 20)[1] < 0.2
    assert wilson_interval(20, 20)[1] == 1.0 and 0.8 < wilson_interval(20, 20)[0] < 1
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    wider, narrower = wilson_interval(5, 10), wilson_interval(500, 1000)
    assert wider[1] - wider[0] > narrower[1] - narrower[0]


def test_evaluations_table_columns(capacity):
    """The evaluations table lists each tried value once, in order, with its probability, a
    95 % interval containing it, the replications counted and whether it meets the target."""
    answer = minimum_parameter(capacity, "convoys.aid.trucks_per_day", "share_met:food",
                               target=0.999, **SEARCH)  # fmt: skip
    table = answer.evaluations
    assert list(table.columns) == ["convoys.aid.trucks_per_day", "probability", "ci_low",
                                   "ci_high", "replications", "meets"]  # fmt: skip
    values = table["convoys.aid.trucks_per_day"]
    assert values.is_monotonic_increasing and values.is_unique
    assert ((table["ci_low"] <= table["probability"])
            & (table["probability"] <= table["ci_high"])).all()  # fmt: skip
    assert (table["replications"] == 2).all()
    pd.testing.assert_series_equal(table["meets"], table["probability"] >= 0.9, check_names=False)
