"""A corridor's regime over time: the dated timeline, with random closures laid over it.

A :class:`CorridorGate` holds the regime in force now (``gate.regime``) and an event,
``gate.changed``, that fires at every switch, so trucks held at the checkpoint wake exactly
when the regime changes. Each switch is logged for the ``regimes`` table. Switches are
scheduled ahead of ordinary events at the same instant, so a regime change at time t applies to
every departure and arrival at t.
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from lachin_sim.config.schema import Corridor, Regime, Scenario
from lachin_sim.model.streams import stream


class _Switch(simpy.events.Event):
    """A timeout processed before ordinary events of the same instant (SimPy's URGENT
    priority, as its own process start-up uses): regime changes come first."""

    def __init__(self, env: simpy.Environment, delay: float):
        super().__init__(env)
        self._ok, self._value = True, None
        env.schedule(self, simpy.core.URGENT, delay)


class RegimeState:
    """One regime as it operates at one corridor: lanes, daily truck count, random draws."""

    __slots__ = (
        "allowed",
        "capacity",
        "count",
        "day",
        "decide",
        "delay_h",
        "inspect_h",
        "lanes",
        "name",
        "p_deny",
        "p_stop",
        "turn_back",
    )  # fmt: skip

    def __init__(self, env: simpy.Environment, name: str, regime: Regime, streams: dict):
        self.name = name
        self.allowed = frozenset(regime.allowed_operators)
        self.capacity = regime.capacity_trucks_per_day
        lanes = regime.inspection_lanes
        self.lanes = simpy.Resource(env, capacity=lanes) if lanes else None
        self.inspect_h = regime.inspection_time_h.sampler(streams["inspection"])
        self.delay_h = regime.extra_delay_h.sampler(streams["delay"])
        self.p_deny = regime.denial_probability
        self.p_stop = regime.denial_probability + regime.confiscation_probability
        self.turn_back = regime.blocked_trucks == "turn_back"
        self.decide = streams["decision"].random
        self.day, self.count = -1, 0

    def take_slot(self, now: float) -> bool:
        """Count a truck clearing the checkpoint against today's capacity (calendar day of
        ``now``); False when today's capacity is used up."""
        if self.capacity is None:
            return True
        day = int(now)
        if day != self.day:
            self.day, self.count = day, 0
        if self.count >= self.capacity:
            return False
        self.count += 1
        return True


class CorridorGate:
    """The regime in force on one corridor, switched by its timeline and random closures."""

    def __init__(
        self, env: simpy.Environment, name: str, corridor: Corridor, scenario: Scenario, seed: int
    ):
        self.env, self.name = env, name
        streams = {
            part: stream(seed, f"corridor.{name}.{part}")
            for part in ("inspection", "delay", "decision", "travel_to", "travel_from", "closures")
        }
        used = {e.regime for e in corridor.timeline}
        if corridor.random_closures is not None:
            used.add(corridor.random_closures.regime)
        self.states = {r: RegimeState(env, r, scenario.regimes[r], streams) for r in sorted(used)}
        self.travel_to_h = corridor.travel_to_checkpoint_h.sampler(streams["travel_to"])
        self.travel_from_h = corridor.travel_from_checkpoint_h.sampler(streams["travel_from"])
        first = self.states[corridor.timeline[0].regime]
        self.regime: RegimeState = first
        self._scheduled = first  # what the timeline says, whatever closures do
        self._closed = False
        self.changed = env.event()
        self.log: list[tuple[float, str, str]] = [(0.0, first.name, "timeline")]
        switches = [
            (scenario.day_of(e.start), self.states[e.regime]) for e in corridor.timeline[1:]
        ]
        env.process(self._follow_timeline(switches))
        rc = corridor.random_closures
        if rc is not None and rc.rate_per_day > 0:
            duration = rc.duration_days.sampler(streams["closures"])
            env.process(self._random_closures(rc.rate_per_day, duration, self.states[rc.regime],
                                              streams["closures"]))  # fmt: skip

    def _switch(self, state: RegimeState, cause: str) -> None:
        if state is self.regime:
            return
        self.regime = state
        self.log.append((self.env.now, state.name, cause))
        fired, self.changed = self.changed, self.env.event()
        fired.succeed()

    def _follow_timeline(self, switches: list) -> Generator:
        for at, state in switches:
            yield _Switch(self.env, at - self.env.now)
            self._scheduled = state
            if not self._closed:
                self._switch(state, "timeline")

    def _random_closures(self, rate: float, duration, closed: RegimeState, rng) -> Generator:
        env = self.env
        while True:
            yield _Switch(env, rng.expovariate(rate))
            self._closed = True
            self._switch(closed, "random_closure")
            yield _Switch(env, duration())
            self._closed = False
            self._switch(self._scheduled, "timeline")
