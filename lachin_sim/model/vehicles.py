"""One source's vehicles: their convoys, their random numbers and what became of each.

Vehicle ``v`` of a source belongs to convoy ``convoy[v]`` of its departure schedule (all the
convoys it would send, including those withheld at the source). What happened to the vehicles
is kept in columns, one value per vehicle, times in days since the scenario start and NaN for
what did not happen (:data:`TIMES`), an outcome and a reason (codes into :data:`OUTCOMES` and
:data:`REASONS`), the regime that decided its fate (a code into the corridor's regime names)
and the tonnes seized from it; they become the convoy log's rows
(:meth:`lachin_sim.model.convoys.Convoys.table`) and the counts of the summary.
"""

from __future__ import annotations

import numpy as np

from lachin_sim.config.schema import ConvoySource, Scenario
from lachin_sim.model.draws import SourceDraws

OUTCOMES = ("pending", "delivered", "denied", "confiscated", "exited")
PENDING, DELIVERED, DENIED, CONFISCATED, EXITED = range(len(OUTCOMES))
REASONS = (None, "passed", "inspection", "cargo_rule", "corridor_closed")
NO_REASON, PASSED, INSPECTION, CARGO_RULE, CORRIDOR_CLOSED = range(len(REASONS))
TIMES = ("reached", "queued", "inspected", "cleared", "arrived", "exit_cleared")
# The convoy log's columns before the tonnes by commodity, and those that are dates.
TRUCK_FIELDS = (
    "truck_id", "convoy_id", "source", "operator", "corridor", "direction", "departed",
    "payload_t", "passengers", "reached_checkpoint", "inspection_start", "inspected", "cleared",
    "arrived", "exit_cleared", "outcome", "reason", "regime", "confiscated_t",
)  # fmt: skip
TIME_FIELDS = (
    "departed", "reached_checkpoint", "inspection_start", "inspected", "cleared", "arrived",
    "exit_cleared",
)  # fmt: skip
NO_REGIME = -1


class Vehicles:
    """The vehicles of source ``name``, given its departure schedule (time in days, vehicles,
    tonnes per vehicle of each convoy)."""

    # per vehicle, in days (NaN: not reached): set from TIMES in __init__
    reached: np.ndarray
    queued: np.ndarray
    inspected: np.ndarray
    cleared: np.ndarray
    arrived: np.ndarray
    exit_cleared: np.ndarray

    def __init__(self, name: str, position: int, src: ConvoySource, scenario: Scenario,
                 schedule: list[tuple[float, int, float]], regimes: list[str], seed: int):  # fmt: skip
        self.name, self.position, self.src = name, position, src
        self.regime_names = regimes  # of the corridor: regime codes index this list
        self.regime_code = {r: i for i, r in enumerate(regimes)}
        self.departure = np.array([at for at, _, _ in schedule], dtype=float)
        self.size = np.array([n for _, n, _ in schedule], dtype=np.int64)
        self.payload_of_convoy = np.array([t for _, _, t in schedule], dtype=float)
        self.convoy = np.repeat(np.arange(len(schedule)), self.size)
        self.n = n = len(self.convoy)
        self.payload = self.payload_of_convoy[self.convoy]
        corridor = scenario.corridors[src.corridor]
        self.draws = SourceDraws(seed, name, src, corridor,
                                 {r: scenario.regimes[r] for r in regimes}, len(schedule), n)  # fmt: skip
        # cargo items with a share: (position in src.cargo, commodity name, share)
        self.cargo = [(j, c, share) for j, (c, share) in enumerate(src.cargo.items()) if share > 0]
        self.sent = np.zeros(n, dtype=bool)
        self.withheld = 0  # vehicles of convoys not sent: the corridor barred them at departure
        self.next_convoy = 0  # (processes) the next convoy to depart; the rest are withheld
        for field in TIMES:
            setattr(self, field, np.full(n, np.nan))
        self.outcome = np.zeros(n, dtype=np.int8)
        self.reason = np.zeros(n, dtype=np.int8)
        self.regime = np.full(n, NO_REGIME, dtype=np.int16)
        self.confiscated = np.zeros(n)
        self.seized: np.ndarray | None = None  # (vehicle, cargo position) tonnes, when any

    def seize(self, v, position: int, tonnes) -> None:
        """Record ``tonnes`` of cargo item ``position`` seized from vehicle(s) ``v``."""
        if self.seized is None:
            self.seized = np.zeros((self.n, len(self.src.cargo)))
        self.seized[v, position] = tonnes
