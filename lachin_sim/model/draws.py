"""The random numbers of each vehicle on the road, one value per vehicle in named blocks.

Each vehicle source has its own streams, one per *block*: a block holds one value for each
vehicle the source may send (or each convoy), whatever later happens to it. Vehicle ``v`` of
source S meeting regime R at the checkpoint takes value ``v`` of the blocks ``S.R.inspection``
(hours), ``S.R.hold`` (held when below the regime's hold probability), ``S.R.hold_time``
(hours), ``S.R.decision`` (denied or confiscated when below the probabilities), ``S.R.cargo``
(one column per cargo item, for the cargo rules) and ``S.R.delay`` (hours); the crossing back
of a returning vehicle uses ``S.R.back_inspection``, ``S.R.back_hold`` and
``S.R.back_hold_time``. Its travel times come from ``S.travel`` (per convoy), ``S.onward`` and
``S.back``.

So the numbers a vehicle meets do not depend on the order in which vehicles reach the
checkpoint: the same seed gives the same run whether vehicles are computed in bulk
(:mod:`lachin_sim.model.road`) or one process at a time (:mod:`lachin_sim.model.checkpoint`),
and changing one source, or one regime's parameters, leaves every other block as it was. A
block is drawn the first time a vehicle needs it, as uniform numbers on [0, 1) turned into
values by the distribution's quantile function (a fixed value needs none).

>>> import numpy as np
>>> from lachin_sim.config.distributions import Exponential
>>> values(Exponential(dist="exponential", mean=2.0), np.array([0.0, 0.5])).round(4).tolist()
[0.0, 1.3863]
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from lachin_sim.config.distributions import Exponential, Fixed, Lognormal, Triangular, Uniform
from lachin_sim.config.schema import ConvoySource, Corridor, Regime
from lachin_sim.model.streams import np_stream

SMALLEST_U = 2.0**-53  # uniforms are drawn on [0, 1): the normal quantile needs u > 0


def values(dist, u: np.ndarray) -> np.ndarray:
    """Values of ``dist`` (in its own unit) at the uniform numbers ``u`` in [0, 1)."""
    u = np.asarray(u, dtype=float)
    if isinstance(dist, Fixed):
        return np.full(u.shape, float(dist.value))
    if isinstance(dist, Exponential):
        return -dist.mean * np.log1p(-u)
    if isinstance(dist, Uniform):
        return dist.low + (dist.high - dist.low) * u
    if isinstance(dist, Triangular):
        span = dist.high - dist.low
        if span <= 0:
            return np.full(u.shape, float(dist.low))
        c = (dist.mode - dist.low) / span
        return np.where(u < c, np.sqrt(c * u), 1 - np.sqrt((1 - c) * (1 - u))) * span + dist.low
    if isinstance(dist, Lognormal):
        z = NormalDist().inv_cdf
        normal = np.array([z(x) for x in np.maximum(u, SMALLEST_U).ravel().tolist()])
        return dist.median * np.exp(dist.sigma * normal.reshape(u.shape))
    raise TypeError(f"no quantile for {type(dist).__name__}")  # pragma: no cover


# block name -> the Regime field whose distribution turns its uniforms into values (None: the
# uniforms themselves)
REGIME_BLOCKS = {
    "inspection": "inspection_time_h",
    "hold": None,
    "hold_time": "hold_time_h",
    "decision": None,
    "delay": "extra_delay_h",
    "back_inspection": "inspection_time_h",
    "back_hold": None,
    "back_hold_time": "hold_time_h",
}


class SourceDraws:
    """The blocks of one source with ``n`` vehicles in ``convoys`` convoys, drawn when first
    asked for.

    ``travel_h[m]``: convoy m's hours to the checkpoint (the corridor's ``travel_to`` inbound,
    its ``travel_from`` outbound); ``onward_h[v]``: vehicle v's hours on from the checkpoint;
    ``back_h[v]``: turnaround and drive back to the checkpoint (a returning vehicle).
    """

    def __init__(self, seed: int, name: str, src: ConvoySource, corridor: Corridor,
                 regimes: dict[str, Regime], convoys: int, n: int):  # fmt: skip
        self.seed, self.name, self.src, self.corridor = seed, name, src, corridor
        self.regimes, self.convoys, self.n = regimes, convoys, n
        self._blocks: dict[tuple[str, str], np.ndarray] = {}
        self._lists: dict[tuple[str, str], list] = {}

    def _uniforms(self, block: str, shape) -> np.ndarray:
        return np_stream(self.seed, f"convoys.{self.name}.{block}").random(shape)

    def _values(self, dist, block: str, n: int) -> np.ndarray:
        return values(dist, np.zeros(n) if isinstance(dist, Fixed) else self._uniforms(block, n))

    def regime(self, regime: str, block: str) -> np.ndarray:
        """Block ``block`` at ``regime``: one value per vehicle (``cargo``: one row per
        vehicle, one column per cargo item in the source's order)."""
        key = (regime, block)
        out = self._blocks.get(key)
        if out is None:
            name = f"{regime}.{block}"
            if block == "cargo":
                out = self._uniforms(name, (self.n, len(self.src.cargo)))
            else:
                field = REGIME_BLOCKS[block]
                if field is None:
                    out = self._uniforms(name, self.n)
                else:
                    out = self._values(getattr(self.regimes[regime], field), name, self.n)
            self._blocks[key] = out
        return out

    def one(self, regime: str, block: str, v: int) -> float:
        """Value ``v`` of block ``block`` at ``regime``, as a Python float (for processes)."""
        values = self._lists.get((regime, block))
        if values is None:
            values = self._lists[(regime, block)] = self.regime(regime, block).tolist()
        return values[v]

    def _source(self, block: str, dist, n: int) -> np.ndarray:
        out = self._blocks.get(("", block))
        if out is None:
            out = self._blocks[("", block)] = self._values(dist, block, n)
        return out

    @property
    def travel_h(self) -> np.ndarray:
        c = self.corridor
        to = c.travel_to_checkpoint_h if self.src.direction == "in" else c.travel_from_checkpoint_h
        return self._source("travel", to, self.convoys)

    @property
    def onward_h(self) -> np.ndarray:
        return self._source("onward", self.corridor.travel_from_checkpoint_h, self.n)

    @property
    def back_h(self) -> np.ndarray:
        out = self._blocks.get(("", "back"))
        if out is None:
            turnaround = self._values(self.src.turnaround_h, "turnaround", self.n)
            drive = self._values(self.corridor.travel_from_checkpoint_h, "back", self.n)
            out = self._blocks[("", "back")] = turnaround + drive
        return out
