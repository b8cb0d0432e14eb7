"""Probability distributions used in configs (travel, inspection, delay and closure times).

A config names a distribution by a small table, e.g. ``{dist = "exponential", mean = 1.5}``;
a bare number is shorthand for a fixed value. The unit is the one of the field that holds it
(``*_h`` fields are hours, ``*_days`` fields are days).

>>> from lachin_sim.config.distributions import Exponential
>>> import random
>>> draw = Exponential(dist="exponential", mean=2.0).sampler(random.Random(1))
>>> round(draw(), 3)
0.289
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, model_validator

from .types import MODEL_CONFIG, NonNegative, Positive

# Largest lognormal sigma (standard deviation of the log): with sigma = 10 the middle 95 % of
# draws already spans a factor of e^39 (about 1e17); far larger sigmas overflow the draws
# (exp of more than 709 is inf in floating point). No travel or inspection time needs more.
MAX_LOG_SIGMA = 10.0


class _Dist(BaseModel):
    model_config = MODEL_CONFIG

    def sampler(self, rng: random.Random) -> Callable[[], float]:  # pragma: no cover
        raise NotImplementedError

    @property
    def mean_value(self) -> float:  # pragma: no cover
        raise NotImplementedError


class Fixed(_Dist):
    """Always the same value."""

    dist: Literal["fixed"] = "fixed"
    value: NonNegative

    def sampler(self, rng: random.Random) -> Callable[[], float]:
        value = self.value
        return lambda: value

    @property
    def mean_value(self) -> float:
        return self.value


class Exponential(_Dist):
    """Exponential with the given mean (memoryless; M/M/c inspection times)."""

    dist: Literal["exponential"]
    mean: Positive

    def sampler(self, rng: random.Random) -> Callable[[], float]:
        rate = 1.0 / self.mean
        expo = rng.expovariate
        return lambda: expo(rate)

    @property
    def mean_value(self) -> float:
        return self.mean


class Uniform(_Dist):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self

    def sampler(self, rng: random.Random) -> Callable[[], float]:
        low, span, uni = self.low, self.high - self.low, rng.random
        return lambda: low + span * uni()

    @property
    def mean_value(self) -> float:
        return (self.low + self.high) / 2


class Triangular(_Dist):
    """Triangular on [low, high] with the given mode."""

    dist: Literal["triangular"]
    low: NonNegative
    mode: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"need low <= mode <= high, got {self.low}, {self.mode}, {self.high}")
        return self

    def sampler(self, rng: random.Random) -> Callable[[], float]:
        low, high, mode, tri = self.low, self.high, self.mode, rng.triangular
        return lambda: tri(low, high, mode)

    @property
    def mean_value(self) -> float:
        return (self.low + self.mode + self.high) / 3


class Lognormal(_Dist):
    """Lognormal given by its median and the standard deviation of the log (sigma)."""

    dist: Literal["lognormal"]
    median: Positive
    sigma: Annotated[NonNegative, Field(le=MAX_LOG_SIGMA)]

    def sampler(self, rng: random.Random) -> Callable[[], float]:
        mu, sigma, lognorm = math.log(self.median), self.sigma, rng.lognormvariate
        return lambda: lognorm(mu, sigma)

    @property
    def mean_value(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)


def _number_is_fixed(value: object) -> object:
    """Let a bare number stand for a fixed value (``travel_h = 2.5``)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"dist": "fixed", "value": value}
    if isinstance(value, dict) and "dist" not in value and set(value) == {"value"}:
        return {"dist": "fixed", **value}
    return value


Distribution = Annotated[
    Fixed | Exponential | Uniform | Triangular | Lognormal,
    Field(discriminator="dist"),
    BeforeValidator(_number_is_fixed),
]
"""Any of the distributions above; ``dist`` selects which."""

DISTRIBUTION_NAMES = ("fixed", "exponential", "uniform", "triangular", "lognormal")
