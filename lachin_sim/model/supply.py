"""The consumption tick: every commodity's inflows, energy dispatch, rationed use and losses.

Once per tick (default one day), in this order:
1. local production and link inflows (links give at most demand plus free storage);
2. hydro, then generators, cover demand the stock cannot (generators take fuel first:
   essential power before household fuel);
3. the population consumes ``min(stock, ration x need)``, oldest batches first;
4. spoilage, expiry, and anything above the storage capacity are lost.

Truck deliveries arrive between ticks through :meth:`SupplySystem.receive`. Everything is kept
in plain lists; :meth:`SupplySystem.tables` builds the DataFrames once at the end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lachin_sim.config.schema import Scenario
from lachin_sim.model.energy import GeneratorSet, HydroPlant, LinkFlow
from lachin_sim.model.rationing import RationPolicy
from lachin_sim.model.stocks import Stock

FLOW_COLUMNS = (
    "stock",
    "delivered",
    "produced",
    "consumed",
    "converted",
    "spoiled",
    "need",
    "ration",
)
NAN = float("nan")


class SupplySystem:
    """All stocks, links and plants of a scenario, advanced one tick at a time.

    Commodities are addressed by index (their order in the config) inside the loop.
    """

    def __init__(self, scenario: Scenario, tick_starts: np.ndarray, population: np.ndarray):
        self.scenario = scenario
        self.tick_days = tick = scenario.tick_days
        self.tick_starts = tick_starts
        self.population = population
        dates = pd.Timestamp(scenario.start) + pd.to_timedelta(tick_starts, unit="D")
        months = np.asarray(dates.month)
        self.names = list(scenario.commodities)
        self.index = {name: i for i, name in enumerate(self.names)}
        commodities = list(scenario.commodities.values())
        self.stocks = [Stock(c, tick) for c in commodities]
        self.need_per_day: list[list[float]] = []  # [commodity][tick], unit / day
        for c in commodities:
            factors = np.ones(len(months))
            if c.monthly_need_factors is not None:
                factors = np.asarray(c.monthly_need_factors, dtype=float)[months - 1]
            self.need_per_day.append((c.need_per_person_day * factors * population).tolist())
        self.production = [c.production_per_day * tick for c in commodities]
        self.spoil_fraction = [1.0 - (1.0 - c.spoilage_per_day) ** tick for c in commodities]
        self.policy = RationPolicy(scenario, tick_starts)
        self.links = [LinkFlow(n, ln, scenario, tick_starts) for n, ln in scenario.links.items()]
        self.hydro = [HydroPlant(n, h, scenario, months) for n, h in scenario.hydro.items()]
        self.generators = [GeneratorSet(n, g, scenario) for n, g in scenario.generators.items()]
        self._delivered = [0.0] * len(self.names)
        self.closed = False  # True once the last tick is settled
        self._rows: list[tuple] = []  # one per (tick, commodity): FLOW_COLUMNS
        self._energy: list[tuple] = []

    def receive(self, commodity: int, amount: float, now: float) -> None:
        """A truck unloads ``amount`` (commodity unit) of commodity number ``commodity`` at ``now``."""
        self.stocks[commodity].add(amount, now)
        self._delivered[commodity] += amount

    def tick(self, k: int, now: float) -> None:
        """Close tick ``k`` at time ``now`` (its end): flows, consumption, losses, one record each."""
        tick, stocks, index = self.tick_days, self.stocks, self.index
        n = len(stocks)
        delivered, produced, converted = self._delivered, [0.0] * n, [0.0] * n
        demand, rations = [0.0] * n, [1.0] * n
        for i, st in enumerate(stocks):
            amount = self.production[i]
            if amount:
                st.add(amount, now)
                produced[i] = amount
            need_day = self.need_per_day[i][k]
            rations[i] = ration = self.policy.ration(i, k, st.level, need_day)
            demand[i] = ration * need_day * tick
        energy = self._energy
        for link in self.links:
            i = index[link.commodity]
            amount = link.supply(k, demand[i], stocks[i])
            stocks[i].add(amount, now)
            delivered[i] += amount
            energy.append((k, link.name, "link", link.commodity, amount, link.capacity[k],
                           NAN, NAN, NAN, NAN, NAN))  # fmt: skip
        for plant in self.hydro:
            i = index[plant.commodity]
            out, water_in, released, spilled = plant.generate(k, demand[i] - stocks[i].level)
            stocks[i].add(out, now)
            produced[i] += out
            energy.append((k, plant.name, "hydro", plant.commodity, out, plant.max_output,
                           NAN, plant.volume, water_in, released, spilled))  # fmt: skip
        for gen in self.generators:
            i, f = index[gen.commodity], index[gen.fuel]
            out, burned = gen.generate(demand[i] - stocks[i].level, stocks[f])
            stocks[i].add(out, now)
            produced[i] += out
            converted[f] += burned
            energy.append((k, gen.name, "generator", gen.commodity, out, gen.max_output,
                           burned, NAN, NAN, NAN, NAN))  # fmt: skip
        rows = self._rows
        for i, st in enumerate(stocks):
            consumed = st.take(demand[i]) if demand[i] > 0 else 0.0
            lost = st.spoil(self.spoil_fraction[i]) if self.spoil_fraction[i] else 0.0
            if st.shelf_life is not None:
                lost += st.expire(now)
            if st.capacity is not None:
                lost += st.overflow()
            rows.append((st.level, delivered[i], produced[i], consumed, converted[i], lost,
                         self.need_per_day[i][k] * tick, rations[i]))  # fmt: skip
            delivered[i] = 0.0

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(stocks, energy) as tidy DataFrames: one row per tick and commodity / energy source."""
        n_com = len(self.names)
        n = len(self._rows) // n_com
        by_tick = np.asarray(self._rows, dtype=float).reshape(n, n_com, len(FLOW_COLUMNS))
        flows = by_tick.transpose(1, 0, 2).reshape(n * n_com, len(FLOW_COLUMNS))  # commodity-major
        start = np.datetime64(self.scenario.start, "ns")
        dates = start + (self.tick_starts[:n] * 86400e9).astype("timedelta64[ns]")
        cols: dict[str, object] = {
            "date": np.tile(dates, n_com),
            "commodity": np.repeat(np.asarray(self.names, dtype=object), n),
            "population": np.tile(self.population[:n], n_com),
        }
        for j, name in enumerate(FLOW_COLUMNS):
            cols[name] = flows[:, j]
        stocks = pd.DataFrame(cols)
        stocks["unmet"] = stocks["need"] - stocks["consumed"]
        need_day = stocks["need"].to_numpy() / self.tick_days
        storable = np.repeat([self.stocks[i].capacity != 0 for i in range(n_com)], n)
        with np.errstate(divide="ignore", invalid="ignore"):
            days = np.where((need_day > 0) & storable, stocks["stock"] / need_day, np.nan)
        stocks["days_of_supply"] = days  # undefined (NaN) without need or without storage
        energy_cols = ["tick", "source", "kind", "commodity", "output", "capacity",
                       "fuel_burned", "reservoir_m3", "inflow_m3", "released_m3", "spilled_m3"]  # fmt: skip
        energy = pd.DataFrame(self._energy, columns=energy_cols)
        ticks = energy.pop("tick").to_numpy(dtype=int)
        energy.insert(0, "date", dates[ticks] if n else dates[:0])
        return stocks, energy
