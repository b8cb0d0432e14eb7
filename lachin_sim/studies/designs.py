"""Experimental designs over dotted-path parameters, and the sweep-config file that names one.

A design is a list of *points*; each point maps dotted config paths (the same paths as
``--set``) to values. Three kinds:
- ``grid``: every combination of listed values;
- ``lhs``: a Latin hypercube of ``samples`` points over ``[low, high]`` ranges;
- ``random``: ``samples`` independent uniform points over the ranges;
- ``replications``: the base scenario alone (one point, no parameters);
- ``points``: explicit override sets, one per point (named scenarios use this).

>>> grid({"convoys.icrc.trucks_per_day": [1, 2], "regimes.checkpoint.denial_probability": [0, 0.5]})[1]
{'convoys.icrc.trucks_per_day': 1, 'regimes.checkpoint.denial_probability': 0.5}
"""

from __future__ import annotations

import itertools
import math
import os
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, Field, ValidationError, model_validator
from scipy.stats import qmc

from lachin_sim.config.types import MODEL_CONFIG, NonNegativeInt, PositiveInt, Real
from lachin_sim.errors import ConfigError, Problem

UNSWEEPABLE = ("start", "end", "tick_days")  # every run of a sweep shares one calendar
# Most runs one sweep may make (points x replications). The parent keeps about 1 kB per run
# (its summary row, seed and task), so this bound keeps it near 1 GB; at a few runs a second
# per core it is days of computing. A bigger study is several sweeps.
MAX_RUNS = 1_000_000


def grid(values: dict[str, list]) -> list[dict[str, object]]:
    """Every combination of the listed values (the last parameter varies fastest)."""
    names = list(values)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values.values())]


def latin_hypercube(
    ranges: dict[str, tuple[float, float]], samples: int, seed: int, integers: tuple[str, ...] = ()
) -> list[dict[str, object]]:
    """``samples`` points: each parameter's range cut into ``samples`` equal strata, one point
    per stratum (at a random place in it), strata paired at random across parameters
    (``scipy.stats.qmc.LatinHypercube``). Integer parameters are rounded."""
    if not ranges:
        return [{} for _ in range(samples)]
    unit = qmc.LatinHypercube(d=len(ranges), rng=np.random.default_rng(seed)).random(samples)
    columns = {
        name: low + unit[:, k] * (high - low)
        for k, (name, (low, high)) in enumerate(ranges.items())
    }
    return _points(columns, samples, integers, ranges)


def random_design(
    ranges: dict[str, tuple[float, float]], samples: int, seed: int, integers: tuple[str, ...] = ()
) -> list[dict[str, object]]:
    """``samples`` independent uniform points over the ranges."""
    rng = np.random.default_rng(seed)
    columns = {name: rng.uniform(low, high, samples) for name, (low, high) in ranges.items()}
    return _points(columns, samples, integers, ranges)


def _points(
    columns: dict[str, np.ndarray],
    samples: int,
    integers: tuple[str, ...],
    ranges: dict[str, tuple[float, float]],
) -> list[dict]:
    points = []
    for i in range(samples):
        point: dict[str, object] = {}
        for name, col in columns.items():
            value = float(col[i])
            if name in integers:  # the nearest whole number inside the range
                low, high = ranges[name]
                value = min(max(round(value), math.ceil(low)), math.floor(high))
            point[name] = value
        points.append(point)
    return points


class Design(BaseModel):
    """The ``[design]`` table of a sweep config."""

    model_config = MODEL_CONFIG

    kind: Literal["grid", "lhs", "random", "replications", "points"] = "grid"
    grid: dict[str, Annotated[list, Field(min_length=1)]] = {}  # kind = "grid"
    ranges: dict[str, tuple[Real, Real]] = {}  # kind = "lhs" / "random": [low, high], finite
    samples: PositiveInt | None = None  # kind = "lhs" / "random"
    integer: list[str] = []  # range parameters to round to whole numbers
    explicit: list[dict[str, object]] = []  # kind = "points": override sets (named scenarios)

    @model_validator(mode="after")
    def _consistent(self) -> Design:
        if self.kind in ("replications", "points"):
            if self.grid or self.ranges or self.samples:
                raise ValueError(f"kind = '{self.kind}' takes no grid, ranges or samples")
            if self.kind == "replications" and self.explicit:
                raise ValueError("kind = 'replications' runs the base scenario only")
            if self.kind == "points" and not self.explicit:
                raise ValueError("kind = 'points' needs at least one point")
        elif self.kind == "grid":
            if not self.grid:
                raise ValueError("a grid design needs at least one parameter in [design.grid]")
            if self.ranges or self.samples:
                raise ValueError(
                    "ranges and samples belong to kind = 'lhs' or 'random', not 'grid'"
                )
        else:
            if not self.ranges:
                raise ValueError(f"a {self.kind} design needs [design.ranges]")
            if self.samples is None:
                raise ValueError(f"a {self.kind} design needs samples = N")
            if self.grid:
                raise ValueError("[design.grid] belongs to kind = 'grid'")
            for name, (low, high) in self.ranges.items():
                if not low < high:
                    raise ValueError(f"range of {name!r} needs low < high, got [{low}, {high}]")
            unknown = set(self.integer) - set(self.ranges)
            if unknown:
                raise ValueError(f"integer names parameters not in ranges: {sorted(unknown)}")
        return self

    def n_points(self) -> int:
        """How many points the design has (computed without building them)."""
        if self.kind == "replications":
            return 1
        if self.kind == "points":
            return len(self.explicit)
        if self.kind == "grid":
            return math.prod(len(values) for values in self.grid.values())
        return self.samples or 0

    def parameters(self) -> list[str]:
        """Swept parameters, one column each in the runs table (none for explicit points)."""
        return list(self.grid or self.ranges)

    def points(self, seed: int) -> list[dict[str, object]]:
        """The override set of every point, in point order."""
        if self.kind == "replications":
            return [{}]
        if self.kind == "points":
            return [dict(p) for p in self.explicit]
        if self.kind == "grid":
            return grid(self.grid)
        build = latin_hypercube if self.kind == "lhs" else random_design
        return build(self.ranges, self.samples or 0, seed, tuple(self.integer))


class SweepConfig(BaseModel):
    """A sweep-config file: a base scenario, fixed overrides, a design, replications."""

    model_config = MODEL_CONFIG

    scenario: str  # path of the base scenario TOML, relative to the sweep config
    description: str = ""
    seed: NonNegativeInt = 0  # root seed: run seeds are spawned from it
    replications: PositiveInt = 1
    overrides: dict[str, object] = {}  # dotted path -> value, applied to every run
    design: Design
    keep_full_runs: list[NonNegativeInt] = []  # run ids whose full result folders are also saved
    heatmap_metrics: list[str] = []  # summary metrics to draw as heatmaps (two-parameter grids)
    band_replications: PositiveInt = 1000  # replications per point in the bands


def load_sweep_config(path: str | os.PathLike) -> tuple[SweepConfig, Path]:
    """Read and validate a sweep config; returns it and the resolved base scenario path."""
    from lachin_sim.config.files import read_toml, referenced_file

    path = Path(path)
    raw = read_toml(path)
    try:
        config = SweepConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(str(path), design_problems(exc)) from None
    check_run_count(config.design, config.replications, str(path))
    return config, referenced_file(path, "scenario", config.scenario, "base scenario")


def check_run_count(design: Design, replications: int, source: str) -> None:
    """Refuse a sweep of more than :data:`MAX_RUNS` runs, saying how many it would make."""
    n_runs = design.n_points() * replications
    if n_runs > MAX_RUNS:
        raise ConfigError(source, [Problem("replications", replications,
                          f"{design.n_points():,} points x {replications:,} replications would make "
                          f"{n_runs:,} runs; at most {MAX_RUNS:,} per sweep (split the study)")])  # fmt: skip


def design_problems(exc: ValidationError) -> list[Problem]:
    """Pydantic errors of a sweep config or design as problems (path, value, message)."""
    return [
        Problem(".".join(str(p) for p in e["loc"]), e.get("input"), e["msg"]) for e in exc.errors()
    ]


def check_parameters(names: list[str], source: str) -> None:
    """Refuse parameters that would give runs different calendars."""
    bad = [n for n in names if n in UNSWEEPABLE]
    if bad:
        raise ConfigError(
            source,
            [
                Problem(
                    n,
                    None,
                    f"cannot be swept: all runs share one calendar ({', '.join(UNSWEEPABLE)})",
                )
                for n in bad
            ],
        )
