"""Running sweeps: the runs and bands tables, seeds, executors, failures, memory, full runs.

One grid of six points with four replications of the tiny Poisson scenario is run once with the
serial executor; the other tests compare against it or recompute parts of it by hand.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from sweep_helpers import DENIAL, SWEEP_MODULE, TRUCKS, metric_columns, sweep_raw, sweep_scenario

import lachin_sim as ls
import lachin_sim.model.simulation as simulation_module
from lachin_sim.config.validation import validate_scenario
from lachin_sim.model.streams import spawn_seeds
from lachin_sim.outputs.metrics import by_commodity

GRID = {TRUCKS: [0.25, 1.0, 2.0], DENIAL: [0.0, 0.4]}
POINTS = [{TRUCKS: t, DENIAL: d} for t in GRID[TRUCKS] for d in GRID[DENIAL]]
REPS = 4
SEED = 11
QUANTILES = ["q05", "q25", "q50", "q75", "q95"]


def run_grid(**kwargs) -> ls.SweepResult:
    """The module's grid sweep of the tiny scenario (serial unless told otherwise)."""
    options = {"grid": GRID, "replications": REPS, "seed": SEED, "executor": "serial",
               "progress": False, **kwargs}  # fmt: skip
    return ls.sweep(sweep_scenario(), **options)


@pytest.fixture(scope="module")
def serial() -> ls.SweepResult:
    """The grid sweep, run once with the serial executor."""
    return run_grid()


def simulate_point(point: dict, seed: int, overrides: dict | None = None) -> ls.Result:
    """One run by hand: the tiny scenario with the point's values, at ``seed``."""
    scenario = validate_scenario(sweep_raw(overrides), "<by hand>", overrides=point)
    return ls.simulate(scenario, seed=seed)


def per_run_series(result: ls.Result, series: str, commodity: str) -> np.ndarray:
    """One run's daily ``series`` for ``commodity``, in date order, as the sweep stores it."""
    positions = dict(by_commodity(result.stocks))[commodity]
    return result.stocks[series].to_numpy(dtype=np.float32)[positions]


# --------------------------------------------------------------------------------------------
# The runs table
# --------------------------------------------------------------------------------------------
def test_runs_table_has_one_row_per_run_with_ids_parameters_and_metrics(serial):
    """The runs table has one row per (point, replication), ids in order, the swept parameters
    of its point, status and error, and one column per summary metric of a run."""
    runs = serial.runs
    n = len(POINTS) * REPS
    assert len(runs) == n
    assert runs["run_id"].tolist() == list(range(n))
    assert runs["point_id"].tolist() == [i // REPS for i in range(n)]
    assert runs["replication"].tolist() == [i % REPS for i in range(n)]
    metrics = list(simulate_point(POINTS[0], 1).summary.index)
    assert list(runs.columns) == [
        "run_id", "point_id", "replication", "seed", TRUCKS, DENIAL, "status", "error", *metrics
    ]  # fmt: skip
    for row in runs.to_dict("records"):
        point = POINTS[row["point_id"]]
        assert (row[TRUCKS], row[DENIAL]) == (point[TRUCKS], point[DENIAL])
    assert (runs["status"] == "ok").all()
    assert (runs["error"] == "").all()
    assert serial.parameters == [TRUCKS, DENIAL]
    assert serial.design.drop(columns="point_id").to_dict("records") == POINTS


def test_replication_seeds_are_spawned_and_shared_by_every_point(serial):
    """Replication r has the same seed at every point (common random numbers), and the seeds are
    the SeedSequence children of the root seed."""
    runs = serial.runs
    assert (runs.groupby("replication")["seed"].nunique() == 1).all()
    by_rep = runs.groupby("replication")["seed"].first().tolist()
    children = np.random.SeedSequence(SEED).spawn(REPS)
    assert by_rep == [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]
    assert by_rep == spawn_seeds(SEED, REPS)
    assert len(set(by_rep)) == REPS
    assert spawn_seeds(SEED + 1, REPS) != by_rep


def test_more_replications_keep_the_seeds_of_the_first_ones(serial):
    """Growing a sweep from 4 to 6 replications keeps replications 0-3 exactly as they were."""
    grown = run_grid(grid={TRUCKS: [1.0]}, replications=REPS + 2, overrides={DENIAL: 0.4})
    same_point = serial.runs[serial.runs["point_id"] == 3].reset_index(drop=True)
    first = grown.runs[grown.runs["replication"] < REPS].reset_index(drop=True)
    cols = ["replication", "seed", *metric_columns(serial.runs)]
    pd.testing.assert_frame_equal(first[cols], same_point[cols])


def test_a_run_depends_only_on_its_parameters_and_seed(serial):
    """Simulating a point's scenario once with a row's seed reproduces that row's summary
    metrics exactly."""
    metrics = metric_columns(serial.runs)
    for row in serial.runs.to_dict("records"):
        summary = simulate_point(POINTS[row["point_id"]], row["seed"]).summary
        np.testing.assert_array_equal(
            summary[metrics].to_numpy(dtype=float),
            np.array([row[m] for m in metrics], dtype=float),
            err_msg=f"run {row['run_id']}",
        )


def test_seeds_matter_in_the_tiny_scenario(serial):
    """The Poisson source makes replications differ, so the comparisons above have power."""
    delivered = serial.runs.groupby("point_id")["delivered_t:humanitarian"].nunique()
    assert (delivered > 1).all()


def test_overrides_apply_to_every_run():
    """Fixed ``overrides`` reach every run: a row equals a hand run with override and point."""
    overrides = {"population.initial": 2500}
    result = run_grid(grid={TRUCKS: [1.0, 2.0]}, replications=2, overrides=overrides)
    metrics = metric_columns(result.runs)
    for row in result.runs.to_dict("records"):
        point = {TRUCKS: row[TRUCKS]}
        summary = simulate_point(point, row["seed"], overrides).summary
        np.testing.assert_array_equal(summary[metrics].to_numpy(dtype=float),
                                      np.array([row[m] for m in metrics], dtype=float))  # fmt: skip
    base = run_grid(grid={TRUCKS: [1.0, 2.0]}, replications=2)
    assert not np.array_equal(base.runs["unmet:food"], result.runs["unmet:food"])


def test_replications_only_sweep_runs_the_base_scenario():
    """Without a grid or ranges a sweep is one point (the base scenario) run ``replications``
    times, and its design table holds only the point id."""
    result = ls.sweep(sweep_scenario(), replications=3, seed=SEED, executor="serial",
                      progress=False)  # fmt: skip
    assert result.parameters == []
    assert list(result.design.columns) == ["point_id"]
    assert result.runs["point_id"].tolist() == [0, 0, 0]
    assert result.runs["seed"].tolist() == spawn_seeds(SEED, 3)
    first = ls.simulate(sweep_scenario(), seed=result.runs["seed"][0]).summary
    assert result.runs.loc[0, "share_met:food"] == first["share_met:food"]


def test_by_point_is_the_median_over_replications(serial):
    """``by_point(metric)`` gives each point's parameters and the median of the metric."""
    table = serial.by_point("unmet:food")
    expected = serial.runs.groupby("point_id")["unmet:food"].median()
    assert table["point_id"].tolist() == list(range(len(POINTS)))
    np.testing.assert_array_equal(table["unmet:food"].to_numpy(), expected.to_numpy())
    assert table[TRUCKS].tolist() == [p[TRUCKS] for p in POINTS]


# --------------------------------------------------------------------------------------------
# Executors and batching
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "options",
    [
        {"executor": "serial", "batch_size": 1},
        {"executor": "serial", "batch_size": 7},
        {"executor": "processes", "workers": 1},
        {"executor": "processes", "workers": 2},
        {"executor": "processes", "workers": 2, "batch_size": 1},
    ],
    ids=["serial-batch1", "serial-batch7", "processes-1", "processes-2", "processes-2-batch1"],
)
def test_executors_and_batching_give_identical_tables(serial, options):
    """Serial and process-pool executors, with any worker count or batch size, give identical
    runs, bands and design tables."""
    other = run_grid(**options)
    pd.testing.assert_frame_equal(other.runs, serial.runs, check_exact=True)
    pd.testing.assert_frame_equal(other.bands, serial.bands, check_exact=True)
    pd.testing.assert_frame_equal(other.design, serial.design, check_exact=True)


@pytest.mark.filterwarnings("ignore:Port .* is already in use:UserWarning")
@pytest.mark.slow
def test_dask_local_cluster_gives_identical_tables(serial):
    """The Dask executor on a two-worker LocalCluster gives the serial runs and bands tables."""
    other = run_grid(executor="dask", workers=2)
    pd.testing.assert_frame_equal(other.runs, serial.runs, check_exact=True)
    pd.testing.assert_frame_equal(other.bands, serial.bands, check_exact=True)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Port .* is already in use:UserWarning")
def test_dask_scheduler_address_gives_identical_tables(serial):
    """The Dask executor given a running scheduler's address gives the serial tables."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, host="127.0.0.1") as cluster:  # fmt: skip
        other = run_grid(executor="dask", scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(other.runs, serial.runs, check_exact=True)
    pd.testing.assert_frame_equal(other.bands, serial.bands, check_exact=True)


def test_unknown_executor_is_refused_before_anything_is_written(tmp_path):
    """An executor name that does not exist is a ValueError naming the valid ones, raised before
    a sweep folder is written."""
    with pytest.raises(ValueError, match="serial"):
        run_grid(executor="threads", out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------------
# Bands
# --------------------------------------------------------------------------------------------
def test_bands_cover_every_point_series_commodity_and_date(serial):
    """The bands table has one row per point, series, commodity and date of the calendar."""
    bands = serial.bands
    assert list(bands.columns) == ["point_id", "series", "commodity", "date", *QUANTILES]
    dates = pd.date_range("2023-01-01", "2023-02-09", freq="D")
    for (point, series, commodity), group in bands.groupby(["point_id", "series", "commodity"]):
        assert point in range(len(POINTS)) and series in ("days_of_supply", "share_met")
        assert commodity in ("food", "fuel")
        assert pd.DatetimeIndex(group["date"]).equals(dates)
    assert len(bands) == len(POINTS) * 2 * 2 * len(dates)


def test_band_quantiles_are_ordered(serial):
    """For every row, q05 <= q25 <= q50 <= q75 <= q95 wherever both are defined."""
    bands = serial.bands
    assert bands[QUANTILES].notna().any().all()
    for lo, hi in itertools.pairwise(QUANTILES):
        a, b = bands[lo], bands[hi]
        assert ((a <= b) | a.isna() | b.isna()).all(), (lo, hi)
    spread = bands["q95"] - bands["q05"]
    assert (spread > 0).any()  # the replications differ, so the bands have width


@pytest.mark.parametrize("point_id", [1, 4])
def test_band_median_is_the_median_of_the_runs(serial, point_id):
    """q50 is, for every date, the median over replications of the runs' daily series, and
    q05..q95 lie within the runs' range (recomputed by re-simulating one point's runs)."""
    seeds = serial.runs.loc[serial.runs["point_id"] == point_id, "seed"].tolist()
    results = [simulate_point(POINTS[point_id], s) for s in seeds]
    for series in ("days_of_supply", "share_met"):
        for commodity in ("food", "fuel"):
            stack = np.stack([per_run_series(r, series, commodity) for r in results])
            band = serial.bands[(serial.bands["point_id"] == point_id)
                                & (serial.bands["series"] == series)
                                & (serial.bands["commodity"] == commodity)]  # fmt: skip
            np.testing.assert_allclose(band["q50"].to_numpy(dtype=float),
                                       np.median(stack.astype(np.float64), axis=0),
                                       rtol=1e-6, atol=1e-6)  # fmt: skip
            assert (band["q05"].to_numpy() >= stack.min(axis=0) - 1e-6).all()
            assert (band["q95"].to_numpy() <= stack.max(axis=0) + 1e-6).all()


# --------------------------------------------------------------------------------------------
# Failed runs
# --------------------------------------------------------------------------------------------
@pytest.fixture
def failing_simulate(monkeypatch, serial):
    """simulate() raises for every run with 2 trucks/day, and for replication 1 at 0.25/day."""
    real = simulation_module.simulate
    seed_rep1 = spawn_seeds(SEED, REPS)[1]

    def simulate(scenario, seed=None, **kwargs):
        trucks = scenario.convoys["aid"].trucks_per_day
        if trucks == 2.0 or (trucks == 0.25 and seed == seed_rep1):
            raise RuntimeError(f"boom at {trucks} trucks/day")
        return real(scenario, seed=seed, **kwargs)

    monkeypatch.setattr(simulation_module, "simulate", simulate)


def test_failed_runs_are_recorded_and_the_others_finish(serial, failing_simulate):
    """A run that raises is a row with status "failed", its error text and its parameters; the
    other runs finish with the same results as without the failures."""
    result = run_grid()
    runs = result.runs
    failed = runs[runs["status"] == "failed"]
    expected_failed = (runs[TRUCKS] == 2.0) | ((runs[TRUCKS] == 0.25) & (runs["replication"] == 1))
    assert failed.index.tolist() == runs.index[expected_failed].tolist()
    assert set(runs["status"]) == {"ok", "failed"}
    for row in failed.itertuples():
        trucks = runs.loc[row.Index, TRUCKS]
        assert row.error == f"RuntimeError: boom at {trucks} trucks/day"
    assert failed[metric_columns(runs)].isna().all().all()
    pd.testing.assert_frame_equal(result.failures, failed)
    ok = ~expected_failed
    pd.testing.assert_frame_equal(runs[ok], serial.runs[ok], check_exact=True)


def test_bands_skip_failed_runs(serial, failing_simulate):
    """A point whose runs all failed has all-NaN bands; a point with one failure has bands from
    its remaining replications only."""
    result = run_grid()
    bands = result.bands
    all_failed = bands[bands["point_id"].isin([4, 5])]
    assert all_failed[QUANTILES].isna().all().all()
    point = 0  # 0.25 trucks/day, no denial: replication 1 failed
    seeds = [s for r, s in enumerate(spawn_seeds(SEED, REPS)) if r != 1]
    stack = np.stack([per_run_series(simulate_point(POINTS[point], s), "days_of_supply", "food")
                      for s in seeds])  # fmt: skip
    band = bands[(bands["point_id"] == point) & (bands["series"] == "days_of_supply")
                 & (bands["commodity"] == "food")]  # fmt: skip
    np.testing.assert_allclose(band["q50"].to_numpy(dtype=float),
                               np.median(stack.astype(np.float64), axis=0), rtol=1e-6, atol=1e-6)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Memory: only incomplete points keep their daily series
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_buffers_hold_series_only_for_incomplete_points(monkeypatch, tmp_path, executor):
    """After every batch, the sweep's buffers hold series only for points still missing
    replications; at the end they are empty and every point has bands."""
    states = []
    snapshots = []

    class Recording(SWEEP_MODULE._State):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            states.append(self)

        def forget(self, points):
            super().forget(points)
            snapshots.append({p: int(self.counts[p]) for p in self.buffers})

    monkeypatch.setattr(SWEEP_MODULE, "_State", Recording)
    many = {TRUCKS: [0.25, 0.5, 0.75, 1.0, 1.5, 2.0], DENIAL: [0.0, 0.2, 0.4]}  # 18 points
    result = run_grid(grid=many, replications=3, executor=executor, workers=2, batch_size=2,
                      out=tmp_path / "out")  # fmt: skip
    assert len(snapshots) >= 27  # at least once per batch (and per chunk read back on resume)
    for buffered in snapshots:
        assert all(count < 3 for count in buffered.values()), buffered
    if executor == "serial":  # batches finish in order: at most the point straddling a batch
        assert max(len(b) for b in snapshots) == 1
    (state,) = states
    assert state.buffers == {}
    assert sorted(state.bands) == list(range(18))
    assert sorted(result.bands["point_id"].unique()) == list(range(18))


def test_resume_keeps_memory_flat(monkeypatch, tmp_path):
    """Resuming a sweep never buffers more daily series than one batch plus one point's
    replications (here: a finished 54-run sweep read back from 27 chunks)."""
    many = {TRUCKS: [0.25, 0.5, 0.75, 1.0, 1.5, 2.0], DENIAL: [0.0, 0.2, 0.4]}
    options = {"grid": many, "replications": 3, "batch_size": 2, "out": tmp_path / "out"}
    run_grid(**options)
    peak = []

    class Recording(SWEEP_MODULE._State):
        def add(self, results):
            completed = super().add(results)
            peak.append(sum(len(series) for series in self.buffers.values()))
            return completed

    monkeypatch.setattr(SWEEP_MODULE, "_State", Recording)
    run_grid(**options, resume=True)
    assert len(peak) == 27
    assert max(peak) <= 2 + 3


# --------------------------------------------------------------------------------------------
# Full result folders of chosen runs
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("executor, seed", [("serial", 901), ("processes", 902)])
def test_keep_full_runs_saves_exactly_the_named_runs(tmp_path, executor, seed):
    """``keep_full_runs`` saves a full result folder for exactly the named run ids, each the
    same run as its row in the runs table."""
    out = tmp_path / "out"
    result = run_grid(seed=seed, executor=executor, workers=2, out=out, keep_full_runs=(1, 9))
    kept = sorted(p.name for p in (out / "full").iterdir())
    assert kept == ["run-000001", "run-000009"]
    metrics = metric_columns(result.runs)
    for run_id in (1, 9):
        full = ls.load_result(out / "full" / f"run-{run_id:06d}")
        row = result.runs.loc[result.runs["run_id"] == run_id].iloc[0]
        assert full.seed == row["seed"]
        assert full.scenario.convoys["aid"].trucks_per_day == row[TRUCKS]
        np.testing.assert_allclose(full.summary[metrics].to_numpy(dtype=float),
                                   row[metrics].to_numpy(dtype=float), rtol=1e-12)  # fmt: skip


def test_keep_full_runs_honoured_when_the_same_sweep_ran_before(tmp_path):
    """Running a sweep, then the same sweep again with keep_full_runs into another folder,
    saves the named runs in the second folder."""
    run_grid(seed=903, out=tmp_path / "first")
    run_grid(seed=903, out=tmp_path / "second", keep_full_runs=(2,))
    assert (tmp_path / "second" / "full" / "run-000002").is_dir()


# --------------------------------------------------------------------------------------------
# Saved tables
# --------------------------------------------------------------------------------------------
def test_saved_sweep_loads_back_as_the_same_tables(tmp_path):
    """A sweep saved with ``out`` loads back (load_sweep) with the same runs, bands, design and
    spec (bands to float32 precision: they are stored as float32)."""
    result = run_grid(out=tmp_path / "out")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # see test_load_sweep_keeps_dtypes_without_warnings
        loaded = ls.load_sweep(tmp_path / "out")
    pd.testing.assert_frame_equal(loaded.runs, result.runs, check_dtype=False, check_exact=True)
    pd.testing.assert_frame_equal(loaded.design, result.design, check_exact=True)
    pd.testing.assert_frame_equal(loaded.bands, result.bands, check_dtype=False, rtol=1e-6)
    assert loaded.spec["sweep_sha256"] == result.spec["sweep_sha256"]
    assert loaded.parameters == [TRUCKS, DENIAL]
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")) == [
        "bands.csv", "chunks", "design.csv", "metadata.json", "runs.csv", "sweep.json"
    ]  # fmt: skip


def test_load_sweep_keeps_dtypes_without_warnings(tmp_path):
    """Loading a sweep in which every run succeeded raises no warning and keeps the runs
    table's dtypes."""
    result = run_grid(grid={TRUCKS: [1.0]}, replications=2, out=tmp_path / "out")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = ls.load_sweep(tmp_path / "out")
    pd.testing.assert_series_equal(loaded.runs.dtypes, result.runs.dtypes)


def test_bands_use_the_first_band_replications_and_runs_keep_all(monkeypatch):
    """With band_replications = 2, each point's bands are the quantiles of its first two
    replications only, its series beyond them are never buffered, and the runs table still has
    every replication (memory stays bounded however many replications a point has)."""
    states = []

    class Recording(SWEEP_MODULE._State):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            states.append(self)
            self.largest = 0

        def add(self, results):
            done = super().add(results)
            self.largest = max([self.largest, *(len(b) for b in self.buffers.values())])
            return done

    monkeypatch.setattr(SWEEP_MODULE, "_State", Recording)
    result = run_grid(replications=5, band_replications=2, batch_size=1)
    assert len(result.runs) == len(POINTS) * 5
    assert states[0].largest <= 2
    point_id = 1
    seeds = result.runs.loc[result.runs["point_id"] == point_id, "seed"].tolist()[:2]
    stack = np.stack([per_run_series(simulate_point(POINTS[point_id], s), "share_met", "food")
                      for s in seeds])  # fmt: skip
    band = result.bands[(result.bands["point_id"] == point_id) & (result.bands["series"] == "share_met")
                        & (result.bands["commodity"] == "food")]  # fmt: skip
    np.testing.assert_allclose(
        band["q50"].to_numpy(dtype=float), np.median(stack, axis=0), atol=1e-6
    )
