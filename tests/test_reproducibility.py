"""Reproducibility: a run depends only on its scenario and its seed."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from scenario_strategies import scenario_dicts

import lachin_sim as ls
from lachin_sim.config.validation import validate_scenario
from lachin_sim.outputs.results import TABLES


def assert_same_result(a, b) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(
            getattr(a, name), getattr(b, name), check_exact=True, obj=name
        )
    pd.testing.assert_series_equal(a.summary, b.summary, check_exact=True)
    for key in ("version", "seed", "config_sha256"):
        assert a.metadata[key] == b.metadata[key]


@pytest.fixture(scope="module")
def blockade(configs_dir):
    return ls.load_scenario(configs_dir / "blockade_2023.toml")


def test_same_scenario_and_seed_give_identical_tables(blockade):
    """Two runs of the same scenario with the same seed give identical tables and summary."""
    assert_same_result(ls.simulate(blockade, seed=5), ls.simulate(blockade, seed=5))


def test_a_run_in_between_does_not_change_the_next(blockade, configs_dir):
    """No state leaks from one run to the next: A, then B, then A again gives the first A."""
    first = ls.simulate(blockade, seed=3)
    ls.simulate(ls.load_scenario(configs_dir / "checkpoint_only.toml"), seed=3)
    assert_same_result(first, ls.simulate(blockade, seed=3))


def test_the_seed_defaults_to_the_scenarios_own(blockade):
    """simulate(scenario) uses scenario.seed; simulate(scenario, seed=s) overrides it."""
    default = ls.simulate(blockade)
    assert default.seed == blockade.seed == default.metadata["seed"]
    assert_same_result(default, ls.simulate(blockade, seed=blockade.seed))


def test_a_different_seed_gives_a_different_convoy_log(blockade):
    """Changing the seed changes the random departures, so the convoy log differs."""
    a, b = ls.simulate(blockade, seed=1).convoys, ls.simulate(blockade, seed=2).convoys
    assert len(a) != len(b) or not a["departed"].equals(b["departed"])


def test_a_sources_departures_do_not_depend_on_other_sources(make_scenario):
    """Common random numbers: adding a second source leaves the first one's departures as they were."""
    aid = {
        "operator": "humanitarian",
        "corridor": "road",
        "schedule": "poisson",
        "trucks_per_day": 3.0,
        "payload_t": 2.0,
        "cargo": {"food": 1.0},
    }
    trade = {**aid, "operator": "commercial", "trucks_per_day": 5.0}
    alone = ls.simulate(make_scenario(convoys={"aid": aid}), seed=4).convoys
    both = ls.simulate(make_scenario(convoys={"aid": aid, "trade": trade}), seed=4).convoys
    mine = both[both["source"] == "aid"]
    assert len(alone) > 10
    assert alone["departed"].tolist() == mine["departed"].tolist()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=scenario_dicts())
def test_random_scenarios_are_reproducible(raw):
    """Any valid scenario run twice with its seed gives identical tables."""
    scenario = validate_scenario(raw)
    assert_same_result(ls.simulate(scenario), ls.simulate(scenario))


def _cli_tables(configs_dir, out, hash_seed: str) -> dict[str, bytes]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lachin_sim",
            "run",
            str(configs_dir / "blockade_2023.toml"),
            "--out",
            str(out),
            "--no-plots",
            "--seed",
            "9",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.csv"))}


def test_separate_processes_write_identical_csv_files(configs_dir, tmp_path):
    """End to end: two processes with different hash seeds write byte-identical CSV tables."""
    a = _cli_tables(configs_dir, tmp_path / "a", "1")
    b = _cli_tables(configs_dir, tmp_path / "b", "2")
    assert set(a) >= {f"{name}.csv" for name in TABLES} | {"summary.csv"}
    assert a == b
