"""The study commands do what a user expects: ``sweep`` takes ``--set``, ``--replications`` and
``--samples`` and says what it found; ``validate`` checks sweep and scenarios files too; ``plot``
redraws a sweep or a compare folder as well as a run folder."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sweep_helpers import TRUCKS, write_sweep_files

from lachin_sim.cli import folder_kind

GRID = """\
    seed = 6
    replications = 3
    heatmap_metrics = ["share_met:food"]
    [design]
    kind = "grid"
    [design.grid]
    "convoys.aid.trucks_per_day" = [0.25, 1.0]
    "regimes.checkpoint.denial_probability" = [0.0, 0.4]
    """
LHS = """\
    seed = 2
    replications = 4
    [design]
    kind = "lhs"
    samples = 8
    [design.ranges]
    "convoys.aid.trucks_per_day" = [0.1, 2.0]
    """
SCENARIOS = """\
base = "tiny_scenario.toml"
replications = 2
[scenarios.as_is]
[scenarios.more]
overrides = { "convoys.aid.trucks_per_day" = 2.0 }
"""


def test_sweep_set_applies_to_every_run(tmp_path, run_cli):
    """--set changes the base of every run (here: half-tonne trucks), on top of the file."""
    config = write_sweep_files(tmp_path, GRID)
    out = tmp_path / "out"
    done = run_cli("sweep", config, "--out", out, "--executor", "serial", "--no-plots",
                   "--set", "convoys.aid.payload_t=0.5")  # fmt: skip
    assert done.code == 0, done.err
    runs = pd.read_csv(out / "runs.csv")
    per_truck = runs["delivered_t:humanitarian"] / runs["trucks_delivered:humanitarian"]
    assert per_truck.dropna().round(9).eq(0.5).all() and len(per_truck.dropna()) > 0
    spec = json.loads((out / "sweep.json").read_text())
    assert spec["base"]["convoys"]["aid"]["payload_t"] == 0.5
    assert "--set convoys.aid.payload_t=0.5" in spec["source"]


def test_sweep_replications_and_samples_override_the_file(tmp_path, run_cli):
    """--replications 2 --samples 3 on an 8-sample, 4-replication file runs 3 x 2 runs."""
    config = write_sweep_files(tmp_path, LHS)
    out = tmp_path / "out"
    done = run_cli("sweep", config, "--out", out, "--executor", "serial", "--no-plots",
                   "--replications", 2, "--samples", 3)  # fmt: skip
    assert done.code == 0, done.err
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 6 and runs["point_id"].nunique() == 3
    assert "6 of 6 runs finished" in done.out


@pytest.mark.parametrize(("option", "value", "why"), [
    ("--samples", "3", "applies to lhs and random designs"),
    ("--replications", "0", "below 1"),
    ("--samples", "-2", "below 1"),
])  # fmt: skip
def test_sweep_refuses_bad_counts_before_writing(tmp_path, run_cli, option, value, why):
    """--samples on a grid, or a count below 1, is refused with exit 2; nothing is written."""
    config = write_sweep_files(tmp_path, GRID)
    out = tmp_path / "out"
    done = run_cli("sweep", config, "--out", out, "--executor", "serial", option, value)
    assert done.code == 2
    assert why in done.err and "Traceback" not in done.err
    assert not out.exists()


def test_sweep_prints_what_it_found_with_censoring(tmp_path, run_cli):
    """The summary has a row per point with share met, the censored first-short day and the
    runs short."""
    config = write_sweep_files(tmp_path, GRID)
    done = run_cli("sweep", config, "--out", tmp_path / "out", "--executor", "serial",
                   "--no-plots")  # fmt: skip
    assert done.code == 0, done.err
    assert "What the sweep found for food" in done.out
    lines = done.out.split("What the sweep found for food")[1].strip().splitlines()
    assert "runs short" in lines[1]
    assert len(lines) == 2 + 4  # header of the text, column header, four points
    assert all("/3" in line for line in lines[2:])


def test_sweep_summary_of_a_large_design_is_by_parameter(tmp_path, run_cli):
    """Beyond 30 points, the summary gives one row per range of each parameter instead."""
    config = write_sweep_files(tmp_path, LHS)
    done = run_cli("sweep", config, "--out", tmp_path / "out", "--executor", "serial",
                   "--no-plots", "--samples", 31, "--replications", 1)  # fmt: skip
    assert done.code == 0, done.err
    assert f"by {TRUCKS}" in done.out


def test_validate_checks_a_sweep_config_point_by_point(tmp_path, run_cli):
    """A sweep config validates (with the number of runs), and a design point that breaks the
    scenario is refused naming the field."""
    config = write_sweep_files(tmp_path, GRID)
    done = run_cli("validate", config)
    assert done.code == 0, done.err
    assert "valid sweep config" in done.out and "4 points x 3 replications = 12 runs" in done.out
    bad = write_sweep_files(tmp_path / "bad", GRID.replace("[0.25, 1.0]", "[0.25, -1.0]"))
    refused = run_cli("validate", bad)
    assert refused.code == 2
    assert "convoys.aid.trucks_per_day" in refused.err and "-1" in refused.err


def test_validate_checks_every_named_scenario(tmp_path, run_cli):
    """A scenarios file validates with its scenario names; a bad override is refused naming
    the scenario and the field."""
    write_sweep_files(tmp_path, GRID)
    good = tmp_path / "set.toml"
    good.write_text(SCENARIOS)
    done = run_cli("validate", good)
    assert done.code == 0, done.err
    assert "valid scenarios file" in done.out and "as_is, more" in done.out
    bad = tmp_path / "bad_set.toml"
    bad.write_text(SCENARIOS.replace("= 2.0", "= -2.0"))
    refused = run_cli("validate", bad)
    assert refused.code == 2
    assert "scenarios.more: convoys.aid.trucks_per_day" in refused.err


def test_plot_redraws_a_sweep_folder(tmp_path, run_cli):
    """`plot` on a sweep folder draws its figures again, heatmaps included."""
    config = write_sweep_files(tmp_path, GRID)
    out = tmp_path / "out"
    assert run_cli("sweep", config, "--out", out, "--executor", "serial").code == 0
    drawn = {p.name for p in out.glob("*.png")}
    for png in out.glob("*.png"):
        png.unlink()
    done = run_cli("plot", out)
    assert done.code == 0, done.err
    assert {p.name for p in out.glob("*.png")} == drawn
    assert "heatmap_share_met_food.png" in drawn


def test_plot_redraws_a_compare_folder(tmp_path, run_cli):
    """`plot` on a compare folder draws the two overlays again."""
    write_sweep_files(tmp_path, GRID)
    scenarios = tmp_path / "set.toml"
    scenarios.write_text(SCENARIOS)
    out = tmp_path / "cmp"
    assert run_cli("compare", scenarios, "--out", out, "--executor", "serial").code == 0
    for png in out.glob("overlay_*.png"):
        png.unlink()
    done = run_cli("plot", out)
    assert done.code == 0, done.err
    assert {p.name for p in out.glob("overlay_*.png")} == {
        "overlay_days_of_supply.png", "overlay_share_met.png"}  # fmt: skip


def test_folder_kind_reads_kind_first_then_the_files(tmp_path):
    """A metadata.json "kind" decides; without one, the files present do; else None."""
    folder = tmp_path / "f"
    folder.mkdir()
    assert folder_kind(folder) is None
    (folder / "metadata.json").write_text("{}")
    assert folder_kind(folder) == "run"
    (folder / "sweep.json").write_text("{}")
    assert folder_kind(folder) == "sweep"
    (folder / "metadata.json").write_text('{"kind": "compare"}')
    assert folder_kind(folder) == "compare"


def test_sweep_set_of_a_swept_parameter_is_refused(tmp_path, run_cli):
    """--set on a parameter the design sweeps would be silently replaced: refused, exit 2."""
    config = write_sweep_files(tmp_path, GRID)
    done = run_cli("sweep", config, "--out", tmp_path / "out", "--set", f"{TRUCKS}=3")
    assert done.code == 2 and "the design sweeps" in done.err
    assert not (tmp_path / "out").exists()
