"""Named random streams derived from one run seed.

Each random process (a convoy source's departures, a corridor's closures, a checkpoint's
inspections) draws from its own stream, so changing one part of a scenario does not reshuffle
the others: two scenarios run with the same seed share common random numbers.

>>> a, b = stream(1, "convoys.icrc"), stream(1, "convoys.icrc")
>>> a.random() == b.random()
True
"""

from __future__ import annotations

import random
import zlib

import numpy as np


def stream(seed: int, name: str) -> random.Random:
    """A ``random.Random`` seeded from (run seed, stream name), stable across runs and platforms."""
    key = zlib.crc32(name.encode("utf-8"))
    state = np.random.SeedSequence([seed, key]).generate_state(4, dtype=np.uint64)
    return random.Random(int.from_bytes(state.tobytes(), "little"))


def spawn_seeds(root: int, n: int) -> list[int]:
    """``n`` independent run seeds from a root seed (numpy SeedSequence spawning)."""
    children = np.random.SeedSequence(root).spawn(n)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def np_stream(seed: int, name: str) -> np.random.Generator:
    """A numpy Generator for (run seed, stream name): for drawing many values at once."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])
