"""Inspection lanes at a checkpoint: ``c`` servers, first come, first served.

>>> import simpy
>>> env = simpy.Environment()
>>> lanes = Lanes(env, 1)
>>> lanes.acquire() is None, lanes.acquire() is None   # the first takes the lane, the next waits
(True, False)
"""

from __future__ import annotations

import heapq
import math
from collections import deque

import numpy as np
import simpy


class Lanes:
    """``capacity`` inspection lanes served first come, first served (an M/M/c queue with
    exponential inspections). A plain FIFO: the same order as a SimPy ``Resource``, without its
    request and release events, so a vehicle that finds a lane free starts at once."""

    __slots__ = ("capacity", "env", "free", "waiting")

    def __init__(self, env: simpy.Environment, capacity: int):
        self.env, self.free, self.capacity = env, capacity, capacity
        self.waiting: deque[simpy.Event] = deque()

    def acquire(self) -> simpy.Event | None:
        """Take a lane: None when one is free now; else an event that fires when the lane is
        handed over."""
        if self.free > 0 and not self.waiting:
            self.free -= 1
            return None
        handed = self.env.event()
        self.waiting.append(handed)
        return handed

    def release(self) -> None:
        """Give the lane back, or hand it straight to the first vehicle waiting."""
        if self.waiting:
            self.waiting.popleft().succeed()
        else:
            self.free += 1


def fifo_starts(arrivals: np.ndarray, services: np.ndarray, lanes: int) -> np.ndarray:
    """Start of service of each customer of a first-come-first-served queue with ``lanes``
    identical servers (the Kiefer-Wolfowitz recursion: each customer takes the server that
    frees first, at its arrival or when that server frees), given the arrival times in order
    of service and the service times (same unit). Each start is ``max(arrival, free)`` and
    each server frees at ``start + service``, the same float arithmetic as the processes'
    (SimPy's ``now + delay``), so both give bit-identical times; a closed form for one lane
    (Lindley's running maximum over cumulative sums) would round differently."""
    free = [-math.inf] * lanes  # when each server frees (a heap)
    starts: list[float] = []
    start, replace = starts.append, heapq.heapreplace
    for a, s in zip(arrivals.tolist(), services.tolist(), strict=True):
        f = free[0]
        t = a if a >= f else f
        start(t)
        replace(free, t + s)
    return np.array(starts, dtype=float)
