"""Uncertainty studies: the scenario run over draws of its uncertain inputs, times seeds.

>>> import lachin_sim as ls
>>> study = ls.uncertainty("configs/checkpoint_only.toml", samples=4, replications=2,
...                        executor="serial", progress=False)  # doctest: +SKIP
>>> study.variance[["metric", "share_input", "share_schedule"]]  # doctest: +SKIP

What is run: the inputs of the scenario's ``[uncertainty]`` table
(:mod:`lachin_sim.config.uncertainty`) are drawn ``samples`` times (``method`` "mc"), or laid
out as a Morris or Sobol' design (:mod:`lachin_sim.studies.sensitivity`); each sample is a set
of overrides, run ``replications`` times with the same replication seeds at every sample
(common random numbers). The samples depend only on the root seed and the inputs, never on the
executor or the worker count. The runs go through the sweep engine
(:func:`lachin_sim.studies.sweep.run_sweep`, an explicit ``points`` design), so they stream to
``out/runs``, resume after an interruption and run on every executor.

What comes out (:class:`UncertaintyResult`, saved by :meth:`UncertaintyResult.save`):

- ``samples``: one row per sample, the value of each input;
- ``runs``: one row per run: sample, replication, seed, status and every summary metric;
- ``bands``: quantiles of the daily series over all runs (inputs and schedules together; the
  first :data:`BAND_RUNS` runs by run id);
- ``variance``: each headline metric over all runs, and its variance split by the law of total
  variance into the part the inputs explain (variance of the per-sample means) and the part the
  schedule randomness adds (mean variance over replications of one sample);
- ``sensitivity`` (Morris and Sobol): one row per metric, input and index.

Times to an event (days to first shortage) follow :mod:`lachin_sim.outputs.censoring`: a run
never short is counted at the horizon in means, variances and indices, and as after it in
quantiles, and the count of runs short is given.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lachin_sim import __version__
from lachin_sim.config.schema import Scenario
from lachin_sim.errors import ConfigError, Problem
from lachin_sim.outputs.censoring import at_horizon, is_time_to_event, quantiles
from lachin_sim.outputs.folders import atomic_write_text, check_output_dir, prepare_output_dir
from lachin_sim.studies import sensitivity as sa
from lachin_sim.studies.designs import MAX_RUNS, Design
from lachin_sim.studies.sweep import (
    QUANTILE_COLUMNS,
    QUANTILES,
    SERIES,
    SweepResult,
    _base_raw,
    _check_counts,
    run_sweep,
    validate_points,
)

BAND_RUNS = 2000  # runs (the first, by run id) whose daily series make the bands; about 12 kB
#                   each for 5 commodities x 304 days, so the parent holds at most ~25 MB
TABLES = ("samples", "runs", "bands", "variance", "sensitivity")
VARIANCE_COLUMNS = [
    "metric", "runs", "samples", "replications", "mean", "q05", "median", "q95", "runs_reached",
    "variance_total", "variance_input", "variance_schedule", "share_input", "share_schedule",
]  # fmt: skip


@dataclass(repr=False)
class UncertaintyResult:
    """The tables of an uncertainty study (see the module docstring) and its spec (inputs,
    method, samples, replications, seed, headline metrics)."""

    samples: pd.DataFrame
    runs: pd.DataFrame
    bands: pd.DataFrame
    variance: pd.DataFrame
    sensitivity: pd.DataFrame
    spec: dict = field(default_factory=dict)
    directory: Path | None = None

    @property
    def metrics(self) -> list[str]:
        """The headline metrics (those of the variance and sensitivity tables)."""
        return list(self.spec.get("metrics", []))

    @property
    def inputs(self) -> list[str]:
        return list(self.spec.get("inputs", {}))

    def ranking(self, metric: str, index: str | None = None) -> pd.DataFrame:
        """The inputs ranked by ``index`` (default: ``ST`` for Sobol, ``mu_star`` for Morris)
        for one metric: input, value, low, high."""
        index = index or {"sobol": "ST", "morris": "mu_star"}.get(self.spec.get("method", ""))
        rows = self.sensitivity[(self.sensitivity["metric"] == metric)
                                & (self.sensitivity["index"] == index)]  # fmt: skip
        return rows.sort_values("value", ascending=False)[["input", "value", "low", "high"]]

    def summary(self) -> str:
        """What the study found, as text: each headline metric over all runs with its variance
        split, and (Morris, Sobol) the three inputs that matter most for it."""
        return format_uncertainty_summary(self)

    def plot(self, kind: str = "sensitivity"):
        """A matplotlib Figure: ``"sensitivity"`` (ranked bars with intervals; Morris and Sobol),
        ``"variance"`` (input against schedule share of each metric's variance) or
        ``"bands"`` (share of need met over all runs)."""
        from lachin_sim.outputs.plots import uncertainty as plots

        if kind == "sensitivity":
            return plots.sensitivity_bars(self)
        if kind == "variance":
            return plots.variance_split(self)
        if kind == "bands":
            return plots.uncertainty_bands(self)
        raise ValueError(f"kind must be sensitivity, variance or bands, not {kind!r}")

    def __repr__(self) -> str:
        s = self.spec
        ok = int((self.runs["status"] == "ok").sum()) if len(self.runs) else 0
        where = f"; folder {self.directory}" if self.directory else ""
        return (f"<UncertaintyResult: {s.get('method')} over {len(self.inputs)} inputs, "
                f"{len(self.samples)} samples x {s.get('replications')} replications = "
                f"{len(self.runs)} runs ({ok} ok){where}>")  # fmt: skip

    def _repr_html_(self) -> str:
        from lachin_sim.outputs.results import html_table

        cols = ["metric", "median", "q05", "q95", "share_input", "share_schedule"]
        return f"<p>{html.escape(repr(self))}</p>{html_table(self.variance[cols])}"

    def save(self, directory: str | os.PathLike, plots: bool = True) -> Path:
        """Write the tables (CSV), ``uncertainty.json`` (the spec) and, with ``plots``, the
        figures into a new, empty or uncertainty folder (any other is refused)."""
        folder = prepare_output_dir(directory, "uncertainty")
        for name in TABLES:
            atomic_write_text(folder / f"{name}.csv", getattr(self, name).to_csv(index=False))
        atomic_write_text(folder / "uncertainty.json",
                          json.dumps(self.spec, indent=1, default=str) + "\n")  # fmt: skip
        self.directory = folder
        if plots:
            save_uncertainty_plots(self, folder)
        return folder

    @classmethod
    def load(cls, directory: str | os.PathLike) -> UncertaintyResult:
        folder = Path(directory)
        spec = json.loads((folder / "uncertainty.json").read_text())
        text = {"runs": ["status", "error"], "sensitivity": ["metric", "input", "index", "note"]}
        tables = {name: pd.read_csv(folder / f"{name}.csv", dtype=dict.fromkeys(text.get(name, []), "str"))
                  for name in TABLES}  # fmt: skip
        tables["runs"]["error"] = tables["runs"]["error"].fillna("")  # a run that succeeded: ""
        tables["sensitivity"]["note"] = tables["sensitivity"]["note"].fillna("")
        tables["bands"]["date"] = pd.to_datetime(tables["bands"]["date"])
        return cls(**tables, spec=spec, directory=folder)


def load_uncertainty(directory: str | os.PathLike) -> UncertaintyResult:
    """Read a folder written by an uncertainty study."""
    return UncertaintyResult.load(directory)


def uncertainty(
    scenario: Scenario | str | os.PathLike,
    samples: int,
    replications: int = 1,
    method: str = "mc",
    seed: int = 0,
    metrics: list[str] | None = None,
    dates: list[str] | tuple[str, ...] = (),
    overrides: dict[str, object] | None = None,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | os.PathLike | None = None,
    resume: bool = False,
    progress: bool | None = None,
    plots: bool = True,
) -> UncertaintyResult:
    """Run ``scenario`` over its uncertain inputs: ``samples`` draws (``method="mc"``), Morris
    trajectories (``"morris"``) or Sobol' base samples (``"sobol"``, a power of 2), each
    ``replications`` times with common random numbers; ``seed`` is the root of the samples and
    of the replication seeds.

    ``metrics``: the headline metrics to split and analyse (default: days to first shortage
    and share of need met of each commodity with a need, food energy per person per day on
    each of ``dates``, and excess deaths when the health model is on). ``overrides`` apply to
    every run. ``executor``, ``workers``, ``scheduler``, ``out``, ``resume`` and ``progress``
    are those of :func:`lachin_sim.sweep`; with ``out`` the tables and (``plots``) figures are
    saved there and the runs stream to ``out/runs``.
    """
    from lachin_sim.config.paths import set_dotted
    from lachin_sim.config.validation import validate_scenario
    from lachin_sim.outputs.metrics import metric_names
    from lachin_sim.outputs.outcomes import date_problems
    from lachin_sim.studies.executors import EXECUTORS

    raw, source = _base_raw(scenario)
    for path, value in (overrides or {}).items():
        set_dotted(raw, path, value, source=f"{source} (overrides)")
    _check_counts(source, samples=samples, replications=replications, seed=seed,
                  workers=workers)  # fmt: skip
    if executor not in EXECUTORS:
        raise ConfigError(source, [Problem("executor", executor,
                          f"choose one of {', '.join(EXECUTORS)}")])  # fmt: skip
    base = validate_scenario(raw, source)
    inputs = dict(base.uncertainty)
    if not inputs:
        raise ConfigError(source, [Problem("uncertainty", None, "the scenario has no uncertain "
                          "inputs: give an [uncertainty] table (docs/uncertainty.md)")])  # fmt: skip
    set_by_inputs = {target for path, spec in inputs.items() for target in spec.paths(path)}
    fixed = [p for p in (overrides or {}) if p in set_by_inputs]
    if fixed:
        raise ConfigError(source, [Problem(p, None, "is both overridden and uncertain; drop one")
                                   for p in fixed])  # fmt: skip
    problems = sa.design_problems(method, len(inputs), samples)
    n = sa.n_points(method, len(inputs), samples) if not problems else 0
    if n * replications > MAX_RUNS:
        problems.append(Problem("samples", samples, f"{n:,} points x {replications:,} "
                                f"replications would make {n * replications:,} runs; at most "
                                f"{MAX_RUNS:,} per study"))  # fmt: skip
    problems += [Problem("dates", date, why) for date, why in date_problems(base, tuple(dates))]
    if problems:
        raise ConfigError(f"{source} (uncertainty study)", problems)
    sa.require_salib(method)
    known = metric_names(base, tuple(dates))
    headline = list(metrics) if metrics is not None else headline_metrics(base, dates)
    unknown = [m for m in headline if m not in known]
    if unknown:
        raise ConfigError(source, [Problem("metrics", m, "unknown metric; known: "
                                           + ", ".join(known)) for m in unknown])  # fmt: skip
    if out is not None:
        check_output_dir(out, "uncertainty")
        if (Path(out) / "runs" / "sweep.json").exists() and not resume:
            raise ConfigError(str(out), [Problem("--out", str(out), "already holds an "
                              "uncertainty study; add --resume to continue it, or choose "
                              "another folder")])  # fmt: skip

    unit = sa.unit_design(method, len(inputs), samples, seed)
    points = sample_points(inputs, unit)
    central = {k: v for k, v in raw.items() if k != "uncertainty"}  # samples are overrides
    validate_points(central, f"{source} (uncertain inputs)", points)
    collector = _Series()
    folder = prepare_output_dir(out, "uncertainty") if out is not None else None
    sweep = run_sweep(central, source, Design(kind="points", explicit=points), replications,
                      seed, executor=executor, workers=workers, scheduler=scheduler,
                      out=folder / "runs" if folder is not None else None, resume=resume,
                      progress=progress, band_replications=1, metric_dates=tuple(dates),
                      series_runs=BAND_RUNS, series_sink=collector.add,
                      point_bands=False)  # fmt: skip
    spec = {
        "package_version": __version__, "source": source, "method": method, "samples": samples,
        "points": len(points), "replications": replications, "seed": seed,
        "inputs": {p: s.model_dump() for p, s in inputs.items()}, "metrics": headline,
        "dates": list(dates), "overrides": dict(overrides or {}),
        "horizon_days": sweep.horizon_days, "commodities": sweep.spec["commodities"],
        "start": sweep.spec["start"], "band_runs": min(BAND_RUNS, len(sweep.runs)),
        "conf_level": sa.CONF_LEVEL, "scenario": base.name,
    }  # fmt: skip
    result = build_result(sweep, inputs, unit, points, spec, collector)
    if folder is not None:
        result.save(folder, plots=plots)
    return result


def headline_metrics(scenario: Scenario, dates: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The default headline metrics of a study (see :func:`uncertainty`)."""
    from lachin_sim.outputs.outcomes import dated_metric_names

    names = []
    needed = [n for n, c in scenario.commodities.items() if c.has_need]
    names += [f"days_to_first_shortage:{c}" for c in needed]
    names += [f"share_met:{c}" for c in needed]
    names += dated_metric_names(scenario, dates)
    if scenario.health is not None:
        names.append("excess_deaths:all")
    return names


def sample_points(inputs: dict, unit: np.ndarray) -> list[dict[str, object]]:
    """Each row of the unit design as overrides: every input's value at its quantile (and the
    linked fields of a choice, with its option)."""
    columns = []
    for k, (path, spec) in enumerate(inputs.items()):
        quantiles_k = spec.quantile(unit[:, k])
        columns.append([spec.overrides(path, float(x)) for x in quantiles_k])
    return [{p: v for column in columns for p, v in column[i].items()} for i in range(len(unit))]


class _Series:
    """The daily series of the band runs, by run id (fresh and resumed alike)."""

    def __init__(self) -> None:
        self.by_run: dict[int, np.ndarray] = {}

    def add(self, run_id: int, series: np.ndarray) -> None:
        self.by_run[run_id] = series


def build_result(sweep: SweepResult, inputs: dict, unit: np.ndarray, points: list[dict],
                 spec: dict, collector: _Series) -> UncertaintyResult:  # fmt: skip
    """The study's tables from the finished sweep."""
    samples = pd.DataFrame({"sample": range(len(points))})
    for path in inputs:
        samples[path] = pd.Series([_cell(p[path]) for p in points], dtype=object).infer_objects()
    runs = sweep.runs.rename(columns={"point_id": "sample"}).drop(columns="run_id")
    variance = variance_table(runs, spec["metrics"], spec["horizon_days"])
    sensitivity = pd.DataFrame(columns=sa.SENSITIVITY_COLUMNS)
    if spec["method"] != "mc":
        problem = sa.unit_problem(list(inputs))
        parts = []
        for metric in spec["metrics"]:
            y = sample_means(runs, metric, spec["horizon_days"], len(points))
            parts.append(sa.analyse(problem, spec["method"], unit, y, metric,
                                    seed=sa.design_seed(spec["seed"])))  # fmt: skip
        sensitivity = pd.concat(parts, ignore_index=True)
    bands = bands_table(collector, spec["commodities"], sweep.spec)
    return UncertaintyResult(samples=samples, runs=runs, bands=bands, variance=variance,
                             sensitivity=sensitivity, spec=spec)  # fmt: skip


def _cell(value: object) -> object:
    """A sample value as a table cell: scalars as they are, lists and tables as JSON text."""
    if isinstance(value, dict | list):
        return json.dumps(value, default=str, sort_keys=True)
    return value


def metric_values(runs: pd.DataFrame, metric: str, horizon: float) -> np.ndarray:
    """The metric of every ok run (NaN for failed ones); a time to an event never reached
    counts at the horizon."""
    values = runs[metric].to_numpy(dtype=float).copy()
    ok = (runs["status"] == "ok").to_numpy()
    if is_time_to_event(metric):
        values = at_horizon(values, horizon)
    values[~ok] = np.nan
    return values


def _by_sample(runs: pd.DataFrame, metric: str, horizon: float, n_samples: int) -> list[np.ndarray]:
    values = metric_values(runs, metric, horizon)
    sample = runs["sample"].to_numpy()
    groups: list[list[float]] = [[] for _ in range(n_samples)]
    for s, v in zip(sample.tolist(), values.tolist(), strict=True):
        if not np.isnan(v):
            groups[s].append(v)
    return [np.array(g) for g in groups]


def sample_means(runs: pd.DataFrame, metric: str, horizon: float, n_samples: int) -> np.ndarray:
    """The metric's mean over the ok replications of each sample (NaN where none is ok)."""
    return np.array([g.mean() if len(g) else np.nan
                     for g in _by_sample(runs, metric, horizon, n_samples)])  # fmt: skip


def variance_split(groups: list[np.ndarray]) -> tuple[float, float]:
    """(input part, schedule part) of the variance of an output observed in groups (one group
    per sample, its replications), by the law of total variance,
    Var Y = Var E[Y | inputs] + E Var(Y | inputs): the schedule part is the mean variance within
    a sample (ddof 1), the input part the variance of the sample means less what the schedule
    noise adds to them (each mean's variance, within / n), floored at 0. Both NaN with fewer
    than two replications per sample (then the parts cannot be told apart)."""
    full = [g for g in groups if len(g) >= 2]
    if len(full) < 2:
        return np.nan, np.nan
    within = np.array([g.var(ddof=1) for g in full])
    means = np.array([g.mean() for g in full])
    counts = np.array([len(g) for g in full])
    schedule = float(within.mean())
    inputs = max(float(means.var(ddof=1) - (within / counts).mean()), 0.0)
    return inputs, schedule


def variance_table(runs: pd.DataFrame, metrics: list[str], horizon: float) -> pd.DataFrame:
    """One row per headline metric (see :data:`VARIANCE_COLUMNS`): over all ok runs, the mean,
    5 %, median and 95 % (a time to an event: order statistics with never-reached runs after
    the horizon, and the count of runs that reached it), and the split of its variance."""
    n_samples = int(runs["sample"].max()) + 1 if len(runs) else 0
    replications = int(runs["replication"].max()) + 1 if len(runs) else 0
    rows = []
    for metric in metrics:
        values = metric_values(runs, metric, horizon)
        ok = values[~np.isnan(values)]
        if is_time_to_event(metric):
            raw = runs.loc[runs["status"] == "ok", metric].to_numpy(dtype=float)
            q05, median, q95 = quantiles(raw, [0.05, 0.5, 0.95])
            reached: float = int(np.isfinite(raw).sum())
        else:
            q05, median, q95 = (np.quantile(ok, [0.05, 0.5, 0.95]) if len(ok)
                                else (np.nan,) * 3)  # fmt: skip
            reached = np.nan
        inputs, schedule = variance_split(_by_sample(runs, metric, horizon, n_samples))
        total = inputs + schedule
        rows.append({
            "metric": metric, "runs": len(ok), "samples": n_samples, "replications": replications,
            "mean": float(ok.mean()) if len(ok) else np.nan, "q05": q05, "median": median,
            "q95": q95, "runs_reached": reached,
            "variance_total": total if not np.isnan(total) else float(np.var(ok, ddof=1))
            if len(ok) > 1 else np.nan,
            "variance_input": inputs, "variance_schedule": schedule,
            "share_input": inputs / total if total > 0 else np.nan,
            "share_schedule": schedule / total if total > 0 else np.nan,
        })  # fmt: skip
    return pd.DataFrame(rows, columns=VARIANCE_COLUMNS)


def bands_table(collector: _Series, commodities: list[str], sweep_spec: dict) -> pd.DataFrame:
    """Quantiles over the band runs (all samples and replications) of each daily series."""
    import warnings

    columns = ["series", "commodity", "date", *QUANTILE_COLUMNS]
    ticks = np.arange(int(sweep_spec["n_dates"])) * float(sweep_spec["tick_days"])
    dates = pd.Timestamp(sweep_spec["start"]) + pd.to_timedelta(ticks, unit="D")
    if not collector.by_run or not len(dates):
        return pd.DataFrame(columns=columns)
    stack = np.stack([collector.by_run[r] for r in sorted(collector.by_run)]).astype(np.float64)
    with warnings.catch_warnings():  # all-NaN slices (undefined days of supply) stay NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        q = np.nanquantile(stack, QUANTILES, axis=0)  # (quantiles, series, commodity, date)
    parts = []
    for s, series in enumerate(SERIES):
        for c, commodity in enumerate(commodities):
            cols = {"series": series, "commodity": commodity, "date": dates}
            cols |= {name: q[i, s, c, : len(dates)] for i, name in enumerate(QUANTILE_COLUMNS)}
            parts.append(pd.DataFrame(cols))
    return pd.concat(parts, ignore_index=True)


def format_uncertainty_summary(result: UncertaintyResult, top: int = 3) -> str:
    """A short text: per headline metric, median [5 %, 95 %] over all runs, the share of its
    variance due to the inputs, and (Morris, Sobol) its ``top`` inputs with their indices."""
    from lachin_sim.outputs.censoring import show_day

    spec = result.spec
    horizon = float(spec.get("horizon_days", 0))
    lines = [f"{spec.get('scenario')}: {spec.get('method')} over {len(result.inputs)} uncertain "
             f"inputs, {len(result.samples)} samples x {spec.get('replications')} replications "
             f"= {len(result.runs)} runs (root seed {spec.get('seed')})", ""]  # fmt: skip
    index = {"sobol": "ST", "morris": "mu_star"}.get(spec.get("method", ""))
    for row in result.variance.to_dict("records"):
        metric = str(row["metric"])
        if is_time_to_event(metric):
            cell = (f"{show_day(row['median'], horizon)} [{show_day(row['q05'], horizon, '')}, "
                    f"{show_day(row['q95'], horizon, '')}]; reached in {row['runs_reached']:.0f} "
                    f"of {row['runs']} runs")  # fmt: skip
        else:
            cell = f"{row['median']:.4g} [{row['q05']:.4g}, {row['q95']:.4g}]"
        size = max(1.0, abs(float(row["mean"]))) if np.isfinite(row["mean"]) else 1.0
        if row["variance_total"] <= (sa.CONSTANT_RTOL * size) ** 2:  # floating-point noise only
            split = "the same in every run"
        elif np.isnan(row["share_input"]):
            split = "input and schedule parts not split (needs replications >= 2)"
        else:
            split = f"inputs explain {row['share_input']:.0%} of the variance"
        lines.append(f"{metric}: {cell}; {split}")
        if index is not None:
            ranked = result.ranking(metric, index).dropna(subset=["value"]).head(top)
            for r in ranked.itertuples():
                lines.append(f"    {index} {r.value:.3g} [{r.low:.3g}, {r.high:.3g}]  {r.input}")
    return "\n".join(lines)


def save_uncertainty_plots(result: UncertaintyResult, folder: Path, dpi: int = 130) -> list[Path]:
    """The study's figures: the sensitivity bars (Morris, Sobol), the variance split, and the
    bands of share of need met and days of supply over all runs."""
    from lachin_sim.outputs.plots import uncertainty as plots

    written = []
    figures = [("variance_split", plots.variance_split(result)),
               ("bands_share_met", plots.uncertainty_bands(result, "share_met")),
               ("bands_days_of_supply", plots.uncertainty_bands(result, "days_of_supply"))]  # fmt: skip
    if result.spec.get("method") != "mc":
        figures.insert(0, ("sensitivity", plots.sensitivity_bars(result)))
    for name, fig in figures:
        path = folder / f"{name}.png"
        fig.savefig(path, dpi=dpi)
        written.append(path)
    return written
