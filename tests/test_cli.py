"""Shipped configs and the command line: every config runs; run, validate and plot do their job."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from ledger_checks import assert_consumption_bounds, assert_reservoir_ledger, assert_stock_ledger

import lachin_sim as ls

RESULT_FILES = {
    "stocks.csv",
    "convoys.csv",
    "regimes.csv",
    "energy.csv",
    "shortages.csv",
    "summary.csv",
    "config.json",
    "config.toml",
    "metadata.json",
    "depletion.png",
    "shortage_timeline.png",
}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def shipped_configs() -> list[Path]:
    return sorted((Path(__file__).resolve().parent.parent / "configs").glob("*.toml"))


@pytest.mark.parametrize("path", shipped_configs(), ids=lambda p: p.stem)
def test_every_shipped_config_validates_and_runs(path):
    """Each configs/*.toml loads, validates, runs, and keeps its stock and reservoir ledgers."""
    scenario = ls.load_scenario(path)
    result = ls.simulate(scenario)
    assert len(result.stocks) == len(scenario.commodities) * scenario.days / scenario.tick_days
    assert_stock_ledger(result)
    assert_reservoir_ledger(result)
    assert_consumption_bounds(result)


def test_there_are_shipped_configs():
    """The parametrised test above has something to check."""
    assert len(shipped_configs()) >= 3


@pytest.fixture(scope="module")
def blockade_run(configs_dir, tmp_path_factory):
    """One full CLI run of the historical scenario, shared by the checks on its output folder."""
    from lachin_sim.cli import main

    out = tmp_path_factory.mktemp("cli") / "blockade"
    code = main(["run", str(configs_dir / "blockade_2023.toml"), "--out", str(out)])
    return code, out


def test_run_writes_every_table_plot_and_provenance_file(blockade_run):
    """`run` exits 0 and writes the five tables, the summary, config, metadata and two plots."""
    code, out = blockade_run
    assert code == 0
    assert {p.name for p in out.iterdir()} >= RESULT_FILES
    for png in ("depletion.png", "shortage_timeline.png"):
        assert (out / png).read_bytes()[:8] == PNG_MAGIC
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["seed"] == ls.load_result(out).scenario.seed


def test_run_prints_a_summary(run_cli, configs_dir, tmp_path):
    """`run` prints the headline table naming each commodity and operator."""
    done = run_cli("run", configs_dir / "blockade_2023.toml", "--out", tmp_path / "r", "--no-plots")
    assert done.code == 0
    for word in ("food", "fuel", "humanitarian", "peacekeeper", "withheld"):
        assert word in done.out
    assert not (tmp_path / "r" / "depletion.png").exists()  # --no-plots


def test_validate_accepts_a_shipped_config(run_cli, configs_dir):
    """`validate` exits 0 and names the scenario."""
    done = run_cli("validate", configs_dir / "blockade_2023.toml")
    assert done.code == 0
    assert "blockade_2023" in done.out
    assert done.err == ""


def test_plot_redraws_the_two_plots(run_cli, blockade_run):
    """`plot RESULT_DIR` writes depletion.png and shortage_timeline.png again from the tables."""
    _, out = blockade_run
    for png in ("depletion.png", "shortage_timeline.png"):
        (out / png).unlink()
    done = run_cli("plot", out)
    assert done.code == 0
    for png in ("depletion.png", "shortage_timeline.png"):
        assert (out / png).read_bytes()[:8] == PNG_MAGIC


def test_plot_refuses_a_folder_that_is_not_a_result(run_cli, tmp_path):
    """`plot` on a folder without results exits 2 with a message, not a traceback."""
    done = run_cli("plot", tmp_path)
    assert done.code == 2
    assert str(tmp_path) in done.err and "Traceback" not in done.err


def test_set_override_changes_the_seed_in_metadata(run_cli, configs_dir, tmp_path):
    """`--set seed=N` reaches the run: metadata and config.json record seed N."""
    out = tmp_path / "r"
    done = run_cli(
        "run", configs_dir / "blockade_2023.toml", "--out", out, "--no-plots", "--set", "seed=4242"
    )
    assert done.code == 0
    assert json.loads((out / "metadata.json").read_text())["seed"] == 4242
    assert json.loads((out / "config.json").read_text())["seed"] == 4242


def test_set_override_of_denial_probability_shows_in_results(run_cli, configs_dir, tmp_path):
    """`--set regimes.open.denial_probability=1` turns back every truck decided under 'open'."""
    out = tmp_path / "r"
    done = run_cli(
        "run",
        configs_dir / "baseline_open.toml",
        "--out",
        out,
        "--no-plots",
        "--set",
        "regimes.open.denial_probability=1",
    )
    assert done.code == 0
    convoys = pd.read_csv(out / "convoys.csv")
    decided = convoys[convoys["regime"] == "open"]
    assert len(decided) > 100
    assert (decided["outcome"] == "denied").all()
    config = json.loads((out / "config.json").read_text())
    assert config["regimes"]["open"]["denial_probability"] == 1.0


def test_seed_option_changes_the_convoy_log(run_cli, configs_dir, tmp_path):
    """`--seed` overrides the config's seed, and a different seed gives a different convoy log."""
    logs = {}
    for seed in (1, 2):
        out = tmp_path / f"seed{seed}"
        done = run_cli(
            "run", configs_dir / "blockade_2023.toml", "--out", out, "--no-plots", "--seed", seed
        )
        assert done.code == 0
        assert json.loads((out / "metadata.json").read_text())["seed"] == seed
        logs[seed] = (out / "convoys.csv").read_text()
    assert logs[1] != logs[2]


@pytest.mark.slow  # quick mode stays near a minute; CI runs it
def test_module_entry_point_runs_end_to_end(configs_dir, tmp_path):
    """`python -m lachin_sim run` in a fresh process exits 0 and writes the result folder."""
    out = tmp_path / "r"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lachin_sim",
            "run",
            str(configs_dir / "checkpoint_only.toml"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert {p.name for p in out.iterdir()} >= RESULT_FILES


def test_run_without_out_writes_under_results(run_cli, configs_dir, tmp_path, monkeypatch):
    """Without --out, `run` writes to results/<scenario name> under the working folder."""
    monkeypatch.chdir(tmp_path)
    done = run_cli("run", configs_dir / "blockade_2023.toml", "--no-plots")
    assert done.code == 0
    assert (tmp_path / "results" / "blockade_2023" / "stocks.csv").exists()


DAMAGE = {
    "truncated metadata.json": ("metadata.json", lambda text: text[: len(text) // 2]),
    "invalid config.json": ("config.json", lambda text: text.replace('"start"', '"begin"', 1)),
    "truncated config.json": ("config.json", lambda text: text[:40]),
    "truncated stocks.csv": ("stocks.csv", lambda text: 'date,commodity\n"2023'),
    "summary.csv without its columns": ("summary.csv", lambda text: "x\n1\n"),
}


@pytest.mark.parametrize(("name", "damage"), DAMAGE.values(), ids=DAMAGE.keys())
def test_plot_on_a_damaged_result_folder_is_one_clean_message(run_cli, make_scenario, tmp_path,
                                                              name, damage):  # fmt: skip
    """`plot DIR` on a result folder with a damaged file: exit 2, the file named, no traceback."""
    out = tmp_path / "r"
    ls.simulate(make_scenario()).save(out)
    path = out / name
    path.write_text(damage(path.read_text()))
    done = run_cli("plot", out)
    assert done.code == 2, done.err
    assert str(path) in done.err and "Traceback" not in done.err
