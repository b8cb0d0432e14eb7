"""Fitting named parameters to an observed series, with the fit error and its uncertainty.

>>> import lachin_sim as ls
>>> from lachin_sim.studies.calibration import calibrate, cumulative_delivered
>>> fit = calibrate(  # doctest: +SKIP
...     "configs/blockade_2023.toml",
...     parameters={"convoys.peacekeeper.trucks_per_day": (0.1, 5.0)},
...     observed={"2023-04-12": 4089.0},                # tonnes delivered since 12 Dec 2022
...     output=cumulative_delivered(operators=["humanitarian", "peacekeeper"], since="2022-12-12"),
...     replications=10)
>>> fit.values, fit.rmse, fit.interval                  # doctest: +SKIP

(The fit takes minutes, so the examples above are not run as doctests; the same call, with
fewer replications, is made by ``experiments/historical.py --quick`` in the test suite.)

What is fitted: the mean over ``replications`` seeded runs (common random numbers: the same
seeds at every trial value) of the model's output series at the observed dates, against the
observed values, by least squares (RMSE). One parameter is searched by golden section within its
bounds; several by cycles of golden-section searches, one coordinate at a time.

How uncertain: each replication seed is also fitted on its own; the spread of those fits (5 %
to 95 %) says how much the answer moves with the randomness of a single history. It does not
include the uncertainty of the observations themselves (rerun with the observed values moved to
the ends of their reported range for that).
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lachin_sim.config.files import read_config
from lachin_sim.config.schema import Scenario
from lachin_sim.config.types import is_finite_number
from lachin_sim.errors import ConfigError, Problem
from lachin_sim.model.streams import spawn_seeds
from lachin_sim.outputs.results import Result

GOLDEN = (math.sqrt(5) - 1) / 2


def cumulative_delivered(
    operators: list[str] | None = None,
    commodities: list[str] | None = None,
    since: str | None = None,
) -> Callable[[Result], pd.Series]:
    """Output: tonnes unloaded by trucks (of these operators, of these commodities) from
    ``since`` to the end of each day, indexed by date."""

    def output(result: Result) -> pd.Series:
        trucks = result.convoys[result.convoys["outcome"] == "delivered"]
        if operators is not None:
            trucks = trucks[trucks["operator"].isin(operators)]
        if since is not None:
            trucks = trucks[trucks["arrived"] >= pd.Timestamp(since)]
        names = commodities or [
            c[:-2] for c in trucks.columns if c.endswith("_t") and c != "payload_t"
        ]
        tonnes = trucks[[f"{c}_t" for c in names if f"{c}_t" in trucks]].sum(axis=1)
        daily = tonnes.groupby(trucks["arrived"].dt.normalize()).sum()
        return daily.reindex(_days(result), fill_value=0.0).cumsum()

    return output


def cumulative_column(
    column: str, commodities: list[str] | None = None, since: str | None = None
) -> Callable[[Result], pd.Series]:
    """Output: the cumulative sum of a ``stocks`` column (e.g. "delivered", "consumed") over
    the chosen commodities, from ``since`` to the end of each day."""

    def output(result: Result) -> pd.Series:
        stocks = result.stocks
        if commodities is not None:
            stocks = stocks[stocks["commodity"].isin(commodities)]
        if since is not None:
            stocks = stocks[stocks["date"] >= pd.Timestamp(since)]
        daily = stocks.groupby(stocks["date"].dt.normalize())[column].sum()
        return daily.reindex(_days(result), fill_value=0.0).cumsum()

    return output


def _days(result: Result) -> pd.DatetimeIndex:
    s = result.scenario
    return pd.date_range(pd.Timestamp(s.start), pd.Timestamp(s.end) - pd.Timedelta(days=1))


@dataclass
class CalibrationResult:
    """``values``: fitted parameters; ``rmse``/``relative_error``: the fit error at the observed
    points; ``per_seed``: one fit per replication seed; ``interval``: 5-95 % of those fits;
    ``fit``: observed against model (mean, 5 %, 95 % over replications) at the observed dates;
    ``evaluations``: every trial value and its RMSE."""

    values: dict[str, float]
    rmse: float
    relative_error: float
    per_seed: pd.DataFrame
    interval: dict[str, tuple[float, float]]
    fit: pd.DataFrame
    evaluations: pd.DataFrame

    def report(self) -> str:
        lines = [
            "parameter                                fitted     5 %      95 %  (fits per seed)"
        ]
        for name, value in self.values.items():
            lo, hi = self.interval[name]
            lines.append(f"{name:<38}{value:>9.4g}{lo:>9.4g}{hi:>9.4g}")
        lines.append(
            f"fit error: RMSE {self.rmse:.4g} ({self.relative_error:.2%} of the observed mean)"
        )
        return "\n".join(lines)


def calibrate(
    scenario: Scenario | str | os.PathLike,
    parameters: dict[str, tuple[float, float]],
    observed: dict[str, float] | pd.Series,
    output: Callable[[Result], pd.Series],
    replications: int = 10,
    seed: int = 0,
    overrides: dict[str, object] | None = None,
    tolerance: float | None = None,
    cycles: int = 3,
) -> CalibrationResult:
    """Fit ``parameters`` (dotted path -> (low, high)) so that the model's ``output`` series
    matches ``observed`` (date -> value) at the observed dates. ``tolerance``: stop each
    golden-section search when the bracket is this narrow (default 1e-3 of the range)."""
    from lachin_sim.config.validation import validate_scenario
    from lachin_sim.model.simulation import simulate

    raw = scenario.to_dict() if isinstance(scenario, Scenario) else read_config(scenario)
    source = getattr(scenario, "name", str(scenario))
    _check_arguments(source, parameters, observed, replications)
    obs = pd.Series(observed, dtype=float)
    obs.index = pd.to_datetime(obs.index)
    seeds = spawn_seeds(seed, replications)
    fixed = dict(overrides or {})
    cache: dict[tuple, np.ndarray] = {}  # (values, replication) -> output at observed dates
    scenarios: dict[tuple, Scenario] = {}
    trials: list[dict] = []

    def one_run(values: tuple[float, ...], rep: int) -> np.ndarray:
        if (values, rep) not in cache:
            if values not in scenarios:
                point = fixed | dict(zip(parameters, values, strict=True))
                scenarios[values] = validate_scenario(raw, source, overrides=point)
            series = output(simulate(scenarios[values], seed=seeds[rep]))
            cache[(values, rep)] = series.reindex(obs.index).to_numpy(dtype=float)
        return cache[(values, rep)]

    def outputs(values: tuple[float, ...]) -> np.ndarray:
        """Model output at the observed dates, one row per replication."""
        return np.array([one_run(values, rep) for rep in range(replications)])

    def rmse(values: tuple[float, ...], rep: int | None = None) -> float:
        model = outputs(values).mean(axis=0) if rep is None else one_run(values, rep)
        err = float(np.sqrt(np.mean((model - obs.to_numpy()) ** 2)))
        if rep is None:
            trials.append({**dict(zip(parameters, values, strict=True)), "rmse": err})
        return err

    best = _coordinate_search(parameters, lambda v: rmse(v), tolerance, cycles)
    per_seed = []
    for rep, run_seed in enumerate(seeds):
        values = _coordinate_search(parameters, functools.partial(rmse, rep=rep), tolerance, cycles)
        per_seed.append({"seed": run_seed, **dict(zip(parameters, values, strict=True)),
                         "rmse": rmse(values, rep)})  # fmt: skip
    per_seed_df = pd.DataFrame(per_seed)
    interval = {p: (float(per_seed_df[p].quantile(0.05)), float(per_seed_df[p].quantile(0.95)))
                for p in parameters}  # fmt: skip
    out = outputs(best)
    fit = pd.DataFrame({"date": obs.index, "observed": obs.to_numpy(), "model_mean": out.mean(axis=0),
                        "model_q05": np.quantile(out, 0.05, axis=0),
                        "model_q95": np.quantile(out, 0.95, axis=0)})  # fmt: skip
    error = rmse(best)
    return CalibrationResult(
        values=dict(zip(parameters, best, strict=True)),
        rmse=error,
        relative_error=error / abs(float(obs.mean())) if obs.mean() else float("nan"),
        per_seed=per_seed_df,
        interval=interval,
        fit=fit,
        evaluations=pd.DataFrame(trials).drop_duplicates().sort_values(list(parameters)),
    )


def _check_arguments(source: str, parameters: dict, observed, replications: int) -> None:
    """Bounds are finite numbers with low < high; observations are finite; replications >= 1."""
    problems = []
    for name, bounds in parameters.items():
        try:
            low, high = bounds
        except (TypeError, ValueError):
            low = high = None
        if not (is_finite_number(low) and is_finite_number(high) and low < high):
            problems.append(Problem(f"parameters.{name}", bounds,
                                    "bounds must be two finite numbers (low, high) with low < high"))  # fmt: skip
    values = observed.to_dict() if isinstance(observed, pd.Series) else dict(observed)
    for date, value in values.items():
        if not is_finite_number(value):
            problems.append(Problem(f"observed.{date}", value, "must be a finite number"))
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        problems.append(Problem("replications", replications, "must be a whole number >= 1"))
    if problems:
        raise ConfigError(f"calibrate ({source})", problems)


def _coordinate_search(
    parameters: dict[str, tuple[float, float]],
    objective: Callable[[tuple[float, ...]], float],
    tolerance: float | None,
    cycles: int,
) -> tuple[float, ...]:
    """Minimise ``objective`` in the box: golden section along one parameter at a time."""
    names = list(parameters)
    current = [(lo + hi) / 2 for lo, hi in parameters.values()]
    for _ in range(cycles if len(names) > 1 else 1):
        for i, (lo, hi) in enumerate(parameters.values()):
            tol = tolerance if tolerance is not None else 1e-3 * (hi - lo)

            def along(x: float, i: int = i) -> float:
                trial = list(current)
                trial[i] = x
                return objective(tuple(trial))

            current[i] = golden_section(along, lo, hi, tol)
    return tuple(current)


def golden_section(f: Callable[[float], float], lo: float, hi: float, tol: float) -> float:
    """Minimiser of a unimodal ``f`` on [lo, hi] to within ``tol`` (ends included as candidates)."""
    a, b = lo, hi
    c, d = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
    fc, fd = f(c), f(d)
    while b - a > tol:
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - GOLDEN * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + GOLDEN * (b - a)
            fd = f(d)
    candidates = [(f(x), x) for x in (lo, (a + b) / 2, hi)]
    return min(candidates)[1]
