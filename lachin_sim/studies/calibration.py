"""Fitting named parameters to observed series, with the fit's residuals and its uncertainty.

>>> import lachin_sim as ls
>>> from lachin_sim.studies.calibration import calibrate, cumulative_crossings, cumulative_delivered
>>> fit = calibrate(  # doctest: +SKIP
...     "configs/blockade_2023.toml",
...     parameters={"convoys.peacekeeper.trucks_per_day": (0.1, 5.0)},
...     observed={"2023-04-12": 4089.0},                # tonnes delivered since 12 Dec 2022
...     output=cumulative_delivered(operators=["humanitarian", "peacekeeper"], since="2022-12-12"),
...     cutoff="2023-04-12", replications=10)
>>> fit.values, fit.interval, fit.fit                   # doctest: +SKIP

Several series at once: ``observed`` and ``output`` are then dicts keyed by series name, e.g.
``observed={"tonnes": {...}, "trucks": {...}}`` and ``output={"tonnes": cumulative_delivered(...),
"trucks": cumulative_crossings(...)}``.

(The fit takes minutes, so the examples above are not run as doctests; the same call, with
fewer replications, is made by ``experiments/historical.py --quick`` in the test suite.)

What is fitted: the mean over ``replications`` seeded runs (common random numbers: the same
seeds at every trial value) of each output series at its observed dates. The error is the root
mean square of the residuals over all observations, each residual divided by its series' scale
(the mean absolute observed value), so that tonnes and vehicle counts weigh alike; for one
series the best fit is its least-squares fit. It is minimised within the bounds by
``scipy.optimize``: Brent's bounded method for one parameter, Powell's method (bounded,
derivative-free: a mean of discrete runs is a step function of the parameters) for several.

The cut-off: only observations up to ``cutoff`` may be used (a fit must not see what it is
later tested against); an observation after it is refused with a message naming it.

How uncertain: each replication seed is also fitted on its own; the spread of those fits (5 %
to 95 %) says how much the answer moves with the randomness of a single history. It does not
include the uncertainty of the observations themselves (rerun with the observed values moved to
the ends of their reported range for that). The residuals of the mean fit are reported per
observation (``fit``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from lachin_sim.config.files import read_config
from lachin_sim.config.schema import Scenario
from lachin_sim.config.types import is_finite_number
from lachin_sim.errors import ConfigError, Problem
from lachin_sim.model.streams import spawn_seeds
from lachin_sim.outputs.results import Result

SERIES = "series"  # the name of the only series when observed is a plain date -> value table
TOLERANCE = 1e-3  # default search tolerance, as a share of each parameter's range


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


def cumulative_crossings(
    operators: list[str] | None = None,
    direction: str = "in",
    corridors: list[str] | None = None,
    since: str | None = None,
) -> Callable[[Result], pd.Series]:
    """Output: vehicles of these operators that crossed in ``direction`` ("in" or "out") on these
    corridors (the ``crossings`` table), from ``since`` to the end of each day."""

    def output(result: Result) -> pd.Series:
        rows = result.crossings[result.crossings["direction"] == direction]
        if operators is not None:
            rows = rows[rows["operator"].isin(operators)]
        if corridors is not None:
            rows = rows[rows["corridor"].isin(corridors)]
        if since is not None:
            rows = rows[rows["date"] >= pd.Timestamp(since)]
        daily = rows.groupby(rows["date"].dt.normalize())["vehicles"].sum()
        return daily.reindex(_days(result), fill_value=0.0).cumsum()

    return output


def _days(result: Result) -> pd.DatetimeIndex:
    s = result.scenario
    return pd.date_range(pd.Timestamp(s.start), pd.Timestamp(s.end) - pd.Timedelta(days=1))


@dataclass
class CalibrationResult:
    """``values``: fitted parameters; ``error``: the scaled RMS error of the fit (see the module
    docstring); ``rmse``: RMSE per series in its unit; ``relative_error``: each series' RMSE over
    its mean observed value; ``per_seed``: one fit per replication seed; ``interval``: 5-95 % of
    those fits; ``fit``: one row per observation: series, date, observed, model mean, 5 % and
    95 % over replications, residual (model mean - observed) and relative residual;
    ``evaluations``: every trial of the mean fit and its error; ``cutoff``: the last date an
    observation may have."""

    values: dict[str, float]
    error: float
    rmse: dict[str, float]
    relative_error: dict[str, float]
    per_seed: pd.DataFrame
    interval: dict[str, tuple[float, float]]
    fit: pd.DataFrame
    evaluations: pd.DataFrame
    cutoff: dt.date

    def report(self) -> str:
        lines = [
            "parameter                                fitted     5 %      95 %  (fits per seed)"
        ]
        for name, value in self.values.items():
            lo, hi = self.interval[name]
            lines.append(f"{name:<38}{value:>9.4g}{lo:>9.4g}{hi:>9.4g}")
        for series, rmse in self.rmse.items():
            lines.append(f"fit error, {series}: RMSE {rmse:.4g} ({self.relative_error[series]:.2%} "
                         "of the observed mean)")  # fmt: skip
        lines.append(f"observations up to the cut-off {self.cutoff}: {len(self.fit)}")
        return "\n".join(lines)


def calibrate(
    scenario: Scenario | str | os.PathLike,
    parameters: dict[str, tuple[float, float]],
    observed: dict | pd.Series,
    output: Callable[[Result], pd.Series] | dict[str, Callable[[Result], pd.Series]],
    cutoff: str | dt.date,
    replications: int = 10,
    seed: int = 0,
    overrides: dict[str, object] | None = None,
    tolerance: float | None = None,
    per_seed: bool = True,
) -> CalibrationResult:
    """Fit ``parameters`` (dotted path -> (low, high)) so that the model's outputs match the
    observations. One series: ``observed`` maps date -> value and ``output`` is a function of a
    :class:`Result` giving a series indexed by date. Several: both are dicts keyed by series
    name. ``cutoff`` (a date) is required: an observation after it is refused.
    ``tolerance``: the search stops when a parameter moves less than this share of its range
    (default 1e-3). ``per_seed``: also fit each replication seed alone (the interval)."""
    from lachin_sim.config.validation import validate_scenario
    from lachin_sim.model.simulation import simulate

    raw = scenario.to_dict() if isinstance(scenario, Scenario) else read_config(scenario)
    source = getattr(scenario, "name", str(scenario))
    series, outputs = _series(observed, output, source)
    cut = _check_arguments(source, parameters, series, replications, cutoff)
    seeds = spawn_seeds(seed, replications)
    fixed = dict(overrides or {})
    names = list(parameters)
    lows = np.array([lo for lo, _ in parameters.values()], dtype=float)
    spans = np.array([hi - lo for lo, hi in parameters.values()], dtype=float)
    obs_all = np.concatenate([s.to_numpy() for s in series.values()])
    scales = np.concatenate([np.full(len(s), _scale(s)) for s in series.values()])
    cache: dict[tuple, np.ndarray] = {}  # (values, replication) -> outputs at observed dates
    trials: list[dict] = []

    def values_of(x: np.ndarray) -> tuple[float, ...]:
        return tuple(float(v) for v in lows + np.clip(x, 0.0, 1.0) * spans)

    def one_run(values: tuple[float, ...], rep: int) -> np.ndarray:
        if (values, rep) not in cache:
            point = fixed | dict(zip(names, values, strict=True))
            result = simulate(validate_scenario(raw, source, overrides=point), seed=seeds[rep])
            cache[(values, rep)] = np.concatenate([
                outputs[k](result).reindex(s.index).to_numpy(dtype=float)
                for k, s in series.items()
            ])  # fmt: skip
        return cache[(values, rep)]

    def model(values: tuple[float, ...], rep: int | None) -> np.ndarray:
        if rep is not None:
            return one_run(values, rep)
        return np.mean([one_run(values, r) for r in range(replications)], axis=0)

    def error(x: np.ndarray, rep: int | None = None) -> float:
        values = values_of(np.atleast_1d(x))
        err = float(np.sqrt(np.mean(((model(values, rep) - obs_all) / scales) ** 2)))
        if rep is None:
            trials.append({**dict(zip(names, values, strict=True)), "error": err})
        return err

    tol = TOLERANCE if tolerance is None else tolerance / float(spans.min())
    x_best = _minimise(error, len(names), tol, rep=None)
    best = values_of(x_best)
    fits = []
    for rep, run_seed in enumerate(seeds if per_seed else []):
        x = _minimise(error, len(names), tol, rep=rep)
        values = values_of(x)
        fits.append({"seed": run_seed, **dict(zip(names, values, strict=True)),
                     "error": error(x, rep)})  # fmt: skip
    per_seed_df = pd.DataFrame(fits, columns=["seed", *names, "error"])
    interval = {p: (float(per_seed_df[p].quantile(0.05)), float(per_seed_df[p].quantile(0.95)))
                for p in names}  # fmt: skip
    runs = np.array([one_run(best, r) for r in range(replications)])
    mean = runs.mean(axis=0)
    fit = pd.DataFrame({
        "series": np.concatenate([[k] * len(s) for k, s in series.items()]),
        "date": np.concatenate([s.index.to_numpy() for s in series.values()]),
        "observed": obs_all, "model_mean": mean,
        "model_q05": np.quantile(runs, 0.05, axis=0), "model_q95": np.quantile(runs, 0.95, axis=0),
        "residual": mean - obs_all, "relative_residual": (mean - obs_all) / scales,
    })  # fmt: skip
    rmse = {str(k): float(np.sqrt(np.mean(g["residual"] ** 2)))
            for k, g in fit.groupby("series", sort=False)}  # fmt: skip
    return CalibrationResult(
        values=dict(zip(names, best, strict=True)),
        error=error(x_best),
        rmse=rmse,
        relative_error={k: rmse[k] / _scale(series[k]) for k in series},
        per_seed=per_seed_df,
        interval=interval,
        fit=fit,
        evaluations=pd.DataFrame(trials).drop_duplicates().sort_values(names),
        cutoff=cut,
    )


def _scale(series: pd.Series) -> float:
    """The scale of a series' residuals: its mean absolute observed value (1 if all are 0)."""
    scale = float(np.abs(series.to_numpy()).mean())
    return scale if scale > 0 else 1.0


def _minimise(error: Callable, n: int, tol: float, rep: int | None) -> np.ndarray:
    """The minimiser of ``error`` on the unit box [0, 1]^n (scipy.optimize; see the module
    docstring). The ends of each range are candidates too (an optimum on a bound)."""
    if n == 1:
        line = optimize.minimize_scalar(lambda x: error(np.array([x]), rep), bounds=(0.0, 1.0),
                                        method="bounded", options={"xatol": tol})  # fmt: skip
        candidates = [np.array([float(line.x)]), np.array([0.0]), np.array([1.0])]
    else:

        def objective(x: np.ndarray) -> float:
            return error(x, rep)

        box = optimize.minimize(objective, np.full(n, 0.5), method="Powell",
                                bounds=[(0.0, 1.0)] * n, options={"xtol": tol, "ftol": tol})  # fmt: skip
        candidates = [np.clip(box.x, 0.0, 1.0)]
    return min(candidates, key=lambda x: error(x, rep))


def _series(observed, output, source: str) -> tuple[dict, dict[str, Callable]]:
    """The observed series (name -> values by date) and the output function of each."""
    if callable(output):
        tables, outputs = {SERIES: observed}, {SERIES: output}
    elif isinstance(output, dict):
        tables, outputs = dict(observed) if isinstance(observed, dict) else {}, dict(output)
        names = set(tables) ^ set(outputs)
        if names or not outputs:
            raise ConfigError(f"calibrate ({source})", [Problem("observed", sorted(names) or None,
                              "give one output per observed series, keyed by the same names")])  # fmt: skip
    else:
        raise ConfigError(f"calibrate ({source})", [Problem("output", type(output).__name__,
                          "a function of a Result, or a dict of them keyed by series name")])  # fmt: skip
    series = {}
    for name, table in tables.items():
        values = table.to_dict() if isinstance(table, pd.Series) else dict(table)
        series[name] = values
    return series, outputs


def _check_arguments(source: str, parameters: dict, series: dict, replications: int,
                     cutoff) -> dt.date:  # fmt: skip
    """Bounds are finite numbers with low < high; observations are finite, dated and not after
    the cut-off; replications >= 1. Replaces each series' table by a float Series by date."""
    problems = []
    for name, bounds in parameters.items():
        try:
            low, high = bounds
        except (TypeError, ValueError):
            low = high = None
        if not (is_finite_number(low) and is_finite_number(high) and low < high):
            problems.append(Problem(f"parameters.{name}", bounds,
                                    "bounds must be two finite numbers (low, high) with low < high"))  # fmt: skip
    if not parameters:
        problems.append(Problem("parameters", {}, "give at least one parameter to fit"))
    try:
        cut = pd.Timestamp(cutoff).date()
    except (TypeError, ValueError):
        problems.append(Problem("cutoff", cutoff, "must be a date YYYY-MM-DD"))
        cut = None
    for name, values in series.items():
        where = "observed" if name == SERIES else f"observed.{name}"
        if not values:
            problems.append(Problem(where, {}, "needs at least one observation"))
        for date, value in values.items():
            if not is_finite_number(value):
                problems.append(Problem(f"{where}.{date}", value, "must be a finite number"))
            try:
                day = pd.Timestamp(date).date()
            except (TypeError, ValueError):
                problems.append(Problem(f"{where}.{date}", value, "the key must be a date"))
                continue
            if cut is not None and day > cut:
                problems.append(Problem(f"{where}.{date}", value, f"is after the cut-off {cut}: "
                                        "a fit may use only observations up to its cut-off"))  # fmt: skip
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        problems.append(Problem("replications", replications, "must be a whole number >= 1"))
    if problems:
        raise ConfigError(f"calibrate ({source})", problems)
    for name, values in series.items():
        s = pd.Series(values, dtype=float)
        s.index = pd.to_datetime(s.index)
        series[name] = s.sort_index()
    assert cut is not None
    return cut
