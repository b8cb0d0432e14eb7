"""lachin-sim: humanitarian supply to a population cut off behind a single road.

>>> import lachin_sim as ls
>>> scenario = ls.load_scenario("configs/blockade_2023.toml")
>>> result = ls.simulate(scenario, seed=1)
>>> result.stocks.columns[:4].tolist()
['date', 'commodity', 'population', 'stock']
"""

from __future__ import annotations

__version__ = "0.1.0"

from .config import Scenario, load_scenario
from .errors import ConfigError
from .results import Result, load_result
from .scenarios import compare
from .search import minimum_from_sweep, minimum_parameter
from .simulation import simulate
from .sweep import SweepResult, load_sweep, sweep


def __getattr__(name: str):
    # Plotting pulls in matplotlib; import it only when asked for (``ls.plot.depletion``).
    if name in ("plot", "plotting"):
        import importlib

        return importlib.import_module(".plotting", __name__)
    raise AttributeError(f"module 'lachin_sim' has no attribute {name!r}")


__all__ = [
    "ConfigError",
    "Result",
    "Scenario",
    "SweepResult",
    "compare",
    "load_result",
    "load_scenario",
    "load_sweep",
    "minimum_from_sweep",
    "minimum_parameter",
    "simulate",
    "sweep",
]
