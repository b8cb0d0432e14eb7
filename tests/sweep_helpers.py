"""Helpers shared by the sweep tests: a tiny stochastic scenario, sweep-config files, readers for
a sweep folder's chunks and tables, and process helpers for the kill-and-resume tests.

The scenario is written once, as TOML text, so the Python-API tests (:func:`sweep_raw`) and the
command-line tests (:func:`write_sweep_files`) run the same model: 40 days, 1,000 people, food
and fuel, one road through a checkpoint that turns back 10 % of trucks, and one Poisson
humanitarian source (so the seed matters). A run takes about 10 ms.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from lachin_sim.config import set_dotted
from lachin_sim.config.validation import validate_scenario

SCENARIO_TOML = """\
name = "sweep-tiny"
start = 2023-01-01
end = 2023-02-10            # exclusive: 40 days
seed = 3
operators = ["commercial", "humanitarian", "peacekeeper"]

[population]
initial = 1000

[commodities.food]
unit = "t"
initial_stock = 10.0        # t: ten days of need
need_per_person_day = 0.001 # t: 1 t/day for 1,000 people

[commodities.fuel]
unit = "t"
initial_stock = 2.0
need_per_person_day = 0.0002

[regimes.open]
allowed_operators = ["commercial", "humanitarian", "peacekeeper"]

[regimes.checkpoint]
allowed_operators = ["commercial", "humanitarian", "peacekeeper"]
denial_probability = 0.1

[corridors.road]
timeline = [{ start = 2023-01-01, regime = "checkpoint" }]

[convoys.aid]
operator = "humanitarian"
corridor = "road"
schedule = "poisson"
trucks_per_day = 0.5
payload_t = 2.0
cargo = { food = 0.8, fuel = 0.2 }
"""

# ``lachin_sim.studies.sweep`` is the function (the package re-exports it), so reach the module this way.
SWEEP_MODULE = importlib.import_module("lachin_sim.studies.sweep")

TRUCKS = "convoys.aid.trucks_per_day"
DENIAL = "regimes.checkpoint.denial_probability"
TABLE_NAMES = ("runs", "bands", "design")


def sweep_raw(overrides: dict[str, object] | None = None) -> dict:
    """The tiny scenario as a raw config dict, with dotted-path ``overrides`` applied."""
    raw = tomllib.loads(SCENARIO_TOML)
    for path, value in (overrides or {}).items():
        set_dotted(raw, path, value)
    return raw


def sweep_scenario(overrides: dict[str, object] | None = None):
    """The tiny scenario, validated, with dotted-path ``overrides`` applied."""
    return validate_scenario(sweep_raw(overrides), source="<sweep-tiny>")


def write_sweep_files(
    folder: Path, body: str, name: str = "sweep.toml", relative: bool = False
) -> Path:
    """Write the tiny scenario and a sweep config naming it (by absolute path, or relative to the
    config like the shipped sweeps); returns the config path.

    ``body`` is the rest of the sweep config (top-level keys first, then tables)."""
    folder.mkdir(parents=True, exist_ok=True)
    scenario = folder / "tiny_scenario.toml"
    scenario.write_text(SCENARIO_TOML)
    config = folder / name
    named = scenario.name if relative else scenario.as_posix()
    config.write_text(f'scenario = "{named}"\n' + textwrap.dedent(body))
    return config


def metric_columns(runs: pd.DataFrame) -> list[str]:
    """The summary-metric columns of a runs table (named ``metric:commodity/operator``)."""
    return [c for c in runs.columns if ":" in c]


def chunk_files(folder: Path) -> list[Path]:
    """The finished chunk files of a sweep folder (temporary ``.tmp-*`` files do not count)."""
    return sorted((Path(folder) / "chunks").glob("chunk-*.npz"))


def chunk_run_ids(folder: Path) -> list[int]:
    """Run ids of every run stored in the folder's chunk files, duplicates included."""
    ids: list[int] = []
    for path in chunk_files(folder):
        with np.load(path, allow_pickle=False) as z:
            ids.extend(int(row[0]) for row in json.loads(bytes(z["rows"]).decode()))
    return ids


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """runs.csv, bands.csv and design.csv of a finished sweep folder, read the same way."""
    return {name: pd.read_csv(Path(folder) / f"{name}.csv") for name in TABLE_NAMES}


def assert_same_tables(a: Path, b: Path) -> None:
    """The consolidated tables of two sweep folders are identical."""
    ta, tb = read_tables(a), read_tables(b)
    for name in TABLE_NAMES:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True, obj=name)


def cli_command(*args: object) -> list[str]:
    """``python -m lachin_sim ARGS`` with this interpreter."""
    return [sys.executable, "-m", "lachin_sim", *(str(a) for a in args)]


def run_cli_process(*args: object, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the command line in a child process (pipes: not a terminal); capture its output."""
    return subprocess.run(cli_command(*args), capture_output=True, text=True, timeout=timeout)


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` every 20 ms; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state, ppid, pgrp, ...), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def _all_pids() -> list[int]:
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def child_pids(pid: int) -> list[int]:
    """Live (not zombie) children of ``pid``."""
    out = []
    for p in _all_pids():
        st = _stat(p)
        if st is not None and int(st[1]) == pid and st[0] != "Z":
            out.append(p)
    return out


def group_pids(pgid: int) -> list[int]:
    """Live (not zombie) processes of process group ``pgid``."""
    out = []
    for p in _all_pids():
        st = _stat(p)
        if st is not None and int(st[2]) == pgid and st[0] != "Z":
            out.append(p)
    return out


def kill_group_members(pgid: int) -> None:
    """SIGKILL, one by one by id, what is left of a process group this test started."""
    for pid in group_pids(pgid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
