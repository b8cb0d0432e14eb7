"""lachin-sim: humanitarian supply to a population cut off behind a single road.

>>> import lachin_sim as ls
>>> scenario = ls.load_scenario("configs/blockade_2023.toml")
>>> result = ls.simulate(scenario, seed=1)
>>> result.stocks.columns[:4].tolist()
['date', 'commodity', 'population', 'stock']
"""

from __future__ import annotations

__version__ = "0.1.0"

from lachin_sim.config import load_scenario
from lachin_sim.config.schema import Scenario
from lachin_sim.errors import ConfigError
from lachin_sim.model.simulation import simulate
from lachin_sim.outputs.results import Result, load_result
from lachin_sim.studies.scenarios import Comparison, compare, load_comparison
from lachin_sim.studies.search import minimum_from_sweep, minimum_parameter
from lachin_sim.studies.sweep import SweepResult, load_sweep, sweep
from lachin_sim.studies.uncertainty import UncertaintyResult, load_uncertainty, uncertainty


def __getattr__(name: str):
    # Plotting pulls in matplotlib; import it only when asked for (``ls.plot.depletion``).
    if name in ("plot", "plotting"):
        import importlib

        return importlib.import_module("lachin_sim.outputs.plots")
    raise AttributeError(f"module 'lachin_sim' has no attribute {name!r}")


__all__ = [
    "Comparison",
    "ConfigError",
    "Result",
    "Scenario",
    "SweepResult",
    "UncertaintyResult",
    "compare",
    "load_comparison",
    "load_result",
    "load_scenario",
    "load_sweep",
    "load_uncertainty",
    "minimum_from_sweep",
    "minimum_parameter",
    "simulate",
    "sweep",
    "uncertainty",
]
