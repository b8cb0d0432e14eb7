"""Named scenarios: override sets compared under common random numbers."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest

import lachin_sim as ls
from lachin_sim.config.validation import validate_scenario
from lachin_sim.errors import ConfigError
from lachin_sim.studies.scenarios import comparison_table, load_scenario_set


@pytest.fixture
def scenarios_file(tmp_path, make_raw):
    """A scenarios file over the tiny scenario: the base twice (one under another name), a
    variant with a closed road, and one with more trucks."""
    base = tmp_path / "tiny.toml"
    raw = make_raw()
    base.write_text(_toml(raw))
    text = f"""
base = "{base.name}"
replications = 3
seed = 9

[scenarios.base]
description = "the base"

[scenarios.base_again]
description = "the base under another name"

[scenarios.closed]
description = "road closed"
[scenarios.closed.overrides]
"regimes.open.allowed_operators" = []

[scenarios.more_trucks]
[scenarios.more_trucks.overrides]
"convoys.aid.trucks_per_day" = 4.0
"""
    path = tmp_path / "set.toml"
    path.write_text(text)
    return path


def _toml(raw: dict) -> str:
    """Just enough TOML for the tiny scenario (tables of scalars, lists and inline tables)."""

    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + " }"
        raise TypeError(v)

    return "\n".join(f"{json.dumps(k)} = {value(v)}" for k, v in raw.items()) + "\n"


def test_every_scenario_runs_with_the_same_seeds(scenarios_file):
    """Replication r has the same seed in every named scenario (common random numbers)."""
    comparison = ls.compare(scenarios_file, executor="serial", progress=False)
    runs = comparison.runs
    seeds = runs.pivot(index="replication", columns="scenario", values="seed")
    assert (seeds.nunique(axis=1) == 1).all()
    assert set(runs["scenario"]) == {"base", "base_again", "closed", "more_trucks"}


def test_a_scenario_identical_to_the_base_gives_identical_results(scenarios_file, make_raw):
    """A named scenario without overrides reproduces the base exactly, run for run; a
    standalone run of the base with the same seed gives the same tables."""
    comparison = ls.compare(scenarios_file, executor="serial", progress=False)
    runs = comparison.runs.set_index(["scenario", "replication"])
    metrics = [c for c in runs.columns if ":" in c]
    base = runs.loc["base", metrics].reset_index(drop=True)
    again = runs.loc["base_again", metrics].reset_index(drop=True)
    pd.testing.assert_frame_equal(base, again)

    scenario = validate_scenario(make_raw())
    seed = int(runs.loc[("base", 0), "seed"])
    single = ls.simulate(scenario, seed=seed)
    first = ls.simulate(scenario, seed=seed)
    pd.testing.assert_frame_equal(single.stocks, first.stocks)
    for metric, value in single.summary.items():
        assert runs.loc[("base", 0), metric] == pytest.approx(value, nan_ok=True)


def test_variants_differ_from_the_base_in_the_expected_direction(scenarios_file):
    """Closing the road delivers nothing; more trucks deliver more, under the same seeds."""
    runs = ls.compare(scenarios_file, executor="serial", progress=False).runs
    delivered = runs.groupby("scenario")["delivered_t:humanitarian"].median()
    assert delivered["closed"] == 0
    assert delivered["more_trucks"] > delivered["base"]


def test_comparison_table_quantiles_are_ordered_and_never_short_is_infinite(scenarios_file):
    """Each compared metric has q05 <= median <= q95; never short shows as infinity."""
    comparison = ls.compare(scenarios_file, executor="serial", progress=False)
    table = comparison.table
    finite = table.dropna(subset=["q05", "q95"])
    assert (finite["q05"] <= finite["median"]).all()
    assert (finite["median"] <= finite["q95"]).all()
    never = table[(table["metric"] == "share_of_runs_never_short")].set_index(
        ["scenario", "commodity"]
    )
    first = table[table["metric"] == "days_to_first_shortage"].set_index(["scenario", "commodity"])
    for key, row in never.iterrows():
        if row["median"] == 1.0:
            assert math.isinf(first.loc[key, "median"])


def test_comparison_table_is_a_pure_function_of_runs():
    """comparison_table computes medians and 5-95 % order statistics per scenario and metric."""
    runs = pd.DataFrame({
        "scenario": ["a"] * 4, "status": ["ok"] * 4,
        "days_to_first_shortage:food": [10.0, 20.0, np.nan, 30.0],
        "shortage_days:food": [1.0, 2.0, 3.0, 4.0],
        "share_met:food": [0.5, 0.6, 0.7, 0.8],
    })  # fmt: skip
    table = comparison_table(runs, ["food"]).set_index("metric")
    assert table.loc["shortage_days", "median"] == 2.0
    assert table.loc["days_to_first_shortage", "q95"] == np.inf
    assert table.loc["share_of_runs_never_short", "median"] == 0.25


def test_bad_scenarios_files_are_refused_before_running(tmp_path, scenarios_file):
    """Unknown keys and unknown override paths are refused with the file and field named."""
    bad = tmp_path / "bad.toml"
    bad.write_text(scenarios_file.read_text().replace("replications = 3", "replicatons = 3"))
    with pytest.raises(ConfigError, match="replicatons"):
        load_scenario_set(bad)
    typo = tmp_path / "typo.toml"
    typo.write_text(
        scenarios_file.read_text().replace(
            '"convoys.aid.trucks_per_day"', '"convoys.aid.truck_per_day"'
        )
    )
    with pytest.raises(ConfigError, match="truck_per_day"):
        ls.compare(typo, executor="serial", progress=False)


def test_compare_cli_writes_the_comparison(tmp_path, scenarios_file, run_cli):
    """`lachin-sim compare` writes the comparison table, runs, bands and overlay plots."""
    out = tmp_path / "cmp"
    done = run_cli(
        "compare", scenarios_file, "--out", out, "--executor", "serial", "--replications", 2
    )
    assert done.code == 0, done.err
    for name in ("comparison.csv", "scenario_runs.csv", "scenario_bands.csv",
                 "overlay_days_of_supply.png", "overlay_share_met.png"):  # fmt: skip
        assert (out / name).exists(), name
    table = pd.read_csv(out / "comparison.csv")
    assert set(table["scenario"]) == {"base", "base_again", "closed", "more_trucks"}
    assert "closed" in done.out


def test_shipped_counterfactuals_file_names_the_required_scenarios(configs_dir):
    """The shipped counterfactuals include the six scenarios the issue asks for, and all validate."""
    config, base = load_scenario_set(configs_dir / "scenarios" / "counterfactuals.toml")
    assert {"historical", "no_blockade", "roadblock_without_checkpoint", "icrc_unhindered_after_june",
            "energy_links_restored", "aghdam_second_route"} <= set(config.scenarios)  # fmt: skip
    raw = ls.config.read_config(base)
    for name, named in config.scenarios.items():
        validate_scenario(raw, source=name, overrides=named.overrides)


def test_counterfactual_copies_of_calibrated_rates_match_the_base(configs_dir):
    """The Aghdam counterfactual reroutes the base's ICRC and peacekeeper flows: its copied
    rates, payloads and cargo mixes must equal the base's (they go stale after a refit)."""
    config, base_path = load_scenario_set(configs_dir / "scenarios" / "counterfactuals.toml")
    base = ls.load_scenario(base_path)
    overrides = config.scenarios["aghdam_second_route"].overrides
    for copy, original in (("icrc_via_aghdam", "icrc"), ("peacekeeper_via_aghdam", "peacekeeper")):
        rerouted = overrides[f"convoys.{copy}"]
        source = base.convoys[original]
        assert rerouted["trucks_per_day"] == source.trucks_per_day, copy
        assert rerouted["payload_t"] == source.payload_t, copy
        assert rerouted["cargo"] == source.cargo, copy


def test_compare_accepts_a_dict_with_a_scenario_or_a_path_as_base(scenarios_file):
    """A dict of the scenarios-file structure gives the same runs as the file, whether its base
    is a Scenario or a path; a bad base is refused naming the field."""
    from_file = ls.compare(scenarios_file, executor="serial", progress=False).runs
    config, base_path = load_scenario_set(scenarios_file)
    spec = config.model_dump()
    for base in (ls.load_scenario(base_path), str(base_path)):
        runs = ls.compare({**spec, "base": base}, executor="serial", progress=False).runs
        pd.testing.assert_frame_equal(runs, from_file)
    with pytest.raises(ConfigError, match="base"):
        ls.compare({**spec, "base": 3}, executor="serial", progress=False)
    with pytest.raises(ConfigError, match="replications"):
        ls.compare({**spec, "base": str(base_path), "replications": 0}, progress=False)


def test_comparison_repr_is_short_and_its_html_a_small_table(scenarios_file):
    """repr names the scenarios in one line; the notebook view is a self-contained table
    with the censored days to first shortage and the runs short."""
    comparison = ls.compare(scenarios_file, executor="serial", progress=False)
    assert len(repr(comparison)) < 200 and "base_again" in repr(comparison)
    page = comparison._repr_html_()
    assert "<table>" in page and "runs short" in page
    assert not any(tag in page for tag in ("<script", "<link", "<style", "http"))
