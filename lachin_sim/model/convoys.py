"""Convoy sources and the vehicles they send, in either direction.

A source's departure times are drawn up front from its own random stream: a Poisson process
(non-homogeneous when its rate follows a dated schedule), a regular schedule with jitter, or
dated convoys. Its vehicles (:class:`~lachin_sim.model.vehicles.Vehicles`) then travel the
corridor: an inbound vehicle to the checkpoint, through it, on to unload (its passengers join
the population), and with ``returns`` back out empty; an outbound one (an ambulance, an
evacuation bus) from inside through the checkpoint and out, taking its passengers with it.

Nothing on the road depends on the stocks or the people, so the road runs before the daily
ticks and records what it brings and takes (:class:`~lachin_sim.model.arrivals.Arrivals`).
The vehicles of a corridor where they meet one another only in the inspection lanes' queue are
computed in bulk from the corridor's timeline (:mod:`lachin_sim.model.road`); elsewhere each
vehicle is a SimPy process (:mod:`lachin_sim.model.trips`). Both follow the same rules with the
same random numbers. :meth:`Convoys.table` turns what became of the vehicles into the convoy
log; a run that does not keep the log (a sweep's) only counts it per operator
(:class:`~lachin_sim.outputs.metrics.TruckCounts`). Sources with ``schedule = "flow"`` send no
vehicles: see :mod:`lachin_sim.model.flows`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import simpy

from lachin_sim.config.schema import ConvoySource, Scenario
from lachin_sim.model import road
from lachin_sim.model.arrivals import Arrivals
from lachin_sim.model.corridor import CorridorGate, regimes_of
from lachin_sim.model.crossings import Crossings
from lachin_sim.model.schedules import source_curve, vehicles_per_unit
from lachin_sim.model.streams import np_stream
from lachin_sim.model.trips import Trips
from lachin_sim.model.vehicles import (
    CONFISCATED,
    DELIVERED,
    DENIED,
    EXITED,
    OUTCOMES,
    PENDING,
    REASONS,
    TIME_FIELDS,
    TIMES,
    Vehicles,
)  # fmt: skip
from lachin_sim.outputs.metrics import TruckCounts

TIME_COLUMNS = dict(zip(TIMES, TIME_FIELDS[1:], strict=True))  # vehicle field -> log column
BULK = True  # compute the corridors that allow it in bulk (False: every vehicle a process)


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
        times = curve.inverse_many(points / per_convoy)
    else:  # regular: one convoy centred in each interval of one expected convoy, +-jitter
        count = int(np.floor(expected + 1e-9))
        centres = curve.inverse_many((np.arange(count) + 0.5) / per_convoy)
        times = centres + rng.uniform(-jitter, jitter, count)
        times = np.sort(np.clip(times, curve.t0, curve.t1 - 1e-9))
    n = len(times)
    return list(zip(times.tolist(), [src.convoy_size] * n, [src.payload_t] * n, strict=True))


class Convoys:
    """All vehicle sources of a scenario, their vehicles and the convoy log. Vehicles that are
    processes run in ``env`` with the gates; :meth:`finish`, after the event loop, computes the
    rest and counts."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, gates: dict[str, CorridorGate],
                 seed: int, arrivals: Arrivals, crossings: Crossings, index: dict[str, int],
                 keep_log: bool = True):  # fmt: skip
        self.scenario, self.gates, self.keep_log = scenario, gates, keep_log
        self.arrivals, self.crossings, self.index = arrivals, crossings, index
        self.vehicles: dict[str, Vehicles] = {}
        self.counts: dict[str, TruckCounts] = {}  # operator -> what became of its vehicles
        self.withheld: dict[str, int] = {}
        by_corridor: dict[str, list[Vehicles]] = {}
        for position, (name, src) in enumerate(scenario.convoys.items()):
            self.withheld[name] = 0
            self.counts.setdefault(src.operator, TruckCounts())
            if not src.enabled or src.schedule == "flow":
                continue
            schedule = departure_schedule(src, scenario, np_stream(seed, f"convoys.{name}"))
            regimes = regimes_of(scenario.corridors[src.corridor])
            fleet = Vehicles(name, position, src, scenario, schedule, regimes, seed)
            self.vehicles[name] = fleet
            if fleet.n:
                by_corridor.setdefault(src.corridor, []).append(fleet)
        self.in_bulk = {c: fleets for c, fleets in by_corridor.items()
                        if BULK and road.computable(gates[c], fleets)}  # fmt: skip
        self._trips = []
        for corridor, fleets in by_corridor.items():
            if corridor in self.in_bulk:
                continue
            trips = Trips(env, gates[corridor], arrivals, crossings, index)
            self._trips.append(trips)
            for fleet in fleets:
                env.process(trips.dispatch(fleet))

    def finish(self) -> None:
        """After the event loop: compute the corridors in bulk, hand over what the processes
        unloaded, count departures still waiting behind a closed corridor as withheld, and count
        what became of the vehicles."""
        for corridor, fleets in self.in_bulk.items():
            road.run_corridor(self.gates[corridor], fleets, self.arrivals, self.crossings,
                              self.index)  # fmt: skip
        for trips in self._trips:
            trips.finish()
        for name, fleet in self.vehicles.items():
            if fleet.src.corridor not in self.in_bulk:
                fleet.withheld += int(fleet.size[fleet.next_convoy :].sum())
            self.withheld[name] = fleet.withheld
            counts = self.counts[fleet.src.operator]
            outcome = fleet.outcome[fleet.sent]
            counts.sent += int(fleet.sent.sum())
            counts.delivered += int((outcome == DELIVERED).sum())
            counts.denied += int((outcome == DENIED).sum())
            counts.confiscated += int((outcome == CONFISCATED).sum())
            counts.exited += int((outcome == EXITED).sum())
            delivered = fleet.outcome == DELIVERED
            counts.delivered_t += float(
                (fleet.payload[delivered] - fleet.confiscated[delivered]).sum()
            )

    def table(self) -> pd.DataFrame:
        """The convoy log: one row per vehicle sent, in order of departure (``truck_id``), times
        as dates, tonnes by commodity and outcome. Empty (with its columns) without the log."""
        fleets = list(self.vehicles.values()) if self.keep_log else []
        sent = [np.flatnonzero(f.sent) for f in fleets]
        cat = np.concatenate

        def column(values, dtype=None) -> np.ndarray:
            return cat(values).astype(dtype) if values else np.zeros(0, dtype=dtype)

        position = column([np.full(len(v), f.position) for f, v in zip(fleets, sent, strict=True)],
                          np.int64)  # fmt: skip
        vehicle = column(sent, np.int64)
        convoy = column([f.convoy[v] for f, v in zip(fleets, sent, strict=True)], np.int64)
        departed = column([f.departure[f.convoy[v]] for f, v in zip(fleets, sent, strict=True)],
                          float)  # fmt: skip
        order = np.lexsort((vehicle, position, departed))  # the order vehicles were sent in
        key = np.stack([departed, position, convoy])[:, order]
        new_convoy = np.ones(len(order), dtype=bool)
        new_convoy[1:] = (key[:, 1:] != key[:, :-1]).any(axis=0)

        def sorted_column(per_fleet, dtype=None) -> np.ndarray:
            """``per_fleet(fleet, vehicles)`` of every fleet, in the log's order."""
            return column([per_fleet(f, v) for f, v in zip(fleets, sent, strict=True)], dtype)[
                order
            ]

        def text(attribute) -> np.ndarray:
            return sorted_column(lambda f, v: np.full(len(v), attribute(f), dtype=object), object)

        data: dict[str, Any] = {  # columns: arrays, then dates
            "truck_id": np.arange(len(order), dtype=np.int64),
            "convoy_id": np.cumsum(new_convoy).astype(np.int64),
            "source": text(lambda f: f.name),
            "operator": text(lambda f: f.src.operator),
            "corridor": text(lambda f: f.src.corridor),
            "direction": text(lambda f: f.src.direction),
            "departed": departed[order],
            "payload_t": sorted_column(lambda f, v: f.payload[v], float),
            "passengers": sorted_column(
                lambda f, v: np.full(len(v), float(f.src.passengers)), float
            ),
        }
        for field, name in TIME_COLUMNS.items():
            data[name] = sorted_column(lambda f, v, field=field: getattr(f, field)[v], float)
        outcome = sorted_column(lambda f, v: f.outcome[v], np.int64)
        reason = sorted_column(lambda f, v: f.reason[v], np.int64)
        reached, cleared = data["reached_checkpoint"], data["cleared"]
        pending = outcome == PENDING
        reasons = np.asarray(REASONS, dtype=object)[reason]
        reasons[pending] = "in_transit"
        reasons[pending & ~np.isnan(reached) & np.isnan(cleared)] = "held_at_checkpoint"
        regime = sorted_column(  # code NO_REGIME (-1) reads the last entry: None
            lambda f, v: np.asarray([*f.regime_names, None], dtype=object)[f.regime[v]], object
        )
        data["outcome"] = np.asarray(OUTCOMES, dtype=object)[outcome]
        data["reason"] = reasons
        data["regime"] = regime
        data["confiscated_t"] = sorted_column(lambda f, v: f.confiscated[v], float)
        hours = {
            "queue_h": (data["inspection_start"] - reached) * 24.0,
            "checkpoint_h": (cleared - reached) * 24.0,
        }
        start = pd.Timestamp(self.scenario.start)
        for name in ("departed", *TIME_COLUMNS.values()):
            data[name] = start + pd.to_timedelta(np.asarray(data[name], dtype=float), unit="D")
        df = pd.DataFrame({**data, **hours})
        carried = sorted({c for s in self.scenario.convoys.values() for c in s.cargo})
        payload = data["payload_t"]
        extra: dict[str, np.ndarray] = {}
        for com in carried:
            extra[f"{com}_t"] = payload * sorted_column(
                lambda f, v, com=com: np.full(len(v), f.src.cargo.get(com, 0.0)), float
            )
        names = list(self.scenario.commodities)
        seized: dict[str, np.ndarray] = {}
        for f, v in zip(fleets, sent, strict=True):
            if f.seized is None:
                continue
            for j, (com, _) in enumerate(f.src.cargo.items()):
                if f.seized[v, j].any():
                    seized.setdefault(com, np.zeros(len(order)))
        for com in sorted(seized, key=names.index):
            extra[f"{com}_confiscated_t"] = sorted_column(
                lambda f, v, com=com: _seized_of(f, v, com), float
            )
        # all at once: one column at a time fragments the frame (slow with many commodities)
        return pd.concat([df, pd.DataFrame(extra, index=df.index)], axis=1) if extra else df


def _seized_of(fleet: Vehicles, v: np.ndarray, commodity: str) -> np.ndarray:
    """Tonnes of ``commodity`` seized from vehicles ``v`` of ``fleet``."""
    if fleet.seized is None or commodity not in fleet.src.cargo:
        return np.zeros(len(v))
    return fleet.seized[v, list(fleet.src.cargo).index(commodity)]
