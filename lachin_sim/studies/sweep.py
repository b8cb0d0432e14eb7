"""Parameter sweeps and replications: many seeded runs, in parallel, resumable.

>>> import lachin_sim as ls
>>> scenario = ls.load_scenario("configs/blockade_2023.toml")
>>> result = ls.sweep(scenario, grid={"convoys.icrc.trucks_per_day": [1, 5]}, replications=2,
...                   executor="serial", progress=False)
>>> result.runs[["run_id", "convoys.icrc.trucks_per_day", "seed", "status"]].shape
(4, 4)

Seeds: the root seed spawns one seed per replication (numpy SeedSequence); replication r of
every design point uses the same seed (common random numbers), so differences between points
come from their parameters, not from noise. A run's result depends only on its parameters and
its seed: serial, processes and Dask give identical ``runs`` tables.

Streaming: with ``out``, each finished batch is written at once as one file in ``out/chunks``
(written to a temporary name, then renamed: a chunk is on disk whole or not at all). A sweep
that is interrupted (Ctrl-C, a killed worker or parent) resumes with ``resume=True``: finished
runs are read back, not recomputed. Only per-run summaries and the quantile bands of points
already complete stay in memory; the daily series of a point are kept only until all its
replications are in.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import secrets
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from lachin_sim import __version__
from lachin_sim.config.files import read_config
from lachin_sim.config.paths import set_dotted
from lachin_sim.config.schema import Scenario
from lachin_sim.errors import ConfigError, Problem, SweepInterrupted
from lachin_sim.model.population import tick_starts
from lachin_sim.model.streams import spawn_seeds
from lachin_sim.outputs.censoring import censored_stats, is_time_to_event, quantiles
from lachin_sim.outputs.folders import atomic_write_text, check_output_dir, prepare_output_dir
from lachin_sim.outputs.metrics import by_commodity
from lachin_sim.studies.designs import Design, check_parameters, check_run_count, design_problems
from lachin_sim.studies.executors import EXECUTORS, run_batches

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QUANTILE_COLUMNS = ("q05", "q25", "q50", "q75", "q95")
SERIES = ("days_of_supply", "share_met")


NOT_IDENTITY = ("source", "heatmap_metrics", "point_bands")  # change no run (not in the digest)
BAND_REPLICATIONS = 1000  # fan-chart bands use at most this many replications of each point


@dataclass(frozen=True)
class RunTask:
    run_id: int
    point_id: int
    replication: int
    seed: int
    with_series: bool  # send back the daily series (for the bands) or only the summary


# --------------------------------------------------------------------------------------------
# Worker side: runs a batch of tasks; a failing run is recorded, never raised.
# --------------------------------------------------------------------------------------------
_BASES: dict[str, dict] = {}  # base key -> {"raw", "source", "points", "commodities", "keep"}
_SCENARIOS: dict[tuple[str, int], Scenario] = {}  # the last few points' scenarios, oldest first
SCENARIOS_KEPT = 8  # a batch's runs are consecutive points: a few suffice; ~60 kB each (blockade)


def register_base(key: str, raw: dict, source: str, points: list[dict], commodities: list[str],
                  keep_dir: str | None, keep_ids: tuple[int, ...],
                  metric_dates: tuple[str, ...] = ()) -> None:  # fmt: skip
    """Make a sweep's base scenario known in this process (worker initializer)."""
    _exit_with_parent()
    if key not in _BASES:
        _BASES[key] = {"raw": raw, "source": source, "points": points,
                       "commodities": commodities, "keep_dir": keep_dir, "keep": set(keep_ids),
                       "metric_dates": tuple(metric_dates)}  # fmt: skip


_WATCHING: list[int] = []


def _exit_with_parent() -> None:
    """In a worker process: exit when the process that started it dies (a killed sweep must not
    leave workers behind). Polls the parent id once a second from a daemon thread."""
    import multiprocessing
    import threading
    import time

    if multiprocessing.parent_process() is None or _WATCHING:
        return  # the main process, or already watching
    parent = os.getppid()
    _WATCHING.append(parent)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def _scenario(key: str, point_id: int) -> Scenario:
    from lachin_sim.config.validation import validate_scenario

    cached = _SCENARIOS.pop((key, point_id), None)
    if cached is None:
        base = _BASES[key]
        cached = validate_scenario(base["raw"], base["source"], overrides=base["points"][point_id])
    _SCENARIOS[(key, point_id)] = cached  # now the newest
    while len(_SCENARIOS) > SCENARIOS_KEPT:  # a study of a million points must not keep them all
        del _SCENARIOS[next(iter(_SCENARIOS))]
    return cached


def run_batch(batch: tuple[str, list[RunTask]]) -> list[tuple]:
    """Run every task of a batch: (run_id, status, error, metrics dict, series array or None)."""
    from lachin_sim.model.simulation import simulate
    from lachin_sim.outputs.outcomes import dated_outcomes

    key, tasks = batch
    base = _BASES[key]
    out = []
    for task in tasks:
        try:
            scenario = _scenario(key, task.point_id)
            kept = task.run_id in base["keep"] and base["keep_dir"]
            result = simulate(scenario, seed=task.seed, keep_log=bool(kept))  # log: saved runs only
            if kept:
                result.save(Path(base["keep_dir"]) / f"run-{task.run_id:06d}")
            series = _series(result.stocks, base["commodities"]) if task.with_series else None
            metrics: dict = result.summary.to_dict()
            if base["metric_dates"]:
                metrics |= dated_outcomes(scenario, result.groups, base["metric_dates"])
            out.append((task.run_id, "ok", "", metrics, series))
        except Exception as exc:  # a failed run is data: record it, the sweep goes on
            out.append((task.run_id, "failed", f"{type(exc).__name__}: {exc}", {}, None))
    return out


def _series(stocks: pd.DataFrame, commodities: list[str]) -> np.ndarray:
    """(len(SERIES), commodities, dates) float32 array of the run's daily series."""
    positions = dict(by_commodity(stocks))
    columns = [stocks[name].to_numpy(dtype=np.float32) for name in SERIES]
    return np.stack([np.stack([col[positions[c]] for c in commodities]) for col in columns])


# --------------------------------------------------------------------------------------------
# The result of a sweep.
# --------------------------------------------------------------------------------------------
@dataclass(repr=False)
class SweepResult:
    """``runs``: one row per run (ids, every swept parameter, seed, status, every summary metric).
    ``bands``: quantiles over replications of each point's daily series (tidy: point_id,
    series, commodity, date, q05..q95). ``design``: one row per point."""

    runs: pd.DataFrame
    bands: pd.DataFrame
    design: pd.DataFrame
    spec: dict = field(default_factory=dict)
    directory: Path | None = None

    @property
    def parameters(self) -> list[str]:
        return list(self.spec.get("parameters", []))

    @property
    def failures(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] != "ok"]

    @property
    def horizon_days(self) -> float:
        """Length of the simulated period in days: a run never short was short, if ever, after it."""
        return float(self.spec.get("n_dates", 0)) * float(self.spec.get("tick_days", 1.0))

    def by_point(self, metric: str, stat: str | float = "median") -> pd.DataFrame:
        """One row per point: its parameters and ``stat`` of ``metric`` over replications.

        A time-to-event metric (``days_to_first_shortage:*``, ``days_to_share_below_*``) follows
        :mod:`lachin_sim.outputs.censoring`: runs that never reached the event count as ``inf``
        (after :attr:`horizon_days`), ``stat`` is an order statistic ("median", "min", "max" or
        a quantile in [0, 1]), and two more columns give the number of ``runs`` and of
        ``runs_reached`` (runs in which the event happened)."""
        ok = self.runs[self.runs["status"] == "ok"]
        grouped = ok.groupby("point_id")[metric]
        if not is_time_to_event(metric):
            value = grouped.agg(stat) if isinstance(stat, str) else grouped.quantile(stat)
            return self.design.join(value.rename(metric), on="point_id")
        named = {"median": 0.5, "min": 0.0, "max": 1.0}
        q: str | float = named.get(stat, stat) if isinstance(stat, str) else stat
        if isinstance(q, str) or not 0 <= float(q) <= 1:
            raise ValueError(
                f"{metric} is a time to an event: runs that never reached it count as inf (after "
                f"the {self.horizon_days:g}-day horizon), so its {stat!r} is undefined; use "
                "'median', 'min', 'max' or a quantile in [0, 1]"
            )
        table = pd.DataFrame({
            metric: grouped.agg(lambda v: float(quantiles(v, [float(q)])[0])),
            "runs": grouped.size(),
            "runs_reached": grouped.count(),  # non-NaN: the runs in which the event happened
        })  # fmt: skip
        out = self.design.join(table, on="point_id")
        for name in ("runs", "runs_reached"):
            out[name] = out[name].fillna(0).astype(int)  # a point whose runs all failed: 0
        return out

    def summary_table(self, commodity: str | None = None, by: str | None = None,
                      bins: int = 5) -> pd.DataFrame:  # fmt: skip
        """The headline of ``commodity`` (default: the first with a need) per design point, or
        per value of the swept parameter ``by`` (over all runs with that value; a parameter with
        more than ``bins`` values, as in a Latin hypercube, is cut into ``bins`` ranges of equal
        counts): runs, median share of need met, and days to first shortage as median [5 %,
        95 %] with the count of runs short, never-short runs counted as after the horizon
        (:mod:`lachin_sim.outputs.censoring`)."""
        commodities = self.spec.get("commodities", [])
        commodity = commodity or (commodities[0] if commodities else None)
        if commodity is None:
            return pd.DataFrame()
        ok = self.runs[self.runs["status"] == "ok"]
        first, share = f"days_to_first_shortage:{commodity}", f"share_met:{commodity}"
        if by is None:
            keys = self.design.set_index("point_id")
            groups = ok.groupby("point_id")
        else:
            values = ok[by]
            if values.nunique() > bins:
                values = pd.qcut(values, bins, duplicates="drop").astype(str)
            groups = ok.groupby(values.rename(by), sort=True)
        rows = []
        for key, group in groups:
            stats = censored_stats(group[first], self.horizon_days)
            row = dict(keys.loc[key]) if by is None else {by: key}
            row.update({
                "runs": len(group),
                f"{commodity}: share met (median)": float(group[share].median()),
                f"{commodity}: first short, day (median [5 %, 95 %])": stats.interval(),
                f"{commodity}: runs short": f"{stats.reached}/{stats.runs}",
            })  # fmt: skip
            rows.append(row)
        return pd.DataFrame(rows)

    def plot(self, metric: str | None = None, kind: str | None = None):
        """The figure a user most likely wants (a matplotlib Figure): a heatmap of ``metric``
        over a two-parameter grid, its response to the parameter of a one-parameter sweep, or the
        fan chart of share of need met for replications only. ``kind`` forces one of
        "heatmap", "response", "fan" or "probability" (shortage probability by date)."""
        from lachin_sim.outputs import plots

        commodities = self.spec.get("commodities", [])
        if kind is None:
            return plots.default_figure(self, metric)
        if kind == "heatmap":
            return plots.heatmap(self, metric or f"share_met:{commodities[0]}")
        if kind == "response":
            return plots.response(self, metric or f"share_met:{commodities[0]}")
        if kind == "fan":
            return plots.fan_chart(self, series="share_met")
        if kind == "probability":
            return plots.shortage_probability(self, commodities[0])
        raise ValueError(f"kind must be heatmap, response, fan or probability, not {kind!r}")

    def __repr__(self) -> str:
        n_points, reps = len(self.design), self.spec.get("replications", "?")
        ok = int((self.runs["status"] == "ok").sum()) if len(self.runs) else 0
        params = ", ".join(self.parameters) or "none (replications only)"
        where = f"; folder {self.directory}" if self.directory else ""
        return (f"<SweepResult: {n_points} points x {reps} replications = {len(self.runs)} runs "
                f"({ok} ok, {len(self.runs) - ok} failed); parameters: {params}{where}>")  # fmt: skip

    def _repr_html_(self) -> str:
        from lachin_sim.outputs.results import html_table

        table = self.summary_table()
        more = ""
        if len(table) > 20:
            more, table = f"<p>first 20 of {len(table)} points</p>", table.head(20)
        return f"<p>{html.escape(repr(self))}</p>{html_table(table)}{more}"

    def save(self, directory: str | os.PathLike) -> Path:
        """Write runs.csv, bands.csv, design.csv and sweep.json (the consolidated sweep) into a
        new, empty or sweep folder (any other folder is refused: see ``outputs.folders``)."""
        folder = prepare_output_dir(directory, "sweep")
        for name in ("runs", "bands", "design"):
            atomic_write_text(folder / f"{name}.csv", getattr(self, name).to_csv(index=False))
        atomic_write_text(
            folder / "sweep.json", json.dumps(self.spec, indent=1, default=str) + "\n"
        )
        self.directory = folder
        return folder

    @classmethod
    def load(cls, directory: str | os.PathLike) -> SweepResult:
        folder = Path(directory)
        spec = json.loads((folder / "sweep.json").read_text())
        runs = pd.read_csv(folder / "runs.csv", dtype={"error": "str", "status": "str"})
        runs["error"] = runs["error"].fillna("")  # an empty error (a run that succeeded) is ""
        bands = pd.read_csv(folder / "bands.csv", parse_dates=["date"])
        design = pd.read_csv(folder / "design.csv")
        return cls(runs=runs, bands=bands, design=design, spec=spec, directory=folder)


def load_sweep(directory: str | os.PathLike) -> SweepResult:
    """Read a folder written by a finished sweep."""
    return SweepResult.load(directory)


# --------------------------------------------------------------------------------------------
# Running a sweep.
# --------------------------------------------------------------------------------------------
def sweep(
    scenario: Scenario | str | os.PathLike,
    grid: dict[str, list] | None = None,
    ranges: dict[str, tuple[float, float]] | None = None,
    samples: int | None = None,
    design: str | None = None,
    replications: int = 1,
    seed: int = 0,
    overrides: dict[str, object] | None = None,
    integer: tuple[str, ...] = (),
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | os.PathLike | None = None,
    resume: bool = False,
    keep_full_runs: tuple[int, ...] = (),
    batch_size: int | None = None,
    progress: bool | None = None,
    band_replications: int = BAND_REPLICATIONS,
) -> SweepResult:
    """Run ``scenario`` at every design point, ``replications`` times each.

    Give ``grid`` (path -> list of values) for a full factorial design, or ``ranges`` (path ->
    (low, high)) with ``samples`` for a Latin hypercube (``design="lhs"``, the default for
    ranges) or independent uniform samples (``design="random"``). Paths are the dotted config
    paths of ``--set``. ``overrides`` apply to every run. ``executor`` is "serial",
    "processes" (default: all cores) or "dask" (``scheduler`` address, or a LocalCluster).
    With ``out``, results stream to that folder and an interrupted sweep resumes with
    ``resume=True``. ``progress``: a tqdm bar (None = only on a terminal). The quantile
    bands of each point use its first ``band_replications`` replications (memory stays bounded
    however many replications a point has); the runs table has them all.
    """
    raw, source = _base_raw(scenario)
    for path, value in (overrides or {}).items():
        set_dotted(raw, path, value, source=f"{source} (overrides)")
    kind = design or ("grid" if grid else "lhs" if ranges else "replications")
    try:
        spec_design = Design(kind=kind, grid=grid or {}, ranges=ranges or {}, samples=samples,
                             integer=list(integer))  # fmt: skip
    except ValidationError as exc:
        raise ConfigError("sweep design", design_problems(exc)) from None
    return run_sweep(raw, source, spec_design, replications, seed, executor, workers, scheduler,
                     out, resume, keep_full_runs, batch_size, progress, band_replications)  # fmt: skip


def _base_raw(scenario: Scenario | str | os.PathLike) -> tuple[dict, str]:
    if isinstance(scenario, Scenario):
        return scenario.to_dict(), f"<scenario {scenario.name}>"
    return read_config(scenario), str(scenario)


def run_sweep(
    raw: dict,
    source: str,
    design: Design,
    replications: int,
    seed: int,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | os.PathLike | None = None,
    resume: bool = False,
    keep_full_runs: tuple[int, ...] = (),
    batch_size: int | None = None,
    progress: bool | None = None,
    band_replications: int = BAND_REPLICATIONS,
    heatmap_metrics: Sequence[str] = (),
    metric_dates: tuple[str, ...] = (),
    series_runs: int = 0,
    series_sink: Callable[[int, np.ndarray], None] | None = None,
    point_bands: bool = True,
) -> SweepResult:
    """The engine behind :func:`sweep` and the ``lachin-sim sweep`` command. ``heatmap_metrics``
    are recorded in the spec for redrawing the figures (they change no run).

    For studies built on it: ``metric_dates`` (ISO dates) add the food energy on those dates
    to every run's metrics (``food_kcal_per_person_day@DATE:<group>``); the first
    ``series_runs`` runs (by run id) also send their daily series, and ``series_sink(run_id,
    series)`` receives each (those of a resumed session too), a (SERIES, commodity, date) array.
    ``point_bands=False`` computes no per-point bands (``bands`` is empty): a study whose every
    point is one run (an uncertainty study) would otherwise hold a band table per run, about
    1 MB each, and workers then send series only for the first ``series_runs`` runs.
    """
    if executor not in EXECUTORS:
        raise ConfigError(
            "sweep", [Problem("executor", executor, f"choose one of {', '.join(EXECUTORS)}")]
        )
    _check_counts(source, replications=replications, seed=seed, workers=workers,
                  band_replications=band_replications, batch_size=batch_size)  # fmt: skip
    parameters = design.parameters()
    check_parameters(parameters, source)
    check_run_count(design, replications, source)
    if out is not None:
        check_output_dir(out, "sweep")
    points = design.points(seed)
    n_runs = len(points) * replications
    bad_keep = [i for i in keep_full_runs if not 0 <= i < n_runs]
    if bad_keep or (keep_full_runs and out is None):
        why = (f"run ids must be in 0..{n_runs - 1}" if bad_keep
               else "full runs are saved inside the sweep folder: give out (--out)")  # fmt: skip
        raise ConfigError(source, [Problem("keep_full_runs", list(keep_full_runs), why)])
    base = validate_points(raw, source, points)  # calendar and commodities
    _check_dates(base, source, metric_dates)
    commodities = [n for n, c in base.commodities.items() if c.has_need]
    dates = pd.Timestamp(base.start) + pd.to_timedelta(tick_starts(base), unit="D")
    run_seeds = spawn_seeds(seed, replications)
    band_reps = min(replications, max(1, band_replications))
    spec = {
        "package_version": __version__,
        "source": source,
        "base": raw,
        "design": design.model_dump(),
        "parameters": parameters,
        "points": points,
        "replications": replications,
        "band_replications": band_reps,
        "seed": seed,
        "run_seeds": run_seeds,
        "commodities": commodities,
        "start": str(base.start),
        "tick_days": base.tick_days,
        "n_dates": len(dates),
    }
    # The sweep's identity: what is run (content, not how the path was typed) and with which
    # package version, so a resumed sweep never mixes results of two versions.
    if metric_dates:  # only when given, so that sweeps without them keep their identity
        spec["metric_dates"] = list(metric_dates)
    if series_runs:
        spec["series_runs"] = int(series_runs)
    spec["heatmap_metrics"] = list(heatmap_metrics)
    if not point_bands:  # not in the identity: the runs are the same either way
        spec["point_bands"] = False
    spec["sweep_sha256"] = _digest({k: v for k, v in spec.items() if k not in NOT_IDENTITY})
    tasks = [
        RunTask(
            p * replications + r,
            p,
            r,
            run_seeds[r],
            (point_bands and r < band_reps) or p * replications + r < series_runs,
        )
        for p in range(len(points))
        for r in range(replications)
    ]
    keep_dir = str(Path(out).resolve() / "full") if out is not None and keep_full_runs else None
    key = _digest([spec["sweep_sha256"], keep_dir, sorted(keep_full_runs)])  # worker registry key
    setup_args = (key, raw, source, points, commodities, keep_dir, tuple(keep_full_runs),
                  tuple(metric_dates))  # fmt: skip
    state = _State(spec, len(points), replications, commodities, len(dates))
    state.sink, state.series_runs = series_sink, series_runs
    store = _Store(out, spec, resume) if out is not None else None
    try:
        if store is not None:
            store.load_into(state)
        todo = [t for t in tasks if t.run_id not in state.done]
        size = batch_size or _batch_size(len(todo), workers, executor)
        batches = [(key, todo[i : i + size]) for i in range(0, len(todo), size)]
        bar = _progress_bar(len(tasks), len(tasks) - len(todo), progress, source)
        _run(state, store, batches, setup_args, executor, workers, scheduler, bar, out)
        result = state.result(points, parameters, dates)
        if store is not None:
            result.save(store.folder)
        return result
    finally:
        if store is not None:
            store.close()


def validate_points(raw: dict, source: str, points: list[dict]) -> Scenario:
    """Check the scenario of every design point before any run starts; raise one ConfigError
    listing every problem found, or return the first point's scenario."""
    from lachin_sim.config.validation import validate_scenario

    problems: list[Problem] = []
    for point in points:
        try:
            validate_scenario(raw, source, overrides=point)
        except ConfigError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
    if problems:
        raise ConfigError(f"{source} (sweep parameters)", problems)
    return validate_scenario(raw, source, overrides=points[0])


def _check_dates(scenario: Scenario, source: str, dates: tuple[str, ...]) -> None:
    """Refuse dates that are not ISO dates inside the scenario."""
    from lachin_sim.outputs.outcomes import date_problems

    problems = [Problem("dates", date, why) for date, why in date_problems(scenario, dates)]
    if problems:
        raise ConfigError(source, problems)


def _check_counts(source: str, **counts: int | None) -> None:
    """Whole numbers the sweep is run with: replications, seed, workers, ... (None: default)."""
    problems = []
    for name, value in counts.items():
        least = 0 if name == "seed" else 1
        if value is None and name != "replications":
            continue
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
            problems.append(Problem(name, value, f"must be a whole number >= {least}"))
    if problems:
        raise ConfigError(source, problems)


def _run(state: _State, store: _Store | None, batches: list, setup_args: tuple, executor: str,
         workers: int | None, scheduler: str | None, bar, out) -> None:  # fmt: skip
    """Run the batches, streaming each finished one to the store; on any stop, say what is saved."""
    total = len(state.done) + sum(len(tasks) for _, tasks in batches)
    try:
        for results in run_batches(executor, batches, run_batch, register_base, setup_args,
                                   workers, scheduler):  # fmt: skip
            completed = state.add(results)
            if store is not None:
                store.write_chunk(results, completed, state)
            state.forget(completed)
            if bar is not None:
                bar.update(len(results))
    except (KeyboardInterrupt, Exception) as exc:  # what finished is on disk; say how to go on
        where = f" in {out}; rerun with resume (--resume) to finish" if out is not None else ""
        why = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        message = f"sweep stopped after {len(state.done)} of {total} runs ({why}){where}"
        if isinstance(exc, KeyboardInterrupt):
            raise KeyboardInterrupt(message) from exc
        raise SweepInterrupted(message) from exc
    finally:
        if bar is not None:
            bar.close()


def _batch_size(n: int, workers: int | None, executor: str) -> int:
    """Runs per batch: big enough to amortise dispatch, small enough to balance and stream."""
    from lachin_sim.studies.executors import default_workers

    if executor == "serial":
        return max(1, min(50, n // 20 or 1))
    w = workers or default_workers()
    return max(1, min(50, n // (w * 8) or 1))


def _progress_bar(total: int, initial: int, progress: bool | None, source: str):
    if progress is False:
        return None
    from tqdm.auto import tqdm

    # disable=None: tqdm stays quiet when output is not a terminal (logs, CI, pipes)
    return tqdm(total=total, initial=initial, unit="run", desc="sweep",
                disable=None if progress is None else not progress, smoothing=0.1)  # fmt: skip


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


class _State:
    """What the parent keeps: one compact summary row per finished run, and the daily series
    of the band replications of points whose bands are not computed yet (dropped as soon as
    they are)."""

    def __init__(self, spec: dict, n_points: int, replications: int, commodities: list[str],
                 n_dates: int):  # fmt: skip
        self.spec, self.replications = spec, replications
        self.band_reps = spec["band_replications"] if spec.get("point_bands", True) else 0
        self.shape = (len(SERIES), len(commodities), n_dates)
        self.done: set[int] = set()
        self.metric_index: dict[str, int] = {}  # metric name -> position in the value arrays
        self.rows: list[tuple] = []  # (run_id, status, error, float64 array of metric values)
        self.buffers: dict[int, dict[int, np.ndarray]] = {}  # point -> replication -> series
        self.counts = np.zeros(n_points, dtype=int)  # band replications finished, per point
        self.bands: dict[int, np.ndarray] = {}  # point -> (quantiles, series, commodity, date)
        self.sink: Callable[[int, np.ndarray], None] | None = None  # see run_sweep
        self.series_runs = 0

    def add(self, results: list[tuple]) -> list[int]:
        """Record finished runs; returns the points whose bands they completed."""
        completed = []
        for run_id, status, error, metrics, series in results:
            if run_id in self.done:
                continue  # a duplicate from a resumed chunk: first one wins
            self.done.add(run_id)
            self.rows.append((run_id, status, error, self._values(metrics)))
            if self.sink is not None and series is not None and run_id < self.series_runs:
                self.sink(run_id, series)
            point, rep = divmod(run_id, self.replications)
            if rep >= self.band_reps or point in self.bands:
                continue
            if series is not None:
                self.buffers.setdefault(point, {})[rep] = series
            self.counts[point] += 1
            if self.counts[point] == self.band_reps:
                self.bands[point] = self._quantiles(point)
                completed.append(point)
        return completed

    def _values(self, metrics: dict[str, float]) -> np.ndarray:
        for name in metrics:
            self.metric_index.setdefault(name, len(self.metric_index))
        values = np.full(len(self.metric_index), np.nan)
        for name, value in metrics.items():
            values[self.metric_index[name]] = value
        return values

    def _quantiles(self, point: int) -> np.ndarray:
        stack = list(self.buffers.get(point, {}).values())
        if not stack:  # every replication failed
            return np.full((len(QUANTILES), *self.shape), np.nan, dtype=np.float32)
        with warnings.catch_warnings():  # all-NaN slices (undefined days of supply) stay NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            q = np.nanquantile(np.stack(stack).astype(np.float64), QUANTILES, axis=0)
        return q.astype(np.float32)

    def forget(self, points: list[int]) -> None:
        for p in points:
            self.buffers.pop(p, None)

    def result(self, points: list[dict], parameters: list[str], dates) -> SweepResult:
        design = pd.DataFrame([{"point_id": i, **p} for i, p in enumerate(points)])
        design = (
            design if len(design.columns) > 1 else pd.DataFrame({"point_id": range(len(points))})
        )
        rows = sorted(self.rows, key=lambda r: r[0])
        values = np.full((len(rows), len(self.metric_index)), np.nan)
        for i, row in enumerate(rows):
            values[i, : len(row[3])] = row[3]
        table: dict[str, list | np.ndarray] = {
            "run_id": [r[0] for r in rows],
            "point_id": [r[0] // self.replications for r in rows],
            "replication": [r[0] % self.replications for r in rows],
        }
        seeds = self.spec["run_seeds"]
        table["seed"] = [seeds[r] for r in table["replication"]]
        for name in parameters:
            table[name] = [points[p][name] for p in table["point_id"]]
        table["status"] = [r[1] for r in rows]
        table["error"] = [r[2] for r in rows]
        for name, column in self.metric_index.items():
            table[name] = values[:, column]
        runs = pd.DataFrame(table)
        return SweepResult(runs=runs, bands=self._bands_table(dates), design=design, spec=self.spec)

    def _bands_table(self, dates) -> pd.DataFrame:
        commodities = self.spec["commodities"]
        parts = []
        n_dates = len(dates)
        for point in sorted(self.bands):
            q = self.bands[point]  # (quantiles, series, commodity, date)
            for s, series in enumerate(SERIES):
                for c, commodity in enumerate(commodities):
                    cols = {"point_id": point, "series": series, "commodity": commodity,
                            "date": dates}  # fmt: skip
                    cols.update(
                        {name: q[i, s, c, :n_dates] for i, name in enumerate(QUANTILE_COLUMNS)}
                    )
                    parts.append(pd.DataFrame(cols))
        if not parts:
            return pd.DataFrame(
                columns=["point_id", "series", "commodity", "date", *QUANTILE_COLUMNS]
            )
        return pd.concat(parts, ignore_index=True)


class _Store:
    """The sweep folder: sweep.json (the spec), chunks/*.npz (finished runs), final tables."""

    def __init__(self, out: str | os.PathLike, spec: dict, resume: bool):
        self.folder = check_output_dir(out, "sweep")  # a new, empty or sweep folder
        self.chunks = self.folder / "chunks"
        spec_path = self.folder / "sweep.json"
        if spec_path.exists():
            try:
                old = json.loads(spec_path.read_text())
            except (ValueError, OSError) as exc:
                raise ConfigError(str(spec_path), [Problem("", None, f"cannot be read ({exc}); "
                                  "the sweep folder is damaged: choose another folder")]) from None  # fmt: skip
            if not resume:
                raise ConfigError(str(self.folder), [Problem("--out", str(self.folder),
                    "already holds a sweep; add --resume to continue it, or choose another folder")])  # fmt: skip
            if old.get("sweep_sha256") != spec["sweep_sha256"]:
                why = ("holds a different sweep (scenario, design, replications or seed changed); "
                       "choose another folder")  # fmt: skip
                if old.get("package_version") != spec["package_version"]:
                    why = (f"holds a sweep made with lachin-sim {old.get('package_version')}; this is "
                           f"{spec['package_version']}, and results of two versions must not mix")  # fmt: skip
                raise ConfigError(str(self.folder), [Problem("--resume", str(self.folder), why)])
        prepare_output_dir(self.folder, "sweep")
        self.chunks.mkdir(exist_ok=True)
        self._lock = _lock(self.folder)
        if not spec_path.exists():
            atomic_write_text(spec_path, json.dumps(spec, indent=1, default=str) + "\n")
        self._count = len(list(self.chunks.glob("chunk-*.npz")))

    def close(self) -> None:
        """Release the folder for other sessions."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def load_into(self, state: _State) -> None:
        """Read back every chunk of an earlier session (resume). The bands of points already
        complete are read first, so that only incomplete points' series are held in memory."""
        paths = sorted(self.chunks.glob("chunk-*.npz"))
        for path in paths if state.band_reps else ():  # no per-point bands: none to read
            with np.load(path, allow_pickle=False) as z:
                for p, q in zip(z["band_points"].tolist(), z["bands"], strict=True):
                    state.bands.setdefault(int(p), q)
        for path in paths:
            with np.load(path, allow_pickle=False) as z:
                rows = json.loads(bytes(z["rows"]).decode())
                series = z["series"]
                has = z["has_series"]
                # the series of the runs that have one, in order (chunks of earlier versions: a
                # NaN series for every run, so one per row)
                at = range(len(rows)) if len(series) == len(rows) else np.cumsum(has) - 1
                results = [(r[0], r[1], r[2], r[3], series[at[i]] if has[i] else None)
                           for i, r in enumerate(rows)]  # fmt: skip
            state.forget(state.add(results))

    def write_chunk(self, results: list[tuple], completed: list[int], state: _State) -> None:
        """One file per finished batch, renamed into place when whole."""
        rows = [(r[0], r[1], r[2], r[3]) for r in results]
        shape = state.shape
        has = np.array([r[4] is not None for r in results])
        # only the runs that have a series (a study sends few): no NaN series on disk per run
        series = (np.stack([r[4] for r in results if r[4] is not None]) if has.any()
                  else np.zeros((0, *shape), np.float32))  # fmt: skip
        bands = (np.stack([state.bands[p] for p in completed]) if completed
                 else np.zeros((0, len(QUANTILES), *shape), np.float32))  # fmt: skip
        self._count += 1
        final = self.chunks / f"chunk-{self._count:06d}-{os.getpid()}.npz"
        tmp = self.chunks / f".tmp-{os.getpid()}-{secrets.token_hex(4)}.npz"
        try:
            with open(tmp, "xb") as fh:  # mode 0o666 less the umask, like every other file
                np.savez(fh, rows=np.frombuffer(json.dumps(rows).encode(), dtype=np.uint8),
                         series=series, has_series=has,
                         band_points=np.array(completed, dtype=np.int64), bands=bands)  # fmt: skip
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _lock(folder: Path):
    """An exclusive lock on the sweep folder (``.lock``, a filelock) for this session."""
    from filelock import FileLock, Timeout

    lock = FileLock(folder / ".lock", timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise ConfigError(str(folder), [Problem("--out", str(folder),
                          "is in use by another running sweep; wait for it or choose another folder")]) from None  # fmt: skip
    return lock
