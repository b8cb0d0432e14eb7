"""What happens to one truck at the checkpoint.

The truck asks the gate: if the regime in force bars its operator it is held until the regime
changes, or turned back, as the regime says. Otherwise it takes a slot of the day's capacity
(waiting for the next day when none is left), queues for an inspection lane (a SimPy
``Resource``), is inspected, and is then denied, has its cargo confiscated, or passes. A truck
checks the gate again after inspection: a closure that began meanwhile holds it too, so nothing
slips through a closed corridor because it arrived earlier.
"""

from __future__ import annotations

from collections.abc import Generator

from .corridor import CorridorGate

# A truck's record in the convoy log is a plain list with these fields (times in days).
TRUCK_FIELDS = (
    "truck_id", "convoy_id", "source", "operator", "corridor", "departed", "payload_t",
    "reached_checkpoint", "inspection_start", "inspected", "cleared", "arrived",
    "outcome", "reason", "regime",
)  # fmt: skip
REACHED, QUEUED, INSPECTED, CLEARED, ARRIVED, OUTCOME, REASON, REGIME = (
    TRUCK_FIELDS.index(f)
    for f in ("reached_checkpoint", "inspection_start", "inspected", "cleared", "arrived",
              "outcome", "reason", "regime")
)  # fmt: skip


def cross(env, gate: CorridorGate, operator: str, rec: list) -> Generator:
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
        if decided_by is not None:
            break
        if not state.take_slot(env.now):
            yield env.timeout(int(env.now) + 1 - env.now)
            continue
        if state.lanes is not None:
            with state.lanes.request() as request:
                yield request
                rec[QUEUED] = env.now
                yield env.timeout(state.inspect_h() / 24.0)
            rec[INSPECTED] = env.now
        decided_by = state
    rec[CLEARED], rec[REGIME] = env.now, decided_by.name
    return decided_by
