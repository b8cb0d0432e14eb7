"""A saved result's config runs again as is: ``Result.save`` writes ``config.toml``, the resolved
scenario as TOML with the run's seed, and ``lachin-sim run DIR/config.toml`` reproduces the run."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import lachin_sim as ls
from lachin_sim.config.files import scenario_toml
from lachin_sim.config.validation import validate_scenario

CONFIGS = sorted((Path(__file__).resolve().parent.parent / "configs").glob("*.toml"))
TABLE_FILES = ("stocks.csv", "convoys.csv", "regimes.csv", "energy.csv", "shortages.csv",
               "summary.csv")  # fmt: skip


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_toml_round_trip_of_every_shipped_config(path):
    """Resolved scenario -> TOML -> validated scenario gives the same scenario and digest."""
    scenario = ls.load_scenario(path)
    again = validate_scenario(tomllib.loads(scenario_toml(scenario)), source="<round trip>")
    assert again == scenario
    assert again.digest() == scenario.digest()


def test_round_trip_keeps_a_seed_given_for_the_run(make_scenario):
    """The seed written is the run's seed when one is given; everything else is unchanged."""
    scenario = make_scenario()
    again = validate_scenario(tomllib.loads(scenario_toml(scenario, seed=99)))
    assert again.seed == 99
    assert again.model_copy(update={"seed": scenario.seed}) == scenario


def test_saved_config_toml_reproduces_the_run(run_cli, configs_dir, tmp_path):
    """`run` with --set and --seed, then `run DIR/config.toml` with neither: identical tables."""
    first, second = tmp_path / "first", tmp_path / "second"
    done = run_cli("run", configs_dir / "blockade_2023.toml", "--out", first, "--seed", 5,
                   "--no-plots", "--set", "regimes.checkpoint.denial_probability=0.2")  # fmt: skip
    assert done.code == 0, done.err
    text = (first / "config.toml").read_text()
    assert text.startswith("# ") and "denial_probability=0.2" in text.splitlines()[2]
    again = run_cli("run", first / "config.toml", "--out", second, "--no-plots")
    assert again.code == 0, again.err
    for name in TABLE_FILES:
        assert (second / name).read_bytes() == (first / name).read_bytes(), name
    assert ls.load_result(second).seed == 5
