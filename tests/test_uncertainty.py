"""Uncertainty studies: the draws of each distribution, reproducible samples, the variance split,
sensitivity indices with a known answer, resume and executors, and the command.

The study scenario is the tiny stochastic one of the sweep tests (40 days, ~10 ms a run) with
an ``[uncertainty]`` table: two inputs that matter (the aid rate and the initial food stock), a
truncated normal denial rate, and ``convoys.aid.jitter_h``, which provably does nothing: the aid
source is Poisson, and a Poisson schedule ignores jitter.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from pydantic import TypeAdapter
from scipy import stats
from sweep_helpers import DENIAL, SWEEP_MODULE, TRUCKS, sweep_raw

import lachin_sim as ls
from lachin_sim.config.uncertainty import TAIL, UncertainInput
from lachin_sim.config.validation import validate_scenario
from lachin_sim.errors import ConfigError, SweepInterrupted
from lachin_sim.studies import sensitivity as sa
from lachin_sim.studies.uncertainty import sample_points, variance_split

INERT = "convoys.aid.jitter_h"  # unused by a Poisson schedule
STOCK = "commodities.food.initial_stock"
INPUTS = {
    TRUCKS: {"dist": "uniform", "low": 0.2, "high": 1.0, "note": "test range"},
    STOCK: {"dist": "triangular", "low": 5.0, "mode": 10.0, "high": 20.0, "note": "test range"},
    INERT: {"dist": "uniform", "low": 0.0, "high": 12.0, "note": "does nothing (poisson)"},
    DENIAL: {"dist": "normal", "mean": 0.1, "sd": 0.05, "low": 0.0, "high": 0.5, "note": "t"},
}
FOOD_FIRST = "days_to_first_shortage:food"


def study_raw(inputs: dict | None = None) -> dict:
    raw = sweep_raw()
    raw["uncertainty"] = INPUTS if inputs is None else inputs
    return raw


def study_scenario(inputs: dict | None = None) -> ls.Scenario:
    return validate_scenario(study_raw(inputs), source="<study-tiny>")


def spec_of(table: dict) -> object:
    return TypeAdapter(UncertainInput).validate_python({"note": "n", **table})


def draws(table: dict, n: int = 4000, seed: int = 5) -> np.ndarray:
    """``n`` Monte Carlo draws of one input, as a study makes them."""
    unit = sa.unit_design("mc", 1, n, seed)
    return np.array([p["x"] for p in sample_points({"x": spec_of(table)}, unit)], dtype=float)


# --------------------------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------------------------
DISTRIBUTIONS = [
    ({"dist": "uniform", "low": 2.0, "high": 5.0}, stats.uniform(2.0, 3.0)),
    ({"dist": "triangular", "low": 1.0, "mode": 2.0, "high": 6.0}, stats.triang(0.2, 1.0, 5.0)),
    ({"dist": "normal", "mean": 3.0, "sd": 0.5}, stats.norm(3.0, 0.5)),
    ({"dist": "normal", "mean": 0.1, "sd": 0.2, "low": 0.0, "high": 1.0},
     stats.truncnorm(-0.5, 4.5, loc=0.1, scale=0.2)),
    ({"dist": "lognormal", "median": 4.0, "sigma": 0.4}, stats.lognorm(0.4, scale=4.0)),
]  # fmt: skip


@pytest.mark.parametrize(("table", "reference"), DISTRIBUTIONS,
                         ids=[d[0]["dist"] + ("_truncated" if "low" in d[0] and d[0]["dist"] ==
                                              "normal" else "") for d in DISTRIBUTIONS])  # fmt: skip
def test_draws_follow_their_distribution(table, reference):
    """Kolmogorov-Smirnov: the draws of each kind come from the distribution its parameters
    name, and not from one with a shifted centre (the test has the power to tell)."""
    x = draws(table)
    assert stats.kstest(x, reference.cdf).pvalue > 0.01
    shifted = reference.mean() + 0.1 * reference.std()
    assert stats.kstest(x - reference.mean() + shifted, reference.cdf).pvalue < 0.01


def test_unbounded_draws_are_cut_at_the_stated_quantiles():
    """A normal without bounds never goes past its 0.1 % / 99.9 % quantiles (the ends the
    scenario is checked at); a truncated normal stays inside [low, high]."""
    spec = spec_of({"dist": "normal", "mean": 0.0, "sd": 1.0})
    lo, hi = (v for _, v in spec.ends())
    assert lo == pytest.approx(stats.norm.ppf(TAIL)) and hi == pytest.approx(-lo)
    x = draws({"dist": "normal", "mean": 0.0, "sd": 1.0}, n=20000)
    assert x.min() >= lo and x.max() <= hi
    y = draws({"dist": "normal", "mean": 0.1, "sd": 0.5, "low": 0.0, "high": 0.3})
    assert y.min() >= 0.0 and y.max() <= 0.3


def test_integer_inputs_give_whole_numbers_inside_the_range():
    x = draws({"dist": "uniform", "low": 9.6, "high": 20.4, "integer": True}, n=2000)
    assert np.all(x == np.round(x)) and x.min() == 10 and x.max() == 20


def test_a_choice_returns_only_its_options_in_their_weights():
    options = [{"dist": "exponential", "mean": 0.5}, "open", 7]
    spec = spec_of({"dist": "choice", "options": options, "weights": [1, 2, 1]})
    unit = sa.unit_design("mc", 1, 4000, seed=3)
    values = [p["x"] for p in sample_points({"x": spec}, unit)]
    counts = [sum(v == o for v in values) for o in options]
    assert sum(counts) == len(values)  # nothing else
    assert stats.chisquare(counts, np.array([0.25, 0.5, 0.25]) * len(values)).pvalue > 0.01


def test_samples_are_reproducible_from_the_root_seed():
    inputs = study_scenario().uncertainty
    for method in ("mc", "morris", "sobol"):
        a = sample_points(inputs, sa.unit_design(method, len(inputs), 8, seed=4))
        b = sample_points(inputs, sa.unit_design(method, len(inputs), 8, seed=4))
        c = sample_points(inputs, sa.unit_design(method, len(inputs), 8, seed=5))
        assert a == b and a != c, method


# --------------------------------------------------------------------------------------------
# Config
# --------------------------------------------------------------------------------------------
def test_a_scenario_with_uncertain_inputs_runs_at_its_written_values():
    """The table changes no run; without it the resolved config (and digest) has no such key."""
    with_table, without = study_scenario(), validate_scenario(sweep_raw(), "<tiny>")
    a, b = ls.simulate(with_table, seed=2), ls.simulate(without, seed=2)
    pd.testing.assert_frame_equal(a.stocks, b.stocks)
    assert "uncertainty" not in without.to_dict() and "uncertainty" in with_table.to_dict()


@pytest.mark.parametrize(("path", "table", "says"), [
    ("convoys.nope.trucks_per_day", {"dist": "uniform", "low": 0, "high": 1}, "'nope' is not in convoys"),
    ("convoys.aid.trucks", {"dist": "uniform", "low": 0, "high": 1}, "'trucks' is not a field"),
    ("start", {"dist": "choice", "options": ["2023-01-01", "2023-01-02"]}, "one calendar"),
    (TRUCKS, {"dist": "uniform", "low": -1, "high": 1}, "at the low end of its range"),
    (DENIAL, {"dist": "normal", "mean": 0.1, "sd": 0.1}, "truncate it with low and high"),
    ("corridors.road.timeline.0.regime", {"dist": "choice", "options": ["open", "shut"]},
     "with option 1"),
    ("corridors.road.timeline.4.regime", {"dist": "choice", "options": ["open", "checkpoint"]},
     "not an index"),
    ("corridors.road.random_closures.rate_per_day", {"dist": "uniform", "low": 0, "high": 1},
     "not set in this scenario"),
])  # fmt: skip
def test_bad_uncertain_inputs_are_refused_with_the_path(path, table, says):
    with pytest.raises(ConfigError) as err:
        study_scenario({path: {**table, "note": "n"}})
    assert f"uncertainty.{path}" in str(err.value) and says in str(err.value)


def test_checking_the_ends_leaves_the_config_and_each_other_alone():
    """The ends are validated on copies of only the tables on their paths: an end's value does
    not leak into the raw config, the scenario, or the check of the next input (here the last
    end of the first input is refused; the second input's ends are valid)."""
    import copy

    regime = "corridors.road.timeline.0.regime"
    raw = sweep_raw()
    raw["uncertainty"] = {
        regime: {"dist": "choice", "options": ["open", "shut"], "note": "n"},
        DENIAL: {"dist": "uniform", "low": 0.0, "high": 0.5, "note": "n"},
    }
    before = copy.deepcopy(raw)
    with pytest.raises(ConfigError) as err:
        validate_scenario(raw, "<tiny>")
    assert f"uncertainty.{regime}" in str(err.value) and "with option 1" in str(err.value)
    assert f"uncertainty.{DENIAL}" not in str(err.value)
    assert raw == before
    del raw["uncertainty"][regime]
    scenario = validate_scenario(raw, "<tiny>")
    assert raw == before | {"uncertainty": {DENIAL: before["uncertainty"][DENIAL]}}
    written = validate_scenario({k: v for k, v in raw.items() if k != "uncertainty"}, "<tiny>")
    assert scenario.regimes == written.regimes and scenario.corridors == written.corridors


def test_whole_number_fields_need_integer_draws(make_raw):
    raw = make_raw(regimes={"open": {"allowed_operators": ["humanitarian"],
                                     "capacity_trucks_per_day": 20}})  # fmt: skip
    path = "regimes.open.capacity_trucks_per_day"
    raw["uncertainty"] = {path: {"dist": "uniform", "low": 5, "high": 30, "note": "n"}}
    with pytest.raises(ConfigError, match="add integer = true"):
        validate_scenario(raw, "<tiny>")
    raw["uncertainty"][path]["integer"] = True
    assert validate_scenario(raw, "<tiny>").uncertainty[path].integer


def test_a_note_is_required():
    with pytest.raises(ConfigError, match="note: required field is missing"):
        study_scenario({TRUCKS: {"dist": "uniform", "low": 0.2, "high": 1.0}})


FUEL_STOCK = "commodities.fuel.initial_stock"
LINKED = {STOCK: {"dist": "choice", "options": [5.0, 10.0, 40.0], "note": "one inventory",
                  "linked": {FUEL_STOCK: [1.0, 2.0, 8.0], "commodities.fuel.spoilage_per_day":
                             [0.0, 0.0, 0.01]}}}  # fmt: skip


def test_a_choice_sets_its_linked_fields_with_each_option():
    """Every sample sets the linked fields to the values of the option it drew, never another."""
    inputs = study_scenario({**LINKED, TRUCKS: INPUTS[TRUCKS]}).uncertainty
    for method in ("mc", "morris", "sobol"):
        points = sample_points(inputs, sa.unit_design(method, len(inputs), 8, seed=2))
        options = {5.0: (1.0, 0.0), 10.0: (2.0, 0.0), 40.0: (8.0, 0.01)}
        seen = set()
        for p in points:
            assert set(p) == {STOCK, FUEL_STOCK, "commodities.fuel.spoilage_per_day", TRUCKS}
            assert (p[FUEL_STOCK], p["commodities.fuel.spoilage_per_day"]) == options[p[STOCK]]
            seen.add(p[STOCK])
        assert len(seen) > 1, method


def test_the_runs_of_a_study_get_the_linked_values():
    """A study runs each sample with its linked fields set: with the same seeds, the fuel left
    at the end rises with the fuel stock that the drawn food-stock option links to."""
    study = ls.uncertainty(study_scenario(LINKED), samples=8, executor="serial", progress=False,
                           metrics=["final_days_of_supply:fuel"])  # fmt: skip
    assert study.spec["inputs"][STOCK]["linked"][FUEL_STOCK] == [1.0, 2.0, 8.0]
    runs = study.runs.merge(study.samples, on="sample")
    by_option = runs.groupby(STOCK)["final_days_of_supply:fuel"].agg(["min", "max"])
    assert len(by_option) > 1
    assert (by_option["min"].iloc[1:].to_numpy() > by_option["max"].iloc[:-1].to_numpy()).all()


@pytest.mark.parametrize(("inputs", "says"), [
    ({STOCK: {**LINKED[STOCK], "linked": {FUEL_STOCK: [1.0, 2.0]}}}, "has 2 values; options has 3"),
    ({STOCK: {**LINKED[STOCK], "linked": {"commodities.fuel.stock": [1, 2, 3]}}},
     "uncertainty.commodities.food.initial_stock.linked.commodities.fuel.stock"),
    ({STOCK: {**LINKED[STOCK], "linked": {"start": ["2023-01-01"] * 3}}}, "one calendar"),
    ({**LINKED, FUEL_STOCK: {"dist": "uniform", "low": 1, "high": 3, "note": "n"}},
     "the same field; one draw would overwrite the other"),
    ({**LINKED, "commodities.fuel": {"dist": "choice", "options": [{"unit": "t"}, {"unit": "kg"}],
                                     "note": "n"}}, "a table and a field inside it"),
    ({STOCK: {**LINKED[STOCK], "linked": {FUEL_STOCK: [1.0, -2.0, 8.0]}}},
     "with option 1 the scenario is not valid: commodities.fuel.initial_stock"),
    ({TRUCKS: {**INPUTS[TRUCKS], "linked": {FUEL_STOCK: [1.0, 2.0]}}}, "linked"),
])  # fmt: skip
def test_bad_linked_fields_are_refused_with_the_path(inputs, says):
    with pytest.raises(ConfigError) as err:
        study_scenario(inputs)
    assert says in str(err.value)


def test_a_linked_field_cannot_also_be_overridden():
    with pytest.raises(ConfigError, match="both overridden and uncertain"):
        ls.uncertainty(study_scenario(LINKED), samples=2, executor="serial", progress=False,
                       overrides={FUEL_STOCK: 3.0})  # fmt: skip


def test_an_event_that_never_happens_counts_at_the_horizon():
    """A run whose stock never runs out has no day for it (NaN): its sample counts it at the
    horizon, as for days to first shortage, not as a missing run (which made every index of
    the metric undefined)."""
    from lachin_sim.studies.uncertainty import metric_values, sample_means

    runs = pd.DataFrame({"sample": [0, 0, 1, 1], "replication": [0, 1, 0, 1],
                         "status": ["ok"] * 4,
                         "days_to_stock_empty:food": [12.0, np.nan, np.nan, np.nan],
                         "days_to_first_ration_cut:food": [3.0, 5.0, np.nan, 4.0]})  # fmt: skip
    never = metric_values(runs, "days_to_stock_empty:food", 40.0)
    assert never.tolist() == [12.0, 40.0, 40.0, 40.0]
    assert sample_means(runs, "days_to_stock_empty:food", 40.0, 2).tolist() == [26.0, 40.0]
    assert sample_means(runs, "days_to_first_ration_cut:food", 40.0, 2).tolist() == [4.0, 22.0]


# --------------------------------------------------------------------------------------------
# Variance split and sensitivity on known answers
# --------------------------------------------------------------------------------------------
def test_the_variance_split_recovers_known_parts():
    """Y = a_i + e_ij with Var a = 4 and Var e = 1: the split finds both (law of total
    variance), and not the naive variance of the means (4 + 1/R)."""
    rng = np.random.default_rng(0)
    a = rng.normal(0, 2.0, 3000)
    groups = [ai + rng.normal(0, 1.0, 4) for ai in a]
    inputs, schedule = variance_split(groups)
    assert inputs == pytest.approx(4.0, rel=0.06) and schedule == pytest.approx(1.0, rel=0.04)
    assert np.isnan(variance_split([g[:1] for g in groups])[0])  # one replication: no split


def ishigami(unit: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    x = -np.pi + 2 * np.pi * unit
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_recovers_the_published_ishigami_indices():
    """Ishigami (a = 7, b = 0.1; inputs uniform on [-pi, pi]): S1 = 0.314, 0.442, 0 and
    ST = 0.558, 0.442, 0.244 (Saltelli et al. 2008, Global Sensitivity Analysis: The Primer)
    lie inside the pipeline's intervals, which are narrow enough to mean something."""
    published = {"S1": (0.314, 0.442, 0.0), "ST": (0.558, 0.442, 0.244)}
    problem = sa.unit_problem(["x1", "x2", "x3"])
    unit = sa.unit_design("sobol", 3, 4096, seed=0)
    table = sa.analyse(problem, "sobol", unit, ishigami(unit), "ishigami").set_index(
        ["index", "input"]
    )
    for index, values in published.items():
        for name, value in zip(["x1", "x2", "x3"], values, strict=True):
            row = table.loc[(index, name)]
            assert row["low"] <= value <= row["high"], (index, name, row.to_dict())
            assert row["high"] - row["low"] < 0.15


def test_an_output_constant_up_to_rounding_has_no_indices():
    """A share met of 1 that sums to 1 - 1e-16 in some runs (what the historical study's medicine
    gave) has no variance to apportion: no indices, a note, instead of Sobol' 'indices' above 1."""
    unit = sa.unit_design("sobol", 3, 64, seed=0)
    noise = np.where(unit[:, 0] > 0.5, -1.1e-16, 0.0)
    for method in ("sobol",):
        table = sa.analyse(sa.unit_problem(["x1", "x2", "x3"]), method, unit, 1.0 + noise)
        assert table["value"].isna().all() and table["note"].str.contains("same").all()
    real = sa.analyse(sa.unit_problem(["x1", "x2", "x3"]), "sobol", unit, 1.0 + 1e-3 * unit[:, 0])
    assert real["value"].notna().all()


def test_morris_ranks_the_ishigami_inputs():
    """Morris mu_star on Ishigami: x1 and x2 matter far more than a constant offset would
    allow, and every input has an effect (x3 acts through its interaction with x1)."""
    unit = sa.unit_design("morris", 3, 200, seed=1)
    table = sa.analyse(sa.unit_problem(["x1", "x2", "x3"]), "morris", unit, ishigami(unit))
    mu = table[table["index"] == "mu_star"].set_index("input")["value"]
    assert (mu > 1.0).all() and table.loc[table["index"] == "mu_star", "low"].ge(0).all()


@pytest.fixture(scope="module")
def sobol_study() -> ls.UncertaintyResult:
    return ls.uncertainty(study_scenario(), samples=32, replications=2, method="sobol",
                          executor="serial", progress=False, seed=3)  # fmt: skip


@pytest.mark.slow  # quick mode stays near a minute; CI runs it
def test_an_input_that_does_nothing_has_zero_indices(sobol_study):
    """jitter_h is unused by a Poisson schedule: with common random numbers its runs are
    identical whatever its value, so its Sobol' indices are 0; the initial stock's are not."""
    s = sobol_study.sensitivity
    first = s[s["metric"] == FOOD_FIRST].set_index(["input", "index"])["value"]
    assert abs(first[(INERT, "S1")]) < 1e-9 and abs(first[(INERT, "ST")]) < 1e-9
    assert first[(STOCK, "ST")] > 0.1
    inert = s[(s["input"] == INERT) & s["value"].notna()]
    assert len(inert) and inert["value"].abs().max() < 1e-9


def test_morris_gives_the_inert_input_no_effect():
    study = ls.uncertainty(study_scenario(), samples=6, method="morris", executor="serial",
                           progress=False)  # fmt: skip
    s = study.sensitivity
    mu = s[(s["metric"] == FOOD_FIRST) & (s["index"] == "mu_star")].set_index("input")["value"]
    assert mu[INERT] == 0.0 and mu[STOCK] > 1.0


def test_only_inert_inputs_leave_all_the_variance_to_the_schedules():
    """With the inert input alone, every sample gives the same runs (common random numbers):
    the input part of each metric's variance is 0 and the schedule part is all of it."""
    study = ls.uncertainty(study_scenario({INERT: INPUTS[INERT]}), samples=5, replications=4,
                           executor="serial", progress=False)  # fmt: skip
    row = study.variance.set_index("metric").loc["share_met:food"]
    assert row["variance_input"] == 0.0 and row["variance_schedule"] > 0
    assert row["share_schedule"] == 1.0


@pytest.mark.slow  # quick mode stays near a minute; CI runs it
def test_study_tables_fit_together(sobol_study):
    study = sobol_study
    n_points = 32 * (len(INPUTS) + 2)
    assert len(study.samples) == n_points and len(study.runs) == 2 * n_points
    assert set(study.runs["seed"].unique()) == set(
        study.runs.loc[study.runs["sample"] == 0, "seed"]
    )
    assert set(study.sensitivity["index"]) == {"S1", "ST"}
    assert set(study.sensitivity["input"]) == set(INPUTS)
    bands = study.bands[
        (study.bands["series"] == "share_met") & (study.bands["commodity"] == "food")
    ]
    assert (
        len(bands) == 40
        and (bands["q05"] <= bands["q50"]).all()
        and (bands["q50"] <= bands["q95"]).all()
    )
    first = study.variance.set_index("metric").loc[FOOD_FIRST]
    runs = study.runs[FOOD_FIRST]
    assert first["runs_reached"] == runs.notna().sum()  # never short: counted, not dropped
    assert "inputs explain" in study.summary()


def test_dated_food_energy_is_the_groups_table_on_that_day():
    scenario = ls.load_scenario("configs/checkpoint_only.toml")
    result = ls.simulate(scenario, seed=1)
    from lachin_sim.outputs.outcomes import dated_outcomes

    got = dated_outcomes(scenario, result.groups, ("2023-06-01",))
    rows = result.groups[result.groups["date"] == pd.Timestamp("2023-06-01")]
    kcal = dict(zip(rows["group"], rows["kcal_per_person_day"], strict=True))
    people = dict(zip(rows["group"], rows["people"], strict=True))
    expected = {f"food_kcal_per_person_day@2023-06-01:{g}": pytest.approx(kcal[g])
                for g in scenario.group_names if len(scenario.group_names) > 1}  # fmt: skip
    expected["food_kcal_per_person_day@2023-06-01:all"] = pytest.approx(
        sum(kcal[g] * people[g] for g in scenario.group_names)
        / sum(people[g] for g in scenario.group_names)
    )
    assert got == expected
    names = ls.outputs.metrics.metric_names(scenario, ("2023-06-01",))
    assert sorted(got) == sorted(n for n in names if "@" in n)


# --------------------------------------------------------------------------------------------
# Executors, resume, errors
# --------------------------------------------------------------------------------------------
def _tables(study: ls.UncertaintyResult) -> dict[str, pd.DataFrame]:
    return {name: getattr(study, name) for name in ("samples", "runs", "bands", "variance",
                                                     "sensitivity")}  # fmt: skip


def assert_same_study(a: ls.UncertaintyResult, b: ls.UncertaintyResult) -> None:
    for name, table in _tables(a).items():
        pd.testing.assert_frame_equal(table.reset_index(drop=True),
                                      _tables(b)[name].reset_index(drop=True), obj=name)  # fmt: skip


def small_study(**kwargs) -> ls.UncertaintyResult:
    options = {"samples": 4, "replications": 2, "method": "sobol", "seed": 8, "progress": False,
               "executor": "serial", "dates": ("2023-01-20",), **kwargs}  # fmt: skip
    return ls.uncertainty(study_scenario(), **options)


@pytest.fixture(scope="module")
def serial_study() -> ls.UncertaintyResult:
    return small_study()


@pytest.mark.slow  # quick mode stays near a minute; CI runs it
def test_processes_with_one_or_two_workers_equal_serial(serial_study):
    for workers in (1, 2):
        assert_same_study(serial_study, small_study(executor="processes", workers=workers))


@pytest.mark.slow
def test_dask_equals_serial(serial_study):
    pytest.importorskip("distributed")
    assert_same_study(serial_study, small_study(executor="dask", workers=2))


def test_an_interrupted_study_resumes_to_identical_tables(tmp_path, monkeypatch, serial_study):
    real, calls = SWEEP_MODULE.run_batch, []

    def failing(batch):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt("simulated interruption")
        return real(batch)

    monkeypatch.setattr(SWEEP_MODULE, "run_batch", failing)
    out = tmp_path / "study"
    with pytest.raises(KeyboardInterrupt):
        small_study(out=out)
    assert not (out / "samples.csv").exists() and list((out / "runs" / "chunks").glob("*.npz"))
    with pytest.raises(ConfigError, match="add --resume"):
        small_study(out=out)
    monkeypatch.setattr(SWEEP_MODULE, "run_batch", real)
    resumed = small_study(out=out, resume=True)
    assert_same_study(serial_study, resumed)
    loaded = ls.load_uncertainty(out)
    assert_same_study(resumed, loaded)
    assert (out / "sensitivity.png").is_file() and (out / "variance_split.png").is_file()


def test_morris_and_sobol_without_salib_name_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "SALib", None)  # import fails as if not installed
    with pytest.raises(ConfigError, match=r"lachin-sim\[sensitivity\]"):
        small_study(method="morris")
    assert len(small_study(method="mc").runs) == 8  # plain Monte Carlo needs no SALib


@pytest.mark.parametrize(("kwargs", "says"), [
    ({"samples": 6}, "power of 2"),
    ({"method": "lhs"}, "choose one of mc, morris, sobol"),
    ({"dates": ("2024-01-01",)}, "outside the scenario"),
    ({"metrics": ["share_met:nothing"]}, "unknown metric"),
    ({"overrides": {TRUCKS: 0.5}}, "both overridden and uncertain"),
    ({"executor": "threads"}, "choose one of"),
])  # fmt: skip
def test_bad_study_options_are_refused_before_anything_is_written(tmp_path, kwargs, says):
    out = tmp_path / "study"
    with pytest.raises(ConfigError, match=says):
        small_study(out=out, **kwargs)
    assert not out.exists()


def test_a_scenario_without_uncertain_inputs_is_refused():
    with pytest.raises(ConfigError, match="no uncertain inputs"):
        ls.uncertainty(validate_scenario(sweep_raw(), "<tiny>"), samples=2)


def test_failed_runs_are_recorded_not_raised(monkeypatch):
    """A run that fails is a row with its error; the study goes on (its sample then has no
    indices if every replication failed)."""
    real = SWEEP_MODULE.run_batch

    def flaky(batch):
        out = real(batch)
        return [(r[0], "failed", "RuntimeError: boom", {}, None) if r[0] == 0 else r for r in out]

    monkeypatch.setattr(SWEEP_MODULE, "run_batch", flaky)
    study = small_study(replications=1)
    assert (study.runs["status"] == "failed").sum() == 1
    assert study.sensitivity["note"].str.contains("undefined").any()


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------
@pytest.fixture
def study_file(tmp_path):
    import tomli_w

    path = tmp_path / "study.toml"
    path.write_text(tomli_w.dumps(study_raw()))
    return path


@pytest.mark.slow  # quick mode stays near a minute; CI runs it
def test_the_command_writes_the_tables_and_figures(run_cli, study_file, tmp_path):
    out = tmp_path / "out"
    res = run_cli("uncertainty", study_file, "--samples", 4, "--method", "sobol",
                  "--replications", 2, "--executor", "serial", "--out", out)  # fmt: skip
    assert res.code == 0, res.err
    for name in (
        "samples.csv",
        "runs.csv",
        "bands.csv",
        "variance.csv",
        "sensitivity.csv",
        "sensitivity.png",
        "variance_split.png",
        "bands_share_met.png",
        "metadata.json",
    ):
        assert (out / name).is_file(), name
    assert "ST" in res.out and INERT not in res.out.split("days_to_first_shortage:food")[1][:200]
    sens = pd.read_csv(out / "sensitivity.csv")
    assert list(sens.columns) == sa.SENSITIVITY_COLUMNS
    assert run_cli("plot", out).code == 0


@pytest.mark.parametrize("argv", [
    ("--samples", "0"), ("--samples", "2", "--replications", "-1"), ("--samples", "x"),
    ("--samples", "2", "--workers", "0"), ("--samples", "3", "--method", "sobol"),
    ("--samples", "2", "--set", f"{TRUCKS}=0.4"),
])  # fmt: skip
def test_the_command_refuses_bad_options_and_writes_nothing(run_cli, study_file, tmp_path, argv):
    out = tmp_path / "out"
    res = run_cli("uncertainty", study_file, "--out", out, "--executor", "serial", *argv)
    assert res.code == 2 and "Traceback" not in res.err and not out.exists()


def test_the_command_analyses_the_metrics_asked_for(run_cli, study_file, tmp_path):
    """``--metrics`` replaces the default headline metrics (any summary metric, dated ones
    with ``--dates``); an unknown name is refused before anything is written."""
    out = tmp_path / "out"
    asked = ["days_to_stock_empty:food", "share_met:fuel"]
    res = run_cli("uncertainty", study_file, "--samples", 2, "--method", "morris",
                  "--executor", "serial", "--metrics", *asked, "--out", out)  # fmt: skip
    assert res.code == 0, res.err
    assert pd.read_csv(out / "variance.csv")["metric"].tolist() == asked
    assert set(pd.read_csv(out / "sensitivity.csv")["metric"]) == set(asked)
    bad = run_cli("uncertainty", study_file, "--samples", 2, "--executor", "serial",
                  "--metrics", "share_met:water", "--out", tmp_path / "bad")  # fmt: skip
    assert bad.code == 2 and "share_met:water" in bad.err and not (tmp_path / "bad").exists()


def test_the_command_refuses_a_folder_it_did_not_write(run_cli, study_file, tmp_path):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    res = run_cli("uncertainty", study_file, "--samples", 2, "--executor", "serial", "--out", mine)
    assert res.code == 2 and "not written by lachin-sim" in res.err
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


def test_an_interrupted_command_says_how_to_resume(monkeypatch, run_cli, study_file, tmp_path):
    def broken(batch):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(SWEEP_MODULE, "run_batch", broken)
    res = run_cli("uncertainty", study_file, "--samples", 2, "--executor", "serial",
                  "--out", tmp_path / "out")  # fmt: skip
    assert res.code == 1 and "--resume" in res.err
    assert isinstance(SweepInterrupted("x"), RuntimeError)


def test_a_sweep_folder_is_not_an_uncertainty_folder(run_cli, study_file, tmp_path):
    """A lachin-sim folder of another kind is refused too, and left as it was."""
    sweep_out = tmp_path / "sweep"
    ls.sweep(validate_scenario(sweep_raw(), "<tiny>"), replications=1, executor="serial",
             progress=False, out=sweep_out)  # fmt: skip
    before = sorted(p.name for p in sweep_out.iterdir())
    res = run_cli("uncertainty", study_file, "--samples", 2, "--executor", "serial",
                  "--out", sweep_out)  # fmt: skip
    assert res.code == 2 and "not an uncertainty folder" in res.err
    assert sorted(p.name for p in sweep_out.iterdir()) == before


def test_headline_metrics_follow_the_scenario():
    """Days to first shortage and share met per commodity with a need; food energy on the asked
    dates when food has an energy density; excess deaths only with the health model on."""
    from lachin_sim.studies.uncertainty import headline_metrics

    raw = sweep_raw()
    plain = headline_metrics(validate_scenario(raw, "<tiny>"), ("2023-01-20",))
    assert plain == ["days_to_first_shortage:food", "days_to_first_shortage:fuel",
                     "share_met:food", "share_met:fuel"]  # fmt: skip
    raw["commodities"]["food"]["kcal_per_unit"] = 2.1e6  # kcal/t: 2,100 kcal per kg
    raw["health"] = {}
    names = headline_metrics(validate_scenario(raw, "<tiny>"), ("2023-01-20",))
    assert names[4:] == ["food_kcal_per_person_day@2023-01-20:all", "excess_deaths:all"]


def test_a_study_holds_no_per_run_bands_and_asks_series_of_the_band_runs_only(tmp_path,
                                                                             monkeypatch):  # fmt: skip
    """Memory flat in the number of runs (issue 13): every point of a study is its own sweep
    point, so per-point bands in the sweep engine would be one band table per run (~1 MB each
    for blockade_2023, held to the end); and only the first BAND_RUNS runs send their series."""
    unc = sys.modules["lachin_sim.studies.uncertainty"]
    monkeypatch.setattr(unc, "BAND_RUNS", 5)
    quantiles_calls: list[int] = []
    real_quantiles = SWEEP_MODULE._State._quantiles
    monkeypatch.setattr(SWEEP_MODULE._State, "_quantiles",
                        lambda self, point: quantiles_calls.append(point) or real_quantiles(self, point))  # fmt: skip
    asked: list[bool] = []
    real_batch = SWEEP_MODULE.run_batch

    def spy(batch):
        asked.extend(task.with_series for task in batch[1])
        return real_batch(batch)

    monkeypatch.setattr(SWEEP_MODULE, "run_batch", spy)
    study = small_study(out=tmp_path / "study")
    assert len(study.runs) == len(asked) == 4 * (len(INPUTS) + 2) * 2
    assert quantiles_calls == []  # no per-point bands computed, none held
    assert asked == [i < 5 for i in range(len(asked))]  # series of the band runs only
    assert study.spec["band_runs"] == 5 and len(study.bands) and study.bands["q50"].notna().any()
    chunks = sorted((tmp_path / "study" / "runs" / "chunks").glob("chunk-*.npz"))
    on_disk = 0
    for path in chunks:
        with np.load(path) as z:
            on_disk += len(z["series"])
    assert on_disk == 5  # no NaN series written for the other runs
    assert_same_study(study, small_study(out=tmp_path / "study", resume=True))  # read back
    inner = pd.read_csv(tmp_path / "study" / "runs" / "bands.csv")
    assert inner.empty and list(inner.columns) == ["point_id", "series", "commodity", "date",
                                                   "q05", "q25", "q50", "q75", "q95"]  # fmt: skip


def test_workers_keep_the_scenarios_of_the_last_few_points_only(monkeypatch):
    """A worker validates each point's scenario once and keeps only the newest few, so a study
    of a million points does not hold a million scenarios (issue 13)."""
    monkeypatch.setattr(SWEEP_MODULE, "_SCENARIOS", {})
    study = ls.uncertainty(study_scenario(), samples=12, method="mc", seed=3, executor="serial",
                           progress=False, plots=False)  # fmt: skip
    assert len(study.samples) == 12
    assert 0 < len(SWEEP_MODULE._SCENARIOS) <= SWEEP_MODULE.SCENARIOS_KEPT < 12
