"""The experiments' answers across the input uncertainty (experiments/_uncertain.py and its use
in the counterfactual and minimum-capacity experiments): which inputs are sampled, the Latin
hypercube, paired differences and the robustness verdict, the range of an answer."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "experiments"))
import counterfactuals
import minimum_capacity
from _uncertain import (
    free_inputs,
    latin_hypercube,
    leading_input,
    paired_differences,
    sign_verdict,
    spread,
)

import lachin_sim as ls


@pytest.fixture(scope="module")
def inputs():
    """The historical scenario's uncertain inputs."""
    return ls.load_scenario(REPO / "configs" / "blockade_2023.toml").uncertainty


def test_sign_verdict_tells_robust_from_flipping():
    """The same strict sign in every sample is robust; both signs flip; a sign in some samples
    and none in others is 'sometimes'; floating-point noise is no difference; NaN is skipped."""
    assert sign_verdict([1.0, 2.0, 0.5]) == "robust"
    assert sign_verdict([-1.0, -2.0]) == "robust"
    assert sign_verdict([1.0, -0.5, 2.0]) == "flips"
    assert sign_verdict([1.0, 0.0, 2.0]) == "sometimes"
    assert sign_verdict([0.0, 1e-15, -1e-15]) == "none"
    assert sign_verdict([1.0, np.nan, 3.0]) == "robust"


def test_paired_differences_pair_by_sample():
    """A scenario that adds 1 to the base in every sample, however much the base moves between
    samples, has a difference of exactly 1 (robust); one that adds +2 in one sample and -1 in
    the others flips. Differences taken across samples would not give these."""
    base = [10.0, 50.0, 90.0]
    rows = []
    for k, b in enumerate(base):
        rows += [{"sample": k, "scenario": "base", "metric": "m", "value": b},
                 {"sample": k, "scenario": "plus_one", "metric": "m", "value": b + 1},
                 {"sample": k, "scenario": "mixed", "metric": "m",
                  "value": b + (2.0 if k == 0 else -1.0)}]  # fmt: skip
    table = paired_differences(pd.DataFrame(rows), "base").set_index("scenario")
    assert list(table.index) == ["plus_one", "mixed"]
    plus = table.loc["plus_one"]
    assert (plus["median"], plus["q05"], plus["q95"]) == (1.0, 1.0, 1.0)
    assert (plus["verdict"], plus["above 0"], plus["below 0"], plus["samples"]) == (
        "robust",
        3,
        0,
        3,
    )
    mixed = table.loc["mixed"]
    assert mixed["verdict"] == "flips" and (mixed["above 0"], mixed["below 0"]) == (1, 2)
    assert mixed["median"] == -1.0 and mixed["q95"] == pytest.approx(2.0 - 0.1 * 3)


def test_free_inputs_drop_what_the_experiment_sets_or_switches_off(inputs):
    """An input is dropped when an override sets its path, a table holding it or a field in it,
    or switches off a table holding it; a table with a longer name is not its parent."""
    overrides = {
        "regimes.checkpoint.denial_probability": 0.1,  # the same path
        "convoys.icrc.enabled": False,  # switched off
        "convoys.peacekeeper.enabled": True,  # still on: its inputs stay
        "convoys.peacekeeper.cargo.food": 0.5,  # a field inside an input's table
        "hydro": {"sarsang": {}},  # a table holding several inputs
        "convoys.icrc_via_aghdam": {"operator": "humanitarian"},  # not convoys.icrc
    }
    kept, dropped = free_inputs(inputs, overrides)
    assert set(kept) | set(dropped) == set(inputs) and not set(kept) & set(dropped)
    assert dropped["regimes.checkpoint.denial_probability"].startswith("set by")
    assert dropped["convoys.icrc.trucks_per_day"].startswith("switched off")
    assert "convoys.peacekeeper.cargo" in dropped
    assert "convoys.peacekeeper.trucks_per_day" in kept
    assert all(p in dropped for p in inputs if p.startswith("hydro."))
    assert "commodities.food.initial_stock" in kept


def test_latin_hypercube_is_stratified_seeded_and_in_range(inputs):
    """Each input's unit coordinates fall one in each of the K strata; the same seed gives the
    same samples and another seed others; values lie in each input's range and a choice gives
    only its options."""
    k = 8
    unit, points = latin_hypercube(inputs, k, seed=3)
    assert unit.shape == (k, len(inputs)) and len(points) == k
    for column in unit.T:
        assert sorted(np.floor(column * k).astype(int)) == list(range(k))
    again, same = latin_hypercube(inputs, k, seed=3)
    assert np.array_equal(unit, again) and same == points
    assert not np.array_equal(unit, latin_hypercube(inputs, k, seed=4)[0])
    for path, spec in inputs.items():
        if spec.dist == "choice":
            assert all(p[path] in spec.options for p in points)
        else:
            low, high = spec.value_at(0.0), spec.value_at(1.0)
            assert all(low <= p[path] <= high for p in points), path


def test_spread_puts_no_answer_above_every_answer():
    """A sample without an answer (NaN) counts as above every answer: it can only raise the
    upper quantile, never vanish from it."""
    assert spread([4.0, 5.0, 6.0]) == (5.0, pytest.approx(4.1), pytest.approx(5.9))
    median, q05, q95 = spread([4.0, 5.0, np.nan])
    assert (median, q05, q95) == (5.0, 4.0, np.inf)


def test_leading_input_finds_the_input_an_answer_follows():
    """An answer that falls with the second input's coordinate ranks it first (rho = -1);
    an answer that does not vary names none."""
    rng = np.random.default_rng(0)
    unit = rng.random((12, 3))
    name, rho = leading_input(unit, ["a", "b", "c"], 10 - 5 * unit[:, 1])
    assert name == "b" and rho == pytest.approx(-1.0)
    assert leading_input(unit, ["a", "b", "c"], np.full(12, 3.0))[0] == ""


def test_all_three_has_no_answer_when_one_commodity_has_none():
    """The rate for all three commodities is the largest of theirs, and none (NaN) when one
    commodity met the target at no rate searched (a skipped NaN would report the others' rate)."""
    table = pd.DataFrame({"food": [4.0, 4.0], "fuel": [6.0, np.nan], "medicine": [5.0, 5.0]})
    result = minimum_capacity.all_three(table)
    assert result.iloc[0] == 6.0 and np.isnan(result.iloc[1])


def test_sampled_scenarios_share_each_sample_and_keep_their_own_settings(inputs):
    """Every named scenario of a sample gets the same input values, except an input the
    scenario itself sets, which keeps the scenario's value."""
    from lachin_sim.studies.scenarios import ScenarioSet

    config = ScenarioSet.model_validate({"base": "x.toml", "scenarios": {
        "historical": {}, "more_food": {"overrides": {"commodities.food.initial_stock": 9000}}}})  # fmt: skip
    _, points = latin_hypercube(inputs, 3, seed=1)
    scenarios, fixed = counterfactuals.sampled_set(config, points, inputs)
    assert sorted(scenarios) == sorted(
        f"{n}@{k}" for n in ("historical", "more_food") for k in range(3)
    )
    for k, point in enumerate(points):
        base, other = (
            scenarios[f"historical@{k}"]["overrides"],
            scenarios[f"more_food@{k}"]["overrides"],
        )
        assert base == point
        assert other["commodities.food.initial_stock"] == 9000
        assert {p: v for p, v in other.items() if p != "commodities.food.initial_stock"} == {
            p: v for p, v in point.items() if p != "commodities.food.initial_stock"}  # fmt: skip
    assert list(fixed["more_food"]) == ["commodities.food.initial_stock"]


def test_per_sample_values_count_a_shortage_that_never_came_on_the_last_day():
    """The per-sample value is the mean over ok replications; a run never short counts at the
    horizon and is counted in ``never``; a failed run is left out."""
    metrics = list(counterfactuals.HEADLINES)
    runs = pd.DataFrame([
        {"scenario": "a@0", "status": "ok", **dict.fromkeys(metrics, 1.0),
         "days_to_first_shortage:food": 100.0},
        {"scenario": "a@0", "status": "ok", **dict.fromkeys(metrics, 3.0),
         "days_to_first_shortage:food": np.nan},
        {"scenario": "a@0", "status": "failed", **dict.fromkeys(metrics, 50.0)},
        {"scenario": "a@1", "status": "ok", **dict.fromkeys(metrics, 7.0)},
    ])  # fmt: skip
    values = counterfactuals.per_sample_values(runs, horizon=300).set_index(["sample", "metric"])
    assert values.loc[(0, "days_to_first_shortage:food"), "value"] == 200.0
    assert values.loc[(0, "days_to_first_shortage:food"), "never"] == 1
    assert values.loc[(0, "share_met:food"), "value"] == 2.0
    assert values.loc[(1, "excess_deaths:all"), "value"] == 7.0
    assert set(values["scenario"]) == {"a"}
    point = counterfactuals.per_sample_values(runs.assign(scenario="a"), horizon=300)
    assert set(point["sample"]) == {-1}


def test_robustness_text_says_which_differences_hold_and_which_flip():
    """The sentence of a scenario names a robust difference by its sign, counts the samples of
    one that flips, and words a difference seen in some samples by its sign, not its median."""
    row = {"scenario": "a", "samples": 4, "q05": 0.0, "q95": 0.0, "written values": 0.0,
           "samples never short": 0}  # fmt: skip
    diffs = pd.DataFrame([
        {**row, "metric": "share_met:food", "median": 0.1, "above 0": 4, "below 0": 0, "verdict": "robust"},
        {**row, "metric": "excess_deaths:all", "median": 5.0, "above 0": 3, "below 0": 1, "verdict": "flips"},
        {**row, "metric": "share_met:fuel", "median": 0.0, "above 0": 1, "below 0": 0, "verdict": "sometimes"},
        {**row, "metric": "share_met:electricity", "median": 0.0, "above 0": 0, "below 0": 0, "verdict": "none"},
    ])  # fmt: skip
    scenario, overall = counterfactuals.robustness_text(diffs, samples=4)
    assert "in every sample more of the food need met (median +10.0 percentage points)" in scenario
    assert (
        "excess deaths hangs on the assumptions: higher in 3 and lower in 1 of 4 samples"
        in scenario
    )
    assert "more of the fuel need met" in scenario and "less of the fuel" not in scenario
    assert "no difference in any sample for share of electricity need met" in scenario
    assert overall.startswith("Of the 4 differences, 1 keep their sign in every sample, 1 change")


def test_capacity_range_wider_than_a_step_hangs_on_the_assumptions():
    """A minimum that moves by no more than the search step over the samples is robust; a wider
    range names the input it moves with; a sample without an answer hangs on the assumptions."""
    row = {"denial probability": 0.0, "answer": "food", "point answer": 5.0,
           "written values": 5.0, "median": 5.0, "samples none up to 24": 0,
           "rank correlation": -0.8, "moves most with": "commodities.fuel.initial_stock"}  # fmt: skip
    summary = pd.DataFrame([{**row, "5 %": 5.0, "95 %": 5.5}, {**row, "5 %": 4.0, "95 %": 7.0},
                            {**row, "5 %": 4.0, "95 %": np.inf}])  # fmt: skip
    narrow, wide, open_ended = minimum_capacity.robustness_text(summary, samples=16, step=0.5)
    assert "does not hang on the uncertain inputs" in narrow
    assert "spans 3 trucks a day" in wide and "`commodities.fuel.initial_stock`" in wide
    assert "-0.80" in wide
    assert "> 24" in open_ended and "hangs on the assumptions" in open_ended


def test_search_log_reuses_a_finished_search(tmp_path):
    """A search whose key was answered before (in this run or an interrupted one) is not run
    again; another key is."""
    calls = []

    def search(value):
        return lambda: calls.append(value) or value

    path = tmp_path / "searches.jsonl"
    assert minimum_capacity.SearchLog(path).answer({"k": 1}, search(4.5)) == 4.5
    log = minimum_capacity.SearchLog(path)
    assert log.answer({"k": 1}, search(99.0)) == 4.5
    assert log.answer({"k": 2}, search(None)) is None
    assert minimum_capacity.SearchLog(path).answer({"k": 2}, search(7.0)) is None
    assert calls == [4.5, None]


class _Answers:
    """A stand-in for the search log: each commodity's minimum, searched from ``low`` (the
    answer a monotone search gives: the larger of the two, or None when there is none)."""

    def __init__(self, minimum: dict[str, float | None]):
        self.minimum, self.searched = minimum, []

    def answer(self, key: dict, search) -> float | None:
        commodity = key["metric"].split(":")[1]
        self.searched.append((commodity, key["low"]))
        m = self.minimum[commodity]
        return None if m is None else max(m, key["low"])


class _Scenario:
    def to_dict(self) -> dict:
        return {}


@pytest.mark.parametrize(
    ("minimum", "food", "all_three", "binding"),
    [
        ({"food": 5.0, "fuel": 7.0, "medicine": 6.0}, 5.0, 7.0, "fuel"),
        ({"food": 5.0, "fuel": 4.0, "medicine": 8.5}, 5.0, 8.5, "medicine"),
        ({"food": 0.0, "fuel": 0.0, "medicine": 0.0}, 0.0, 0.0, "food"),
        ({"food": 5.0, "fuel": None, "medicine": 6.0}, 5.0, np.nan, "fuel"),
    ],
)
def test_commodities_searched_in_turn_give_the_rate_for_all_three(
    minimum, food, all_three, binding
):
    """Each commodity is searched from the rate the ones before it need: the last answer is the
    largest minimum (none when one commodity has none, and then the rest are not searched)."""
    answers = _Answers(minimum)
    table = minimum_capacity.minimum_by_sample(_Scenario(), [], {"step": 0.5, "replications": 2},
                                               None, answers)  # fmt: skip
    row = table.iloc[0]
    assert row["food"] == food and row["binding"] == binding
    assert (np.isnan(row["all three"]) and np.isnan(all_three)) or row["all three"] == all_three
    lows = dict(answers.searched[: len(minimum)])
    assert lows["food"] == 0.0 and lows["fuel"] == food
    if minimum["fuel"] is None:
        assert "medicine" not in [c for c, _ in answers.searched]


def _runs(scenario: str, share: float, cut: float, short: float, deaths: float) -> list[dict]:
    """Two ok runs of one scenario with the columns the 'What it shows' paragraph reads."""
    return [{"scenario": scenario, "status": "ok", "share_met:food": share,
             "food_kcal_per_person_day:all": 2100 * share, "days_to_first_ration_cut:food": cut,
             "days_to_first_shortage:food": short, "excess_deaths:all": deaths,
             "share_met:fuel": 0.2, "share_met:gas": 0.4, "share_met:electricity": e}
            for e in (0.6, 0.6)]  # fmt: skip


def test_what_it_shows_states_the_runs_against_the_base():
    """The paragraph gives each scenario's medians from its runs (food share, first ration cut
    and first shortage as dates, or 'not by' the last day when they never came) and the
    difference to the base; it names the rules and the scenario that replays the records."""
    import datetime as dt

    runs = pd.DataFrame(_runs("historical", 0.52, 55.0, 55.0, 1000.0)
                        + _runs("open", 1.0, np.nan, np.nan, 0.0))  # fmt: skip
    start, last = dt.date(2022, 12, 1), dt.date(2023, 9, 30)
    text = counterfactuals.what_it_shows(runs, ["historical", "open"], start, last,
                                         ["rationing.rules.food"], ["recorded"])  # fmt: skip
    base, variant = text.splitlines()[1:]
    assert "52% of the food need met" in base and "day 55 (25 Jan 2023)" in base
    assert "1,000 excess deaths" in base
    assert "100% of the food need met (+48.0 points)" in variant
    assert "not by 30 Sep 2023" in variant and "day 55" not in variant
    assert "0 excess deaths (-1,000)" in variant
    assert "within 1 point of historical" in variant  # fuel, gas, electricity unchanged
    assert "`rationing.rules.food`" in text and "recorded switches them off" in text


def test_rules_a_scenario_switches_off_and_convoys_it_adds():
    """The base's decision rules are read from the scenario; a scenario that sets a rule's
    ``enabled`` to false switches it off; a convoy the base lacks is one the scenario adds."""
    base = ls.load_scenario(REPO / "configs" / "blockade_2023.toml")
    rules = counterfactuals.decision_rules(base)
    assert "rationing.rules.food" in rules and "hydro.sarsang.release" in rules
    assert "hydro.small_hydro.release" not in rules  # no release rule there
    off = {"rationing.rules.food.enabled": False, "rationing.rules.fuel.enabled": True}
    assert counterfactuals.rules_switched_off(off, rules) == ["rationing.rules.food"]
    overrides = {"convoys.new_route": {"trucks_per_day": 1.0}, "convoys.icrc.enabled": False}
    assert counterfactuals.added_convoys(overrides, base.convoys) == ["new_route"]
