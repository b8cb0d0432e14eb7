"""The experiment scripts run end to end in their reduced (--quick) form, and a quick run never
writes into docs/ (the committed reports) nor shares a folder with the CLI."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pandas as pd
import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "experiments"))
from _common import output_paths

DOCS = REPO / "docs" / "experiments"

EXPERIMENTS = {
    "historical": [
        "milestones.csv",
        "food_energy_by_phase.csv",
        "fan_days_of_supply.png",
        "fan_share_met.png",
    ],
    "berlin_airlift": [
        "days_of_supply_monthly.csv",
        "food_energy_mid_month.csv",
        "first_short.csv",
        "health_end.csv",
        "excess_deaths_by_month.csv",
        "sensitivities.csv",
        "fan_days_of_supply.png",
        "fan_food_energy.png",
    ],
    "counterfactuals": [
        "comparison.csv",
        "comparison_wide.csv",
        "overlay_share_met.png",
        "input_samples.csv",
        "sample_values.csv",
        "historical_over_samples.csv",
        "differences_over_samples.csv",
    ],
    "leningrad": [
        "days_of_supply_first_of_month.csv",
        "kcal_by_group_mid_month.csv",
        "first_days_short.csv",
        "deliveries.csv",
        "health_end.csv",
        "excess_deaths_by_month.csv",
        "sensitivities.csv",
        "fan_days_of_supply.png",
        "fan_kcal_by_group.png",
        "health_deaths.png",
    ],
    "minimum_capacity": [
        "minimum_trucks_per_day.csv",
        "search_evaluations.csv",
        "search_probability.png",
        "minimum_by_sample.csv",
        "minimum_over_samples.csv",
    ],
}
ACROSS_INPUTS = ("counterfactuals", "minimum_capacity")  # reports with the input uncertainty


@pytest.fixture(scope="module")
def run_experiment(tmp_path_factory):
    """Run an experiment script once per module in --quick form; returns (out, report, process)."""
    done: dict[str, tuple] = {}

    def run(name: str):
        if name not in done:
            tmp = tmp_path_factory.mktemp(name)
            out = tmp / "out"
            before = docs_snapshot()
            process = subprocess.run(
                [sys.executable, str(REPO / "experiments" / f"{name}.py"), "--quick", "--out", str(out),
                 "--workers", "2"],
                capture_output=True, text=True, cwd=tmp, timeout=900,
            )  # fmt: skip
            assert docs_snapshot() == before, "a quick run changed docs/experiments/"
            done[name] = (out, out / f"{name}.md", process)
        return done[name]

    return run


def docs_snapshot() -> dict[str, str]:
    """SHA-256 of every file under docs/experiments/."""
    return {str(p.relative_to(DOCS)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(DOCS.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_quick_runs_report_inside_their_own_folder(name):
    """By default a quick run writes its tables and its report to results/experiments/NAME-quick/;
    only a full run writes docs/experiments/NAME.md."""
    out, report = output_paths(name, quick=True)
    assert out == REPO / "results" / "experiments" / f"{name}-quick"
    assert report.parent == out and not report.is_relative_to(REPO / "docs")
    full_out, full_report = output_paths(name, quick=False)
    assert full_report == DOCS / f"{name}.md" and full_out != out


def test_experiment_folders_differ_from_the_cli_defaults():
    """The counterfactuals experiment and `lachin-sim compare configs/scenarios/counterfactuals.toml`
    (default folder results/counterfactuals) never share a folder."""
    compare_default = REPO / "results" / "counterfactuals"
    for quick in (False, True):
        out, _ = output_paths("counterfactuals", quick)
        assert out != compare_default
        assert not compare_default.is_relative_to(out) and not out.is_relative_to(compare_default)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_experiment_runs_quick_and_writes_its_report(name, run_experiment):
    """Each experiment script exits 0 with --quick and writes its tables, figures and report
    into its own folder, leaving docs/experiments/ as it was."""
    out, report, done = run_experiment(name)
    assert done.returncode == 0, done.stderr[-3000:]
    for file in EXPERIMENTS[name]:
        assert (out / file).exists(), file
    text = report.read_text()
    assert text.startswith("# ")
    for line in text.splitlines():  # every figure the report shows was copied beside it
        if line.startswith("!["):
            target = line[line.index("](") + 2 : -1]
            assert (report.parent / target).exists(), target
    assert "Caveats" in text


@pytest.mark.slow
def test_minimum_capacity_answer_grows_with_denial(run_experiment):
    """In the capacity experiment, a higher denial probability never needs fewer trucks, in
    each rule setting (the rules as calibrated and off are two searches, not one series)."""
    out, _, done = run_experiment("minimum_capacity")
    assert done.returncode == 0, done.stderr[-3000:]
    table = pd.read_csv(out / "minimum_trucks_per_day.csv")
    assert table["rules"].nunique() == 2
    for _, setting in table.groupby("rules"):
        assert setting.sort_values("denial probability")["all three"].is_monotonic_increasing


@pytest.mark.slow
@pytest.mark.parametrize("name", ACROSS_INPUTS)
def test_reports_say_how_answers_move_across_the_inputs(name, run_experiment):
    """The counterfactual and capacity reports have the section on the input uncertainty."""
    _, report, done = run_experiment(name)
    assert done.returncode == 0, done.stderr[-3000:]
    text = report.read_text()
    section = text[text.index("## Across what we don't know") : text.index("## Caveats")]
    assert "samples" in section and "|" in section


@pytest.mark.slow
def test_counterfactual_differences_are_paired_by_sample(run_experiment):
    """Every scenario runs at the same input samples with the same seeds: a variant that only
    restores the gas and power links changes nothing for food in any sample (a difference
    taken between unpaired runs would not be exactly zero), and every scenario has every
    sample of every headline metric."""
    out, _, done = run_experiment("counterfactuals")
    assert done.returncode == 0, done.stderr[-3000:]
    diffs = pd.read_csv(out / "differences_over_samples.csv").set_index(["scenario", "metric"])
    food = diffs.loc[("energy_links_restored", "days_to_first_shortage:food")]
    assert food["verdict"] == "none" and food["median"] == 0.0
    values = pd.read_csv(out / "sample_values.csv")
    samples = len(pd.read_csv(out / "input_samples.csv"))
    assert (values.groupby(["scenario", "metric"]).size() == samples).all()


@pytest.mark.slow
def test_minimum_capacity_has_an_answer_per_sample(run_experiment):
    """The capacity search ran at the written values (sample -1) and at every input sample,
    for each denial probability searched across the inputs."""
    out, _, done = run_experiment("minimum_capacity")
    assert done.returncode == 0, done.stderr[-3000:]
    by_sample = pd.read_csv(out / "minimum_by_sample.csv")
    samples = by_sample["sample"].max() + 1
    assert set(by_sample["sample"]) == set(range(-1, samples))
    assert len(by_sample) == (samples + 1) * by_sample["denial probability"].nunique()
    assert (by_sample["all three"] >= by_sample["food"]).all()


@pytest.mark.parametrize("option", ["--step=-1", "--step=inf", "--sample-step=nan", "--samples=0",
                                    "--replications=2.5"])  # fmt: skip
def test_minimum_capacity_search_options_are_checked_before_anything_is_written(option, tmp_path):
    """A bad search setting is one usage line, exit 2, and no output folder."""
    out = tmp_path / "out"
    process = subprocess.run(
        [sys.executable, str(REPO / "experiments" / "minimum_capacity.py"), option, "--out", str(out)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert process.returncode == 2, process.stderr
    assert "Traceback" not in process.stderr and option.split("=")[0] in process.stderr
    assert not out.exists()
