"""One commodity's stock: a level, and FIFO batches when the commodity has a shelf life.

Every change goes through a method that returns the amount moved, so the caller can keep the
ledger ``initial + delivered + produced = consumed + converted + spoiled + final`` exact.

>>> from lachin_sim.config.schema import Commodity
>>> s = Stock(Commodity(unit="t", initial_stock=10, need_per_person_day=0.001), tick_days=1)
>>> s.add(5.0, now=0.0); s.take(12.0), s.level
(12.0, 3.0)
"""

from __future__ import annotations

from collections import deque

from lachin_sim.config.schema import Commodity

INITIAL_BATCHES = 30  # the initial stock is split into this many batches of evenly spread age


class Stock:
    """Level (commodity unit) and, with a shelf life, batches ``[expiry_day, amount]`` oldest first."""

    __slots__ = ("_batches", "_merge_window", "capacity", "level", "shelf_life")

    def __init__(self, commodity: Commodity, tick_days: float):
        self.level = float(commodity.initial_stock)
        self.capacity = commodity.storage_capacity  # None = unlimited
        self.shelf_life = commodity.shelf_life_days
        self._merge_window = tick_days
        self._batches: deque[list[float]] = deque()
        if self.shelf_life is not None and self.level > 0:
            # Assumption: the initial stock has turned over steadily, so its remaining shelf
            # life is spread evenly over (0, shelf_life].
            part = self.level / INITIAL_BATCHES
            for i in range(INITIAL_BATCHES):
                self._batches.append([self.shelf_life * (i + 1) / INITIAL_BATCHES, part])

    def add(self, amount: float, now: float) -> None:
        """Put ``amount`` into stock at time ``now`` (days); a new batch if it can expire."""
        self.level += amount
        if self.shelf_life is not None and amount > 0:
            expiry = now + self.shelf_life
            batches = self._batches
            if batches and expiry - batches[-1][0] < self._merge_window:
                batches[-1][1] += amount  # same tick: merge, keeping the earlier expiry
            else:
                batches.append([expiry, amount])

    def add_many(self, times, amounts) -> None:
        """:meth:`add` each of ``amounts`` at its time of ``times`` (days, in time order)."""
        for now, amount in zip(times.tolist(), amounts.tolist(), strict=True):
            self.add(amount, now)

    def take(self, amount: float) -> float:
        """Remove up to ``amount``, oldest batches first; returns what was taken. An amount
        within float rounding of the whole stock empties it exactly."""
        if amount >= self.level * (1.0 - 1e-12):
            amount = self.level
        if amount <= 0:
            return 0.0
        self.level -= amount
        batches, left = self._batches, amount
        while batches and left > 0:
            first = batches[0]
            if first[1] > left:
                first[1] -= left
                break
            left -= first[1]
            batches.popleft()
        return amount

    def spoil(self, fraction: float) -> float:
        """Lose ``fraction`` of the stock (exponential decay over one tick); returns the loss."""
        if fraction <= 0 or self.level <= 0:
            return 0.0
        lost = self.level * fraction
        self.level -= lost
        keep = 1.0 - fraction
        for batch in self._batches:
            batch[1] *= keep
        return lost

    def expire(self, now: float) -> float:
        """Remove batches whose expiry is at or before ``now``; returns the amount expired."""
        batches, gone = self._batches, 0.0
        while batches and batches[0][0] <= now:
            gone += batches.popleft()[1]
        gone = min(gone, self.level)
        self.level -= gone
        return gone

    def overflow(self) -> float:
        """Remove what exceeds the storage capacity (newest first); returns the excess."""
        if self.capacity is None or self.level <= self.capacity:
            return 0.0
        excess = self.level - self.capacity
        self.level = float(self.capacity)
        batches, left = self._batches, excess
        while batches and left > 0:
            last = batches[-1]
            if last[1] > left:
                last[1] -= left
                break
            left -= last[1]
            batches.pop()
        return excess

    def headroom(self) -> float:
        """Space left before the storage capacity (inf when unlimited)."""
        return float("inf") if self.capacity is None else max(self.capacity - self.level, 0.0)
