"""What happens to one vehicle at the checkpoint, in either direction, as a SimPy process.

The vehicle asks the gate: if the regime in force, or a dated event, bars its operator it is
held until the corridor changes, or turned back, as the regime (or event) says. Otherwise it
queues for an inspection lane (:class:`~lachin_sim.model.lanes.Lanes`, first come first
served) and is inspected, if the regime inspects, and may be held for a while
(``hold_probability``). It then asks the gate again (a closure that began meanwhile holds it
too, so nothing slips through a closed corridor because it arrived earlier) and takes one of
the day's clearances (when none is left it waits for the next day). The regime that inspected
it decides its fate (see :mod:`lachin_sim.model.trips`). The same rules computed for many
vehicles at once are :mod:`lachin_sim.model.road`.
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from lachin_sim.model.corridor import CorridorGate, RegimeState
from lachin_sim.model.vehicles import CORRIDOR_CLOSED, DENIED, Vehicles


def cross(
    env: simpy.Environment, gate: CorridorGate, vehicles: Vehicles, v: int, back: bool = False
) -> Generator[simpy.Event, object, RegimeState | None]:
    """Take vehicle ``v`` of ``vehicles`` through the checkpoint; returns the regime state that
    decided its fate, or None when it was turned back (then its outcome is recorded). ``back``:
    the crossing back of a returning vehicle, whose times are not recorded (only
    ``exit_cleared``, by the caller) and which takes the ``back_*`` draws."""
    operator, draws, log = vehicles.src.operator, vehicles.draws, not back
    inspection, hold, hold_time = (
        ("back_inspection", "back_hold", "back_hold_time") if back
        else ("inspection", "hold", "hold_time")
    )  # fmt: skip
    if log:
        vehicles.reached[v] = env.now
    decided_by: RegimeState | None = None
    while True:
        barrier = gate.barrier(operator)
        if barrier is not None:
            if barrier == "turn_back":
                if log:
                    vehicles.outcome[v], vehicles.reason[v] = DENIED, CORRIDOR_CLOSED
                    vehicles.regime[v] = vehicles.regime_code[gate.regime.name]
                return None
            yield gate.changed
            continue
        state = gate.regime
        if decided_by is None:
            decided_by = state
            if state.lanes is not None:
                handed = state.lanes.acquire()
                if handed is not None:
                    yield handed
                if log:
                    vehicles.queued[v] = env.now
                yield env.timeout(draws.one(state.name, inspection, v) / 24.0)
                state.lanes.release()
                if log:
                    vehicles.inspected[v] = env.now
            if state.p_hold > 0 and draws.one(state.name, hold, v) < state.p_hold:
                yield env.timeout(draws.one(state.name, hold_time, v) / 24.0)
            continue  # a closure may have begun meanwhile: ask the gate again
        if not gate.take_slot(env.now):  # today's clearances used up: wait for the next day
            yield env.timeout(int(env.now) + 1 - env.now)
            continue
        break
    if log:
        vehicles.cleared[v] = env.now
        vehicles.regime[v] = vehicles.regime_code[decided_by.name]
    return decided_by
