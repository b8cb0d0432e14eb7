"""Energy infrastructure: links from outside, hydro from a reservoir, generators burning fuel.

All three follow demand within their limits:
- a :class:`LinkFlow` (gas pipeline, power line) delivers up to its capacity times the outage
  factor of the tick, but no more than demand plus free storage;
- a :class:`HydroPlant` releases water to cover what demand is still unmet, down to the
  reservoir's dead volume, or as much as its release rule allows
  (:mod:`lachin_sim.model.policies.release`); the reservoir keeps its own ledger
  ``initial + inflow = released + spilled + final``;
- a :class:`GeneratorSet` covers what is left, burning fuel; its claim on the fuel is one of
  the fuel's demand lines, served by priority with the fuel's other uses.
"""

from __future__ import annotations

import numpy as np

from lachin_sim.config.schema import Generator, Hydro, Link, Scenario
from lachin_sim.model.policies.release import ReleasePolicy
from lachin_sim.model.stocks import Stock


def _monthly(factors: list[float] | None, months: np.ndarray) -> np.ndarray:
    if factors is None:
        return np.ones(len(months))
    return np.asarray(factors, dtype=float)[months - 1]


class LinkFlow:
    """Capacity of a link in each tick (commodity unit per tick), outages applied."""

    def __init__(self, name: str, link: Link, scenario: Scenario, tick_starts: np.ndarray):
        self.name, self.commodity = name, link.commodity
        factor = np.ones(len(tick_starts))
        for o in link.outages:
            t0 = scenario.day_of(o.start)
            t1 = scenario.day_of(o.end) if o.end is not None else np.inf
            hit = (tick_starts >= t0) & (tick_starts < t1)
            factor[hit] = np.minimum(factor[hit], o.capacity_factor)
        self.capacity = (link.capacity_per_day * scenario.tick_days * factor).tolist()

    def supply(self, tick: int, demand: float, stock: Stock) -> float:
        """Amount delivered this tick: capacity, limited to demand plus free storage."""
        room = demand + stock.headroom()  # what is consumed now plus what storage can keep
        return max(0.0, min(self.capacity[tick], room))


class HydroPlant:
    """A hydro plant and its reservoir (m3)."""

    def __init__(self, name: str, plant: Hydro, scenario: Scenario, months: np.ndarray):
        self.name, self.commodity, self.plant = name, plant.commodity, plant
        self.volume = float(plant.reservoir_initial_m3)
        inflow = plant.inflow_m3_per_day * scenario.tick_days
        self.inflow = (inflow * _monthly(plant.monthly_inflow_factors, months)).tolist()
        self.max_output = plant.capacity_per_day * scenario.tick_days
        rule = plant.release
        until = scenario.day_of(rule.until) if rule is not None and rule.until else None
        self.release = ReleasePolicy(rule, plant.dead_volume_m3, scenario.tick_days, until)
        self.tick_days = scenario.tick_days

    def generate(self, tick: int, wanted: float) -> tuple[float, float, float, float, float]:
        """Produce up to ``wanted``; returns (output, water_in, water_released, water_spilled,
        release limit). The tick's inflow can be turbined in the same tick (run-of-river);
        what exceeds the reservoir afterwards spills. The release rule sees the reservoir
        after the inflow and the inflow of past ticks."""
        p = self.plant
        water_in = self.inflow[tick]
        self.volume += water_in
        limit = self.release.limit_m3(self.volume, tick * self.tick_days)
        output = max(0.0, min(wanted, self.max_output, limit * p.output_per_m3))
        released = min(output / p.output_per_m3, limit)
        self.volume -= released
        spilled = max(self.volume - p.reservoir_max_m3, 0.0)
        self.volume -= spilled
        self.release.record_inflow(water_in)
        return output, water_in, released, spilled, limit


class GeneratorSet:
    """Generators of one kind, limited by capacity and by the fuel they are given."""

    def __init__(self, name: str, gen: Generator, scenario: Scenario):
        self.name, self.commodity, self.fuel = name, gen.commodity, gen.fuel
        self.max_output = gen.capacity_per_day * scenario.tick_days
        self.fuel_per_unit = gen.fuel_per_unit
        self.priority = gen.priority
        self.serves_priority = gen.serves_priority

    def fuel_wanted(self, wanted: float) -> float:
        """Fuel needed to produce up to ``wanted`` (commodity unit) within capacity."""
        return max(0.0, min(wanted, self.max_output)) * self.fuel_per_unit
