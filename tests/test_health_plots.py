"""Health figures (outputs/plots/health.py) take one run's table or quantiles over runs, draw
one panel per group with the cut-offs, and the IPC famine line; and the health modules'
docstring examples run (so they do not rot)."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest
from matplotlib.figure import Figure

from lachin_sim.config.health import HealthConfig
from lachin_sim.model.health import HealthModel, health_quantiles
from lachin_sim.outputs.plots.health import bmi_distribution, deaths_per_day

CONFIG = HealthConfig.model_validate({"bands": 20, "groups": {"children": {"child": True}}})


def health_table(share: float):
    hm = HealthModel(CONFIG, ["adults", "children"], np.array([900.0, 300.0]), 1.0,
                     np.array([2300.0, 1500.0]))  # fmt: skip
    for k in range(90):
        hm.step(k, share * np.array([2300.0, 1500.0]), hm.people)
    return hm.tables(np.datetime64("2023-01-01") + np.arange(90))["health"]


@pytest.fixture(scope="module")
def tables():
    return [health_table(s) for s in (0.3, 0.4, 0.5)]


def horizontal_lines(ax) -> set[float]:
    return {round(float(line.get_ydata()[0]), 3) for line in ax.get_lines()
            if len(set(np.asarray(line.get_ydata(), dtype=float))) == 1}  # fmt: skip


@pytest.mark.parametrize("many", [False, True])
def test_bmi_distribution(tables, many, tmp_path):
    """One panel per population group: adults with the BMI cut-offs 18.5, 17, 16, 13 (rows
    G1-G5), children with WHZ -2 and -3 (I1, I2); it renders to a PNG."""
    data = health_quantiles(tables) if many else tables[0]
    fig = bmi_distribution(data)
    assert isinstance(fig, Figure)
    adults, children = fig.axes[:2]
    assert len(fig.axes) == 2
    assert {18.5, 17.0, 16.0, 13.0} <= horizontal_lines(adults)
    assert {-2.0, -3.0} <= horizontal_lines(children)
    assert "BMI" in adults.get_ylabel() and "weight-for-height" in children.get_ylabel()
    fig.savefig(tmp_path / "bmi.png", dpi=50)


@pytest.mark.parametrize("many", [False, True])
def test_deaths_per_day(tables, many, tmp_path):
    """Crude death rate per group (and the total) with the IPC famine line at 2 per 10,000
    per day (row K1) and, for one run, the Sphere line at twice the baseline (K9)."""
    data = health_quantiles(tables) if many else tables[0]
    fig = deaths_per_day(data)
    top = fig.axes[0]
    lines = horizontal_lines(top)
    assert 2.0 in lines
    if not many:
        assert round(2 * tables[0]["baseline_cdr_per_10k_day"].iloc[2], 3) in lines
    labels = [text.get_text() for text in top.get_legend().get_texts()]
    assert labels[:3] == ["adults", "children", "all"]
    fig.savefig(tmp_path / "deaths.png", dpi=50)


@pytest.mark.parametrize("module", [
    "lachin_sim.config.health", "lachin_sim.model.health.energy_balance",
    "lachin_sim.model.health.access", "lachin_sim.model.health.mortality",
    "lachin_sim.model.health.model", "lachin_sim.model.health.metrics",
    "lachin_sim.outputs.plots.health",
])  # fmt: skip
def test_docstring_examples_run(module, tmp_path, monkeypatch):
    """Each health module's docstring example runs and prints what it says."""
    monkeypatch.chdir(tmp_path)
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
