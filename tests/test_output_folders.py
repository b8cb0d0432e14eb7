"""Data safety: the tool writes only folders that are new, empty or its own, never loses a user's
file, checks the place before simulating, and leaves nothing half-written or hidden behind.

Every writer is covered: ``run --out``, ``sweep --out``, ``compare --out``, ``Result.save``,
``SweepResult.save``, ``Comparison.save`` and the experiment scripts (see test_experiments.py).
"""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from filelock import FileLock
from sweep_helpers import sweep_scenario, wait_until, write_sweep_files

import lachin_sim as ls
import lachin_sim.model.simulation as simulation_module
from lachin_sim.errors import ConfigError, OutputFolderError, WriteFailed
from lachin_sim.outputs.folders import folder_kind, remove_ours

REPO = Path(__file__).resolve().parent.parent
TINY_SWEEP = """\
    replications = 2
    [design]
    kind = "grid"
    [design.grid]
    "convoys.aid.trucks_per_day" = [0.5, 1.0]
    """


@pytest.fixture
def tiny_config(tmp_path) -> Path:
    """The tiny scenario as a TOML file (in its own folder, apart from the outputs)."""
    folder = tmp_path / "configs"
    folder.mkdir()
    write_sweep_files(folder, TINY_SWEEP)
    return folder / "tiny_scenario.toml"


@pytest.fixture
def simulations(monkeypatch) -> list[int]:
    """Count the runs simulated in this process (to check refusals come before any run)."""
    calls: list[int] = []
    real = simulation_module.simulate

    def counting(scenario, seed=None, **kwargs):
        calls.append(1)
        return real(scenario, seed=seed, **kwargs)

    monkeypatch.setattr(simulation_module, "simulate", counting)
    return calls


def user_folder(path: Path) -> Path:
    """A folder of the user's, with a file the tool must never delete."""
    path.mkdir(parents=True)
    (path / "notes.txt").write_text("my notes")
    return path


def hidden_entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def assert_refused(done, *expected: str) -> None:
    assert done.code == 2, (done.out, done.err)
    assert "Traceback" not in done.err
    assert len(done.err.strip().splitlines()) == 1, done.err
    for text in expected:
        assert text in done.err, f"{text!r} not in {done.err!r}"


# --------------------------------------------------------------------------------------------
# run --out and Result.save
# --------------------------------------------------------------------------------------------
def test_run_refuses_a_folder_it_did_not_write(run_cli, tiny_config, tmp_path, simulations):
    """`run --out DIR` where DIR holds a user's file: exit 2 before simulating; the file stays."""
    out = user_folder(tmp_path / "mine")
    done = run_cli("run", tiny_config, "--out", out, "--no-plots")
    assert_refused(done, str(out), "not written by lachin-sim", "notes.txt")
    assert simulations == []
    assert (out / "notes.txt").read_text() == "my notes"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_run_refuses_a_file_at_out(run_cli, tiny_config, tmp_path, simulations):
    """`run --out FILE`: exit 2; the file is neither replaced nor moved to a hidden name."""
    out = tmp_path / "results.txt"
    out.write_text("a file of mine")
    done = run_cli("run", tiny_config, "--out", out, "--no-plots")
    assert_refused(done, str(out), "is a file")
    assert simulations == []
    assert out.read_text() == "a file of mine"
    assert hidden_entries(tmp_path) == []


@pytest.mark.parametrize("out", [".", "..", "sub/.."])
def test_run_refuses_the_working_folder(run_cli, tiny_config, tmp_path, monkeypatch, simulations,
                                        out):  # fmt: skip
    """`--out .` (or a folder that contains the working folder) is refused, even when empty."""
    here = tmp_path / "work"
    (here / "sub").mkdir(parents=True)
    monkeypatch.chdir(here)
    done = run_cli("run", tiny_config, "--out", out, "--no-plots")
    assert_refused(done, "working folder")
    assert simulations == []
    assert sorted(p.name for p in here.iterdir()) == ["sub"]


def test_run_refuses_a_parent_that_is_a_file(run_cli, tiny_config, tmp_path, simulations):
    """`--out FILE/sub/dir`: exit 2 naming the file, before simulating."""
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    done = run_cli("run", tiny_config, "--out", blocker / "sub" / "dir", "--no-plots")
    assert_refused(done, str(blocker), "is a file")
    assert simulations == [] and blocker.read_text() == "x"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_run_refuses_a_folder_without_write_permission(run_cli, tiny_config, tmp_path,
                                                       simulations):  # fmt: skip
    """A place the user may not write: exit 2, before simulating."""
    place = tmp_path / "locked"
    place.mkdir()
    place.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        done = run_cli("run", tiny_config, "--out", place / "r", "--no-plots")
    finally:
        place.chmod(stat.S_IRWXU)
    assert_refused(done, "cannot write", "ermission denied")
    assert simulations == []


def fail_mkdir_under(monkeypatch, folder: Path, code: int) -> None:
    """Make creating any folder under ``folder`` fail with OSError ``code`` (as a read-only or
    full file system does)."""
    real = os.mkdir

    def mkdir(path, *args, **kwargs):
        if Path(path).is_relative_to(folder):
            raise OSError(code, os.strerror(code), str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)


def test_run_refuses_a_read_only_file_system(run_cli, tiny_config, tmp_path, monkeypatch,
                                             simulations):  # fmt: skip
    """A read-only place (EROFS, which stops root too): exit 2 before simulating."""
    place = tmp_path / "ro"
    place.mkdir()
    fail_mkdir_under(monkeypatch, place, errno.EROFS)
    done = run_cli("run", tiny_config, "--out", place / "r", "--no-plots")
    assert_refused(done, str(place / "r"), "Read-only file system")
    assert simulations == [] and list(place.iterdir()) == []


@pytest.mark.parametrize("existing", [False, True], ids=["new folder", "over an old result"])
def test_full_disk_while_writing_is_one_line_and_leaves_nothing(run_cli, tiny_config, tmp_path,
                                                                monkeypatch, existing):  # fmt: skip
    """ENOSPC while the tables are written: exit 1 with one line; no half result, no hidden
    temporary folder; an earlier result there is left as it was."""
    out = tmp_path / "res"
    if existing:
        assert run_cli("run", tiny_config, "--out", out, "--no-plots").code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()} if existing else None
    real = pd.DataFrame.to_csv

    def full_disk(self, path=None, *args, **kwargs):
        if path is not None and Path(path).name == "regimes.csv":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk)
    done = run_cli("run", tiny_config, "--out", out, "--no-plots")
    assert done.code == 1, done.err
    assert "Traceback" not in done.err and len(done.err.strip().splitlines()) == 1, done.err
    assert "No space left on device" in done.err and str(out) in done.err
    assert hidden_entries(tmp_path) == []
    if existing:
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    else:
        assert not out.exists()


def test_failed_save_removes_the_folders_it_created(make_scenario, tmp_path, monkeypatch):
    """A save into new nested folders that fails leaves none of them behind."""
    result = ls.simulate(make_scenario())
    fail_mkdir_under(monkeypatch, tmp_path / "a" / "b", errno.ENOSPC)
    with pytest.raises(WriteFailed, match="No space left"):
        result.save(tmp_path / "a" / "b" / "c")
    assert list(tmp_path.iterdir()) == []


def test_result_save_refuses_foreign_folders_and_files(make_scenario, tmp_path):
    """`Result.save` keeps the same rules as the CLI: a user's folder, a file, a result folder
    with a user's file added to it are refused and left as they were."""
    result = ls.simulate(make_scenario())
    mine = user_folder(tmp_path / "mine")
    with pytest.raises(OutputFolderError, match="not written by lachin-sim"):
        result.save(mine)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(OutputFolderError, match="is a file"):
        result.save(a_file)
    ours = tmp_path / "ours"
    result.save(ours)
    (ours / "analysis.txt").write_text("my analysis of this result")
    with pytest.raises(OutputFolderError, match=r"analysis\.txt"):
        result.save(ours)
    assert (ours / "analysis.txt").read_text() == "my analysis of this result"
    assert (mine / "notes.txt").exists() and a_file.read_text() == "x"


def test_an_empty_folder_may_be_used(make_scenario, tmp_path):
    """An empty folder (e.g. made by the user for the result) is written."""
    (tmp_path / "empty").mkdir()
    ls.simulate(make_scenario()).save(tmp_path / "empty")
    assert folder_kind(tmp_path / "empty") == "run"


def test_result_folders_carry_the_marker(make_scenario, tmp_path):
    """metadata.json says lachin-sim wrote the folder, what kind it is, and its files."""
    ls.simulate(make_scenario()).save(tmp_path / "r", plots=True)
    meta = json.loads((tmp_path / "r" / "metadata.json").read_text())
    assert meta["package"] == "lachin-sim" and meta["kind"] == "run"
    assert sorted(meta["files"]) == sorted(p.name for p in (tmp_path / "r").iterdir())


def test_a_result_folder_written_before_markers_is_still_ours(make_scenario, tmp_path):
    """A result folder from lachin-sim 0.1.0 (metadata without kind or files) is recognised:
    it loads, and a new save replaces it."""
    result = ls.simulate(make_scenario())
    result.save(tmp_path / "old")
    meta_path = tmp_path / "old" / "metadata.json"
    meta = json.loads(meta_path.read_text())
    for key in ("kind", "files"):
        meta.pop(key)
    meta_path.write_text(json.dumps(meta))
    assert folder_kind(tmp_path / "old") == "run"
    assert ls.load_result(tmp_path / "old").seed == result.seed
    result.save(tmp_path / "old")
    assert json.loads(meta_path.read_text())["kind"] == "run"


def test_run_refuses_a_folder_of_another_kind(run_cli, tiny_config, tmp_path):
    """A sweep folder is not replaced by a run result."""
    ls.sweep(sweep_scenario(), replications=1, executor="serial", progress=False,
             out=tmp_path / "sweep")  # fmt: skip
    done = run_cli("run", tiny_config, "--out", tmp_path / "sweep", "--no-plots")
    assert_refused(done, "holds a lachin-sim sweep folder")
    assert (tmp_path / "sweep" / "sweep.json").exists()


# --------------------------------------------------------------------------------------------
# A killed writer, a concurrent writer
# --------------------------------------------------------------------------------------------
SLOW_SAVE = """\
import sys, time
import pandas as pd
import lachin_sim as ls
from lachin_sim.config.validation import validate_scenario
sys.path.insert(0, {tests!r})
from conftest import TINY
real = pd.DataFrame.to_csv
def slow(self, *args, **kwargs):
    time.sleep(60)  # killed while writing
pd.DataFrame.to_csv = slow
ls.simulate(validate_scenario(TINY)).save({target!r})
"""


def test_a_writer_killed_mid_write_leaves_nothing_after_the_next_write(make_scenario, tmp_path):
    """SIGKILL while a result is being written leaves its temporary folder; the next write to
    the same place removes it (its process is gone), so no hidden folder remains."""
    target = tmp_path / "res"
    script = SLOW_SAVE.format(tests=str(REPO / "tests"), target=str(target))
    child = subprocess.Popen([sys.executable, "-c", script])
    try:
        wait_until(lambda: hidden_entries(tmp_path) != [], 60, "the temporary folder")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert hidden_entries(tmp_path) != [] and not target.exists()
    ls.simulate(make_scenario()).save(target)
    assert hidden_entries(tmp_path) == []
    assert folder_kind(target) == "run"


def test_temporary_folders_of_a_live_writer_are_kept(make_scenario, tmp_path):
    """A temporary folder whose process is still running is not touched by another write."""
    target = tmp_path / "res"
    result = ls.simulate(make_scenario())
    result.save(target)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        from lachin_sim.outputs.folders import _host

        live = tmp_path / f".res.lachin-sim-tmp.{_host()}.{sleeper.pid}.abcd"
        live.mkdir()
        result.save(target)
        assert live.is_dir()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_an_old_result_renamed_aside_by_a_killed_writer_is_put_back(make_scenario, tmp_path,
                                                                    monkeypatch):  # fmt: skip
    """A writer killed between moving the old result aside and putting the new one in place:
    the next write puts the old result back first, so if that write fails too it survives."""
    from lachin_sim.outputs.folders import _host

    result = ls.simulate(make_scenario())
    result.save(tmp_path / "res")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    aside = tmp_path / f".res.lachin-sim-old.{_host()}.{dead.pid}.abcd"
    (tmp_path / "res").rename(aside)

    def broken(*args, **kwargs):
        raise OSError("write error")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(WriteFailed):
        result.save(tmp_path / "res")
    assert folder_kind(tmp_path / "res") == "run"
    assert hidden_entries(tmp_path) == []


CONCURRENT_SAVE = """\
import sys
import lachin_sim as ls
from lachin_sim.config.validation import validate_scenario
sys.path.insert(0, {tests!r})
from conftest import TINY
result = ls.simulate(validate_scenario(TINY))
for _ in range(80):
    result.save({target!r})
"""


@pytest.mark.slow
def test_concurrent_writers_of_one_folder_all_succeed(tmp_path):
    """Four processes saving to the same folder at once all succeed (they take turns); the
    folder ends as one whole result and no temporary folder is left."""
    target = tmp_path / "res"
    script = CONCURRENT_SAVE.format(tests=str(REPO / "tests"), target=str(target))
    children = [subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
                for _ in range(4)]  # fmt: skip
    errors = [child.communicate(timeout=300)[1] for child in children]
    assert [child.returncode for child in children] == [0] * 4, errors
    assert ls.load_result(target).seed == 11
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


# --------------------------------------------------------------------------------------------
# Permissions follow the umask
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_created_folders_and_files_follow_the_umask(make_scenario, tmp_path, umask):
    """Result folders, sweep folders and their files get the modes `mkdir` and `touch` would."""
    old = os.umask(umask)
    try:
        ls.simulate(make_scenario()).save(tmp_path / "a" / "run")
        ls.sweep(sweep_scenario(), replications=1, executor="serial", progress=False,
                 out=tmp_path / "sweep")  # fmt: skip
    finally:
        os.umask(old)
    folders = [tmp_path / "a", tmp_path / "a" / "run", tmp_path / "sweep",
               tmp_path / "sweep" / "chunks"]  # fmt: skip
    files = [tmp_path / "a" / "run" / "stocks.csv", tmp_path / "a" / "run" / "metadata.json",
             tmp_path / "sweep" / "runs.csv", *(tmp_path / "sweep" / "chunks").iterdir()]  # fmt: skip
    for folder in folders:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~umask, folder
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o666 & ~umask, file


# --------------------------------------------------------------------------------------------
# sweep, compare, SweepResult.save, Comparison.save
# --------------------------------------------------------------------------------------------
def test_sweep_refuses_a_folder_it_did_not_write(run_cli, tmp_path, simulations):
    """`sweep --out DIR` with a user's file in DIR: exit 2 before any run; the file stays."""
    config = write_sweep_files(tmp_path / "configs", TINY_SWEEP)
    out = user_folder(tmp_path / "mine")
    done = run_cli("sweep", config, "--out", out, "--executor", "serial", "--no-plots")
    assert_refused(done, str(out), "not written by lachin-sim", "notes.txt")
    assert simulations == [] and sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    with pytest.raises(OutputFolderError):
        ls.sweep(sweep_scenario(), replications=1, executor="serial", progress=False, out=out)
    assert simulations == []


def test_sweep_folders_carry_the_marker_and_old_ones_resume(tmp_path):
    """A sweep folder has a marker; a sweep folder written before markers (sweep.json only)
    is still recognised and resumes."""
    options = {"replications": 2, "executor": "serial", "progress": False, "out": tmp_path / "s"}
    first = ls.sweep(sweep_scenario(), **options)
    assert folder_kind(tmp_path / "s") == "sweep"
    (tmp_path / "s" / "metadata.json").unlink()
    assert folder_kind(tmp_path / "s") == "sweep"
    again = ls.sweep(sweep_scenario(), resume=True, **options)
    pd.testing.assert_frame_equal(again.runs, first.runs)


def test_sweep_result_save_refuses_a_folder_it_did_not_write(tmp_path):
    """`SweepResult.save` into a user's folder is refused; into a new folder it writes a
    marked sweep folder."""
    result = ls.sweep(sweep_scenario(), replications=1, executor="serial", progress=False)
    with pytest.raises(OutputFolderError, match="not written by lachin-sim"):
        result.save(user_folder(tmp_path / "mine"))
    result.save(tmp_path / "new")
    assert folder_kind(tmp_path / "new") == "sweep"


def test_a_second_sweep_session_on_a_folder_in_use_is_refused(tmp_path):
    """While one session holds a sweep folder's lock, another one (resuming it) is refused
    with a clear message and writes nothing."""
    options = {"replications": 2, "executor": "serial", "progress": False, "out": tmp_path / "s"}
    ls.sweep(sweep_scenario(), **options)
    before = sorted(str(p) for p in (tmp_path / "s").rglob("*"))
    with FileLock(tmp_path / "s" / ".lock"), pytest.raises(ConfigError, match="in use by another running sweep"):  # fmt: skip
        ls.sweep(sweep_scenario(), resume=True, **options)
    assert sorted(str(p) for p in (tmp_path / "s").rglob("*")) == before


SCENARIO_SET = """\
base = "{base}"
replications = 2
[scenarios.base]
[scenarios.more]
overrides = {{ "convoys.aid.trucks_per_day" = 2.0 }}
"""


def test_compare_refuses_a_folder_it_did_not_write_and_marks_its_own(run_cli, tmp_path,
                                                                     tiny_config, simulations):  # fmt: skip
    """`compare --out DIR` with a user's file in DIR: exit 2 before any run. Into a new folder
    it writes a comparison folder (and its runs/ sweep folder), which a rerun may resume."""
    scenarios = tmp_path / "configs" / "set.toml"
    scenarios.write_text(SCENARIO_SET.format(base=tiny_config.name))
    mine = user_folder(tmp_path / "mine")
    done = run_cli("compare", scenarios, "--out", mine, "--executor", "serial")
    assert_refused(done, str(mine), "notes.txt")
    assert simulations == []
    out = tmp_path / "cmp"
    assert run_cli("compare", scenarios, "--out", out, "--executor", "serial").code == 0
    assert folder_kind(out) == "comparison" and folder_kind(out / "runs") == "sweep"
    assert json.loads((out / "metadata.json").read_text())["kind"] == "comparison"
    again = run_cli("compare", scenarios, "--out", out, "--executor", "serial", "--resume")
    assert again.code == 0, again.err
    comparison = ls.compare(scenarios, executor="serial", progress=False)
    with pytest.raises(OutputFolderError, match="not written by lachin-sim"):
        comparison.save(mine)
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


# --------------------------------------------------------------------------------------------
# Removing (experiments start afresh only by removing a sweep folder of ours)
# --------------------------------------------------------------------------------------------
def test_remove_ours_removes_only_a_sweep_folder_of_ours(tmp_path):
    """A user's folder, a result folder, and a sweep folder with a user's file in it are not
    removed; a plain sweep folder of ours is."""
    mine = user_folder(tmp_path / "mine")
    with pytest.raises(OutputFolderError):
        remove_ours(mine, "sweep")
    out = tmp_path / "s"
    ls.sweep(sweep_scenario(), replications=1, executor="serial", progress=False, out=out)
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputFolderError, match=r"notes\.txt"):
        remove_ours(out, "sweep")
    (out / "notes.txt").unlink()
    remove_ours(out, "sweep")
    assert not out.exists() and (mine / "notes.txt").exists()


def test_experiment_resumable_never_deletes_a_foreign_folder(tmp_path):
    """experiments/_common.resumable, given a run that reports a different sweep in a folder
    that is not a sweep of ours, refuses instead of deleting it."""
    sys.path.insert(0, str(REPO / "experiments"))
    try:
        from _common import resumable
    finally:
        sys.path.remove(str(REPO / "experiments"))
    mine = user_folder(tmp_path / "runs")

    def run(resume: bool):
        raise ConfigError(str(mine), [])  # stands in for the "different sweep" refusal

    def different(resume: bool):
        from lachin_sim.errors import Problem

        raise ConfigError(str(mine), [Problem("--resume", str(mine), "holds a different sweep")])

    with pytest.raises(OutputFolderError):
        resumable(different, mine)
    with pytest.raises(ConfigError):
        resumable(run, mine)
    assert (mine / "notes.txt").read_text() == "my notes"


def test_the_experiment_scripts_refuse_a_folder_they_did_not_write(tmp_path):
    """`python experiments/NAME.py --out DIR` with a user's file in DIR exits 2 at once."""
    mine = user_folder(tmp_path / "mine")
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(REPO / "experiments" / "historical.py"), "--quick",
                           "--out", str(mine)], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "not written by lachin-sim" in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    assert time.monotonic() - started < 120  # refused before any calibration or sweep ran


def test_docs_describe_the_folder_rules():
    """The README and the sweeps guide state the rule for existing folders."""
    text = (REPO / "README.md").read_text() + (REPO / "docs" / "sweeps.md").read_text()
    assert "not written by lachin-sim" in text
