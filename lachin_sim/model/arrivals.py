"""What vehicles bring to the supply and take from it, by time: cargo unloaded and people who
arrive or leave in vehicles.

Nothing on the road depends on the stocks or the people, so the road runs first
(:mod:`lachin_sim.model.convoys`) and records here what its vehicles did; the daily tick
(:class:`~lachin_sim.model.supply.SupplySystem`) then takes in each tick's share before it
settles. Ticks are half-open, ``[k x tick_days, (k + 1) x tick_days)``: cargo unloaded at
``t`` belongs to tick ``floor(t / tick_days)``, and nothing at or after the scenario's end
(:attr:`Arrivals.horizon`) arrives. Cargo is summed per tick and commodity; for a commodity
with a shelf life the unloading times are kept too (its batches age from them). People are
kept one vehicle at a time, in time order: how many can leave depends on who is still there.
"""

from __future__ import annotations

import numpy as np

IN, OUT = 1, -1  # people arriving in a vehicle, people leaving in one


class Arrivals:
    """Cargo and people moved by vehicles over ``n_ticks`` ticks of ``tick_days``.

    ``timed``: indices of the commodities whose unloading times are kept (a shelf life).
    """

    def __init__(self, n_commodities: int, n_ticks: int, tick_days: float,
                 timed: set[int] | frozenset[int] = frozenset()):  # fmt: skip
        self.tick_days, self.n_ticks = tick_days, n_ticks
        self.horizon = n_ticks * tick_days
        self.cargo = np.zeros((n_ticks, n_commodities))  # unloaded per tick, commodity unit
        self.timed = set(timed)
        self._times: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {i: [] for i in timed}
        self._by_tick: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        # (time, direction, group, people, corridor, operator) of each vehicle moving people
        self.people: list[tuple[float, int, str | None, float, str, str]] = []
        self._people_by_tick: dict[int, list[tuple]] | None = None

    def tick_of(self, t) -> np.ndarray:
        """Tick number of each time in ``t`` (days)."""
        return np.floor_divide(np.asarray(t, dtype=float), self.tick_days).astype(np.int64)

    def unload(self, t: np.ndarray, commodity: int, amount: np.ndarray) -> None:
        """Vehicles unload ``amount`` of commodity ``commodity`` at times ``t`` (all before the
        horizon)."""
        t, amount = np.asarray(t, dtype=float), np.asarray(amount, dtype=float)
        if not len(t):
            return
        self.cargo[:, commodity] += np.bincount(self.tick_of(t), amount, self.n_ticks)
        if commodity in self.timed:
            self._times[commodity].append((t, amount))

    def move(self, t: float, direction: int, group: str | None, people: float, corridor: str,
             operator: str) -> None:  # fmt: skip
        """A vehicle brings ``people`` in (``IN``) or takes them out (``OUT``) at ``t``."""
        self.people.append((t, direction, group, people, corridor, operator))

    def timed_cargo(self, k: int, commodity: int) -> tuple[np.ndarray, np.ndarray]:
        """(times, amounts) of commodity ``commodity`` (one with a shelf life) unloaded in tick
        ``k``, in time order."""
        if commodity not in self._by_tick:
            parts = self._times.get(commodity, [])
            t = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0)
            a = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0)
            order = np.argsort(t, kind="stable")
            t, a = t[order], a[order]
            edges = np.searchsorted(self.tick_of(t), np.arange(self.n_ticks + 1), "left")
            self._by_tick[commodity] = (t, a, edges)
        t, a, edges = self._by_tick[commodity]
        return t[edges[k] : edges[k + 1]], a[edges[k] : edges[k + 1]]

    def people_in_tick(self, k: int) -> list[tuple]:
        """The moves of people in tick ``k``, in time order."""
        if self._people_by_tick is None:
            self._people_by_tick = {}
            for move in sorted(self.people, key=lambda m: m[0]):
                self._people_by_tick.setdefault(int(move[0] // self.tick_days), []).append(move)
        return self._people_by_tick.get(k, [])
