"""Uncertain inputs: the ``[uncertainty]`` table of a scenario config.

Each entry maps a dotted config path (the paths of ``--set``) to a distribution of values the
input may take, with a ``note`` that says why the range is what it is::

    [uncertainty]
    "convoys.icrc.trucks_per_day" = { dist = "uniform", low = 0.1, high = 0.5, note = "why" }
    "commodities.food.initial_stock" = { dist = "triangular", low = 600, mode = 1000, high = 1400, note = "..." }
    "regimes.checkpoint.denial_probability" = { dist = "normal", mean = 0.2, sd = 0.05, low = 0, high = 1, note = "..." }
    "hydro.sarsang.inflow_m3_per_day" = { dist = "lognormal", median = 4e5, sigma = 0.3, note = "..." }
    "population.initial" = { dist = "choice", options = [120000, 100000], weights = [2, 1], note = "..." }

A choice may carry ``linked`` fields: other paths that take their own value with each option
(one value per option), for numbers derived from the same source, such as the food stocks of
one inventory. An input then sets several fields at once; no two inputs may set the same field.

The table changes no run: a scenario with it runs at the values written in its other tables
(the central values). An uncertainty study (``lachin_sim.studies.uncertainty``) draws values
from these distributions and runs the scenario at each draw.

Every distribution maps a point ``u`` of the unit interval to a value (its quantile function),
so that Monte Carlo, Morris and Sobol designs, drawn on the unit cube, give each input its own
distribution. Distributions with an unbounded side (a normal without ``low`` or ``high``, a
lognormal) are cut at their 0.1 % and 99.9 % quantiles (:data:`TAIL`): a draw 3.1 standard
deviations out is the farthest a study goes, and the scenario is checked to be valid there.

>>> from pydantic import TypeAdapter
>>> spec = TypeAdapter(UncertainInput).validate_python(
...     {"dist": "uniform", "low": 1.0, "high": 3.0, "note": "reported range"})
>>> spec.value_at(0.5), [value for _, value in spec.ends()]
(2.0, [1.0, 3.0])
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from .distributions import MAX_LOG_SIGMA
from .types import Model, Positive, Real

Note = Annotated[str, Field(min_length=1)]  # why the range is what it is (sources, reasoning)
TAIL = 1e-3  # unbounded distributions are cut at their 0.1 % and 99.9 % quantiles
CALENDAR_FIELDS = ("start", "end", "tick_days")  # every run of a study shares one calendar
DIST_NAMES = ("uniform", "triangular", "normal", "lognormal", "choice")


class _Input(Model):
    """What every uncertain input does: map unit-interval points to config values. (Each kind
    also has a required ``note``: why the range is what it is, its sources or reasoning.)"""

    def quantile(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - every kind has one
        """The values at unit-interval points ``u`` (numbers, or option indices for a choice)."""
        raise NotImplementedError

    def value_at(self, u: float) -> object:
        """The config value at one unit-interval point (what a run is given)."""
        return self.to_value(float(self.quantile(np.array([u]))[0]))

    def to_value(self, x: float) -> object:
        """A quantile as the config value (a float; whole numbers for ``integer`` inputs)."""
        if getattr(self, "integer", False):
            low, high = (float(self.quantile(np.array([q]))[0]) for q in (0.0, 1.0))
            return int(min(max(round(x), math.ceil(low)), math.floor(high)))
        return float(x)

    def ends(self) -> list[tuple[str, object]]:
        """The values a scenario must be valid at: the two ends of the range (and its median,
        for whole-number inputs); every option of a choice."""
        out = [("at the low end of its range", self.value_at(0.0)),
               ("at the high end of its range", self.value_at(1.0))]  # fmt: skip
        if getattr(self, "integer", False):
            out.insert(1, ("at its median", self.value_at(0.5)))
        return out

    def overrides(self, path: str, x: float) -> dict[str, object]:
        """What one draw sets: the field at ``path`` to its value at quantile ``x`` (a choice
        also sets its linked fields)."""
        return {path: self.to_value(x)}

    def end_overrides(self, path: str) -> list[tuple[str, dict[str, object]]]:
        """:meth:`ends` as the overrides a scenario must be valid with."""
        return [(label, {path: value}) for label, value in self.ends()]

    def paths(self, path: str) -> list[str]:
        """Every field a draw of this input sets (``path``, and a choice's linked fields)."""
        return [path]


class UniformInput(_Input):
    """Every value in [low, high] equally likely: a range with no preferred value."""

    dist: Literal["uniform"]
    note: Note
    low: Real
    high: Real
    integer: bool = False  # round draws to the nearest whole number (whole-number fields)

    @model_validator(mode="after")
    def _ordered(self) -> UniformInput:
        if not self.low < self.high:
            raise ValueError(f"need low < high, got low = {self.low:g}, high = {self.high:g}")
        return self

    def quantile(self, u: np.ndarray) -> np.ndarray:
        return self.low + np.asarray(u, dtype=float) * (self.high - self.low)


class TriangularInput(_Input):
    """Values in [low, high], most likely near ``mode``: a best guess with a plausible range."""

    dist: Literal["triangular"]
    note: Note
    low: Real
    mode: Real
    high: Real
    integer: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> TriangularInput:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(f"need low <= mode <= high and low < high, got {self.low:g}, "
                             f"{self.mode:g}, {self.high:g}")  # fmt: skip
        return self

    def quantile(self, u: np.ndarray) -> np.ndarray:
        # scipy.stats.triang's quantile, written out (the same arithmetic, so the same values):
        # validating a config then needs no scipy, which takes long to import
        span = self.high - self.low
        c = (self.mode - self.low) / span
        u = np.asarray(u, dtype=float)
        return np.where(u < c, np.sqrt(c * u), 1 - np.sqrt((1 - c) * (1 - u))) * span + self.low


def _cdf(dist: NormalDist, x: float) -> float:
    """``dist.cdf(x)``, also at an infinite ``x``."""
    return 0.0 if x == -math.inf else 1.0 if x == math.inf else dist.cdf(x)


class NormalInput(_Input):
    """Normal with ``mean`` and ``sd``, optionally truncated to [low, high] (e.g. a share
    that must stay in [0, 1]); an open side is cut at its 0.1 % or 99.9 % quantile."""

    dist: Literal["normal"]
    note: Note
    mean: Real
    sd: Positive
    low: Real | None = None
    high: Real | None = None
    integer: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> NormalInput:
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"need low < high, got low = {self.low:g}, high = {self.high:g}")
        lo = -math.inf if self.low is None else self.low
        hi = math.inf if self.high is None else self.high
        held = NormalDist(self.mean, self.sd)
        if _cdf(held, hi) - _cdf(held, lo) < 1e-6:
            raise ValueError(f"[low, high] = [{lo:g}, {hi:g}] holds almost none of the normal "
                             f"distribution (mean {self.mean:g}, sd {self.sd:g})")  # fmt: skip
        return self

    def frozen(self):
        """The scipy distribution (truncated when low or high is given)."""
        from scipy import stats

        if self.low is None and self.high is None:
            return stats.norm(self.mean, self.sd)
        a = -np.inf if self.low is None else (self.low - self.mean) / self.sd
        b = np.inf if self.high is None else (self.high - self.mean) / self.sd
        return stats.truncnorm(a, b, loc=self.mean, scale=self.sd)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        lo = TAIL if self.low is None else 0.0
        hi = 1 - TAIL if self.high is None else 1.0
        return self.frozen().ppf(np.clip(u, lo, hi))


class LognormalInput(_Input):
    """Lognormal with ``median`` and ``sigma`` (standard deviation of the log): a positive
    quantity known to within a factor (sigma = 0.3: 95 % within x/÷ 1.8); cut at its 0.1 %
    and 99.9 % quantiles."""

    dist: Literal["lognormal"]
    note: Note
    median: Positive
    sigma: Annotated[Positive, Field(le=MAX_LOG_SIGMA)]
    integer: bool = False

    def frozen(self):
        from scipy import stats

        return stats.lognorm(s=self.sigma, scale=self.median)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        return self.frozen().ppf(np.clip(np.asarray(u, dtype=float), TAIL, 1 - TAIL))


class ChoiceInput(_Input):
    """One of several sourced alternatives (numbers, names, lists or tables), with optional
    weights (default: equally likely), e.g. two sources that disagree."""

    dist: Literal["choice"]
    note: Note
    options: Annotated[list[Any], Field(min_length=2)]
    weights: list[Positive] | None = None  # relative; as many as options
    # other fields that move with the option (derived from the same source): path -> one value
    # per option, e.g. the other food stocks of an inventory, in the same order as `options`
    linked: dict[str, Annotated[list[Any], Field(min_length=2)]] = {}

    @model_validator(mode="after")
    def _weights(self) -> ChoiceInput:
        if self.weights is not None and len(self.weights) != len(self.options):
            raise ValueError(f"weights has {len(self.weights)} entries; options has "
                             f"{len(self.options)}: give one weight per option")  # fmt: skip
        for path, values in self.linked.items():
            if len(values) != len(self.options):
                raise ValueError(f"linked {path!r} has {len(values)} values; options has "
                                 f"{len(self.options)}: give one value per option")  # fmt: skip
        return self

    def linked_at(self, index: int) -> dict[str, object]:
        """The linked fields' values that go with option ``index``."""
        return {path: values[index] for path, values in self.linked.items()}

    def overrides(self, path: str, x: float) -> dict[str, object]:
        return {path: self.to_value(x), **self.linked_at(int(x))}

    def end_overrides(self, path: str) -> list[tuple[str, dict[str, object]]]:
        return [(f"with option {k}", {path: option, **self.linked_at(k)})
                for k, option in enumerate(self.options)]  # fmt: skip

    def paths(self, path: str) -> list[str]:
        return [path, *self.linked]

    def probabilities(self) -> np.ndarray:
        w = np.ones(len(self.options)) if self.weights is None else np.array(self.weights)
        return w / w.sum()

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """The index of the option at each unit-interval point (option k covers its weight)."""
        edges = np.cumsum(self.probabilities())[:-1]
        return np.searchsorted(edges, np.asarray(u, dtype=float), side="right").astype(float)

    def to_value(self, x: float) -> object:
        return self.options[int(x)]

    def ends(self) -> list[tuple[str, object]]:
        return [(f"with option {k}", option) for k, option in enumerate(self.options)]


UncertainInput = Annotated[
    UniformInput | TriangularInput | NormalInput | LognormalInput | ChoiceInput,
    Field(discriminator="dist"),
]
"""Any uncertain input; ``dist`` selects which."""
