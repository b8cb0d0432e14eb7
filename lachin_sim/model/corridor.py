"""A corridor's state over time: the dated regime timeline, random closures laid over it, dated
events that bar some operators, and a dated daily capacity.

A :class:`CorridorGate` holds the regime in force now (``gate.regime``), the operators that
events bar now, and an event, ``gate.changed``, that fires at every change, so vehicles held at
the checkpoint wake exactly when they may pass. Every change is logged for the ``regimes``
table and for flows, which integrate over the time a corridor was open to them. Changes are
scheduled ahead of ordinary events at the same instant, so a change at time t applies to every
departure and arrival at t.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Generator

import numpy as np
import simpy

from lachin_sim.config.schema import Corridor, Regime, Scenario
from lachin_sim.model.lanes import Lanes
from lachin_sim.model.streams import stream


class _Switch(simpy.events.Event):
    """A timeout processed before ordinary events of the same instant (SimPy's URGENT
    priority, as its own process start-up uses): corridor changes come first."""

    def __init__(self, env: simpy.Environment, delay: float):
        super().__init__(env)
        self._ok, self._value = True, None
        env.schedule(self, simpy.core.URGENT, delay)


class RegimeState:
    """One regime as it operates at one corridor: its lanes and rules. The random numbers of
    the vehicles it meets are theirs (:mod:`lachin_sim.model.draws`)."""

    __slots__ = (
        "allowed",
        "capacity",
        "cargo_rules",
        "lanes",
        "name",
        "p_deny",
        "p_hold",
        "p_stop",
        "turn_back",
    )  # fmt: skip

    def __init__(self, env: simpy.Environment, name: str, regime: Regime):
        self.name = name
        self.allowed = frozenset(regime.allowed_operators)
        self.capacity = regime.capacity_trucks_per_day
        lanes = regime.inspection_lanes
        self.lanes = Lanes(env, lanes) if lanes else None
        self.p_hold = regime.hold_probability
        self.p_deny = regime.denial_probability
        self.p_stop = regime.denial_probability + regime.confiscation_probability
        self.cargo_rules = {c: (r.denial_probability, r.confiscated_share)
                            for c, r in regime.cargo_rules.items()}  # fmt: skip
        self.turn_back = regime.blocked_trucks == "turn_back"


class CorridorGate:
    """The state of one corridor, switched by its timeline, random closures and events."""

    def __init__(
        self, env: simpy.Environment, name: str, corridor: Corridor, scenario: Scenario, seed: int
    ):
        self.env, self.name = env, name
        self.states = {r: RegimeState(env, r, scenario.regimes[r]) for r in regimes_of(corridor)}
        self.capacity_limited = bool(corridor.capacity) or any(
            s.capacity is not None for s in self.states.values()
        )
        first = self.states[corridor.timeline[0].regime]
        self.regime: RegimeState = first
        self._scheduled = first  # what the timeline says, whatever closures do
        self._closed = False
        self.barred: dict[str, str] = {}  # operator -> "hold" / "turn_back", from active events
        self._active: list = []  # events in force now
        self._all_operators = frozenset(scenario.operators)
        self.changed = env.event()
        # (time, regime, barred operators, cause) at every change
        self.log: list[tuple[float, str, tuple[str, ...], str]] = [
            (0.0, first.name, (), "timeline")
        ]
        self.history: list[tuple[float, RegimeState, dict[str, str]]] = [(0.0, first, {})]
        self._capacity_days = [scenario.day_of(c.start) for c in corridor.capacity]
        self._capacity_values = [c.trucks_per_day for c in corridor.capacity]
        self._day, self._count = -1, 0
        switches = [
            (scenario.day_of(e.start), self.states[e.regime]) for e in corridor.timeline[1:]
        ]
        env.process(self._follow_timeline(switches))
        for event in corridor.events:
            env.process(self._event(event, scenario))
        rc = corridor.random_closures
        if rc is not None and rc.rate_per_day > 0:
            closures = stream(seed, f"corridor.{name}.closures")
            duration = rc.duration_days.sampler(closures)
            factors = rc.monthly_rate_factors
            month_of = _month_of(scenario) if factors is not None else None
            env.process(self._random_closures(rc.rate_per_day, duration, self.states[rc.regime],
                                              closures, factors, month_of))  # fmt: skip

    # ---- what vehicles ask ------------------------------------------------------------------
    def barrier(self, operator: str) -> str | None:
        """None if ``operator`` may pass now; else what its vehicles do: "hold" or "turn_back"."""
        if operator not in self.regime.allowed:
            return "turn_back" if self.regime.turn_back else "hold"
        return self.barred.get(operator)

    def allows(self, operator: str) -> bool:
        return self.barrier(operator) is None

    def take_slot(self, now: float) -> bool:
        """Count a vehicle clearing the checkpoint against today's capacity (the lower of the
        regime's and the corridor's dated capacity, per calendar day of ``now``); False when
        today's capacity is used up."""
        capacity = self.capacity_on(now)
        if capacity is None:
            return True
        day = int(now)
        if day != self._day:
            self._day, self._count = day, 0
        if self._count >= capacity:
            return False
        self._count += 1
        return True

    def capacity_on(self, now: float) -> int | None:
        """Vehicles that may clear on the calendar day of ``now`` (None = no limit)."""
        limits = [self.regime.capacity]
        i = bisect.bisect_right(self._capacity_days, now) - 1
        if i >= 0:
            limits.append(self._capacity_values[i])
        known = [c for c in limits if c is not None]
        return min(known) if known else None

    # ---- what changes it ---------------------------------------------------------------------
    def _changed(self, cause: str) -> None:
        self.log.append((self.env.now, self.regime.name, tuple(sorted(self.barred)), cause))
        self.history.append((self.env.now, self.regime, self.barred))
        fired, self.changed = self.changed, self.env.event()
        fired.succeed()

    def _switch(self, state: RegimeState, cause: str) -> None:
        if state is self.regime:
            return
        self.regime = state
        self._changed(cause)

    def _follow_timeline(self, switches: list) -> Generator:
        for at, state in switches:
            yield _Switch(self.env, at - self.env.now)
            self._scheduled = state
            if not self._closed:
                self._switch(state, "timeline")

    def _event(self, event, scenario: Scenario) -> Generator:
        t0, t1 = scenario.day_of(event.start), scenario.day_of(event.end)
        if t1 <= 0:
            return
        if t0 > 0:  # one in force at the start applies before anything departs at t = 0
            yield _Switch(self.env, t0)
        self._active.append(event)
        self._recompute_barred()
        self._changed("event")
        yield _Switch(self.env, t1 - self.env.now)
        self._active.remove(event)
        self._recompute_barred()
        self._changed("event")

    def _recompute_barred(self) -> None:
        barred: dict[str, str] = {}
        for event in self._active:
            for op in event.operators if event.operators is not None else self._all_operators:
                if barred.get(op) != "turn_back":  # turning back wins over holding
                    barred[op] = event.blocked_trucks
        self.barred = barred

    def _random_closures(self, rate: float, duration, closed: RegimeState, rng,
                         factors: list[float] | None, month_of) -> Generator:  # fmt: skip
        env = self.env
        peak = max(factors) if factors is not None else 1.0
        if peak <= 0:
            return
        while True:
            # Starts form a Poisson process in non-closure time at rate x the month's factor:
            # candidates at the peak rate, each kept with probability factor / peak (thinning).
            yield _Switch(env, rng.expovariate(rate * peak))
            if factors is not None and rng.random() * peak >= factors[month_of(env.now) - 1]:
                continue
            self._closed = True
            self._switch(closed, "random_closure")
            yield _Switch(env, duration())
            self._closed = False
            self._switch(self._scheduled, "timeline")

    # ---- for flows ---------------------------------------------------------------------------
    def open_intervals(
        self, operator: str, t0: float, t1: float
    ) -> list[tuple[float, float, RegimeState]]:
        """Sub-intervals of [t0, t1) during which ``operator`` could pass, with the regime."""
        out = []
        times = [entry[0] for entry in self.log]
        i = max(bisect.bisect_right(times, t0) - 1, 0)
        while i < len(self.log) and self.log[i][0] < t1:
            at, regime, barred, _ = self.log[i]
            # the last entry logged at the same instant is the state that held after it
            j = i
            while j + 1 < len(self.log) and self.log[j + 1][0] == at:
                j += 1
            at, regime, barred, _ = self.log[j]
            end = self.log[j + 1][0] if j + 1 < len(self.log) else math.inf
            a, b = max(at, t0), min(end, t1)
            state = self.states[regime]
            if b > a and operator in state.allowed and operator not in barred:
                out.append((a, b, state))
            i = j + 1
        return out


def regimes_of(corridor: Corridor) -> list[str]:
    """Names of the regimes a corridor may be in (its timeline's and its closures'), sorted."""
    used = {e.regime for e in corridor.timeline}
    if corridor.random_closures is not None:
        used.add(corridor.random_closures.regime)
    return sorted(used)


def _month_of(scenario: Scenario) -> Callable[[float], int]:
    """Calendar month (1-12) of a simulation time."""
    start = np.datetime64(scenario.start, "D")

    def month(t: float) -> int:
        day = start + np.timedelta64(math.floor(t), "D")
        return int(str(day)[5:7])

    return month
