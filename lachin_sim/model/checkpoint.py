"""What happens to one truck at the checkpoint.

The truck asks the gate: if the regime in force bars its operator it is held until the regime
changes, or turned back, as the regime says. Otherwise it queues for an inspection lane (a
SimPy ``Resource``) and is inspected, if the regime inspects. It then asks the gate again (a
closure that began meanwhile holds it too, so nothing slips through a closed corridor because it
arrived earlier) and takes one of the day's clearances (``capacity_trucks_per_day``; when none
is left it waits for the next day). The regime that inspected it decides: denied, cargo
confiscated, or passed.
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from lachin_sim.model.corridor import CorridorGate, RegimeState

# A truck's record in the convoy log is a plain list with these fields (times in days).
TRUCK_FIELDS = (
    "truck_id", "convoy_id", "source", "operator", "corridor", "departed", "payload_t",
    "reached_checkpoint", "inspection_start", "inspected", "cleared", "arrived",
    "outcome", "reason", "regime",
)  # fmt: skip
TIME_FIELDS = (
    "departed", "reached_checkpoint", "inspection_start", "inspected", "cleared", "arrived",
)  # fmt: skip
REACHED, QUEUED, INSPECTED, CLEARED, ARRIVED, OUTCOME, REASON, REGIME = (
    TRUCK_FIELDS.index(f)
    for f in ("reached_checkpoint", "inspection_start", "inspected", "cleared", "arrived",
              "outcome", "reason", "regime")
)  # fmt: skip


def cross(
    env: simpy.Environment, gate: CorridorGate, operator: str, rec: list
) -> Generator[simpy.Event, object, RegimeState | None]:
    """Process a truck at the checkpoint; returns the regime state that decided its fate,
    or None when the truck was turned back (outcome already written to ``rec``)."""
    rec[REACHED] = env.now
    decided_by = None
    while True:
        state = gate.regime
        if operator not in state.allowed:
            if state.turn_back:
                rec[OUTCOME], rec[REASON], rec[REGIME] = "denied", "corridor_closed", state.name
                return None
            yield gate.changed
            continue
        if decided_by is None:
            decided_by = state
            if state.lanes is not None:
                with state.lanes.request() as request:
                    yield request
                    rec[QUEUED] = env.now
                    yield env.timeout(state.inspect_h() / 24.0)
                rec[INSPECTED] = env.now
                continue  # a closure may have begun during the inspection: ask the gate again
        if not state.take_slot(env.now):  # today's clearances used up: wait for the next day
            yield env.timeout(int(env.now) + 1 - env.now)
            continue
        break
    rec[CLEARED], rec[REGIME] = env.now, decided_by.name
    return decided_by
