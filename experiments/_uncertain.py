"""The experiments' answers across the input uncertainty: samples, paired differences, ranges.

An experiment answers its question at the values written in the scenario (the *point answer*),
then again at K samples of the scenario's ``[uncertainty]`` inputs (docs/uncertainty.md), each
sample with the same replication seeds (common random numbers), and says how the answer moves.

- :func:`free_inputs`: the inputs an experiment may sample. One it sets itself (the same path,
  a table holding it or a field inside it) or one in a table it switches off (``enabled =
  false`` there: the input does nothing) is dropped, with the reason.
- :func:`latin_hypercube`: K samples as overrides, a Latin hypercube on the unit cube (each
  input's range cut into K equal-probability strata, one draw in each) mapped through each
  input's quantile function, seeded from the root seed by the uncertainty study's design seed.
- :func:`paired_differences`: per scenario and metric, the median and 5-95 % over samples of the
  scenario's value minus the base scenario's *in the same sample*, and whether its sign holds in
  every sample (:func:`sign_verdict`).
- :func:`spread`: median and 5-95 % of one answer over samples, an answer never reached as inf.

>>> sign_verdict([1.0, 2.5, 0.3]), sign_verdict([1.0, -0.2]), sign_verdict([0.0, 0.0])
('robust', 'flips', 'none')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

QUANTILE_METHOD = "linear"  # quantiles over samples: numpy's default, interpolated
ZERO = 1e-9  # a difference this small (in the metric's unit) counts as no difference
VERDICTS = {
    "robust": "same sign in every sample",
    "flips": "positive in some samples, negative in others",
    "sometimes": "one sign where there is a difference, none in other samples",
    "none": "no difference in any sample",
}


def free_inputs(inputs: dict, overrides: dict[str, object]) -> tuple[dict, dict[str, str]]:
    """(the inputs that ``overrides`` leave free, {dropped path: why}). An input is dropped when
    an override sets its path, a table holding it or a field inside it, or sets ``enabled`` to
    false in a table holding it (a source or rule switched off: the input does nothing)."""
    kept, dropped = {}, {}
    for path, spec in inputs.items():
        why = _why_fixed(path, overrides)
        if why:
            dropped[path] = why
        else:
            kept[path] = spec
    return kept, dropped


def _why_fixed(path: str, overrides: dict[str, object]) -> str:
    for key, value in overrides.items():
        if key == path or path.startswith(key + ".") or key.startswith(path + "."):
            return f"set by {key}"
        table = key.removesuffix(".enabled")
        if key.endswith(".enabled") and value is False and path.startswith(table + "."):
            return f"switched off by {key} = false"
    return ""


def latin_hypercube(inputs: dict, k: int, seed: int) -> tuple[np.ndarray, list[dict[str, object]]]:
    """(unit design of shape (k, inputs), the k samples as overrides): a Latin hypercube whose
    draws depend only on ``seed``, ``k`` and the number of inputs."""
    from scipy.stats import qmc

    from lachin_sim.studies.sensitivity import design_seed
    from lachin_sim.studies.uncertainty import sample_points

    rng = np.random.default_rng(design_seed(seed))
    unit = qmc.LatinHypercube(d=len(inputs), rng=rng).random(k)
    return unit, sample_points(inputs, unit)


def sign_verdict(differences) -> str:
    """One of the :data:`VERDICTS` for a difference observed in every sample: 'robust' (the
    same strict sign in all), 'flips' (both signs), 'sometimes' (one sign, and no difference
    in some samples), 'none' (no difference anywhere). NaN differences are ignored."""
    d = np.asarray(differences, dtype=float)
    d = d[~np.isnan(d)]
    positive, negative = int((d > ZERO).sum()), int((d < -ZERO).sum())
    if positive and negative:
        return "flips"
    if positive + negative == 0:
        return "none"
    return "robust" if positive + negative == len(d) else "sometimes"


def spread(values) -> tuple[float, float, float]:
    """(median, 5 %, 95 %) over samples; a NaN (no answer) counts as inf, above every answer."""
    v = np.asarray(values, dtype=float)
    v = np.where(np.isnan(v), np.inf, v)
    if not len(v):
        return (np.nan, np.nan, np.nan)
    if np.isinf(v).any():  # interpolation with inf is undefined: order statistics
        q05, median, q95 = np.quantile(v, [0.05, 0.5, 0.95], method="inverted_cdf")
    else:
        q05, median, q95 = np.quantile(v, [0.05, 0.5, 0.95], method=QUANTILE_METHOD)
    return float(median), float(q05), float(q95)


def paired_differences(values: pd.DataFrame, base: str) -> pd.DataFrame:
    """From a table with columns ``sample``, ``scenario``, ``metric``, ``value`` (one value per
    sample, scenario and metric), one row per other scenario and metric: ``median``, ``q05``,
    ``q95`` of (scenario - base) over samples, paired by sample, the counts of samples where it
    is above and below zero, and the ``verdict`` of :func:`sign_verdict`."""
    wide = values.pivot_table(index=["metric", "sample"], columns="scenario", values="value",
                              aggfunc="first", sort=False)  # fmt: skip
    scenarios = [s for s in values["scenario"].drop_duplicates() if s != base]
    rows = []
    for metric in values["metric"].drop_duplicates():
        table = wide.loc[metric]
        for scenario in scenarios:
            d = (table[scenario] - table[base]).dropna().to_numpy(dtype=float)
            q05, median, q95 = (np.quantile(d, [0.05, 0.5, 0.95], method=QUANTILE_METHOD)
                                if len(d) else (np.nan,) * 3)  # fmt: skip
            rows.append({"scenario": scenario, "metric": metric, "samples": len(d),
                         "median": float(median), "q05": float(q05), "q95": float(q95),
                         "above 0": int((d > ZERO).sum()), "below 0": int((d < -ZERO).sum()),
                         "verdict": sign_verdict(d)})  # fmt: skip
    return pd.DataFrame(rows)


def leading_input(unit: np.ndarray, names: list[str], answers) -> tuple[str, float]:
    """(the input whose unit coordinate has the largest absolute Spearman rank correlation with
    the answers over samples, that correlation); ('', nan) when the answers do not vary. With
    a few samples this screens, it does not measure: read it as a hint."""
    from scipy.stats import spearmanr

    y = np.asarray(answers, dtype=float)
    y = np.where(np.isnan(y), np.inf, y)  # no answer ranks above every answer
    finite = y[np.isfinite(y)]
    y = np.where(np.isinf(y), (finite.max() if len(finite) else 0.0) + 1.0, y)
    if len(y) < 3 or np.ptp(y) == 0:
        return "", float("nan")
    best, rho_best = "", 0.0
    for k, name in enumerate(names):
        x = unit[:, k]
        if np.ptp(x) == 0:
            continue
        rho = float(spearmanr(x, y).statistic)
        if not np.isnan(rho) and abs(rho) > abs(rho_best):
            best, rho_best = name, rho
    return (best, rho_best) if best else ("", float("nan"))


def samples_table(points: list[dict[str, object]]) -> pd.DataFrame:
    """One row per sample (``sample`` from 0): each input's value, a table or list as JSON."""
    import json

    rows = [{"sample": k, **{path: json.dumps(v, sort_keys=True) if isinstance(v, dict | list)
                             else v for path, v in point.items()}}
            for k, point in enumerate(points)]  # fmt: skip
    return pd.DataFrame(rows)


def by_reason(dropped: dict[str, str]) -> str:
    """The dropped inputs grouped by why: 'switched off by x = false: `a`, `b`; set by y: `c`'."""
    groups: dict[str, list[str]] = {}
    for path, why in dropped.items():
        groups.setdefault(why, []).append(f"`{path}`")
    return "; ".join(f"{why}: {', '.join(paths)}" for why, paths in groups.items())


def dropped_text(dropped: dict[str, str]) -> str:
    """The inputs not sampled and why, as one sentence (or that every input was sampled)."""
    if not dropped:
        return "Every uncertain input of the scenario was sampled."
    return f"Not sampled ({len(dropped)}): {by_reason(dropped)}."
