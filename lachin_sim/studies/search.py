"""The planner's question, answered by search: the smallest value of one parameter that meets a
target with a given probability.

"What is the smallest number of humanitarian trucks per day that keeps food above 95 % of need
in at least 90 % of replications?" becomes::

    answer = ls.minimum_parameter(
        scenario, "convoys.icrc.trucks_per_day", metric="share_met:food", target=0.95,
        probability=0.9, low=0, high=20, step=0.5, replications=40)
    answer.value, answer.evaluations

The search is a bisection over sweeps: each candidate value is one sweep point run with the same
replication seeds (common random numbers), and the candidate meets the target when the share of
replications with ``metric >= target`` (or ``<=`` with ``better="lower"``) is at least
``probability``. It assumes that more of the parameter never makes things worse (monotone);
:func:`minimum_from_sweep` answers the same question from a finished grid sweep.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd
from scipy.stats import binomtest

from lachin_sim.config.schema import Scenario
from lachin_sim.config.types import is_finite_number
from lachin_sim.errors import ConfigError, Problem


@dataclass
class SearchResult:
    """``value``: the smallest value found that meets the target (None if even ``high`` fails).
    ``evaluations``: every value tried, its success probability and a 95 % Wilson interval."""

    parameter: str
    value: float | None
    evaluations: pd.DataFrame

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.parameter}: no value in the searched range meets the target"
        return f"{self.parameter} >= {self.value:g}"


def successes(values: pd.Series, target: float, better: str) -> int:
    """Number of replications meeting the target (a NaN metric counts as not meeting it)."""
    ok = values >= target if better == "higher" else values <= target
    return int(ok.sum())


def success_share(values: pd.Series, target: float, better: str) -> float:
    """Share of replications meeting the target (a NaN metric counts as not meeting it)."""
    return successes(values, target, better) / len(values) if len(values) else float("nan")


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion, ``k`` successes in ``n`` trials
    (``scipy.stats.binomtest``); undefined (NaN) without trials.

    >>> [round(b, 3) for b in wilson_interval(8, 10)]
    [0.49, 0.943]
    """
    if n == 0:
        return (float("nan"), float("nan"))
    interval = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return (float(interval.low), float(interval.high))


def minimum_parameter(
    scenario: Scenario | str | os.PathLike,
    parameter: str,
    metric: str,
    target: float,
    probability: float = 0.9,
    low: float = 0.0,
    high: float = 10.0,
    step: float = 1.0,
    better: str = "higher",
    replications: int = 20,
    seed: int = 0,
    overrides: dict[str, object] | None = None,
    executor: str = "processes",
    workers: int | None = None,
    integer: bool = False,
) -> SearchResult:
    """Smallest ``parameter`` in ``[low, high]`` (to within ``step``) for which at least
    ``probability`` of replications have ``metric >= target`` (``better="higher"``) or
    ``metric <= target`` (``better="lower"``). Values tried are multiples of ``step`` from
    ``low``; ``integer`` rounds them to whole numbers."""
    from lachin_sim.studies.sweep import sweep

    if better not in ("higher", "lower"):
        raise ValueError("better must be 'higher' or 'lower'")
    _check_search(parameter, low, high, step, probability, replications)
    tried: dict[float, dict] = {}

    def meets(value: float) -> bool:
        if value not in tried:
            result = sweep(scenario, grid={parameter: [int(value) if integer else value]},
                           replications=replications, seed=seed, overrides=overrides,
                           executor=executor, workers=workers, progress=False)  # fmt: skip
            runs = result.runs
            if metric not in runs:
                known = ", ".join(c for c in runs.columns if ":" in c)
                raise KeyError(f"unknown metric {metric!r}; known: {known}")
            values = runs[metric].where(runs["status"] == "ok")  # a failed run does not meet it
            share = success_share(values, target, better)
            lo, hi = wilson_interval(successes(values, target, better), len(runs))
            tried[value] = {parameter: value, "probability": share, "ci_low": lo, "ci_high": hi,
                            "replications": len(runs), "meets": share >= probability}  # fmt: skip
        return bool(tried[value]["meets"])

    def snap(value: float) -> float:
        k = round((value - low) / step)
        return low + k * step

    answer: float | None
    if not meets(high):
        answer = None
    elif meets(low):
        answer = low
    else:
        lo, hi = low, high  # invariant: lo fails, hi meets
        while hi - lo > step * (1 + 1e-9):
            mid = snap((lo + hi) / 2)
            if mid <= lo or mid >= hi:
                break
            if meets(mid):
                hi = mid
            else:
                lo = mid
        answer = hi
    rows = sorted(tried.values(), key=lambda r: r[parameter])
    return SearchResult(parameter=parameter, value=answer, evaluations=pd.DataFrame(rows))


def _check_search(parameter: str, low: float, high: float, step: float, probability: float,
                  replications: int) -> None:  # fmt: skip
    """The search range and step are finite, low <= high, step > 0, 0 < probability <= 1."""
    problems = [Problem(name, value, "must be a finite number")
                for name, value in (("low", low), ("high", high), ("step", step),
                                    ("probability", probability))
                if not is_finite_number(value)]  # fmt: skip
    if not problems:
        if low > high:
            problems.append(Problem("high", high, f"must be >= low ({low:g})"))
        if step <= 0:
            problems.append(Problem("step", step, "must be > 0"))
        if not 0 < probability <= 1:
            problems.append(Problem("probability", probability, "must be in (0, 1]"))
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        problems.append(Problem("replications", replications, "must be a whole number >= 1"))
    if problems:
        raise ConfigError(f"minimum_parameter ({parameter})", problems)


def minimum_from_sweep(
    sweep_result,
    parameter: str,
    metric: str,
    target: float,
    probability: float = 0.9,
    better: str = "higher",
    by: list[str] | None = None,
) -> pd.DataFrame:
    """From a finished grid sweep: per group of the ``by`` parameters, the smallest value of
    ``parameter`` whose success probability is at least ``probability`` (NaN if none is)."""
    ok = sweep_result.runs[sweep_result.runs["status"] == "ok"]
    by = list(by or [])
    shares = (
        ok.groupby([*by, parameter])[metric]
        .apply(lambda v: success_share(v, target, better))
        .rename("probability")
        .reset_index()
    )
    rows = []
    for key, group in shares.groupby(by) if by else [((), shares)]:
        meeting = group[group["probability"] >= probability]
        value = meeting[parameter].min() if len(meeting) else float("nan")
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, key, strict=True)), f"minimum {parameter}": value})
    return pd.DataFrame(rows)
