"""lachin-sim: humanitarian supply to a population cut off behind a single road.

>>> import lachin_sim as ls
>>> scenario = ls.load_scenario("configs/blockade_2023.toml")
>>> result = ls.simulate(scenario, seed=1)
>>> result.stocks.columns[:4].tolist()
['date', 'commodity', 'population', 'stock']
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for type checkers and editors: the names below, imported eagerly
    from lachin_sim.config import load_scenario
    from lachin_sim.config.schema import Scenario
    from lachin_sim.errors import ConfigError
    from lachin_sim.model.simulation import simulate
    from lachin_sim.outputs.results import Result, load_result
    from lachin_sim.studies.scenarios import Comparison, compare, load_comparison
    from lachin_sim.studies.search import minimum_from_sweep, minimum_parameter
    from lachin_sim.studies.sweep import SweepResult, load_sweep, sweep
    from lachin_sim.studies.uncertainty import UncertaintyResult, load_uncertainty, uncertainty

# The public names, imported when first used (module ``__getattr__``, PEP 562): importing
# the package, as ``lachin-sim --help`` does, loads none of pandas, pydantic, simpy or scipy.
_LAZY = {
    "load_scenario": "lachin_sim.config",
    "Scenario": "lachin_sim.config.schema",
    "ConfigError": "lachin_sim.errors",
    "simulate": "lachin_sim.model.simulation",
    "Result": "lachin_sim.outputs.results",
    "load_result": "lachin_sim.outputs.results",
    "Comparison": "lachin_sim.studies.scenarios",
    "compare": "lachin_sim.studies.scenarios",
    "load_comparison": "lachin_sim.studies.scenarios",
    "minimum_from_sweep": "lachin_sim.studies.search",
    "minimum_parameter": "lachin_sim.studies.search",
    "SweepResult": "lachin_sim.studies.sweep",
    "load_sweep": "lachin_sim.studies.sweep",
    "sweep": "lachin_sim.studies.sweep",
    "UncertaintyResult": "lachin_sim.studies.uncertainty",
    "load_uncertainty": "lachin_sim.studies.uncertainty",
    "uncertainty": "lachin_sim.studies.uncertainty",
}


def __getattr__(name: str):
    import importlib

    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # the next lookup finds it without this hook
        return value
    # Plotting pulls in matplotlib; import it only when asked for (``ls.plot.depletion``).
    if name in ("plot", "plotting"):
        return importlib.import_module("lachin_sim.outputs.plots")
    raise AttributeError(f"module 'lachin_sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY, "plot"])


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
