"""Vehicles as SimPy processes, one per vehicle: for corridors where vehicles meet one another
beyond the inspection lanes' queue (a daily capacity shared by all, or returning vehicles in
the lanes), which :mod:`lachin_sim.model.road` does not compute in bulk.

At each departure the source checks its corridor: unless ``dispatch_when_blocked`` is set, it
does not send vehicles its operator may not take through (they are counted as withheld). An
inbound vehicle travels to the checkpoint, crosses it (:func:`~lachin_sim.model.checkpoint.cross`),
travels on and unloads (its passengers join the population); with ``returns`` it then drives
back out empty, crossing again. An outbound vehicle (an ambulance, an evacuation bus) starts
inside, crosses, and takes its passengers out of the population. Nothing happens at or after
the horizon (the scenario's end): a vehicle still on the road then is pending.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Generator

import numpy as np
import simpy

from lachin_sim.model.arrivals import IN, OUT, Arrivals
from lachin_sim.model.checkpoint import cross
from lachin_sim.model.corridor import CorridorGate
from lachin_sim.model.crossings import Crossings
from lachin_sim.model.vehicles import (
    CARGO_RULE,
    CONFISCATED,
    DELIVERED,
    DENIED,
    EXITED,
    INSPECTION,
    PASSED,
    Vehicles,
)  # fmt: skip


class Trips:
    """The processes of the vehicles of one corridor (its gate)."""

    def __init__(self, env: simpy.Environment, gate: CorridorGate, arrivals: Arrivals,
                 crossings: Crossings, index: dict[str, int]):  # fmt: skip
        self.env, self.gate, self.arrivals, self.crossings = env, gate, arrivals, crossings
        self.index = index
        self.horizon = arrivals.horizon
        self._unloaded: list[tuple[float, int, float]] = []  # (time, commodity, amount)

    def finish(self) -> None:
        """Hand the cargo unloaded during the run to the arrivals."""
        if self._unloaded:
            t, com, amount = (np.array(c) for c in zip(*self._unloaded, strict=True))
            for i in np.unique(com).tolist():
                mine = com == i
                self.arrivals.unload(t[mine], i, amount[mine])
        self._unloaded = []

    def _tick(self, t: float) -> int:
        return int(t // self.arrivals.tick_days)

    def dispatch(self, vehicles: Vehicles) -> Generator:
        """Send each convoy when due. While the corridor bars the operator, sleep until it
        changes and count the convoys that fell due meanwhile as withheld."""
        env, gate, src = self.env, self.gate, vehicles.src
        times = vehicles.departure.tolist()
        trucks_before = list(itertools.accumulate(vehicles.size.tolist(), initial=0))
        travel_h = vehicles.draws.travel_h.tolist()
        m, n = 0, len(times)
        while m < n:
            at = times[m]
            if at > env.now:
                yield env.timeout(at - env.now)
            m += 1
            vehicles.next_convoy = m
            if not src.dispatch_when_blocked and not gate.allows(src.operator):
                vehicles.withheld += trucks_before[m] - trucks_before[m - 1]
                yield gate.changed
                skip_to = bisect.bisect_left(times, env.now, lo=m)
                vehicles.withheld += trucks_before[skip_to] - trucks_before[m]
                m = vehicles.next_convoy = skip_to
                continue
            trip = self._inbound if src.direction == "in" else self._outbound
            for v in range(trucks_before[m - 1], trucks_before[m]):
                vehicles.sent[v] = True
                env.process(trip(vehicles, v, travel_h[m - 1]))

    def _inbound(self, vehicles: Vehicles, v: int, travel_h: float) -> Generator:
        env, src = self.env, vehicles.src
        if travel_h > 0:
            yield env.timeout(travel_h / 24.0)
        state = yield from cross(env, self.gate, vehicles, v)
        if state is None:  # turned back
            return
        draws = vehicles.draws
        u = draws.one(state.name, "decision", v)
        if u < state.p_deny:
            vehicles.outcome[v], vehicles.reason[v] = DENIED, INSPECTION
            return
        if u < state.p_stop:
            vehicles.outcome[v], vehicles.reason[v] = CONFISCATED, INSPECTION
            return
        payload = float(vehicles.payload[v])
        cargo = [(j, self.index[name], name, payload * share) for j, name, share in vehicles.cargo]
        if state.cargo_rules:
            kept, seized_t = [], 0.0
            for j, com, name, amount in cargo:
                rule = state.cargo_rules.get(name)
                if rule is not None:
                    p_deny, seized_share = rule
                    if p_deny > 0 and float(draws.regime(state.name, "cargo")[v, j]) < p_deny:
                        vehicles.outcome[v], vehicles.reason[v] = DENIED, CARGO_RULE
                        vehicles.confiscated[v] = 0.0
                        if vehicles.seized is not None:
                            vehicles.seized[v, :] = 0.0
                        return
                    if seized_share > 0:
                        seized = amount * seized_share
                        seized_t += seized
                        vehicles.seize(v, j, seized)
                        amount -= seized
                kept.append((j, com, name, amount))
            cargo = kept
            vehicles.confiscated[v] = seized_t
        self.crossings.count(self._tick(env.now), src.corridor, "in", src.operator, 1.0,
                             src.passengers, sum(c[3] for c in cargo))  # fmt: skip
        onward_h = draws.one(state.name, "delay", v) + float(draws.onward_h[v])
        if onward_h > 0:
            yield env.timeout(onward_h / 24.0)
        now = env.now
        if now >= self.horizon:  # at or after the scenario end: stays pending
            return
        vehicles.arrived[v], vehicles.outcome[v], vehicles.reason[v] = now, DELIVERED, PASSED
        for _, com, _, amount in cargo:
            self._unloaded.append((now, com, amount))
        if src.passengers > 0:
            self.arrivals.move(now, IN, src.group, src.passengers, src.corridor, src.operator)
        if src.returns:
            yield from self._return_trip(vehicles, v)

    def _return_trip(self, vehicles: Vehicles, v: int) -> Generator:
        """Drive back out after unloading (with ``return_passengers``, e.g. patients):
        turnaround, inner road, the checkpoint."""
        env, src = self.env, vehicles.src
        back_h = float(vehicles.draws.back_h[v])
        if back_h > 0:
            yield env.timeout(back_h / 24.0)
        if env.now >= self.horizon:
            return
        state = yield from cross(env, self.gate, vehicles, v, back=True)
        if state is None or env.now >= self.horizon:
            return
        vehicles.exit_cleared[v] = env.now
        self._exit(env.now, src, src.return_passengers)

    def _outbound(self, vehicles: Vehicles, v: int, travel_h: float) -> Generator:
        env, src = self.env, vehicles.src
        if travel_h > 0:
            yield env.timeout(travel_h / 24.0)
        state = yield from cross(env, self.gate, vehicles, v)
        if state is None:  # turned back
            return
        if vehicles.draws.one(state.name, "decision", v) < state.p_deny:
            vehicles.outcome[v], vehicles.reason[v] = DENIED, INSPECTION
            return
        if env.now >= self.horizon:
            return
        vehicles.exit_cleared[v], vehicles.outcome[v], vehicles.reason[v] = env.now, EXITED, PASSED
        self._exit(env.now, src, src.passengers)

    def _exit(self, now: float, src, people: float) -> None:
        """A vehicle cleared the checkpoint on its way out, with ``people`` on board: they leave
        the population when the tick takes them in (as many as are there)."""
        if people > 0:
            self.arrivals.move(now, OUT, src.group, people, src.corridor, src.operator)
        else:
            self.crossings.count(self._tick(now), src.corridor, "out", src.operator, 1.0, 0.0, 0.0)
