"""Daily death hazards from body state, and deaths as expected values (no random draws).

Adults (Clingendael, [health:H1]-[health:H3]): the monthly probability of an excess death is
m = delta exp((18.5 - BMI)^gamma) below BMI 18.5, capped; as a daily hazard,
h = -ln(1 - m) / 30.4 ([health:H4]-[health:H8] use 30.4 days a month). The *excess* hazard of a
body is h(BMI now) - h(BMI at the start): the background rate already holds the deaths of people
who were thin before the crisis, so a body that keeps its weight has no excess hazard.

Children (Olofin et al., [health:I5], proxies [health:I7], [health:I8]): the hazard ratio of
their wasting category (WHZ >= -1, -2..-1, -3..-2, < -3) multiplies the group's background
rate; the excess is background x (HR now - HR at the start).

Survival limit ([health:G5], [health:G6]): people die when their BMI falls to their own lethal
BMI, which varies between people around the sex's mean (normal, with the quoted coefficient of
variation). The share of a body's people whose limit has been reached is
Phi((lethal_bmi - BMI) / (cv x lethal_bmi)); the part of it reached in a tick dies in it. Below
lethal_bmi x (1 - 3 cv), the weight floor, nobody survives.

Deaths in a tick of ``t`` days: background first, q_bg = 1 - exp(-h_bg t); then among the rest
the survival limit and the excess hazard, q_ex = (1 - q_bg)(1 - (1 - q_lim) exp(-h_ex t)). So
deaths never exceed the people present, and a body that keeps its weight has only the background
rate.

>>> import numpy as np
>>> from lachin_sim.config.health import Mortality
>>> per_10k = adult_hazard_per_day(np.array([17.0, 16.0, 15.0]), Mortality()) * 1e4
>>> np.round(per_10k, 2).tolist()  # health.md H4-H6: 0.51, 2.72, 18.8
[0.51, 2.72, 18.83]
"""

from __future__ import annotations

import math

import numpy as np

from lachin_sim.config.health import Mortality

DAYS_PER_MONTH = 30.4  # as health.md's derivation of H4-H8
PER_10K = 1e-4  # a rate per 10,000 people per day, as a rate per person per day


def adult_hazard_per_day(bmi: np.ndarray, m: Mortality) -> np.ndarray:
    """Clingendael's excess-death hazard of an adult at ``bmi``, per person per day."""
    gap = np.clip(m.excess_below_bmi - np.asarray(bmi, dtype=float), 0.0, None)
    with np.errstate(over="ignore"):
        monthly = m.excess_scale_per_month * np.exp(gap**m.excess_exponent)
    monthly = np.where(gap > 0, np.minimum(monthly, m.max_monthly_excess_probability), 0.0)
    return -np.log1p(-monthly) / DAYS_PER_MONTH


def wasting_hazard_ratio(whz: np.ndarray, m: Mortality) -> np.ndarray:
    """Hazard ratio of death for a child at weight-for-height z-score ``whz`` (vs WHZ >= -1)."""
    whz = np.asarray(whz, dtype=float)
    return np.select(
        [whz < -3, whz < -2, whz < -1],
        [m.wasting_hr_severe, m.wasting_hr_moderate, m.wasting_hr_mild],
        default=1.0,
    )


def lethal_share(bmi: np.ndarray, lethal_bmi: np.ndarray, cv: np.ndarray) -> np.ndarray:
    """Share of people at ``bmi`` whose own survival limit has been reached."""
    bmi, lethal_bmi, cv = (np.asarray(a, dtype=float) for a in (bmi, lethal_bmi, cv))
    spread = cv * lethal_bmi
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(spread > 0, (lethal_bmi - bmi) / spread, np.where(bmi <= lethal_bmi, np.inf,
                                                                         -np.inf))  # fmt: skip
    return 0.5 * (1 + _erf(z / math.sqrt(2)))


_erf = np.vectorize(math.erf, otypes=[float])


def death_shares(background_per_day: np.ndarray, excess_per_day: np.ndarray,
                 limit_share: np.ndarray, days: float) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(background, excess) shares of the people present who die in a tick of ``days``;
    ``limit_share``: share of them reaching their survival limit in the tick."""
    background = -np.expm1(-np.asarray(background_per_day, dtype=float) * days)
    survivors = 1 - background
    alive = (1 - np.asarray(limit_share, dtype=float)) * np.exp(-excess_per_day * days)
    return background, survivors * (1 - alive)
