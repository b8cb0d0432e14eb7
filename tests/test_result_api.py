"""What users expect of results in Python: a short repr, a notebook table, and .plot()."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure
from sweep_helpers import DENIAL, TRUCKS, sweep_scenario

import lachin_sim as ls

SELF_CONTAINED = ("<script", "<link", "<style", "http")


@pytest.fixture(scope="module")
def blockade(configs_dir):
    return ls.simulate(ls.load_scenario(configs_dir / "blockade_2023.toml"), seed=1)


def test_result_repr_is_one_short_line(blockade):
    """repr(result) names the scenario, the seed and what ran short: one line, not the tables."""
    text = repr(blockade)
    assert len(text) < 300 and "\n" not in text
    assert "blockade_2023" in text and "seed 1" in text and "food from day" in text


def test_result_html_is_a_headline_table(blockade):
    """The notebook view is one small table, a row per commodity with a need, no resources."""
    page = blockade._repr_html_()
    assert page.count("<tr>") == 1 + 5  # header + food, medicine, fuel, gas, electricity
    assert "other_goods" not in page
    assert not any(tag in page for tag in SELF_CONTAINED)
    assert len(page) < 3000


def test_result_plot_draws_the_run_figures(blockade):
    """result.plot() is the depletion plot; plot('timeline') the shortage timeline."""
    assert "stock depletion" in blockade.plot()._suptitle.get_text()
    assert "day by day" in blockade.plot("timeline")._suptitle.get_text()
    with pytest.raises(ValueError, match="kind"):
        blockade.plot("pie")


@pytest.fixture(scope="module")
def sweeps():
    scenario = sweep_scenario()
    run = {"executor": "serial", "progress": False}
    return {
        "grid": ls.sweep(scenario, grid={TRUCKS: [0.5, 2.0], DENIAL: [0.0, 0.5]}, replications=2, **run),
        "one": ls.sweep(scenario, grid={TRUCKS: [0.5, 1.0, 2.0]}, replications=2, **run),
        "reps": ls.sweep(scenario, replications=3, **run),
    }  # fmt: skip


def test_sweep_plot_picks_the_figure_of_the_design(sweeps):
    """A two-parameter grid gives a heatmap, one parameter its response, replications a fan."""
    grid, one, reps = (sweeps[k].plot() for k in ("grid", "one", "reps"))
    assert all(isinstance(f, Figure) for f in (grid, one, reps))
    assert grid.axes[0].images, "the grid's figure is a heatmap"
    assert "against" in one._suptitle.get_text()
    assert "replications" in reps._suptitle.get_text() and not reps.axes[0].images
    assert "probability" in sweeps["one"].plot(kind="probability").axes[0].get_ylabel()


def test_sweep_repr_and_html_are_short(sweeps):
    """repr gives points, replications, runs and parameters; the notebook view is a table per
    point with the censored days to first shortage."""
    text = repr(sweeps["grid"])
    assert len(text) < 300 and "4 points x 2 replications = 8 runs (8 ok, 0 failed)" in text
    page = sweeps["grid"]._repr_html_()
    assert page.count("<tr>") == 1 + 4 and "runs short" in page
    assert not any(tag in page for tag in SELF_CONTAINED)
