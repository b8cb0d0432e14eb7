"""Convoy sources and the vehicles they send, in either direction.

A source's departure times are drawn up front from its own random stream: a Poisson process
(non-homogeneous when its rate follows a dated schedule), a regular schedule with jitter, or
dated convoys. At each departure the source checks its corridor: unless
``dispatch_when_blocked`` is set, it does not send vehicles its operator may not take through
(they are counted as withheld). An inbound vehicle travels to the checkpoint, crosses it (see
:mod:`lachin_sim.model.checkpoint`), travels on and unloads into the stocks (its passengers join
the population); with ``returns`` it then drives back out empty, crossing again. An outbound
vehicle (an ambulance, an evacuation bus) starts inside, crosses, and takes its passengers out
of the population. Every vehicle has a record (a plain list) while it is on the road; a run
that keeps the convoy log (``keep_log``, the default) keeps every record until the end, when
:meth:`Convoys.table` turns them into columns; a run that does not (a sweep's) only counts what
became of each vehicle (:class:`~lachin_sim.outputs.metrics.TruckCounts`), so its memory does not
grow with the number of vehicles. Sources with ``schedule = "flow"`` send no vehicles: see
:mod:`lachin_sim.model.flows`.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Generator

import numpy as np
import pandas as pd

from lachin_sim.config.schema import ConvoySource, Scenario
from lachin_sim.model.checkpoint import (
    ARRIVED,
    CONFISCATED,
    EXIT,
    OUTCOME,
    PAYLOAD,
    REASON,
    TIME_FIELDS,
    TRUCK_FIELDS,
    cross,
)  # fmt: skip
from lachin_sim.model.corridor import CorridorGate
from lachin_sim.model.schedules import source_curve, vehicles_per_unit
from lachin_sim.model.streams import np_stream, stream
from lachin_sim.outputs.metrics import TruckCounts

NAN = float("nan")


def departure_schedule(
    src: ConvoySource, scenario: Scenario, rng: np.random.Generator
) -> list[tuple[float, int, float]]:
    """(departure time in days, vehicles, tonnes per vehicle) of every convoy the source would
    send."""
    jitter = src.jitter_h / 24.0
    if src.schedule == "dated":
        out = []
        shifts = rng.random(len(src.departures)) * jitter  # later in the day, never earlier
        for dep, shift in zip(src.departures, shifts, strict=True):
            per_truck = dep.tonnes / dep.trucks if dep.tonnes is not None else src.payload_t
            at = min(scenario.day_of(dep.date) + float(shift), scenario.days - 1e-9)
            out.append((at, dep.trucks, per_truck))
        return sorted(out)
    curve = source_curve(src, scenario)
    per_convoy = vehicles_per_unit(src) / src.convoy_size  # convoys per unit of the rate
    expected = curve.total * per_convoy  # convoys over the whole active window
    if expected <= 0:
        return []
    if src.schedule == "poisson":
        # unit-rate arrivals in "expected convoys" space, mapped back through the rate curve
        n = int(expected + 6 * expected**0.5 + 16)
        points = np.cumsum(rng.standard_exponential(n))
        while points[-1] < expected:  # rare: draw more until past the end
            points = np.concatenate([points, points[-1] + np.cumsum(rng.standard_exponential(n))])
        points = points[points < expected]
        times = np.array([curve.inverse(u / per_convoy) for u in points.tolist()])
    else:  # regular: one convoy centred in each interval of one expected convoy, +-jitter
        count = int(np.floor(expected + 1e-9))
        centres = [curve.inverse((i + 0.5) / per_convoy) for i in range(count)]
        times = np.asarray(centres) + rng.uniform(-jitter, jitter, count)
        times = np.sort(np.clip(times, curve.t0, curve.t1 - 1e-9))
    n = len(times)
    return list(zip(times.tolist(), [src.convoy_size] * n, [src.payload_t] * n, strict=True))


class Convoys:
    """All vehicle sources of a scenario, their vehicles and the convoy log."""

    def __init__(self, env, scenario: Scenario, gates: dict[str, CorridorGate], supply, seed: int,
                 keep_log: bool = True):  # fmt: skip
        self.env, self.scenario, self.gates, self.supply = env, scenario, gates, supply
        self.keep_log = keep_log
        self.log: list[list] = []  # every vehicle's record (only with keep_log)
        self.counts: dict[str, TruckCounts] = {}  # operator -> what became of its vehicles
        self._sent = 0  # vehicles sent so far: the next one's truck_id
        self.withheld: dict[str, int] = {}
        self._convoy_id = 0
        self._schedules: dict[str, tuple[list, list[int]]] = {}  # name -> (schedule, [next index])
        self._names = list(scenario.commodities)
        self._seized: dict[int, dict[int, float]] = {}  # truck id -> commodity -> tonnes seized
        self._turnaround = {}
        for name, src in scenario.convoys.items():
            self.withheld[name] = 0
            self.counts.setdefault(src.operator, TruckCounts())
            if not src.enabled or src.schedule == "flow":
                continue
            if src.returns:
                self._turnaround[name] = src.turnaround_h.sampler(
                    stream(seed, f"convoys.{name}.turnaround")
                )
            schedule = departure_schedule(src, scenario, np_stream(seed, f"convoys.{name}"))
            self._schedules[name] = (schedule, [0])
            if schedule:
                env.process(self._dispatch(name, src, schedule))

    def _dispatch(self, name: str, src: ConvoySource, schedule: list) -> Generator:
        """Send each convoy when due. While the corridor bars the operator, sleep until it
        changes and count the convoys that fell due meanwhile as withheld."""
        env, gate, withheld = self.env, self.gates[src.corridor], self.withheld
        index = self.supply.index
        shares = [(index[com], share) for com, share in src.cargo.items() if share > 0]
        times = [at for at, _, _ in schedule]
        trucks_before = list(itertools.accumulate((t for _, t, _ in schedule), initial=0))
        cursor = self._schedules[name][1]  # [index of the next departure], read by finish()
        n = len(schedule)
        while cursor[0] < n:
            at, trucks, payload = schedule[cursor[0]]
            if at > env.now:
                yield env.timeout(at - env.now)
            cursor[0] += 1
            if not src.dispatch_when_blocked and not gate.allows(src.operator):
                withheld[name] += trucks
                yield gate.changed
                skip_to = bisect.bisect_left(times, env.now, lo=cursor[0])
                withheld[name] += trucks_before[skip_to] - trucks_before[cursor[0]]
                cursor[0] = skip_to
                continue
            self._convoy_id += 1
            travel_h = gate.travel_to_h() if src.direction == "in" else gate.travel_from_h()
            cargo = [(com, payload * share) for com, share in shares]
            counts = self.counts[src.operator]
            counts.sent += trucks
            for _ in range(trucks):
                rec = [self._sent, self._convoy_id, name, src.operator, src.corridor,
                       src.direction, env.now, payload, src.passengers, NAN, NAN, NAN, NAN, NAN,
                       NAN, "pending", None, None, 0.0]  # fmt: skip
                self._sent += 1
                if self.keep_log:
                    self.log.append(rec)
                if src.direction == "in":
                    env.process(self._inbound(gate, name, src, cargo, rec, travel_h))
                else:
                    env.process(self._outbound(gate, src, rec, travel_h))

    def finish(self) -> None:
        """Count departures still waiting behind a closed corridor at the end as withheld."""
        for name, (schedule, cursor) in self._schedules.items():
            self.withheld[name] += sum(trucks for _, trucks, _ in schedule[cursor[0] :])
            cursor[0] = len(schedule)

    def _inbound(self, gate: CorridorGate, name: str, src: ConvoySource, cargo: list, rec: list,
                 travel_h: float) -> Generator:  # fmt: skip
        env, supply = self.env, self.supply
        if travel_h > 0:
            yield env.timeout(travel_h / 24.0)
        counts = self.counts[src.operator]
        state = yield from cross(env, gate, src.operator, rec)
        if state is None:  # turned back
            counts.denied += 1
            return
        u = state.decide()
        if u < state.p_deny:
            rec[OUTCOME], rec[REASON] = "denied", "inspection"
            counts.denied += 1
            return
        if u < state.p_stop:
            rec[OUTCOME], rec[REASON] = "confiscated", "inspection"
            counts.confiscated += 1
            return
        if state.cargo_rules:
            kept = []
            for com, amount in cargo:
                rule = state.cargo_rules.get(self._names[com])
                if rule is not None:
                    p_deny, seized_share = rule
                    if p_deny > 0 and state.decide() < p_deny:
                        rec[OUTCOME], rec[REASON] = "denied", "cargo_rule"
                        self._seized.pop(rec[0], None)
                        rec[CONFISCATED] = 0.0
                        counts.denied += 1
                        return
                    if seized_share > 0:
                        seized = amount * seized_share
                        rec[CONFISCATED] += seized
                        if self.keep_log:
                            self._seized.setdefault(rec[0], {})[com] = seized
                        amount -= seized
                kept.append((com, amount))
            cargo = kept
        supply.crossings.count(supply.tick_of(env.now), src.corridor, "in", src.operator, 1.0,
                               src.passengers, sum(a for _, a in cargo))  # fmt: skip
        onward_h = state.delay_h() + gate.travel_from_h()
        if onward_h > 0:
            yield env.timeout(onward_h / 24.0)
        if not supply.accepts(env.now):  # at or after the scenario end: stays pending
            return
        rec[ARRIVED], rec[OUTCOME], rec[REASON] = env.now, "delivered", "passed"
        counts.delivered += 1
        counts.delivered_t += rec[PAYLOAD] - rec[CONFISCATED]  # less what was seized
        now = env.now
        for com, amount in cargo:
            supply.receive(com, amount, now)
        if src.passengers > 0:
            supply.population.move(src.group, src.passengers, supply.tick_of(now))
        if src.returns:
            yield from self._return_trip(gate, name, src, rec)

    def _return_trip(self, gate: CorridorGate, name: str, src: ConvoySource,
                     rec: list) -> Generator:  # fmt: skip
        """Drive back out after unloading (with ``return_passengers``, e.g. patients): turnaround,
        inner road, the checkpoint."""
        env, supply = self.env, self.supply
        back_h = self._turnaround[name]() + gate.travel_from_h()
        if back_h > 0:
            yield env.timeout(back_h / 24.0)
        state = yield from cross(env, gate, src.operator, None)
        if state is None or not supply.accepts(env.now):
            return
        rec[EXIT] = env.now
        tick = supply.tick_of(env.now)
        left = 0.0
        if src.return_passengers > 0:
            left = -supply.population.move(src.group, -src.return_passengers, tick)
        supply.crossings.count(tick, src.corridor, "out", src.operator, 1.0, left, 0.0)

    def _outbound(self, gate: CorridorGate, src: ConvoySource, rec: list,
                  travel_h: float) -> Generator:  # fmt: skip
        env, supply = self.env, self.supply
        if travel_h > 0:
            yield env.timeout(travel_h / 24.0)
        counts = self.counts[src.operator]
        state = yield from cross(env, gate, src.operator, rec)
        if state is None:  # turned back
            counts.denied += 1
            return
        if state.decide() < state.p_deny:
            rec[OUTCOME], rec[REASON] = "denied", "inspection"
            counts.denied += 1
            return
        if not supply.accepts(env.now):
            return
        rec[EXIT], rec[OUTCOME], rec[REASON] = env.now, "exited", "passed"
        counts.exited += 1
        tick = supply.tick_of(env.now)
        left = -supply.population.move(src.group, -src.passengers, tick) if src.passengers else 0.0
        supply.crossings.count(tick, src.corridor, "out", src.operator, 1.0, left, 0.0)

    def table(self) -> pd.DataFrame:
        """The convoy log: one row per vehicle, times as dates, tonnes by commodity and outcome."""
        columns = list(zip(*self.log, strict=True)) if self.log else [()] * len(TRUCK_FIELDS)
        data: dict[str, object] = dict(zip(TRUCK_FIELDS, columns, strict=True))
        start = pd.Timestamp(self.scenario.start)
        for col in TIME_FIELDS:
            days = np.asarray(data[col], dtype=float)
            data[col] = start + pd.to_timedelta(days, unit="D")
        df = pd.DataFrame(data)
        for col in ("payload_t", "passengers", "confiscated_t"):
            df[col] = df[col].astype(float)
        pending = (df["outcome"] == "pending").to_numpy()
        held = (
            pending & df["reached_checkpoint"].notna().to_numpy() & df["cleared"].isna().to_numpy()
        )
        reason = df["reason"].to_numpy(dtype=object).copy()
        reason[pending] = "in_transit"
        reason[held] = "held_at_checkpoint"
        df["reason"] = reason
        hour = pd.Timedelta(hours=1)
        df["queue_h"] = pd.to_timedelta(df["inspection_start"] - df["reached_checkpoint"]) / hour
        df["checkpoint_h"] = pd.to_timedelta(df["cleared"] - df["reached_checkpoint"]) / hour
        carried = sorted({c for s in self.scenario.convoys.values() for c in s.cargo})
        codes, sources = pd.factorize(df["source"])
        shares = np.array(
            [[self.scenario.convoys[s].cargo.get(c, 0.0) for c in carried] for s in sources]
        ).reshape(len(sources), len(carried))
        tonnes = df["payload_t"].to_numpy()[:, None] * shares[codes] if len(df) else shares[:0]
        extra = {f"{com}_t": tonnes[:, j] for j, com in enumerate(carried)}
        seized_coms = sorted({c for d in self._seized.values() for c in d})
        for c in seized_coms:
            column = np.zeros(len(df))
            for truck, by_com in self._seized.items():
                column[truck] = by_com.get(c, 0.0)
            extra[f"{self._names[c]}_confiscated_t"] = column
        # all at once: one column at a time fragments the frame (slow with many commodities)
        return pd.concat([df, pd.DataFrame(extra, index=df.index)], axis=1) if extra else df
