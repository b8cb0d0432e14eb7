"""The ``lachin-sim sweep`` command: tables and plots written, quiet progress when not on a
terminal, exit codes (0 done, 1 failed runs, 2 a config the user can fix), and the shipped sweep
configs (checked quickly here, run end to end with --slow).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sweep_helpers import (
    TRUCKS,
    read_tables,
    run_cli_process,
    sweep_scenario,
    write_sweep_files,
)

import lachin_sim as ls
import lachin_sim.model.simulation as simulation_module
from lachin_sim.config import read_config, set_dotted
from lachin_sim.config.validation import validate_scenario
from lachin_sim.studies.designs import Design, load_sweep_config
from lachin_sim.studies.sweep import run_sweep

REPO = Path(__file__).resolve().parent.parent
SHIPPED = sorted((REPO / "configs" / "sweeps").glob("*.toml"))

GRID_2X2 = """\
    seed = 6
    replications = 3
    heatmap_metrics = ["share_met:food"]
    keep_full_runs = [0]
    [design]
    kind = "grid"
    [design.grid]
    "convoys.aid.trucks_per_day" = [0.25, 1.0]
    "regimes.checkpoint.denial_probability" = [0.0, 0.4]
    """
PLOTS_2X2 = {
    "heatmap_share_met_food.png",
    "fan_days_of_supply_point0.png",
    "fan_share_met_point0.png",
    "fan_days_of_supply_point3.png",
    "fan_share_met_point3.png",
    "shortage_probability_food.png",
    "shortage_probability_fuel.png",
}


def pngs(folder: Path) -> set[str]:
    return {p.name for p in folder.rglob("*.png")}


def test_sweep_command_writes_tables_plots_and_full_runs(tmp_path, run_cli):
    """``sweep CONFIG --out DIR --executor serial`` exits 0 and writes runs, bands and design
    tables, sweep.json, the standard plots (heatmap, fan charts, shortage probability) and the
    kept full run; its runs table is the Python API's for the same design and seed."""
    config = write_sweep_files(tmp_path, GRID_2X2)
    out = tmp_path / "out"
    done = run_cli("sweep", config, "--out", out, "--executor", "serial")
    assert done.code == 0, done.err
    assert "12 of 12 runs finished" in done.out
    for name in ("runs.csv", "bands.csv", "design.csv", "sweep.json"):
        assert (out / name).is_file(), name
    assert pngs(out) == PLOTS_2X2
    for name in PLOTS_2X2:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "full" / "run-000000" / "summary.csv").is_file()
    spec = json.loads((out / "sweep.json").read_text())
    assert spec["replications"] == 3 and spec["seed"] == 6
    tables = read_tables(out)
    assert len(tables["runs"]) == 12 and (tables["runs"]["status"] == "ok").all()
    api = ls.sweep(sweep_scenario(), grid={TRUCKS: [0.25, 1.0],
                   "regimes.checkpoint.denial_probability": [0.0, 0.4]},
                   replications=3, seed=6, executor="serial", progress=False,
                   out=tmp_path / "api")  # fmt: skip
    pd.testing.assert_frame_equal(tables["runs"], read_tables(api.directory)["runs"])


def test_no_plots_writes_no_png(tmp_path, run_cli):
    """``--no-plots`` writes the tables and no PNG file."""
    config = write_sweep_files(tmp_path, GRID_2X2)
    out = tmp_path / "out"
    done = run_cli("sweep", config, "--out", out, "--executor", "serial", "--no-plots")
    assert done.code == 0, done.err
    assert (out / "runs.csv").is_file()
    assert pngs(out) == set()
    assert "Wrote" not in done.out


def test_progress_bar_is_quiet_when_output_is_not_a_terminal(tmp_path, capsys):
    """Run with its output piped (not a terminal), the command prints no progress bar; the same
    sweep asked for a bar (progress=True) does draw one, so the check can fail."""
    config = write_sweep_files(tmp_path, GRID_2X2)
    done = run_cli_process("sweep", config, "--out", tmp_path / "out", "--executor", "serial",
                           "--no-plots")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "run/s" not in done.stdout and "%|" not in done.stdout
    capsys.readouterr()
    ls.sweep(sweep_scenario(), grid={TRUCKS: [1.0]}, replications=2, executor="serial",
             progress=True)  # fmt: skip
    assert "%|" in capsys.readouterr().err
    ls.sweep(sweep_scenario(), grid={TRUCKS: [1.0]}, replications=2, executor="serial")
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------------------------
# Configs the user can fix: exit 2, one message, nothing written
# --------------------------------------------------------------------------------------------
BAD = {
    "empty grid": ('[design]\nkind = "grid"\n', "at least one parameter"),
    "empty value list": ('[design]\nkind = "grid"\n[design.grid]\n"convoys.aid.trucks_per_day" = []\n',
                         "design.grid.convoys.aid.trucks_per_day"),
    "low >= high": ('[design]\nkind = "lhs"\nsamples = 3\n[design.ranges]\n'
                    '"convoys.aid.trucks_per_day" = [2.0, 2.0]\n', "low < high"),
    "lhs without samples": ('[design]\nkind = "lhs"\n[design.ranges]\n'
                            '"convoys.aid.trucks_per_day" = [0.0, 2.0]\n', "samples"),
    "kind typo": ('[design]\nkind = "gird"\n[design.grid]\n"convoys.aid.trucks_per_day" = [1.0]\n',
                  "design.kind"),
    "unknown top-level key": ('replication = 3\n[design]\nkind = "grid"\n[design.grid]\n'
                              '"convoys.aid.trucks_per_day" = [1.0]\n', "replication"),
    "unknown dotted path": ('[design]\nkind = "grid"\n[design.grid]\n"convoys.aid.truks_per_day" = [1.0]\n',
                            "convoys.aid.truks_per_day"),
    "unknown source": ('[design]\nkind = "grid"\n[design.grid]\n"convoys.icrc.truks_per_day" = [1.0]\n',
                       "convoys.icrc.truks_per_day"),
    "sweeping start": ('[design]\nkind = "grid"\n[design.grid]\nstart = [2023-01-02]\n',
                       "cannot be swept"),
    "sweeping tick_days": ('[design]\nkind = "grid"\n[design.grid]\ntick_days = [1.0, 0.5]\n',
                           "cannot be swept"),
    "probability 1.5": ('[design]\nkind = "grid"\n[design.grid]\n'
                        '"regimes.checkpoint.denial_probability" = [0.2, 1.5]\n',
                        "less than or equal to 1"),
    "bad fixed override": ('[overrides]\n"population.initial" = -5\n[design]\nkind = "grid"\n'
                           '[design.grid]\n"convoys.aid.trucks_per_day" = [1.0]\n',
                           "population.initial"),
    "not TOML": ("[design\n", "not valid TOML"),
}  # fmt: skip


@pytest.mark.parametrize("body, expected", BAD.values(), ids=BAD.keys())
def test_bad_sweep_config_exits_2_without_traceback_or_folder(tmp_path, run_cli, body, expected):
    """A bad sweep config exits 2 with one error message naming the problem, no traceback, and
    no sweep folder."""
    config = write_sweep_files(tmp_path, body)
    out = tmp_path / "out"
    done = run_cli("sweep", config, "--out", out, "--executor", "serial")
    assert done.code == 2
    assert done.err.startswith("error: ")
    assert expected in done.err
    assert "Traceback" not in done.err
    assert not out.exists()


def test_missing_scenario_or_config_exits_2(tmp_path, run_cli):
    """A sweep config naming a missing scenario, or a missing sweep config, exits 2; the first
    message names the sweep config, its field, the value and the path looked for."""
    config = tmp_path / "sweep.toml"
    config.write_text('scenario = "nowhere.toml"\n[design]\nkind = "replications"\n')
    done = run_cli("sweep", config, "--out", tmp_path / "out", "--executor", "serial")
    assert done.code == 2
    for text in (
        str(config),
        "scenario = 'nowhere.toml'",
        "not found",
        str(tmp_path / "nowhere.toml"),
    ):
        assert text in done.err, done.err
    missing = run_cli("sweep", tmp_path / "absent.toml", "--out", tmp_path / "out")
    assert missing.code == 2 and "absent.toml" in missing.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["unknown dotted path", "sweeping tick_days", "probability 1.5"])
def test_parameter_errors_name_the_sweep_config(tmp_path, run_cli, name):
    """An error in a swept parameter names the sweep config file where the parameter is."""
    config = write_sweep_files(tmp_path, BAD[name][0], name="my_sweep.toml")
    done = run_cli("sweep", config, "--out", tmp_path / "out", "--executor", "serial")
    assert done.code == 2
    assert "my_sweep.toml" in done.err


def test_unknown_heatmap_metric_is_refused_before_running(tmp_path, run_cli):
    """A heatmap metric that no run will produce is refused up front (exit 2, nothing run)."""
    config = write_sweep_files(tmp_path, GRID_2X2.replace('"share_met:food"', '"share_met:fod"'))
    done = run_cli("sweep", config, "--out", tmp_path / "out", "--executor", "serial")
    assert done.code == 2
    assert "share_met:fod" in done.err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------------
# Failed runs
# --------------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:All-NaN slice encountered:RuntimeWarning")
def test_failed_runs_are_reported_and_exit_1(tmp_path, run_cli, monkeypatch):
    """Runs that raise are listed at the end (parameters, seed, error), the other runs and the
    plots are still written, and the command exits 1."""
    real = simulation_module.simulate

    def simulate(scenario, seed=None, **kwargs):
        if scenario.convoys["aid"].trucks_per_day == 1.0:
            raise RuntimeError("boom")
        return real(scenario, seed=seed, **kwargs)

    monkeypatch.setattr(simulation_module, "simulate", simulate)
    config = write_sweep_files(tmp_path, GRID_2X2)
    out = tmp_path / "out"
    done = run_cli("sweep", config, "--out", out, "--executor", "serial")
    assert done.code == 1
    assert "6 of 12 runs finished" in done.out
    assert "6 runs failed" in done.err and "RuntimeError: boom" in done.err
    assert "Traceback" not in done.err
    runs = read_tables(out)["runs"]
    failed = runs[runs["status"] == "failed"]
    assert (failed[TRUCKS] == 1.0).all() and len(failed) == 6
    assert (failed["error"] == "RuntimeError: boom").all()
    assert (runs.loc[runs[TRUCKS] != 1.0, "status"] == "ok").all()
    assert pngs(out) == PLOTS_2X2  # point 3 failed entirely: its fan charts are still drawn


# --------------------------------------------------------------------------------------------
# Shipped sweep configs
# --------------------------------------------------------------------------------------------
def _reduced(design: Design) -> Design:
    """The same kind of design with two values (or samples) per parameter."""
    if design.kind == "grid":
        return Design(kind="grid", grid={k: [v[0], v[-1]] for k, v in design.grid.items()})
    if design.kind in ("lhs", "random"):
        return Design(kind=design.kind, ranges=design.ranges, samples=2, integer=design.integer)
    return design


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
@pytest.mark.slow  # quick mode stays near a minute; CI runs it
def test_shipped_sweep_config_is_valid(path):
    """Each shipped sweep config loads, every design point gives a valid scenario, its kept run
    ids exist, and a reduced design (two values per parameter, one replication) runs with every
    heatmap metric present in the runs table."""
    config, scenario_path = load_sweep_config(path)
    raw = read_config(scenario_path)
    for dotted, value in config.overrides.items():
        set_dotted(raw, dotted, value)
    points = config.design.points(config.seed)
    assert len(points) >= 2
    for point in points:
        validate_scenario(raw, str(scenario_path), overrides=point)
    assert all(0 <= i < len(points) * config.replications for i in config.keep_full_runs)
    result = run_sweep(raw, str(scenario_path), _reduced(config.design), 1, config.seed,
                       executor="serial", progress=False)  # fmt: skip
    assert (result.runs["status"] == "ok").all(), result.failures["error"].tolist()
    missing = [m for m in config.heatmap_metrics if m not in result.runs.columns]
    assert missing == []


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_sweep_config_runs_end_to_end(tmp_path, path):
    """Each shipped sweep config runs in full from the command line (two worker processes):
    exit 0, every run ok, the tables, the heatmaps it asks for and its kept full runs."""
    config, _ = load_sweep_config(path)
    out = tmp_path / "out"
    done = run_cli_process("sweep", path, "--out", out, "--executor", "processes",
                           "--workers", "2", timeout=1800)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    tables = read_tables(out)
    n_points = len(config.design.points(config.seed))
    assert len(tables["design"]) == n_points
    assert len(tables["runs"]) == n_points * config.replications
    assert (tables["runs"]["status"] == "ok").all()
    assert tables["bands"]["point_id"].nunique() == n_points
    expected = {f"heatmap_{m.replace(':', '_')}.png" for m in config.heatmap_metrics}
    assert expected <= pngs(out)
    for run_id in config.keep_full_runs:
        assert (out / "full" / f"run-{run_id:06d}" / "summary.csv").is_file()
