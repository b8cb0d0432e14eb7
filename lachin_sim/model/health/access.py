"""Distribution of access: how a group's food is spread over its bands (percentile groups).

Each band gets a *share of its requirement*; a band of ``n`` people whose requirements total
``R`` kcal/day eats ``share x R``. The shares are ordered (band 0 has the least access, and a
better-off band never gets a smaller share) and they spend exactly the group's food:
sum over bands of share x R = the group's kcal. Why it matters: deaths concentrate where access is
worst (about 90 % of excess deaths in about 10 % of the population in Clingendael's Sudan
scenario, [health:H19]), and the access distribution is the second-largest driver of deaths in
its sensitivity analysis (health.md section 5, Clingendael item 6).

Strategies (``lachin_sim.config.health.Access``):

- ``equal``: every band the same share (Checchi et al.'s assumption, [health:L12]).
- ``linear``: share = clip(b0 + slope x percentile, floor, ceiling), b0 solved so the food is
  spent exactly (the Clingendael reconstruction, [health:L4]-[health:L6], [health:L8]).
- ``lognormal``: share = min(k x exp(sigma z_b), ceiling), z_b the standard normal quantile of
  band b's midpoint, sigma^2 = ln(1 + cv^2), k solved likewise ([health:L13]; FAO's log-normal
  method, [health:L14]).

When the mean share is at or below the floor, or at or above the ceiling, no unequal split
fits: every band gets the mean share (continuous at both ends).

>>> import numpy as np
>>> from lachin_sim.config.health import Access
>>> rule = AccessRule(Access(strategy="linear"), bands=5)
>>> shares = rule.shares(mean_share=np.array([0.6]), weights=np.full((1, 5), 0.2))
>>> np.round(shares, 3).tolist()
[[0.454, 0.474, 0.582, 0.69, 0.799]]
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from lachin_sim.config.health import Access


class AccessRule:
    """The shares of requirement of each band, for many groups at once."""

    def __init__(self, config: Access, bands: int):
        self.config = config
        self.bands = bands
        self.percentile = 100 * (np.arange(bands) + 0.5) / bands  # band midpoints, 0..100
        z = np.array([NormalDist().inv_cdf((b + 0.5) / bands) for b in range(bands)])
        sigma = math.sqrt(math.log1p(config.cv**2))
        self.lognormal_weight = np.exp(sigma * z)  # relative access of each band

    def shares(self, mean_share: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Share of requirement per (group, band).

        ``mean_share`` (groups,): the group's kcal / its total requirement. ``weights``
        (groups, bands): each band's share of the group's total requirement (rows sum to 1;
        a row of zeros is a group with nobody left). The result satisfies
        ``(weights * shares).sum(axis=1) == mean_share``.
        """
        mean_share = np.asarray(mean_share, dtype=float)
        equal = np.repeat(mean_share[:, None], self.bands, axis=1)
        c = self.config
        if c.strategy == "equal" or self.bands == 1:
            return equal
        if c.strategy == "linear":
            low, high = c.floor_share, c.ceiling_share
            breaks = np.concatenate([low - c.slope_share_per_percentile * self.percentile,
                                     high - c.slope_share_per_percentile * self.percentile])  # fmt: skip

            def rule(b0: np.ndarray) -> np.ndarray:  # b0: (..., 1) -> shares (..., bands)
                return np.clip(b0 + c.slope_share_per_percentile * self.percentile, low, high)

        else:  # lognormal, capped at the ceiling
            low, high = 0.0, c.ceiling_share
            breaks = np.concatenate([[0.0], high / self.lognormal_weight])

            def rule(b0: np.ndarray) -> np.ndarray:  # b0: the scale k of each band
                return np.minimum(b0 * self.lognormal_weight, high)

        unequal = _solve(rule, np.sort(breaks), mean_share, weights)
        fits = (mean_share > low) & (mean_share < high) & (weights.sum(axis=1) > 0)
        return np.where(fits[:, None], unequal, equal)


def _solve(rule, breaks: np.ndarray, target: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Shares ``rule(theta)`` with ``theta`` per group such that the weighted mean is ``target``.

    The weighted mean is non-decreasing and linear between consecutive ``breaks`` (where a band
    meets the floor or the ceiling), so evaluating it there and interpolating is exact.
    """
    at_breaks = (weights[:, None, :] * rule(breaks[None, :, None])).sum(axis=2)  # (groups, K)
    j = (at_breaks < target[:, None]).sum(axis=1).clip(1, len(breaks) - 1)
    rows = np.arange(len(target))
    lo, hi = at_breaks[rows, j - 1], at_breaks[rows, j]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(hi > lo, (target - lo) / (hi - lo), 0.0)
    theta = breaks[j - 1] + frac * (breaks[j] - breaks[j - 1])
    return rule(theta[:, None])
