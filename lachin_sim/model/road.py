"""Every vehicle of a corridor computed at once, with numpy, from the corridor's timeline.

The corridor's regimes, closures and events (its gate, run first) give a timeline: the state in
force from each change to the next. Against it, a vehicle's path is a few look-ups: it is sent
if the state at its departure lets its operator through (or ``dispatch_when_blocked``); it
reaches the checkpoint after its travel time; if the state there holds its operator it waits
for the first state that does not, which lets it in or turns it back; then the inspection
lanes' queue (first come, first served, :func:`~lachin_sim.model.lanes.fifo_starts`), the
inspection, a possible hold, the same look-up again (a closure that began meanwhile holds it
too), and the regime that admitted it decides its fate. The rules are those of
:func:`lachin_sim.model.checkpoint.cross` and :mod:`lachin_sim.model.trips`, and vehicles take
the same random numbers (:mod:`lachin_sim.model.draws`), so both give the same run.

Vehicles meet one another only in the lanes' queue here. A corridor whose vehicles also meet
elsewhere is left to the processes (:func:`computable`): a daily capacity (vehicles take the
day's clearances in the order they come), or returning vehicles where a regime inspects (the
way back queues in the same lanes as the way in).
"""

from __future__ import annotations

import numpy as np

from lachin_sim.model.arrivals import IN, OUT, Arrivals
from lachin_sim.model.corridor import CorridorGate, RegimeState
from lachin_sim.model.crossings import Crossings
from lachin_sim.model.lanes import fifo_starts
from lachin_sim.model.vehicles import (
    CARGO_RULE,
    CONFISCATED,
    CORRIDOR_CLOSED,
    DELIVERED,
    DENIED,
    EXITED,
    INSPECTION,
    PASSED,
    Vehicles,
)  # fmt: skip

ALLOW, HOLD, TURN_BACK = 0, 1, 2  # what a state of the corridor does with an operator


def computable(gate: CorridorGate, fleets: list[Vehicles]) -> bool:
    """Whether the vehicles of this corridor can be computed in bulk (see the module doc)."""
    inspects = any(s.lanes is not None for s in gate.states.values())
    returning = any(f.src.returns for f in fleets)
    return not gate.capacity_limited and not (inspects and returning)


class Timeline:
    """The states of a corridor from its gate's history: ``times[j]`` is when state ``j``
    began (the last change logged at an instant is the state after it); only states that
    began before ``horizon``. ``code[j]``: the index of state j's regime in ``regimes`` (the
    corridor's regime names, as vehicles code them)."""

    def __init__(self, gate: CorridorGate, horizon: float, regimes: list[str]):
        times: list[float] = []
        states: list[RegimeState] = []
        self.barred: list[dict[str, str]] = []
        for t, state, barred in gate.history:
            if t >= horizon:
                break
            if times and t == times[-1]:
                states[-1], self.barred[-1] = state, barred
            else:
                times.append(t)
                states.append(state)
                self.barred.append(barred)
        self.times = np.array(times, dtype=float)
        self.states = states
        self.regimes = [gate.states[r] for r in regimes]  # by code
        codes = {r: i for i, r in enumerate(regimes)}
        self.code = np.array([codes[s.name] for s in states] + [-1], dtype=np.int16)
        self._for: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def status(self, operator: str) -> tuple[np.ndarray, np.ndarray]:
        """(what each state does with ``operator``, and for each state the first at or after it
        that does not hold it), each with a last entry for "after the last state" (held)."""
        if operator not in self._for:
            status = []
            for state, barred in zip(self.states, self.barred, strict=True):
                if operator not in state.allowed:
                    status.append(TURN_BACK if state.turn_back else HOLD)
                else:
                    kind = barred.get(operator)
                    status.append(ALLOW if kind is None else TURN_BACK if kind == "turn_back"
                                  else HOLD)  # fmt: skip
            status.append(HOLD)
            m = len(self.states)
            first_open = np.full(m + 1, m)
            for j in range(m - 1, -1, -1):
                first_open[j] = j if status[j] != HOLD else first_open[j + 1]
            self._for[operator] = (np.array(status, dtype=np.int8), first_open)
        return self._for[operator]

    def segment(self, t: np.ndarray) -> np.ndarray:
        """Index of the state in force at each time of ``t`` (after the changes at it)."""
        return np.searchsorted(self.times, t, "right") - 1

    def pass_at(self, operator: str, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For vehicles asking to pass at ``t``: the state that lets them in or turns them back
        (``len(states)``: held to the end) and the time they meet it (``t``, or when it
        begins)."""
        _, first_open = self.status(operator)
        seg = self.segment(t)
        j = first_open[seg]
        begins = self.times[np.minimum(j, len(self.times) - 1)]
        return j, np.where(j == seg, t, begins)


def run_corridor(gate: CorridorGate, fleets: list[Vehicles], arrivals: Arrivals,
                 crossings: Crossings, index: dict[str, int]) -> None:  # fmt: skip
    """Compute every vehicle of ``fleets`` (the sources on ``gate``'s corridor)."""
    horizon = arrivals.horizon
    timeline = Timeline(gate, horizon, fleets[0].regime_names)
    # 1. Departures and the first pass through the checkpoint.
    first = []
    for fleet in fleets:
        src = fleet.src
        status, _ = timeline.status(src.operator)
        if src.dispatch_when_blocked:
            sent = np.ones(len(fleet.departure), dtype=bool)
        else:
            sent = status[timeline.segment(fleet.departure)] == ALLOW
        fleet.withheld = int(fleet.size[~sent].sum())
        fleet.sent = sent[fleet.convoy]
        travel_h = fleet.draws.travel_h
        reach = np.where(travel_h > 0, fleet.departure + travel_h / 24.0, fleet.departure)
        reach = reach[fleet.convoy]
        v = np.flatnonzero(fleet.sent & (reach < horizon))
        first.append((fleet, v, reach[v]))
    passed = _pass(timeline, first, back=False, horizon=horizon)
    # 2. What became of those that passed.
    for fleet, v, cleared, regime in passed:
        if fleet.src.direction == "in":
            _inbound(fleet, v, cleared, regime, timeline, arrivals, crossings, index)
        else:
            _outbound(fleet, v, cleared, regime, timeline, arrivals, crossings)


def _pass(timeline: Timeline, asking: list, back: bool, horizon: float) -> list:
    """Take vehicles through the checkpoint: ``asking`` is (fleet, vehicles, times they reach
    it); returns (fleet, vehicles cleared, clearance times, codes of the regimes that admitted
    them). Records the times and outcomes of a first pass (not of a pass ``back``)."""
    inspection, hold, hold_time = (
        ("back_inspection", "back_hold", "back_hold_time") if back
        else ("inspection", "hold", "hold_time")
    )  # fmt: skip
    n_states = len(timeline.states)
    let_in = []  # (fleet, vehicles, reach, admitted at, regime code)
    for fleet, v, reach in asking:
        if not back:
            fleet.reached[v] = reach
        j, at = timeline.pass_at(fleet.src.operator, reach)
        status, _ = timeline.status(fleet.src.operator)
        turned = status[j] == TURN_BACK
        if not back and turned.any():
            fleet.outcome[v[turned]], fleet.reason[v[turned]] = DENIED, CORRIDOR_CLOSED
            fleet.regime[v[turned]] = timeline.code[j[turned]]
        ok = (j < n_states) & ~turned
        let_in.append((fleet, v[ok], reach[ok], at[ok], timeline.code[j[ok]]))
    # When each leaves the lanes (its admission where the regime does not inspect).
    left = [at.copy() for _, _, _, at, _ in let_in]
    for code, state in enumerate(timeline.regimes):
        if state.lanes is None:
            continue
        parts = [(k, np.flatnonzero(r == code)) for k, (*_, r) in enumerate(let_in)]
        parts = [(k, mine) for k, mine in parts if len(mine)]
        if not parts:
            continue
        # admitted, waited, reach, source, vehicle, service
        cols: list[list] = [[], [], [], [], [], []]
        for k, mine in parts:
            fleet, v, reach, at, _ = let_in[k]
            cols[0].append(at[mine])
            cols[1].append(at[mine] > reach[mine])
            cols[2].append(reach[mine])
            cols[3].append(np.full(len(mine), fleet.position))
            cols[4].append(v[mine])
            cols[5].append(fleet.draws.regime(state.name, inspection)[v[mine]] / 24.0)
        at, waited, reach, source, vehicle, service = (np.concatenate(c) for c in cols)
        order = np.lexsort((vehicle, source, reach, waited, at))  # first come, first served
        starts = np.empty(len(at))
        starts[order] = fifo_starts(at[order], service[order], state.lanes.capacity)
        done = starts + service
        offset = 0
        for k, mine in parts:
            fleet, v = let_in[k][0], let_in[k][1]
            q, i = starts[offset : offset + len(mine)], done[offset : offset + len(mine)]
            offset += len(mine)
            if not back:
                fleet.queued[v[mine]] = np.where(q < horizon, q, np.nan)
                fleet.inspected[v[mine]] = np.where(i < horizon, i, np.nan)
            left[k][mine] = np.where(q < horizon, i, np.inf)
    out = []
    for k, (fleet, v, _, _, code) in enumerate(let_in):
        t = left[k]
        for c in np.unique(code).tolist():
            state = timeline.regimes[c]
            if state.p_hold <= 0:
                continue
            mine = np.flatnonzero(code == c)
            held = fleet.draws.regime(state.name, hold)[v[mine]] < state.p_hold
            extra = fleet.draws.regime(state.name, hold_time)[v[mine]] / 24.0
            t[mine] = np.where(held & (extra > 0), t[mine] + extra, t[mine])
        asked = t < horizon
        j2 = np.full(len(v), n_states)
        at2 = np.full(len(v), np.inf)
        if asked.any():
            j2[asked], at2[asked] = timeline.pass_at(fleet.src.operator, t[asked])
        status, _ = timeline.status(fleet.src.operator)
        turned = (status[j2] == TURN_BACK) & (at2 < horizon)
        if not back and turned.any():
            fleet.outcome[v[turned]], fleet.reason[v[turned]] = DENIED, CORRIDOR_CLOSED
            fleet.regime[v[turned]] = timeline.code[j2[turned]]
        clear = (j2 < n_states) & ~turned & (at2 < horizon)
        if not back:
            fleet.cleared[v[clear]] = at2[clear]
            fleet.regime[v[clear]] = code[clear]
        out.append((fleet, v[clear], at2[clear], code[clear]))
    return out


def _by_regime(timeline: Timeline, codes: np.ndarray):
    """(regime state, mask) for each regime code in ``codes``."""
    for c in np.unique(codes).tolist():
        yield timeline.regimes[c], codes == c


def _inbound(fleet: Vehicles, v: np.ndarray, cleared: np.ndarray, states: np.ndarray,
             timeline: Timeline, arrivals: Arrivals, crossings: Crossings,
             index: dict[str, int]) -> None:  # fmt: skip
    """Decisions, onward travel and unloading of inbound vehicles cleared at ``cleared``."""
    src, draws, horizon = fleet.src, fleet.draws, arrivals.horizon
    n = len(v)
    go = np.ones(n, dtype=bool)
    delay = np.zeros(n)
    kept = np.outer(fleet.payload[v], [share for _, _, share in fleet.cargo])  # (vehicle, item)
    for state, mine in _by_regime(timeline, states):
        u = draws.regime(state.name, "decision")[v[mine]]
        denied = u < state.p_deny
        stopped = ~denied & (u < state.p_stop)
        rows = np.flatnonzero(mine)
        fleet.outcome[v[rows[denied]]], fleet.reason[v[rows[denied]]] = DENIED, INSPECTION
        fleet.outcome[v[rows[stopped]]], fleet.reason[v[rows[stopped]]] = CONFISCATED, INSPECTION
        alive = ~denied & ~stopped
        if state.cargo_rules:
            cargo_u = draws.regime(state.name, "cargo")[v[mine]]
            seized = np.zeros((len(rows), len(fleet.cargo)))
            for c, (j, name, _) in enumerate(fleet.cargo):
                rule = state.cargo_rules.get(name)
                if rule is None:
                    continue
                p_deny, share = rule
                if p_deny > 0:
                    alive &= ~(cargo_u[:, j] < p_deny)
                if share > 0:
                    seized[:, c] = kept[rows, c] * share
            ruled = ~denied & ~stopped & ~alive
            fleet.outcome[v[rows[ruled]]], fleet.reason[v[rows[ruled]]] = DENIED, CARGO_RULE
            seized[~alive] = 0.0
            kept[rows] -= seized
            if seized.any():
                for c, (j, _, _) in enumerate(fleet.cargo):
                    if seized[:, c].any():
                        fleet.seize(v[rows], j, seized[:, c])
                fleet.confiscated[v[rows]] = seized.sum(axis=1)
        go[rows] = alive
        delay[rows] = draws.regime(state.name, "delay")[v[rows]]
    v, cleared, kept, delay = v[go], cleared[go], kept[go], delay[go]
    tonnes = kept.sum(axis=1)
    crossings.add(arrivals.tick_of(cleared), src.corridor, "in", src.operator,
                  np.ones(len(v)), np.full(len(v), src.passengers), tonnes)  # fmt: skip
    onward_h = delay + draws.onward_h[v]
    arrive = np.where(onward_h > 0, cleared + onward_h / 24.0, cleared)
    here = arrive < horizon
    v, arrive, kept = v[here], arrive[here], kept[here]
    fleet.arrived[v], fleet.outcome[v], fleet.reason[v] = arrive, DELIVERED, PASSED
    for c, (_, name, _) in enumerate(fleet.cargo):
        arrivals.unload(arrive, index[name], kept[:, c])
    if src.passengers > 0:
        for t in arrive.tolist():
            arrivals.move(t, IN, src.group, src.passengers, src.corridor, src.operator)
    if src.returns:
        back_h = draws.back_h[v]
        reach = np.where(back_h > 0, arrive + back_h / 24.0, arrive)
        asking = reach < horizon
        out = _pass(timeline, [(fleet, v[asking], reach[asking])], back=True, horizon=horizon)
        for _, bv, at, _ in out:
            fleet.exit_cleared[bv] = at
            _exits(fleet, at, src.return_passengers, arrivals, crossings)


def _outbound(fleet: Vehicles, v: np.ndarray, cleared: np.ndarray, states: np.ndarray,
              timeline: Timeline, arrivals: Arrivals, crossings: Crossings) -> None:  # fmt: skip
    """The decision on outbound vehicles cleared at ``cleared``; those let go leave."""
    go = np.ones(len(v), dtype=bool)
    for state, mine in _by_regime(timeline, states):
        go[mine] = fleet.draws.regime(state.name, "decision")[v[mine]] >= state.p_deny
    fleet.outcome[v[~go]], fleet.reason[v[~go]] = DENIED, INSPECTION
    v, cleared = v[go], cleared[go]
    fleet.exit_cleared[v], fleet.outcome[v], fleet.reason[v] = cleared, EXITED, PASSED
    _exits(fleet, cleared, fleet.src.passengers, arrivals, crossings)


def _exits(fleet: Vehicles, at: np.ndarray, people: float, arrivals: Arrivals,
           crossings: Crossings) -> None:  # fmt: skip
    """Vehicles leaving through the checkpoint at ``at`` with ``people`` each on board."""
    src = fleet.src
    if people > 0:  # how many can leave depends on who is there: counted in the tick
        for t in at.tolist():
            arrivals.move(t, OUT, src.group, people, src.corridor, src.operator)
    else:
        n = len(at)
        crossings.add(arrivals.tick_of(at), src.corridor, "out", src.operator, np.ones(n),
                      np.zeros(n), np.zeros(n))  # fmt: skip
