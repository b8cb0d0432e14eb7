"""The consumption tick: every commodity's inflows, rations, energy dispatch, the sharing of
each commodity among its uses and groups, losses, and the people who leave, arrive or die.

Once per tick (default one day), at the tick's end, in this order:
1. flows (airlift, ice road) and local production arrive; trucks arrived during the tick;
2. each commodity's *ration* by rule (:mod:`lachin_sim.model.policies.rationing`) sets its
   budget, the lower of the rule's share of the draw and what the dated caps allow; commodities
   that generators produce come first, so that the generators' claims on their fuel are known
   when the fuel's ration is set;
3. links, then hydro (within its release rule), then generators cover the budget of the
   commodities they supply;
4. each commodity's budget, limited by its stock, is shared among its demand lines by priority
   (:mod:`lachin_sim.model.policies.allocation`); fuels are shared before what is made from
   them, so a generator produces from the fuel it was given;
5. spoilage, expiry, and anything above the storage capacity are lost;
6. the food energy each group ate goes to the health model (when on), and the population moves
   on to the next tick: dated outflows, people who left or arrived in vehicles, deaths.

Ticks are half-open, ``[k x tick_days, (k + 1) x tick_days)``: a delivery belongs to the tick
whose interval contains its arrival time, and a delivery at or after the scenario end is not
received (the vehicle stays pending): see :mod:`lachin_sim.model.arrivals`, which holds what
the vehicles brought, and which each tick takes in first. Everything is kept in plain lists;
:meth:`tables` builds the DataFrames once at the end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lachin_sim.config.policies import RationRule
from lachin_sim.config.schema import Scenario
from lachin_sim.model.arrivals import IN, Arrivals
from lachin_sim.model.crossings import Crossings
from lachin_sim.model.demand import DemandLine, build_lines
from lachin_sim.model.energy import GeneratorSet, HydroPlant, LinkFlow
from lachin_sim.model.policies.allocation import allocate
from lachin_sim.model.policies.rationing import InflowWindow, build_rule
from lachin_sim.model.population import PopulationState
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
EPS = 1e-12


def _inflow_window_days(rule: RationRule | None) -> float:
    """The trailing window (days) of deliveries a commodity's stretch rule counts; 0: none."""
    return rule.stretch.inflow_window_days if rule is not None and rule.stretch else 0.0


class SupplySystem:
    """All stocks, links, plants, demand lines and people of a scenario, advanced one tick at
    a time. Commodities are addressed by index (their order in the config) inside the loop."""

    def __init__(self, scenario: Scenario, tick_starts: np.ndarray):
        self.scenario = scenario
        self.tick_days = tick = scenario.tick_days
        self.tick_starts = tick_starts
        dates = pd.Timestamp(scenario.start) + pd.to_timedelta(tick_starts, unit="D")
        months = np.asarray(dates.month)
        self.names = list(scenario.commodities)
        self.index = {name: i for i, name in enumerate(self.names)}
        commodities = list(scenario.commodities.values())
        self.stocks = [Stock(c, tick) for c in commodities]
        self.population = PopulationState(scenario, tick_starts)
        self.crossings = Crossings(tick)
        self.lines: list[list[DemandLine]] = build_lines(scenario, tick_starts, months)
        self.production = [c.production_per_day * tick for c in commodities]
        self.spoil_fraction = [1.0 - (1.0 - c.spoilage_per_day) ** tick for c in commodities]
        rules = scenario.rationing.rules
        self.rules = [
            build_rule(rules[n], scenario.day_of, tick) if n in rules else None for n in self.names
        ]
        self.inflow = [
            InflowWindow(_inflow_window_days(rules.get(n)), tick) for n in self.names
        ]  # fmt: skip
        self.links = [LinkFlow(n, ln, scenario, tick_starts) for n, ln in scenario.links.items()]
        self.hydro = [HydroPlant(n, h, scenario, months) for n, h in scenario.hydro.items()]
        self.generators = [GeneratorSet(n, g, scenario) for n, g in scenario.generators.items()]
        self.order = self._outputs_first()
        self.flows: list = []  # FlowSource objects, set by simulate once the gates exist
        self.health = None  # the HealthModel, set below once the food lines are known
        self.food = [i for i, c in enumerate(commodities) if c.kcal_per_unit]
        self._delivered = [0.0] * len(self.names)
        self.arrivals: Arrivals | None = None  # what vehicles bring, set by simulate
        self._rows: list[tuple] = []  # one per (tick, commodity): FLOW_COLUMNS
        self._rules: list[str] = []  # one per (tick, commodity): the rule that set the ration
        self._energy: list[tuple] = []
        self._uses: list[tuple] = []  # one per (tick, demand line)
        self._flows: list[tuple] = []  # one per (tick, flow source): what passed
        self._kcal: list[np.ndarray] = []  # per tick: kcal eaten per group
        self._kcal_now = np.zeros(len(self.population.names))
        self._kcal_per_unit = {i: c.kcal_per_unit for i, c in enumerate(commodities)
                               if c.kcal_per_unit}  # fmt: skip
        self.health = self._health_model()  # None unless the scenario's health table is on

    def _health_model(self):
        """The health model (when the scenario has a ``[health]`` table): each group's food
        need in kcal per person per day at the start is its requirement."""
        if self.scenario.health is None:
            return None
        from lachin_sim.model.health import HealthModel

        need = np.zeros(len(self.population.names))
        for i, kcal in self._kcal_per_unit.items():
            for line in self.lines[i]:
                if line.group is not None and line.per_person_day is not None:
                    need[line.group] += line.per_person_day[0] * kcal
        with np.errstate(invalid="ignore"):
            need = np.where(need > 0, need, np.nan)  # a group without food need: none to keep
        return HealthModel(self.scenario.health, self.population.names,
                           self.population.people.copy(), self.tick_days, need)  # fmt: skip

    def _outputs_first(self) -> list[int]:
        """Commodity order with every generator's output before its fuel."""
        fuel_of: dict[int, set[int]] = {}
        for g in self.generators:
            fuel_of.setdefault(self.index[g.commodity], set()).add(self.index[g.fuel])
        order, placed = [], set()

        def place(i: int, path: tuple[int, ...] = ()) -> None:
            if i in placed or i in path:
                return
            for j in sorted(self.index[g.commodity] for g in self.generators
                            if self.index[g.fuel] == i):  # fmt: skip
                place(j, (*path, i))
            placed.add(i)
            order.append(i)

        for i in range(len(self.names)):
            place(i)
        return order

    # ---- what vehicles bring ----------------------------------------------------------------
    def expect(self, arrivals: Arrivals) -> None:
        """Take in, tick by tick, what the vehicles unloaded and the people they moved."""
        self.arrivals = arrivals

    def _take_in(self, k: int, now: float) -> None:
        """Tick ``k``'s cargo from vehicles into the stocks; its vehicles' people moved."""
        arrivals = self.arrivals
        if arrivals is None:
            return
        cargo = arrivals.cargo[k]
        for i in np.flatnonzero(cargo).tolist():
            if i in arrivals.timed:
                self.stocks[i].add_many(*arrivals.timed_cargo(k, i))
            else:
                self.stocks[i].add(float(cargo[i]), now)
            self._delivered[i] += float(cargo[i])
        pop = self.population
        for _t, direction, group, people, corridor, operator in arrivals.people_in_tick(k):
            if direction == IN:
                pop.move(group, people, k)
            else:
                left = -pop.move(group, -people, k)
                self.crossings.count(k, corridor, "out", operator, 1.0, left, 0.0)

    # ---- the tick ----------------------------------------------------------------------------
    def tick(self, k: int, now: float) -> None:
        """Close tick ``k`` at time ``now`` (its end): flows, rations, dispatch, sharing, losses,
        people; one record each."""
        tick, stocks, n = self.tick_days, self.stocks, len(self.stocks)
        t0 = k * tick
        self._take_in(k, now)
        people = self.population.people
        delivered, produced, converted = self._delivered, [0.0] * n, [0.0] * n
        for flow in self.flows:
            self._settle_flow(flow, k, t0, now)
        for i, st in enumerate(stocks):
            if self.production[i]:
                st.add(self.production[i], now)
                produced[i] = self.production[i]
        line_need = [[ln.need(k, people, tick) for ln in lines] for lines in self.lines]
        need = [sum(x) for x in line_need]
        target = [[ln.cap[k] * x for ln, x in zip(lines, line_need[i], strict=True)]
                  for i, lines in enumerate(self.lines)]  # fmt: skip
        fuel_plan: dict[int, float] = {}  # generator -> fuel wanted
        conv = [0.0] * n  # fuel wanted by generators, per fuel
        budget, rule_ration, rule_name = [0.0] * n, [1.0] * n, [""] * n
        energy = self._energy
        for i in self.order:  # outputs before their fuels
            st = stocks[i]
            draw = need[i] + conv[i]
            rule = self.rules[i]
            if rule is not None:
                r, name = rule.ration(k, t0, st.level, draw / tick, self.inflow[i].rate())
            else:
                r, name = 1.0, ""
            rule_ration[i], rule_name[i] = r, name
            budget[i] = min(r * draw, sum(target[i]) + conv[i])
            for link in self.links:
                if link.commodity == self.names[i]:
                    amount = link.supply(k, budget[i], st)
                    st.add(amount, now)
                    delivered[i] += amount
                    energy.append((k, link.name, "link", link.commodity, amount, link.capacity[k],
                                   NAN, NAN, NAN, NAN, NAN, NAN))  # fmt: skip
            for plant in self.hydro:
                if plant.commodity == self.names[i]:
                    out, water_in, released, spilled, limit = plant.generate(
                        k, budget[i] - st.level
                    )
                    st.add(out, now)
                    produced[i] += out
                    energy.append((k, plant.name, "hydro", plant.commodity, out, plant.max_output,
                                   NAN, plant.volume, water_in, released, spilled, limit))  # fmt: skip
            planned = 0.0
            for g, gen in enumerate(self.generators):
                if gen.commodity == self.names[i]:
                    covered = budget[i]
                    if gen.serves_priority is not None:  # a backup: only the first uses
                        covered = min(covered, sum(t for ln, t in zip(self.lines[i], target[i],
                                                                      strict=True)
                                                   if ln.priority <= gen.serves_priority))  # fmt: skip
                    fuel = gen.fuel_wanted(covered - st.level - planned)
                    fuel_plan[g] = fuel
                    planned += fuel / gen.fuel_per_unit
                    conv[self.index[gen.fuel]] += fuel
        consumed = [0.0] * n
        for i in reversed(self.order):  # fuels before what is made from them
            consumed[i], converted[i] = self._share(k, i, line_need[i], target[i], budget[i],
                                                    fuel_plan, produced, now)  # fmt: skip
        rows, used_rule = self._rows, self._rules
        for i, st in enumerate(stocks):
            lost = st.spoil(self.spoil_fraction[i]) if self.spoil_fraction[i] else 0.0
            if st.shelf_life is not None:
                lost += st.expire(now)
            if st.capacity is not None:
                lost += st.overflow()
            allowed = max(budget[i] - converted[i], 0.0)
            ration = min(allowed / need[i], 1.0) if need[i] > 0 else 1.0
            rows.append((st.level, delivered[i], produced[i], consumed[i], converted[i], lost,
                         need[i], ration))  # fmt: skip
            used_rule.append(self._rule_label(k, i, rule_ration[i], rule_name[i], need[i],
                                              target[i], conv[i]))  # fmt: skip
            self.inflow[i].record(delivered[i] + produced[i])
            delivered[i] = 0.0
        self._close_population(k)

    def _settle_flow(self, flow, k: int, t0: float, now: float) -> None:
        items, people, vehicles = flow.settle(t0, t0 + self.tick_days)
        src = flow.src
        tonnes = 0.0
        for i, amount in items:
            self.stocks[i].add(amount, now)
            self._delivered[i] += amount
            tonnes += amount
        if people > 0:
            sign = -1.0 if src.direction == "out" else 1.0
            people = abs(self.population.move(src.group, sign * people, k))
        if vehicles > 0 or people > 0:
            self.crossings.count(k, src.corridor, src.direction, src.operator, vehicles, people,
                                 tonnes)  # fmt: skip
        by_commodity = dict(items)
        self._flows.append((k, flow.name, src.direction, vehicles, people, tonnes,
                            *(by_commodity.get(i, 0.0) for i in flow.carried)))  # fmt: skip

    def _share(self, k: int, i: int, need: list[float], target: list[float], budget: float,
               fuel_plan: dict[int, float], produced: list[float], now: float) -> tuple[float, float]:  # fmt: skip
        """Share commodity ``i``'s budget (within its stock) among its lines and the generators
        that burn it; returns (consumed by uses, converted by generators)."""
        lines = self.lines[i]
        gens = [g for g in fuel_plan if self.index[self.generators[g].fuel] == i]
        wants = [fuel_plan[g] for g in gens]
        st = self.stocks[i]
        given = allocate(
            min(budget, st.level),
            need=[*need, *wants],
            target=[*target, *wants],
            priority=[*(ln.priority for ln in lines), *(self.generators[g].priority for g in gens)],
            weight=[*(ln.weight for ln in lines), *([1.0] * len(gens))],
        )
        used, burned = sum(given[: len(lines)]), sum(given[len(lines) :])
        st.take(used + burned)
        uses = self._uses
        kcal = self._kcal_per_unit.get(i)
        for line, x, cap_target, got in zip(lines, need, target, given, strict=False):
            uses.append((k, i, line.use, line.group_name, line.priority, x, cap_target, got,
                         line.cap_note[k], "use"))  # fmt: skip
            if kcal is not None and line.group is not None:
                self._kcal_now[line.group] += got * kcal
        energy = self._energy
        for g, want, got in zip(gens, wants, given[len(lines) :], strict=True):
            gen = self.generators[g]
            out = got / gen.fuel_per_unit
            j = self.index[gen.commodity]
            self.stocks[j].add(out, now)
            produced[j] += out
            uses.append((k, i, f"generator:{gen.name}", "", gen.priority, want, want, got, "",
                         "conversion"))  # fmt: skip
            energy.append((k, gen.name, "generator", gen.commodity, out, gen.max_output, got,
                           NAN, NAN, NAN, NAN, NAN))  # fmt: skip
        return used, burned

    def _rule_label(self, k: int, i: int, r: float, name: str, need: float,
                    target: list[float], conv: float) -> str:  # fmt: skip
        """What set the ration: the rule's name, the binding dated caps' notes, or ""."""
        draw = need + conv
        capped = sum(target) + conv
        if name and r < 1 - EPS and r * draw <= capped + EPS:
            return name
        if capped < draw - EPS:
            notes = {ln.cap_note[k] for ln in self.lines[i] if ln.cap[k] < 1 - EPS}
            return "; ".join(sorted(n for n in notes if n)) or "cap"
        return ""

    def _close_population(self, k: int) -> None:
        """Food energy eaten per group goes to the health model; the population moves on."""
        pop = self.population
        kcal = self._kcal_now
        self._kcal.append(kcal)
        self._kcal_now = np.zeros(len(pop.names))
        deaths = None
        if self.health is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                per_person = np.where(pop.people > 0, kcal / (pop.people * self.tick_days), 0.0)
            step = self.health.step(k, per_person, pop.people.copy())
            deaths = step.background + step.excess
        pop.close_tick(k, deaths)

    # ---- tables ------------------------------------------------------------------------------
    def tables(self) -> dict[str, pd.DataFrame]:
        """``stocks`` (tick x commodity), ``energy`` (tick x link / plant / generator),
        ``uses`` (tick x demand line), ``groups`` (tick x population group), tidy."""
        n_com = len(self.names)
        n = len(self._rows) // n_com
        start = np.datetime64(self.scenario.start, "ns")
        dates = start + (self.tick_starts[:n] * 86400e9).astype("timedelta64[ns]")
        pop_rows = np.asarray(self.population.rows, dtype=float).reshape(n, -1, 5)
        total_people = pop_rows[:, :, 0].sum(axis=1)
        by_tick = np.asarray(self._rows, dtype=float).reshape(n, n_com, len(FLOW_COLUMNS))
        flows = by_tick.transpose(1, 0, 2).reshape(n * n_com, len(FLOW_COLUMNS))  # commodity-major
        cols: dict[str, object] = {
            "date": np.tile(dates, n_com),
            "commodity": np.repeat(np.asarray(self.names, dtype=object), n),
            "population": np.tile(total_people, n_com),
        }
        for j, name in enumerate(FLOW_COLUMNS):
            cols[name] = flows[:, j]
        rules = np.asarray(self._rules, dtype=object).reshape(n, n_com).T.reshape(-1)
        cols["ration_rule"] = rules
        stocks = pd.DataFrame(cols)
        stocks["unmet"] = stocks["need"] - stocks["consumed"]
        need_day = stocks["need"].to_numpy() / self.tick_days
        storable = np.repeat([self.stocks[i].capacity != 0 for i in range(n_com)], n)
        with np.errstate(divide="ignore", invalid="ignore"):
            days = np.where((need_day > 0) & storable, stocks["stock"] / need_day, np.nan)
            share = np.where(stocks["need"] > 0, stocks["consumed"] / stocks["need"], 1.0)
        stocks["days_of_supply"] = days  # undefined (NaN) without need or without storage
        stocks["hours_of_supply"] = np.where(storable, np.nan, 24.0 * share)  # not storable only
        energy_cols = ["tick", "source", "kind", "commodity", "output", "capacity",
                       "fuel_burned", "reservoir_m3", "inflow_m3", "released_m3", "spilled_m3",
                       "release_limit_m3"]  # fmt: skip
        energy = pd.DataFrame(self._energy, columns=energy_cols)
        ticks = energy.pop("tick").to_numpy(dtype=int)
        energy.insert(0, "date", dates[ticks] if n else dates[:0])
        tables = {"stocks": stocks, "energy": energy, "uses": self._uses_table(dates),
                  "groups": self._groups_table(dates, pop_rows),
                  "decisions": self._decisions_table(start), "flows": self._flows_table(dates)}  # fmt: skip
        if self.health is not None:
            tables.update(self.health.tables(dates))
        return tables

    def _flows_table(self, dates: np.ndarray) -> pd.DataFrame:
        """One row per tick and flow source: vehicles, people and tonnes that passed, tonnes by
        commodity (``<commodity>_t``)."""
        carried = sorted({self.names[i] for f in self.flows for i in f.carried})
        columns = ["tick", "source", "direction", "vehicles", "people", "tonnes",
                   *(f"{c}_t" for c in carried)]  # fmt: skip
        rows = []
        for row in self._flows:
            flow = next(f for f in self.flows if f.name == row[1])
            by_name = {self.names[i]: v for i, v in zip(flow.carried, row[6:], strict=True)}
            rows.append((*row[:6], *(by_name.get(c, 0.0) for c in carried)))
        df = pd.DataFrame(rows, columns=columns)
        ticks = df.pop("tick").to_numpy(dtype=int)
        df.insert(0, "date", dates[ticks] if len(dates) else dates[:0])
        return df.astype({c: float for c in columns[3:]})

    def _decisions_table(self, start: np.datetime64) -> pd.DataFrame:
        """One row per ration change decided by rule: when the state called for it, when it
        took effect, the new ration and the rule."""
        rows = [(self.names[i], decided, tick, ration, rule)
                for i, decided_ration in enumerate(self.rules) if decided_ration is not None
                for tick, decided, ration, rule in decided_ration.changes]  # fmt: skip
        df = pd.DataFrame(rows, columns=["commodity", "decided", "effective", "ration", "rule"])
        for col in ("decided", "effective"):
            ticks = df[col].to_numpy(dtype=float)
            df[col] = start + (ticks * self.tick_days * 86400e9).astype("timedelta64[ns]")
        return df.astype({"ration": float})

    def _uses_table(self, dates: np.ndarray) -> pd.DataFrame:
        columns = ["tick", "commodity", "use", "group", "priority", "need", "allowed",
                   "consumed", "cap", "kind"]  # fmt: skip
        uses = pd.DataFrame(self._uses, columns=columns)
        ticks = uses.pop("tick").to_numpy(dtype=int)
        uses.insert(0, "date", dates[ticks] if len(dates) else dates[:0])
        uses["commodity"] = np.asarray(self.names, dtype=object)[
            uses["commodity"].to_numpy(dtype=int)
        ]
        with np.errstate(divide="ignore", invalid="ignore"):
            need = uses["need"].to_numpy(dtype=float)
            uses["share_met"] = np.where(need > 0, uses["consumed"] / need, 1.0)
        outcome_min = {(self.names[ln.commodity], ln.use): ln.outcome_min_share
                       for lines in self.lines for ln in lines if ln.outcome}  # fmt: skip
        if outcome_min:  # from the raw rows: iterating string columns of a frame is slow
            names = self.names
            threshold = np.array([outcome_min.get((names[row[1]], row[2]), np.nan)
                                  for row in self._uses], dtype=float)  # fmt: skip
            holds = pd.array(uses["share_met"].to_numpy() >= threshold - EPS, dtype="boolean")
            holds[np.isnan(threshold)] = pd.NA  # uses without an outcome
            uses["outcome_holds"] = holds
        return uses

    def _groups_table(self, dates: np.ndarray, pop_rows: np.ndarray) -> pd.DataFrame:
        names = self.population.names
        n, g = len(dates), len(names)
        kcal = np.asarray(self._kcal, dtype=float).reshape(n, g)
        people = pop_rows[:, :, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            per_person = np.where(people > 0, kcal / (people * self.tick_days), np.nan)
        data = {
            "date": np.repeat(dates, g),
            "group": np.tile(np.asarray(names, dtype=object), n),
            "people": people.reshape(-1),
            "outflow": pop_rows[:, :, 1].reshape(-1),
            "left_in_vehicles": pop_rows[:, :, 2].reshape(-1),
            "arrived_in_vehicles": pop_rows[:, :, 3].reshape(-1),
            "deaths": pop_rows[:, :, 4].reshape(-1),
        }
        if self.food:
            data["kcal_per_person_day"] = per_person.reshape(-1)
        return pd.DataFrame(data)
