"""Inspection lanes at a checkpoint: ``c`` servers, first come, first served.

>>> import simpy
>>> env = simpy.Environment()
>>> lanes = Lanes(env, 1)
>>> lanes.acquire() is None, lanes.acquire() is None   # the first takes the lane, the next waits
(True, False)
"""

from __future__ import annotations

from collections import deque

import simpy


class Lanes:
    """``capacity`` inspection lanes served first come, first served (an M/M/c queue with
    exponential inspections). A plain FIFO: the same order as a SimPy ``Resource``, without its
    request and release events, so a vehicle that finds a lane free starts at once."""

    __slots__ = ("env", "free", "waiting")

    def __init__(self, env: simpy.Environment, capacity: int):
        self.env, self.free = env, capacity
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
