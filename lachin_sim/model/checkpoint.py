"""What happens to one vehicle at the checkpoint, in either direction.

The vehicle asks the gate: if the regime in force, or a dated event, bars its operator it is
held until the corridor changes, or turned back, as the regime (or event) says. Otherwise it
queues for an inspection lane (:class:`~lachin_sim.model.lanes.Lanes`, first come first served) and is inspected, if the regime inspects,
and may be held for a while (``hold_probability``). It then asks the gate again (a closure that
began meanwhile holds it too, so nothing slips through a closed corridor because it arrived
earlier) and takes one of the day's clearances (when none is left it waits for the next day).
The regime that inspected it decides its fate (see :mod:`lachin_sim.model.convoys`).
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from lachin_sim.model.corridor import CorridorGate, RegimeState

# A vehicle's record in the convoy log is a plain list with these fields (times in days).
TRUCK_FIELDS = (
    "truck_id", "convoy_id", "source", "operator", "corridor", "direction", "departed",
    "payload_t", "passengers", "reached_checkpoint", "inspection_start", "inspected", "cleared",
    "arrived", "exit_cleared", "outcome", "reason", "regime", "confiscated_t",
)  # fmt: skip
TIME_FIELDS = (
    "departed", "reached_checkpoint", "inspection_start", "inspected", "cleared", "arrived",
    "exit_cleared",
)  # fmt: skip
PAYLOAD, REACHED, QUEUED, INSPECTED, CLEARED, ARRIVED, EXIT, OUTCOME, REASON, REGIME, CONFISCATED = (
    TRUCK_FIELDS.index(f)
    for f in ("payload_t", "reached_checkpoint", "inspection_start", "inspected", "cleared",
              "arrived", "exit_cleared", "outcome", "reason", "regime", "confiscated_t")
)  # fmt: skip


def cross(
    env: simpy.Environment, gate: CorridorGate, operator: str, rec: list | None
) -> Generator[simpy.Event, object, RegimeState | None]:
    """Take a vehicle through the checkpoint; returns the regime state that decided its fate,
    or None when it was turned back (then the outcome is written to ``rec``). ``rec`` None: a
    return trip, whose times are not logged (only ``exit_cleared``, by the caller)."""
    if rec is not None:
        rec[REACHED] = env.now
    decided_by: RegimeState | None = None
    while True:
        barrier = gate.barrier(operator)
        if barrier is not None:
            if barrier == "turn_back":
                if rec is not None:
                    rec[OUTCOME], rec[REASON], rec[REGIME] = (
                        "denied",
                        "corridor_closed",
                        gate.regime.name,
                    )
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
                if rec is not None:
                    rec[QUEUED] = env.now
                yield env.timeout(state.inspect_h() / 24.0)
                state.lanes.release()
                if rec is not None:
                    rec[INSPECTED] = env.now
            if state.p_hold > 0 and state.hold_draw() < state.p_hold:
                yield env.timeout(state.hold_h() / 24.0)
            continue  # a closure may have begun meanwhile: ask the gate again
        if not gate.take_slot(env.now):  # today's clearances used up: wait for the next day
            yield env.timeout(int(env.now) + 1 - env.now)
            continue
        break
    if rec is not None:
        rec[CLEARED], rec[REGIME] = env.now, decided_by.name
    return decided_by
