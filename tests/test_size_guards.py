"""Parameters cannot make a run endless or its memory huge, and numeric options are checked
before anything is written: each such input is refused with a message saying how much it
would make and the documented bound.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sweep_helpers import sweep_raw, sweep_scenario, write_sweep_files

import lachin_sim as ls
from lachin_sim.config.validation import MAX_CLOSURES, MAX_TICKS, MAX_TRUCKS, validate_scenario
from lachin_sim.errors import ConfigError
from lachin_sim.studies.designs import MAX_RUNS

REPO = Path(__file__).resolve().parent.parent

HUGE = {
    "closures at a huge rate, lasting nothing": (
        {"corridors.road.random_closures": {"rate_per_day": 1e9, "duration_days": 0.0, "regime": "checkpoint"}},
        "corridors.road.random_closures.rate_per_day", f"{MAX_CLOSURES:,}",
    ),
    "closures at a huge rate": (
        {"corridors.road.random_closures": {"rate_per_day": 1e6,
                                            "duration_days": {"dist": "exponential", "mean": 1.0},
                                            "regime": "checkpoint"}},
        "corridors.road.random_closures.rate_per_day", f"{MAX_CLOSURES:,}",
    ),
    "closures that last nothing": (
        {"corridors.road.random_closures": {"rate_per_day": 0.1, "duration_days": 0.0, "regime": "checkpoint"}},
        "corridors.road.random_closures.duration_days", "mean duration > 0",
    ),
    "a Poisson rate that would exhaust memory": (
        {"convoys.aid.trucks_per_day": 1e12}, "convoys.aid", f"{MAX_TRUCKS:,}",
    ),
    "a dated convoy of 10^12 trucks": (
        {"convoys.aid.schedule": "dated", "convoys.aid.trucks_per_day": 0.0,
         "convoys.aid.departures": [{"date": "2023-01-05", "trucks": 10**12}]},
        "convoys.aid", f"{MAX_TRUCKS:,}",
    ),
    "one convoy bigger than a run may send": (
        {"convoys.aid.convoy_size": 10**9, "convoys.aid.trucks_per_day": 1e-6},
        "convoys.aid.convoy_size", f"{MAX_TRUCKS:,}",
    ),
    "ticks of a microsecond": ({"tick_days": 1 / 2**20}, "tick_days", f"{MAX_TICKS:,}"),
}  # fmt: skip


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("overrides", "field", "bound"), HUGE.values(), ids=HUGE.keys())
def test_parameters_that_would_make_a_run_endless_or_huge_are_refused(overrides, field, bound):
    """Validation refuses them at once, naming the field and the bound (no run hangs)."""
    with pytest.raises(ConfigError) as info:
        validate_scenario(sweep_raw(), "<tiny>", overrides=overrides)
    assert field in str(info.value) and bound in str(info.value)


def test_the_bounds_leave_room_for_real_cases():
    """Controls: a corridor far busier than any shipped config (4,000 trucks a day for 40
    days), hourly ticks, and a closure a day pass the bounds."""
    validate_scenario(sweep_raw(), "<tiny>", overrides={"convoys.aid.trucks_per_day": 4000.0})
    validate_scenario(sweep_raw(), "<tiny>", overrides={"tick_days": 1 / 24})
    validate_scenario(sweep_raw(), "<tiny>", overrides={
        "corridors.road.random_closures": {"rate_per_day": 1.0, "duration_days": 0.5,
                                           "regime": "checkpoint"}})  # fmt: skip


def test_the_bounds_are_documented():
    """docs/config_reference.md and docs/sweeps.md state the bounds the code uses."""
    reference = (REPO / "docs" / "config_reference.md").read_text()
    for bound in (MAX_TICKS, MAX_TRUCKS, MAX_CLOSURES):
        assert f"{bound:,}" in reference
    assert f"{MAX_RUNS:,}" in (REPO / "docs" / "sweeps.md").read_text()


# --------------------------------------------------------------------------------------------
# Sweeps and comparisons: how many runs, and the numeric options
# --------------------------------------------------------------------------------------------
@pytest.mark.timeout(30)
@pytest.mark.parametrize("body", [
    'replications = 1000000000000\n[design]\nkind = "replications"\n',
    'replications = 2\n[design]\nkind = "lhs"\nsamples = 1000000000\n'
    '[design.ranges]\n"convoys.aid.trucks_per_day" = [0, 1]\n',
    'replications = 10\n[design]\nkind = "grid"\n[design.grid]\n'
    '"convoys.aid.trucks_per_day" = [' + ", ".join(["1"] * 400) + ']\n'
    '"convoys.aid.payload_t" = [' + ", ".join(["2"] * 400) + ']\n',
], ids=["replications 10^12", "lhs samples 10^9", "grid of 1.6 million runs"])  # fmt: skip
def test_a_huge_sweep_is_refused_with_its_number_of_runs(run_cli, tmp_path, body):
    """A sweep config that would make more than MAX_RUNS runs exits 2 at once, saying how many
    runs it would make; nothing is written."""
    config = write_sweep_files(tmp_path, body)
    done = run_cli("sweep", config, "--out", tmp_path / "out", "--executor", "serial")
    assert done.code == 2, done.err
    assert "would make" in done.err and f"{MAX_RUNS:,}" in done.err and str(config) in done.err
    assert not (tmp_path / "out").exists()


@pytest.mark.timeout(30)
def test_python_sweep_and_compare_refuse_huge_designs():
    """The same bound holds for ls.sweep."""
    with pytest.raises(ConfigError, match="would make"):
        ls.sweep(sweep_scenario(), replications=10**12, executor="serial", progress=False)


@pytest.mark.parametrize(("command", "option", "value"), [
    ("sweep", "--workers", "0"), ("sweep", "--workers", "-2"), ("sweep", "--workers", "two"),
    ("compare", "--replications", "0"), ("compare", "--replications", "-5"),
    ("compare", "--workers", "0"),
])  # fmt: skip
def test_numeric_options_are_checked_before_anything_is_written(run_cli, tmp_path, command,
                                                                option, value):  # fmt: skip
    """`--workers 0`, `--workers -2`, `--replications 0`, `--replications -5`: exit 2 with a
    usage message, no traceback, nothing written."""
    config = write_sweep_files(tmp_path, 'replications = 1\n[design]\nkind = "replications"\n')
    if command == "compare":
        config = tmp_path / "set.toml"
        config.write_text('base = "tiny_scenario.toml"\nreplications = 2\n[scenarios.a]\n')
    done = run_cli(command, config, "--out", tmp_path / "out", option, value)
    assert done.code == 2, done.err
    assert option in done.err and value in done.err and "Traceback" not in done.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("replications", [0, -5, True])
def test_compare_replications_are_not_silently_replaced(tmp_path, replications):
    """ls.compare(replications=0) is refused (it used to run the file's 20 quietly)."""
    write_sweep_files(tmp_path, 'replications = 1\n[design]\nkind = "replications"\n')
    config = tmp_path / "set.toml"
    config.write_text('base = "tiny_scenario.toml"\nreplications = 2\n[scenarios.a]\n')
    with pytest.raises(ConfigError, match="replications"):
        ls.compare(config, replications=replications, executor="serial", progress=False)


@pytest.mark.parametrize("workers", [0, -2])
def test_python_sweep_refuses_a_worker_count_below_one(workers, tmp_path):
    """ls.sweep(workers=0) is a ConfigError before anything runs or is written."""
    with pytest.raises(ConfigError, match="workers"):
        ls.sweep(sweep_scenario(), workers=workers, out=tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()
