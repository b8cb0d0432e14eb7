"""The experiment scripts run end to end in their reduced (--quick) form."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from conftest import REPO

EXPERIMENTS = {
    "historical": [
        "milestones.csv",
        "food_energy_by_phase.csv",
        "fan_days_of_supply.png",
        "fan_share_met.png",
    ],
    "counterfactuals": ["comparison.csv", "comparison_wide.csv", "overlay_share_met.png"],
    "minimum_capacity": [
        "minimum_trucks_per_day.csv",
        "search_evaluations.csv",
        "search_probability.png",
    ],
}


@pytest.fixture(scope="module")
def run_experiment(tmp_path_factory):
    """Run an experiment script once per module in --quick form; returns (out, report, process)."""
    done: dict[str, tuple] = {}

    def run(name: str):
        if name not in done:
            tmp = tmp_path_factory.mktemp(name)
            out, report = tmp / "out", tmp / "docs" / f"{name}.md"
            process = subprocess.run(
                [sys.executable, str(REPO / "experiments" / f"{name}.py"), "--quick", "--out", str(out),
                 "--report", str(report), "--workers", "2"],
                capture_output=True, text=True, cwd=tmp, timeout=900,
            )  # fmt: skip
            done[name] = (out, report, process)
        return done[name]

    return run


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_experiment_runs_quick_and_writes_its_report(name, run_experiment):
    """Each experiment script exits 0 with --quick and writes its tables, figures and report."""
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
    """In the capacity experiment, a higher denial probability never needs fewer trucks."""
    out, _, done = run_experiment("minimum_capacity")
    assert done.returncode == 0, done.stderr[-3000:]
    table = pd.read_csv(out / "minimum_trucks_per_day.csv").sort_values("denial probability")
    assert table["all three"].is_monotonic_increasing
