"""Plots a reader understands without the code, one module per figure family. Each function
returns a matplotlib Figure.

- :mod:`.run`: one run: :func:`depletion`, :func:`shortage_timeline`;
- :mod:`.sweep`: many runs: :func:`heatmap`, :func:`response`, :func:`fan_chart`,
  :func:`shortage_probability`;
- :mod:`.compare`: named scenarios: :func:`scenario_overlay`;
- :mod:`.decisions`: the decisions of one run: :func:`rations` (ration by rule, hours of supply);
- :mod:`.health`: the health model: :func:`bmi_distribution`, :func:`deaths_per_day`;
- :mod:`.daily`: daily series of one run for a reader: :func:`food_energy`,
  :func:`hours_of_supply`;
- :mod:`.uncertainty`: uncertainty studies: :func:`sensitivity_bars`, :func:`variance_split`,
  :func:`uncertainty_bands`;
- :mod:`.common`: colours (colour-blind safe), date axes, regime shading, dated marks.

No pyplot global state: figures are built with ``matplotlib.figure.Figure`` and saved with
``fig.savefig``. This package is imported only when plotting is asked for (``ls.plot``), so the
CLI and the simulator start without matplotlib.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from lachin_sim.outputs.plots.compare import scenario_overlay
from lachin_sim.outputs.plots.daily import food_energy, hours_of_supply
from lachin_sim.outputs.plots.decisions import rations
from lachin_sim.outputs.plots.health import bmi_distribution, deaths_per_day
from lachin_sim.outputs.plots.run import depletion, save_standard_plots, shortage_timeline
from lachin_sim.outputs.plots.sweep import (
    default_figure,
    fan_chart,
    heatmap,
    response,
    save_sweep_plots,
    scenario_marks,
    shortage_probability,
)  # fmt: skip
from lachin_sim.outputs.plots.uncertainty import (
    sensitivity_bars,
    uncertainty_bands,
    variance_split,
)

__all__ = [
    "Figure",
    "bmi_distribution",
    "deaths_per_day",
    "default_figure",
    "depletion",
    "fan_chart",
    "food_energy",
    "heatmap",
    "hours_of_supply",
    "rations",
    "response",
    "save_standard_plots",
    "save_sweep_plots",
    "scenario_marks",
    "scenario_overlay",
    "sensitivity_bars",
    "shortage_probability",
    "shortage_timeline",
    "uncertainty_bands",
    "variance_split",
]
