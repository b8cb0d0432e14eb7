"""Streaming and resume: an interrupted sweep keeps what finished and completes on resume with
exactly the tables of an uninterrupted sweep, computing no run twice and losing none.

Interruptions: Ctrl-C or an error inside the run loop (in process), a failed chunk write, a
killed parent process and a killed worker process (``python -m lachin_sim sweep`` in a child
process, the process executor with two workers).
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sweep_helpers import (
    DENIAL,
    SWEEP_MODULE,
    TRUCKS,
    assert_same_tables,
    child_pids,
    chunk_files,
    chunk_run_ids,
    cli_command,
    group_pids,
    kill_group_members,
    run_cli_process,
    sweep_scenario,
    wait_until,
    write_sweep_files,
)

import lachin_sim as ls
import lachin_sim.model.simulation as simulation_module
from lachin_sim.cli import main
from lachin_sim.errors import ConfigError, SweepInterrupted

GRID = {TRUCKS: [0.25, 0.5, 1.0], DENIAL: [0.0, 0.4]}  # 6 points
REPS = 3
BATCH = 4  # 18 runs in batches of 4, 4, 4, 4, 2: points straddle batch (and chunk) boundaries
SEED = 21
N_RUNS = 6 * REPS


def run(out: Path, **kwargs) -> ls.SweepResult:
    """The module's sweep, serial, streaming to ``out``."""
    options = {"grid": GRID, "replications": REPS, "seed": SEED, "executor": "serial",
               "batch_size": BATCH, "progress": False, "out": out, **kwargs}  # fmt: skip
    return ls.sweep(sweep_scenario(), **options)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, ls.SweepResult]:
    """The sweep run to completion without interruption: its folder and result."""
    out = tmp_path_factory.mktemp("reference") / "sweep"
    return out, run(out)


def recording_run_batch(monkeypatch, fail_on_call: int | None = None,
                        error: type[BaseException] = KeyboardInterrupt) -> list[list[int]]:  # fmt: skip
    """Replace run_batch by a wrapper that records each batch's run ids and raises ``error`` on
    call number ``fail_on_call`` (before running it). Returns the record."""
    real = SWEEP_MODULE.run_batch
    calls: list[list[int]] = []

    def wrapper(batch):
        calls.append([task.run_id for task in batch[1]])
        if len(calls) == fail_on_call:
            raise error("simulated interruption")
        return real(batch)

    monkeypatch.setattr(SWEEP_MODULE, "run_batch", wrapper)
    return calls


def counting_simulate(monkeypatch) -> list[int]:
    """Count simulate() calls (one per run computed in this process)."""
    real = simulation_module.simulate
    seeds: list[int] = []

    def wrapper(scenario, seed=None, **kwargs):
        seeds.append(seed)
        return real(scenario, seed=seed, **kwargs)

    monkeypatch.setattr(simulation_module, "simulate", wrapper)
    return seeds


def assert_same_result(result: ls.SweepResult, expected: ls.SweepResult) -> None:
    for name in ("runs", "bands", "design"):
        pd.testing.assert_frame_equal(getattr(result, name), getattr(expected, name),
                                      check_exact=True, obj=name)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Interrupted in process
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fail_on_call, error, raised",
    [
        (3, KeyboardInterrupt, KeyboardInterrupt),
        (1, KeyboardInterrupt, KeyboardInterrupt),
        (5, OSError, SweepInterrupted),
    ],
    ids=["ctrl-c-after-2-batches", "ctrl-c-at-once", "error-in-last-batch"],
)
def test_interrupted_sweep_resumes_to_identical_tables(tmp_path, monkeypatch, reference,
                                                       fail_on_call, error, raised):  # fmt: skip
    """A sweep stopped in batch k keeps batches 1..k-1 as chunk files; resuming computes every
    other run exactly once and gives the uninterrupted sweep's tables."""
    ref_dir, ref = reference
    out = tmp_path / "out"
    recording_run_batch(monkeypatch, fail_on_call, error)
    saved_runs = (fail_on_call - 1) * BATCH
    with pytest.raises(raised, match=rf"after {saved_runs} of {N_RUNS} runs.*resume"):
        run(out)
    assert len(chunk_files(out)) == fail_on_call - 1
    assert sorted(chunk_run_ids(out)) == list(range(saved_runs))
    assert not (out / "runs.csv").exists()

    calls = recording_run_batch(monkeypatch)
    simulated = counting_simulate(monkeypatch)
    result = run(out, resume=True)
    computed = [run_id for batch in calls for run_id in batch]
    assert sorted(computed) == list(range(saved_runs, N_RUNS))
    assert len(simulated) == N_RUNS - saved_runs
    assert sorted(chunk_run_ids(out)) == list(range(N_RUNS))
    assert_same_result(result, ref)
    assert_same_tables(out, ref_dir)


def test_interrupted_twice_still_resumes(tmp_path, monkeypatch, reference):
    """A resumed sweep that is interrupted again resumes again, still computing each run once."""
    out = tmp_path / "out"
    recording_run_batch(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        run(out)
    recording_run_batch(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt, match=f"after {3 * BATCH} of"):
        run(out, resume=True)
    calls = recording_run_batch(monkeypatch)
    result = run(out, resume=True)
    assert sorted(r for batch in calls for r in batch) == list(range(3 * BATCH, N_RUNS))
    assert sorted(chunk_run_ids(out)) == list(range(N_RUNS))
    assert_same_result(result, reference[1])


def test_resuming_a_finished_sweep_computes_nothing(tmp_path, monkeypatch, reference):
    """Resuming a sweep that already finished reads every run back and runs none."""
    out = tmp_path / "out"
    run(out)
    calls = recording_run_batch(monkeypatch)
    result = run(out, resume=True)
    assert calls == []
    assert_same_result(result, reference[1])


def test_resume_ignores_temporary_chunk_files(tmp_path, monkeypatch, reference):
    """Leftover ``.tmp-*`` files (a chunk being written when the process died) are not read:
    only ``chunk-*.npz`` counts."""
    out = tmp_path / "out"
    recording_run_batch(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt):
        run(out)
    (out / "chunks" / ".tmp-half-written.npz").write_bytes(b"PK\x03\x04 not a whole file")
    calls = recording_run_batch(monkeypatch)
    result = run(out, resume=True)
    assert sorted(r for batch in calls for r in batch) == list(range(2 * BATCH, N_RUNS))
    assert_same_result(result, reference[1])


def test_failed_chunk_write_leaves_no_chunk(tmp_path, monkeypatch, reference):
    """A chunk whose write fails half way leaves neither a chunk file nor a temporary file, and
    the sweep resumes to the uninterrupted tables."""
    out = tmp_path / "out"
    real_savez = np.savez
    writes = []

    def failing_savez(file, *args, **kwargs):
        writes.append(file)
        if len(writes) == 2:
            file.write(b"PK\x03\x04 partial")
            raise OSError("disk full")
        return real_savez(file, *args, **kwargs)

    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.raises(SweepInterrupted, match="disk full"):
        run(out)
    monkeypatch.setattr(np, "savez", real_savez)
    assert [p.name for p in (out / "chunks").iterdir()] == [chunk_files(out)[0].name]
    assert sorted(chunk_run_ids(out)) == list(range(BATCH))
    result = run(out, resume=True)
    assert_same_result(result, reference[1])


# --------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------
def test_rerun_into_a_sweep_folder_without_resume_is_refused(tmp_path, monkeypatch):
    """Running into a folder that already holds a sweep, without resume, is a ConfigError that
    points to --resume, and leaves the folder as it was."""
    out = tmp_path / "out"
    run(out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    calls = recording_run_batch(monkeypatch)
    with pytest.raises(ConfigError, match="--resume"):
        run(out)
    assert calls == []
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


CHANGES = {
    "grid values": {"grid": {TRUCKS: [0.25, 0.5, 2.0], DENIAL: [0.0, 0.4]}},
    "replications": {"replications": REPS + 1},
    "seed": {"seed": SEED + 1},
    "fixed override": {"overrides": {"population.initial": 900}},
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_resuming_with_a_changed_sweep_is_refused(tmp_path, monkeypatch, change):
    """Resuming into a folder that holds a different sweep (design, replications, seed or base
    scenario changed) is a ConfigError, and nothing is run or written."""
    out = tmp_path / "out"
    recording_run_batch(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt):
        run(out)
    chunks = [p.name for p in chunk_files(out)]
    calls = recording_run_batch(monkeypatch)
    with pytest.raises(ConfigError, match="different sweep"):
        run(out, resume=True, **change)
    assert calls == []
    assert [p.name for p in chunk_files(out)] == chunks


def test_cli_refuses_existing_folder_and_changed_design(tmp_path, run_cli):
    """On the command line, rerunning into a sweep folder without --resume, or resuming with a
    changed design, exits 2 with one message and no traceback."""
    body = """\
        seed = 4
        replications = 2
        [design]
        kind = "grid"
        [design.grid]
        "convoys.aid.trucks_per_day" = [0.5, 1.0]
        """
    config = write_sweep_files(tmp_path, body)
    out = tmp_path / "out"
    first = run_cli("sweep", config, "--out", out, "--executor", "serial", "--no-plots")
    assert first.code == 0, first.err
    again = run_cli("sweep", config, "--out", out, "--executor", "serial", "--no-plots")
    assert again.code == 2
    assert "--resume" in again.err and "Traceback" not in again.err
    changed = write_sweep_files(tmp_path, body.replace("[0.5, 1.0]", "[0.5, 2.0]"), "other.toml")
    refused = run_cli("sweep", changed, "--out", out, "--executor", "serial", "--no-plots",
                      "--resume")  # fmt: skip
    assert refused.code == 2
    assert "different sweep" in refused.err and "Traceback" not in refused.err
    resumed = run_cli("sweep", config, "--out", out, "--executor", "serial", "--no-plots",
                      "--resume")  # fmt: skip
    assert resumed.code == 0, resumed.err


def test_cli_resume_accepts_the_same_config_by_another_path(tmp_path, monkeypatch, run_cli):
    """Resuming works when the same sweep config is named by an absolute instead of a relative
    path (e.g. after changing directory)."""
    body = """\
        replications = 2
        [design]
        kind = "grid"
        [design.grid]
        "convoys.aid.trucks_per_day" = [0.5, 1.0]
        """
    config = write_sweep_files(tmp_path, body, relative=True)
    monkeypatch.chdir(tmp_path)
    first = run_cli("sweep", config.name, "--out", "out", "--executor", "serial", "--no-plots")
    assert first.code == 0, first.err
    resumed = run_cli("sweep", config.resolve(), "--out", tmp_path / "out", "--executor",
                      "serial", "--no-plots", "--resume")  # fmt: skip
    assert resumed.code == 0, resumed.err


# --------------------------------------------------------------------------------------------
# Killed processes (command line in a child process, process executor with two workers)
# --------------------------------------------------------------------------------------------
KILL_SWEEP = """\
    seed = 5
    replications = 20
    [design]
    kind = "grid"
    [design.grid]
    "convoys.aid.trucks_per_day" = [0.2, 0.5, 1.0, 2.0, 3.0]
    "regimes.checkpoint.denial_probability" = [0.0, 0.4]
    """  # 200 runs: 17 batches (chunks) of 12 with two workers
KILL_RUNS = 200
PROCESS_ARGS = ("--executor", "processes", "--workers", "2", "--no-plots")


@pytest.fixture(scope="module")
def kill_reference(tmp_path_factory) -> tuple[Path, Path]:
    """The 200-run sweep config and its folder, run to completion without interruption."""
    folder = tmp_path_factory.mktemp("kill")
    config = write_sweep_files(folder, KILL_SWEEP)
    out = folder / "reference"
    assert main(["sweep", str(config), "--out", str(out), *PROCESS_ARGS]) == 0
    return config, out


def start_sweep(config: Path, out: Path, log: Path) -> subprocess.Popen:
    """Start the sweep in a child process (own process group) logging to ``log``; return once it
    has written its first chunk, while it is still running."""
    with open(log, "w") as fh:
        proc = subprocess.Popen(cli_command("sweep", config, "--out", out, *PROCESS_ARGS),
                                stdout=fh, stderr=fh, start_new_session=True)  # fmt: skip
    try:
        wait_until(lambda: bool(chunk_files(out)) or proc.poll() is not None, 120, "a chunk")
        assert proc.poll() is None, f"sweep ended before it could be interrupted: {log.read_text()}"
    except BaseException:
        proc.kill()
        proc.wait()
        kill_group_members(proc.pid)
        raise
    return proc


def resume_and_compare(config: Path, out: Path, reference: Path) -> None:
    """Resume the sweep in ``out``; it must finish with the reference tables, each run stored
    once."""
    done = run_cli_process("sweep", config, "--out", out, *PROCESS_ARGS, "--resume")
    assert done.returncode == 0, done.stderr
    assert_same_tables(out, reference)
    ids = chunk_run_ids(out)
    assert sorted(ids) == list(range(KILL_RUNS))


@pytest.mark.slow
def test_killed_parent_process_resumes(tmp_path, kill_reference):
    """SIGKILL to the sweep's parent process mid-sweep leaves whole chunks only; --resume
    finishes with the uninterrupted tables."""
    config, reference = kill_reference
    out = tmp_path / "out"
    proc = start_sweep(config, out, tmp_path / "log.txt")
    try:
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        kill_group_members(
            proc.pid
        )  # workers exit by themselves; this only cleans up after a failure
    assert not (out / "runs.csv").exists()
    assert 0 < len(chunk_run_ids(out)) < KILL_RUNS
    resume_and_compare(config, out, reference)


@pytest.mark.slow
def test_killed_worker_stops_the_sweep_with_a_message_and_resumes(tmp_path, kill_reference):
    """SIGKILL to one worker stops the sweep with a clear message (no traceback) and exit code
    1; --resume finishes with the uninterrupted tables."""
    config, reference = kill_reference
    out = tmp_path / "out"
    log = tmp_path / "log.txt"
    proc = start_sweep(config, out, log)
    try:
        workers = [p for p in child_pids(proc.pid)
                   if "lachin_sim" in Path(f"/proc/{p}/cmdline").read_text()]  # fmt: skip
        assert workers, "no worker processes found"
        os.kill(workers[0], signal.SIGKILL)
        code = proc.wait(timeout=120)
    finally:
        proc.kill()
        kill_group_members(proc.pid)
    text = log.read_text()
    assert code == 1, text
    assert "sweep stopped after" in text and "--resume" in text
    assert "Traceback" not in text
    assert not (out / "runs.csv").exists()
    resume_and_compare(config, out, reference)


@pytest.mark.slow
def test_killed_parent_leaves_no_worker_processes(tmp_path, kill_reference):
    """After SIGKILL to the sweep's parent, its worker processes exit within a few seconds."""
    config, _ = kill_reference
    proc = start_sweep(config, tmp_path / "out", tmp_path / "log.txt")
    try:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        wait_until(lambda: not group_pids(proc.pid), 5, "the workers to exit")
    finally:
        kill_group_members(proc.pid)


@pytest.mark.slow
def test_ctrl_c_during_a_dask_sweep_prints_one_clean_line(tmp_path):
    """Ctrl-C during a Dask sweep (SIGINT to the whole process group, as a terminal sends it):
    exit 130 and a single line on stderr, `interrupted: ...`, without Dask or tornado logs."""
    config = write_sweep_files(
        tmp_path, KILL_SWEEP.replace("replications = 20", "replications = 400")
    )
    out, log = tmp_path / "out", tmp_path / "stderr.txt"
    command = cli_command("sweep", config, "--out", out, "--executor", "dask", "--workers", "2",
                          "--no-plots")  # fmt: skip
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=fh, start_new_session=True
        )
    try:
        wait_until(lambda: bool(chunk_files(out)) or proc.poll() is not None, 180, "a chunk")
        assert proc.poll() is None, f"sweep ended before it could be interrupted: {log.read_text()}"
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        kill_group_members(proc.pid)
    lines = log.read_text().strip().splitlines()
    assert proc.returncode == 130, lines
    assert len(lines) == 1 and lines[0].startswith("interrupted: sweep stopped after"), lines
