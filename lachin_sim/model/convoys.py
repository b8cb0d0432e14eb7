"""Convoy sources and the trucks they send.

A source's departure times are drawn up front from its own random stream (Poisson, regular with
jitter, or dated). At each departure the source checks its corridor: unless
``dispatch_when_blocked`` is set, it does not send trucks its operator may not take through
(they are counted as withheld). Each truck then travels to the checkpoint, crosses it (see
:mod:`lachin_sim.model.checkpoint`), travels on and unloads into the stocks. Every truck leaves one
record in the convoy log, kept as a plain list until the end of the run.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Generator

import numpy as np
import pandas as pd

from lachin_sim.config.schema import ConvoySource, Scenario
from lachin_sim.model.checkpoint import ARRIVED, OUTCOME, REASON, TIME_FIELDS, TRUCK_FIELDS, cross
from lachin_sim.model.corridor import CorridorGate
from lachin_sim.model.streams import np_stream
from lachin_sim.model.supply import SupplySystem

NAN = float("nan")


def departure_schedule(
    src: ConvoySource, scenario: Scenario, rng: np.random.Generator
) -> list[tuple[float, int, float]]:
    """(departure time in days, trucks, tonnes per truck) of every convoy the source would send."""
    t0 = scenario.day_of(src.active_from) if src.active_from else 0.0
    t1 = scenario.day_of(src.active_until) if src.active_until else float(scenario.days)
    jitter = src.jitter_h / 24.0
    if src.schedule == "dated":
        out = []
        shifts = rng.random(len(src.departures)) * jitter  # later in the day, never earlier
        for dep, shift in zip(src.departures, shifts, strict=True):
            per_truck = dep.tonnes / dep.trucks if dep.tonnes is not None else src.payload_t
            at = min(scenario.day_of(dep.date) + float(shift), scenario.days - 1e-9)
            out.append((at, dep.trucks, per_truck))
        return sorted(out)
    rate = src.trucks_per_day / src.convoy_size  # convoys / day
    if rate <= 0 or t1 <= t0:
        return []
    if src.schedule == "poisson":
        expected = (t1 - t0) * rate
        gaps = rng.exponential(1.0 / rate, int(expected + 6 * expected**0.5 + 16))
        times = t0 + np.cumsum(gaps)
        while times[-1] < t1:  # rare: draw more until past the end
            more = times[-1] + np.cumsum(rng.exponential(1.0 / rate, len(gaps)))
            times = np.concatenate([times, more])
        times = times[times < t1]
    else:  # regular: one convoy centred in each interval, shifted by +-jitter
        n = int(np.floor((t1 - t0) * rate + 1e-9))
        times = t0 + (np.arange(n) + 0.5) / rate + rng.uniform(-jitter, jitter, n)
        times = np.sort(np.clip(times, t0, t1 - 1e-9))
    n = len(times)
    return list(zip(times.tolist(), [src.convoy_size] * n, [src.payload_t] * n, strict=True))


class Convoys:
    """All convoy sources of a scenario, their trucks and the convoy log."""

    def __init__(self, env, scenario: Scenario, gates: dict[str, CorridorGate],
                 supply: SupplySystem, seed: int):  # fmt: skip
        self.env, self.scenario, self.gates, self.supply = env, scenario, gates, supply
        self.log: list[list] = []
        self.withheld: dict[str, int] = {}
        self._convoy_id = 0
        self._schedules: dict[str, tuple[list, list[int]]] = {}  # name -> (schedule, [next index])
        for name, src in scenario.convoys.items():
            self.withheld[name] = 0
            if not src.enabled:
                continue
            schedule = departure_schedule(src, scenario, np_stream(seed, f"convoys.{name}"))
            self._schedules[name] = (schedule, [0])
            if schedule:
                env.process(self._dispatch(name, src, schedule))

    def _dispatch(self, name: str, src: ConvoySource, schedule: list) -> Generator:
        """Send each convoy when due. While the corridor bars the operator, sleep until the
        regime changes and count the convoys that fell due meanwhile as withheld."""
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
            if not src.dispatch_when_blocked and src.operator not in gate.regime.allowed:
                withheld[name] += trucks
                yield gate.changed
                skip_to = bisect.bisect_left(times, env.now, lo=cursor[0])
                withheld[name] += trucks_before[skip_to] - trucks_before[cursor[0]]
                cursor[0] = skip_to
                continue
            self._convoy_id += 1
            travel_h = gate.travel_to_h()
            cargo = [(com, payload * share) for com, share in shares]
            for _ in range(trucks):
                rec = [len(self.log), self._convoy_id, name, src.operator, src.corridor, env.now,
                       payload, NAN, NAN, NAN, NAN, NAN, "pending", None, None]  # fmt: skip
                self.log.append(rec)
                env.process(self._truck(gate, src.operator, cargo, rec, travel_h))

    def finish(self) -> None:
        """Count departures still waiting behind a closed corridor at the end as withheld."""
        for name, (schedule, cursor) in self._schedules.items():
            self.withheld[name] += sum(trucks for _, trucks, _ in schedule[cursor[0] :])
            cursor[0] = len(schedule)

    def _truck(self, gate: CorridorGate, operator: str, cargo: list, rec: list, travel_h: float):
        env = self.env
        if travel_h > 0:
            yield env.timeout(travel_h / 24.0)
        state = yield from cross(env, gate, operator, rec)
        if state is None:
            return
        u = state.decide()
        if u < state.p_deny:
            rec[OUTCOME], rec[REASON] = "denied", "inspection"
            return
        if u < state.p_stop:
            rec[OUTCOME], rec[REASON] = "confiscated", "inspection"
            return
        onward_h = state.delay_h() + gate.travel_from_h()
        if onward_h > 0:
            yield env.timeout(onward_h / 24.0)
        if self.supply.closed:  # arrived after the last tick was settled: outside the period
            return
        rec[ARRIVED], rec[OUTCOME], rec[REASON] = env.now, "delivered", "passed"
        receive, now = self.supply.receive, env.now
        for com, amount in cargo:
            receive(com, amount, now)

    def table(self) -> pd.DataFrame:
        """The convoy log: one row per truck, times as dates, tonnes by commodity and outcome."""
        columns = list(zip(*self.log, strict=True)) if self.log else [()] * len(TRUCK_FIELDS)
        data: dict[str, object] = dict(zip(TRUCK_FIELDS, columns, strict=True))
        start = pd.Timestamp(self.scenario.start)
        for col in TIME_FIELDS:
            days = np.asarray(data[col], dtype=float)
            data[col] = start + pd.to_timedelta(days, unit="D")
        df = pd.DataFrame(data)
        df["payload_t"] = df["payload_t"].astype(float)
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
        for j, com in enumerate(carried):
            df[f"{com}_t"] = tonnes[:, j]
        return df
