"""A source's rate over time and its integral: constant, or a dated schedule (steps or a
linear ramp through dated milestones), zero outside the source's active window.

The rate is in the source's ``rate_unit`` per day; :meth:`RateCurve.cumulative` integrates it
exactly and :meth:`RateCurve.inverse` inverts the integral (departures of a non-homogeneous
Poisson process are the inverse of unit-rate arrivals; flows integrate over open intervals).

>>> import datetime as dt
>>> curve = RateCurve([(0.0, 10.0), (10.0, 20.0)], "linear", t0=0.0, t1=20.0)
>>> curve.cumulative(10.0), curve.cumulative(20.0)   # ramp 10 -> 20, then 20 a day
(150.0, 350.0)
"""

from __future__ import annotations

import bisect
import itertools
import math

import numpy as np

from lachin_sim.config.schema import ConvoySource, Scenario


class RateCurve:
    """Piecewise rate: ``knots`` (time, rate per day), held (step) or interpolated (linear)
    between knots, the last rate held after the last knot, zero before the first knot and
    outside [t0, t1)."""

    def __init__(self, knots: list[tuple[float, float]], interpolation: str, t0: float, t1: float):
        knots = sorted(knots)
        edges = sorted({t0, t1, *(t for t, _ in knots if t0 < t < t1)})
        self.t0, self.t1 = t0, t1
        self.edges = edges
        self.start_rate: list[float] = []
        self.end_rate: list[float] = []
        for a, b in itertools.pairwise(edges):
            self.start_rate.append(_rate_at(knots, interpolation, a))
            end = (
                _rate_at(knots, interpolation, b, left=True) if interpolation == "linear" else None
            )
            self.end_rate.append(self.start_rate[-1] if end is None else end)
        self.cum = [0.0]
        for j, (a, b) in enumerate(itertools.pairwise(edges)):
            self.cum.append(self.cum[-1] + (self.start_rate[j] + self.end_rate[j]) / 2 * (b - a))

    @property
    def total(self) -> float:
        return self.cum[-1]

    def cumulative(self, t: float) -> float:
        """Integral of the rate from t0 to ``t``."""
        if t <= self.t0:
            return 0.0
        if t >= self.t1:
            return self.total
        j = bisect.bisect_right(self.edges, t) - 1
        x, r0, r1 = t - self.edges[j], self.start_rate[j], self.end_rate[j]
        length = self.edges[j + 1] - self.edges[j]
        return self.cum[j] + r0 * x + (r1 - r0) / (2 * length) * x * x

    def inverse(self, u: float) -> float:
        """The time at which the integral reaches ``u`` (``u`` < total)."""
        j = min(bisect.bisect_right(self.cum, u) - 1, len(self.edges) - 2)
        left = u - self.cum[j]
        r0, r1 = self.start_rate[j], self.end_rate[j]
        length = self.edges[j + 1] - self.edges[j]
        a = (r1 - r0) / (2 * length)
        if abs(a) < 1e-15:
            x = left / r0 if r0 > 0 else 0.0
        else:
            x = (-r0 + math.sqrt(max(r0 * r0 + 4 * a * left, 0.0))) / (2 * a)
        return min(self.edges[j] + x, self.edges[j + 1])

    def inverse_many(self, u) -> np.ndarray:
        """:meth:`inverse` of each of ``u`` (an array, each below the total), at once."""
        u = np.asarray(u, dtype=float)
        edges, cum = np.asarray(self.edges), np.asarray(self.cum)
        j = np.minimum(np.searchsorted(cum, u, "right") - 1, len(edges) - 2)
        left = u - cum[j]
        r0, r1 = np.asarray(self.start_rate)[j], np.asarray(self.end_rate)[j]
        length = edges[j + 1] - edges[j]
        a = (r1 - r0) / (2 * length)
        with np.errstate(divide="ignore", invalid="ignore"):
            flat = np.where(r0 > 0, left / r0, 0.0)
            ramp = (-r0 + np.sqrt(np.maximum(r0 * r0 + 4 * a * left, 0.0))) / (2 * a)
        x = np.where(np.abs(a) < 1e-15, flat, ramp)
        return np.minimum(edges[j] + x, edges[j + 1])


def _rate_at(
    knots: list[tuple[float, float]], interpolation: str, t: float, left: bool = False
) -> float:
    """Rate just after ``t`` (or just before it, with ``left``)."""
    times = [k for k, _ in knots]
    i = (bisect.bisect_left(times, t) if left else bisect.bisect_right(times, t)) - 1
    if i < 0:
        return 0.0
    if interpolation == "step" or i == len(knots) - 1:
        return knots[i][1]
    (ta, ra), (tb, rb) = knots[i], knots[i + 1]
    return ra + (rb - ra) * (t - ta) / (tb - ta)


def source_curve(src: ConvoySource, scenario: Scenario) -> RateCurve:
    """The rate curve of a rate-based source, in its ``rate_unit`` per day."""
    t0 = scenario.day_of(src.active_from) if src.active_from else 0.0
    t1 = scenario.day_of(src.active_until) if src.active_until else float(scenario.days)
    if src.rates:
        knots = [(scenario.day_of(r.date), r.per_day) for r in src.rates]
    else:
        knots = [(t0, src.trucks_per_day)]
    return RateCurve(knots, src.rate_interpolation, t0, t1)


def vehicles_per_unit(src: ConvoySource) -> float:
    """Vehicles per unit of the source's rate (1 for vehicles; 1/payload; 1/passengers)."""
    if src.rate_unit == "tonnes":
        return 1.0 / src.payload_t if src.payload_t > 0 else 0.0
    if src.rate_unit == "people":
        return 1.0 / src.passengers if src.passengers > 0 else 0.0
    return 1.0
