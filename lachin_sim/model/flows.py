"""Flow sources: high-volume routes (an airlift, an ice road) where single vehicles do not
matter. A flow delivers its rate (``rate_unit`` per day, constant or a dated schedule) for the
time its corridor is open to its operator during each tick; the regime's denial and
confiscation probabilities and its cargo rules take their expected share. Flows are not queued,
inspected or limited by a checkpoint's daily capacity. An outbound flow with passengers
evacuates people at its rate while the route is open.
"""

from __future__ import annotations

from lachin_sim.config.schema import ConvoySource, Scenario
from lachin_sim.model.corridor import CorridorGate
from lachin_sim.model.schedules import source_curve, vehicles_per_unit


class FlowSource:
    """One flow: settles what passed in each tick."""

    def __init__(self, name: str, src: ConvoySource, scenario: Scenario, gate: CorridorGate,
                 index: dict[str, int]):  # fmt: skip
        self.name, self.src, self.gate = name, src, gate
        self.curve = source_curve(src, scenario)
        self.vehicles_per_unit = vehicles_per_unit(src)
        self.cargo = [(index[c], c, share) for c, share in src.cargo.items() if share > 0]
        self.carried = [i for i, _, _ in self.cargo]

    def settle(self, t0: float, t1: float) -> tuple[list[tuple[int, float]], float, float]:
        """(commodity index, tonnes) delivered, people moved and vehicles that crossed in
        [t0, t1)."""
        src = self.src
        delivered: dict[int, float] = {}
        vehicles = 0.0
        for a, b, state in self.gate.open_intervals(src.operator, t0, t1):
            units = self.curve.cumulative(b) - self.curve.cumulative(a)
            if units <= 0:
                continue
            sent = units * self.vehicles_per_unit
            lost = state.p_deny if src.direction == "out" else state.p_stop
            passing = 1.0 - lost
            seized: dict[int, float] = {}
            for i, name, _ in self.cargo:
                rule = state.cargo_rules.get(name)
                if rule is not None:
                    passing *= 1.0 - rule[0]
                    seized[i] = rule[1]
            vehicles += sent * passing
            for i, _, share in self.cargo:
                tonnes = sent * passing * src.payload_t * share * (1.0 - seized.get(i, 0.0))
                delivered[i] = delivered.get(i, 0.0) + tonnes
        people = vehicles * src.passengers
        return sorted(delivered.items()), people, vehicles
