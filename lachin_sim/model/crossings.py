"""The daily count of crossings: vehicles, people and tonnes that passed a corridor's
checkpoint, entering (``in``) or leaving (``out``), by operator."""

from __future__ import annotations

import numpy as np
import pandas as pd

CROSSING_COLUMNS = ["date", "corridor", "direction", "operator", "vehicles", "people", "tonnes"]


class Crossings:
    """Counts keyed by (tick, corridor, direction, operator)."""

    def __init__(self, tick_days: float):
        self.tick_days = tick_days
        self.counts: dict[tuple[int, str, str, str], list[float]] = {}

    def count(self, tick: int, corridor: str, direction: str, operator: str,
              vehicles: float, people: float, tonnes: float) -> None:  # fmt: skip
        row = self.counts.setdefault((tick, corridor, direction, operator), [0.0, 0.0, 0.0])
        row[0] += vehicles
        row[1] += people
        row[2] += tonnes

    def add(self, ticks: np.ndarray, corridor: str, direction: str, operator: str,
            vehicles: np.ndarray, people: np.ndarray, tonnes: np.ndarray) -> None:  # fmt: skip
        """Count many crossings at once: one per element of the arrays (``ticks``: integers)."""
        if not len(ticks):
            return
        found, where = np.unique(ticks, return_inverse=True)
        sums = [np.bincount(where, w, len(found)) for w in (vehicles, people, tonnes)]
        for j, k in enumerate(found.tolist()):
            row = self.counts.setdefault((k, corridor, direction, operator), [0.0, 0.0, 0.0])
            row[0] += float(sums[0][j])
            row[1] += float(sums[1][j])
            row[2] += float(sums[2][j])

    def table(self, start: np.datetime64, n_ticks: int) -> pd.DataFrame:
        rows = [
            (k, *key[1:], *v) for key, v in sorted(self.counts.items()) if (k := key[0]) < n_ticks
        ]
        df = pd.DataFrame(rows, columns=["tick", *CROSSING_COLUMNS[1:]])
        ticks = df.pop("tick").to_numpy(dtype=float)
        df.insert(0, "date", start + (ticks * self.tick_days * 86400e9).astype("timedelta64[ns]"))
        return df.astype({"vehicles": float, "people": float, "tonnes": float})
