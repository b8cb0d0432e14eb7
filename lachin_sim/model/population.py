"""The people present, by group: the initial count, minus dated outflows (spread evenly over
their interval), minus people who leave in vehicles (evacuations), plus people who arrive in
them, minus deaths. Counts change at the end of each tick, so a tick sees the people present
at its start.
"""

from __future__ import annotations

import numpy as np

from lachin_sim.config.schema import Scenario


def tick_starts(scenario: Scenario) -> np.ndarray:
    """Start time (days since scenario start) of every consumption tick."""
    n = int(np.ceil(scenario.days / scenario.tick_days - 1e-9))
    return np.arange(n) * scenario.tick_days


def scheduled_outflows(scenario: Scenario, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """People leaving by dated outflows at the end of each tick: (per group [tick, group],
    without a group [tick]). An outflow of P people over [t0, t1) removes P / (t1 - t0) a day;
    a tick is charged with what left before the next tick began."""
    names = scenario.group_names
    ends = np.append(starts[1:], starts[-1] + scenario.tick_days) if len(starts) else starts
    by_group = np.zeros((len(starts), len(names)))
    unassigned = np.zeros(len(starts))
    for o in scenario.population.outflows:
        t0 = scenario.day_of(o.start)
        t1 = scenario.day_of(o.end) if o.end is not None else t0 + 1.0
        gone = o.people * (
            np.clip((ends - t0) / (t1 - t0), 0, 1) - np.clip((starts - t0) / (t1 - t0), 0, 1)
        )
        if o.group is None:
            unassigned += gone
        else:
            by_group[:, names.index(o.group)] += gone
    return by_group, unassigned


class PopulationState:
    """People per group now, and what moved them, tick by tick."""

    def __init__(self, scenario: Scenario, starts: np.ndarray):
        self.names = scenario.group_names
        self.index = {name: i for i, name in enumerate(self.names)}
        self.people = np.array(list(scenario.population.group_sizes().values()), dtype=float)
        self.outflow_by_group, self.outflow_any = scheduled_outflows(scenario, starts)
        self.tick_days = scenario.tick_days
        self._moves: dict[int, np.ndarray] = {}  # tick -> (group, [left, arrived]) in vehicles
        self.rows: list[
            np.ndarray
        ] = []  # per tick: [group, (people, outflow, left, arrived, deaths)]

    @property
    def total(self) -> float:
        return float(self.people.sum())

    def move(self, group: str | None, people: float, tick: int) -> float:
        """People leave (``people`` < 0) or arrive (> 0) in a vehicle during ``tick``; returns
        how many actually moved (nobody leaves who is not there)."""
        moves = self._moves.setdefault(tick, np.zeros((len(self.names), 2)))
        present = np.maximum(self.people - moves[:, 0], 0.0)
        if group is None:
            share = present / present.sum() if present.sum() > 0 else np.zeros_like(present)
            amounts = (
                abs(people) * share
                if people < 0
                else people * self.people / max(self.total, 1e-300)
            )
        else:
            amounts = np.zeros(len(self.names))
            amounts[self.index[group]] = abs(people)
        if people < 0:
            amounts = np.minimum(amounts, present)
            moves[:, 0] += amounts
            return -float(amounts.sum())
        moves[:, 1] += amounts
        return float(amounts.sum())

    def close_tick(self, k: int, deaths: np.ndarray | None = None) -> None:
        """Apply tick ``k``'s outflows, vehicle moves and deaths; record them."""
        people = self.people
        outflow = np.minimum(self.outflow_by_group[k], people)
        rest = people - outflow
        if self.outflow_any[k] > 0 and rest.sum() > 0:
            spread = np.minimum(self.outflow_any[k] * rest / rest.sum(), rest)
            outflow = outflow + spread
        moves = self._moves.pop(k, np.zeros((len(self.names), 2)))
        left = np.minimum(moves[:, 0], np.maximum(people - outflow, 0.0))
        dead = np.zeros(len(self.names)) if deaths is None else deaths
        self.rows.append(np.stack([people, outflow, left, moves[:, 1], dead], axis=1))
        self.people = np.maximum(people - outflow - left + moves[:, 1] - dead, 0.0)
