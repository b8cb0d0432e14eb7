"""Population present over time: the initial count minus outflows (evacuations, exodus).

Outflows are spread evenly over their ``[start, end)`` interval. Everything here is computed
before the run as plain arrays, one value per consumption tick.
"""

from __future__ import annotations

import numpy as np

from lachin_sim.config.schema import Scenario


def tick_starts(scenario: Scenario) -> np.ndarray:
    """Start time (days since scenario start) of every consumption tick."""
    n = int(np.ceil(scenario.days / scenario.tick_days - 1e-9))
    return np.arange(n) * scenario.tick_days


def population_by_tick(scenario: Scenario) -> np.ndarray:
    """People present during each tick (people), after outflows that ended before it.

    An outflow of P people over D days removes P/D people per day; a tick is charged with the
    outflow that happened before it began, so the first tick sees the initial population.
    """
    starts = tick_starts(scenario)
    left = np.zeros_like(starts)
    for o in scenario.population.outflows:
        t0 = scenario.day_of(o.start)
        t1 = scenario.day_of(o.end) if o.end is not None else t0 + 1.0
        left += o.people * np.clip((starts - t0) / (t1 - t0), 0.0, 1.0)
    return np.maximum(scenario.population.initial - left, 0.0)
