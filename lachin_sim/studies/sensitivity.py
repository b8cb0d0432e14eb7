"""Global sensitivity analysis with SALib: the designs on the unit cube and the indices.

Kept apart from the simulator: :func:`unit_design` gives the points of a design (one row per
point, one column per input, values in [0, 1]) and :func:`analyse` turns a SALib problem, that
matrix and one output per point into a tidy table of indices. Any function of the inputs can be
analysed, e.g. the Ishigami function in the tests. An uncertainty study maps each column
through its input's quantile function (:mod:`lachin_sim.config.uncertainty`), so the inputs
keep their own distributions and the indices compare inputs on the scale of their uncertainty.

Methods (SALib, the optional extra ``sensitivity``):

- ``"mc"``: plain Monte Carlo, ``samples`` independent points (numpy; no SALib, no indices);
- ``"morris"``: Morris screening, ``samples`` trajectories of ``inputs + 1`` points on a grid of
  :data:`MORRIS_LEVELS` levels; indices ``mu_star`` (mean absolute elementary effect: how much the
  output moves when the input goes across its range, in the output's unit) with its bootstrap
  interval, and ``sigma`` (their spread: interactions or a nonlinear effect);
- ``"sobol"``: Sobol' indices from Saltelli's scheme, ``samples`` base points (a power of 2)
  giving ``samples x (inputs + 2)`` points; ``S1`` (first order: the share of the output's
  variance the input explains alone) and ``ST`` (total: with all its interactions), with
  bootstrap intervals.

>>> problem = unit_problem(["a", "b"])
>>> unit_design("mc", 2, 4, seed=1).shape
(4, 2)
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from lachin_sim.errors import ConfigError, Problem

METHODS = ("mc", "morris", "sobol")
MORRIS_LEVELS = 4  # grid levels of the Morris design (SALib's default; 0, 1/3, 2/3, 1)
CONF_LEVEL = 0.95  # confidence level of the bootstrap intervals
RESAMPLES = 1000  # bootstrap resamples of the intervals
SENSITIVITY_COLUMNS = ["metric", "input", "index", "value", "low", "high", "note"]
EXTRA = "pip install 'lachin-sim[sensitivity]'"


def require_salib(method: str) -> None:
    """Refuse Morris and Sobol (one clear message naming the extra) when SALib is missing."""
    if method == "mc":
        return
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise ConfigError("uncertainty", [Problem("method", method,
                          f"needs SALib, which is not installed: {EXTRA} (or use method 'mc')")]) from None  # fmt: skip


def unit_problem(names: list[str]) -> dict:
    """The SALib problem of ``names``: every input on [0, 1] (its quantile scale)."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def n_points(method: str, n_inputs: int, samples: int) -> int:
    """How many points (scenarios) a design has."""
    return {"mc": samples, "morris": samples * (n_inputs + 1),
            "sobol": samples * (n_inputs + 2)}[method]  # fmt: skip


def design_seed(seed: int) -> int:
    """The seed of the design, derived from the study's root seed (its own stream, so the
    points do not share random numbers with any run)."""
    key = zlib.crc32(b"uncertainty.samples")
    return int(np.random.SeedSequence([seed, key]).generate_state(1, dtype=np.uint32)[0])


def unit_design(method: str, n_inputs: int, samples: int, seed: int) -> np.ndarray:
    """The design's points, (points, inputs), in [0, 1]; depends only on its arguments."""
    if method == "mc":
        return np.random.default_rng(design_seed(seed)).random((samples, n_inputs))
    require_salib(method)
    problem = unit_problem([f"x{k}" for k in range(n_inputs)])
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=design_seed(seed))
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, samples, calc_second_order=False, scramble=True,
                            seed=design_seed(seed))  # fmt: skip
    raise ValueError(f"unknown method {method!r}; one of {', '.join(METHODS)}")


def design_problems(method: str, n_inputs: int, samples: int) -> list[Problem]:
    """What is wrong with a design's size for its method (empty when it is sound)."""
    out = []
    if method not in METHODS:
        out.append(Problem("method", method, f"choose one of {', '.join(METHODS)}"))
    elif method == "sobol" and samples & (samples - 1):
        out.append(Problem("samples", samples, "Sobol' base samples must be a power of 2 (e.g. "
                           "64, 128, 256): the sequence is balanced only then"))  # fmt: skip
    elif method in ("morris", "sobol") and samples < 2:
        out.append(Problem("samples", samples, f"{method} needs at least 2 samples"))
    return out


CONSTANT_RTOL = 1e-9  # a spread below this share of the output's size is floating-point noise


def is_constant(y: np.ndarray) -> bool:
    """Whether ``y`` is the same at every point, up to floating-point noise (a share met of 1
    that sums to 0.9999999999999999 in some runs has no variance to apportion: its indices
    would be noise divided by noise)."""
    return bool(np.ptp(y) <= CONSTANT_RTOL * max(1.0, float(np.max(np.abs(y)))))


def analyse(problem: dict, method: str, unit: np.ndarray, outputs: np.ndarray, metric: str = "y",
            seed: int = 0) -> pd.DataFrame:  # fmt: skip
    """Sensitivity indices of one output (one value per point of ``unit``), as rows of
    :data:`SENSITIVITY_COLUMNS`: ``mu_star`` and ``sigma`` (Morris), ``S1`` and ``ST`` (Sobol),
    each with its interval at :data:`CONF_LEVEL` (``sigma`` has none: NaN). An output that is
    the same at every point, or undefined at some, has no indices (NaN, with a note)."""
    names = list(problem["names"])
    y = np.asarray(outputs, dtype=float)
    kinds = {"morris": ("mu_star", "sigma"), "sobol": ("S1", "ST")}[method]
    note = ""
    if np.isnan(y).any():
        note = "undefined at some points (every run of a sample failed)"
    elif is_constant(y):
        note = "the same at every point: no variance to apportion"
    if note:
        return pd.DataFrame([(metric, n, k, np.nan, np.nan, np.nan, note)
                             for n in names for k in kinds], columns=SENSITIVITY_COLUMNS)  # fmt: skip
    rows = []
    if method == "morris":
        from SALib.analyze import morris

        res = morris.analyze(problem, np.asarray(unit, dtype=float), y, num_resamples=RESAMPLES,
                             conf_level=CONF_LEVEL, num_levels=MORRIS_LEVELS, seed=seed)  # fmt: skip
        for k, name in enumerate(names):
            mu, half = float(res["mu_star"][k]), float(res["mu_star_conf"][k])
            rows.append((metric, name, "mu_star", mu, max(mu - half, 0.0), mu + half, ""))
            rows.append((metric, name, "sigma", float(res["sigma"][k]), np.nan, np.nan, ""))
    else:
        from SALib.analyze import sobol

        res = sobol.analyze(problem, y, calc_second_order=False, num_resamples=RESAMPLES,
                            conf_level=CONF_LEVEL, seed=seed)  # fmt: skip
        for k, name in enumerate(names):
            for kind in kinds:
                value, half = float(res[kind][k]), float(res[f"{kind}_conf"][k])
                rows.append((metric, name, kind, value, value - half, value + half, ""))
    return pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)
