"""The folders this tool writes, and the rules that keep a user's files safe from it.

Every folder lachin-sim writes (a run's result, a sweep, a comparison of named scenarios, an
experiment's output) carries a marker, ``metadata.json``, that says so:
``{"package": "lachin-sim", "kind": "run" | "sweep" | "comparison" | "uncertainty" |
"experiment", ...}``.
The rules, checked by :func:`check_output_dir` before any simulation runs:

- the tool writes only into a folder that is new, empty, or its own of the same kind;
- it never writes to the working folder (``--out .``) or a folder that contains it, a file,
  a symbolic link, or a place it cannot write (read-only, no permission);
- a result folder (kind ``run``) is replaced whole, so it must hold nothing but what the tool
  wrote there (the marker lists its files): a user's notes in it are never deleted.

A result folder is written atomically (:func:`replacing`): into a temporary folder beside the
target, renamed into place when complete, under a lock so that two processes writing the same
folder take turns instead of racing. A failure (a full disk, an error) removes the temporary
folder and leaves the target as it was. Temporary folders are named
``.NAME.lachin-sim-tmp.HOST.PID.RANDOM``; one left behind by a killed process is removed by the
next write to the same target once its process is gone. Folders are created with the user's
umask (``os.mkdir`` with mode 0o777).

>>> import tempfile, pathlib
>>> place = pathlib.Path(tempfile.mkdtemp())
>>> check_output_dir(place / "new", "run").name
'new'
>>> _ = (place / "notes").mkdir(), (place / "notes" / "notes.txt").write_text("mine")
>>> try:
...     check_output_dir(place / "notes", "run")
... except OutputFolderError as exc:
...     print(exc.problems[0].message.split(";")[0])
exists and was not written by lachin-sim (it holds notes.txt)
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

from lachin_sim.errors import OutputFolderError, WriteFailed

PACKAGE = "lachin-sim"
MARKER = "metadata.json"
KINDS = ("run", "sweep", "comparison", "uncertainty", "experiment")
REPLACED_KINDS = ("run",)  # written whole and replaced; the other kinds are written into
LOCK_WAIT_S = 300.0  # how long a write waits for another process writing the same folder

# The tables of a run folder, one CSV (and Parquet) each (lachin_sim.outputs.results.TABLES).
RUN_TABLES = (
    "stocks", "convoys", "regimes", "energy", "shortages", "uses", "groups", "crossings",
    "decisions", "flows",
)  # fmt: skip
OPTIONAL_RUN_TABLES = ("health", "health_bands")  # only when the health model is on

# What the tool writes in each kind of folder, as file-name patterns. A run folder's marker
# also lists its files; these patterns cover folders written before markers existed
# (lachin-sim 0.1.0), the plots `lachin-sim plot` and the report `lachin-sim report` add later.
STANDARD_ENTRIES = {
    "run": (
        *(f"{t}.{ext}" for t in (*RUN_TABLES, *OPTIONAL_RUN_TABLES) for ext in ("csv", "parquet")),
        "summary.csv", "config.json", "config.toml", MARKER, "depletion.png",
        "shortage_timeline.png", "health_*.png", "report.html", "report.pdf",
    ),
    "sweep": (
        MARKER, "sweep.json", ".lock", "chunks", "full", "runs.csv", "bands.csv", "design.csv",
        "heatmap_*.png", "fan_*.png", "shortage_probability_*.png", "report.html", "report.pdf",
        ".*.tmp-*",
    ),
    "comparison": (
        MARKER, "runs", "comparison.csv", "comparison.json", "scenario_runs.csv",
        "scenario_bands.csv", "overlay_*.png", "report.html", "report.pdf", ".*.tmp-*",
    ),
    "uncertainty": (
        MARKER, "runs", "uncertainty.json", "samples.csv", "runs.csv", "bands.csv",
        "variance.csv", "sensitivity.csv", "sensitivity.png", "variance_split.png",
        "bands_*.png", "report.html", "report.pdf", ".*.tmp-*",
    ),
    "experiment": (MARKER,),
}  # fmt: skip
LEGACY_RUN_KEYS = {"version", "seed", "config_sha256"}  # a result's metadata before markers

_SCRATCH = re.compile(r"^\.(?P<name>.+)\.lachin-sim-(?P<tag>tmp|old|probe)\.(?P<host>[0-9a-f]{8})"
                      r"\.(?P<pid>\d+)\.[0-9a-f]+$")  # fmt: skip


# --------------------------------------------------------------------------------------------
# Recognising our folders
# --------------------------------------------------------------------------------------------
def marker(kind: str) -> dict:
    """The fields every marker holds."""
    from lachin_sim import __version__

    if kind not in KINDS:
        raise ValueError(f"unknown folder kind {kind!r}; one of {', '.join(KINDS)}")
    return {"package": PACKAGE, "kind": kind, "version": __version__}


def write_marker(folder: Path, kind: str, fields: dict | None = None) -> None:
    """Write ``folder/metadata.json``: the marker, ``fields``, and for a folder that is replaced
    whole the list of its files (so that anything else found there later is not ours)."""
    content = {**(fields or {}), **marker(kind)}
    if kind in REPLACED_KINDS:
        content["files"] = sorted({p.name for p in folder.iterdir()} | {MARKER})
    atomic_write_text(folder / MARKER, json.dumps(content, indent=2, default=str) + "\n")


def folder_kind(folder: str | os.PathLike) -> str | None:
    """The kind of lachin-sim folder ``folder`` is, or None if lachin-sim did not write it."""
    folder = Path(folder)
    meta = _read_json(folder / MARKER)
    if isinstance(meta, dict) and meta.get("package") == PACKAGE:
        kind = meta.get("kind")
        if kind in KINDS:
            return kind
        return "run" if kind is None and meta.keys() >= LEGACY_RUN_KEYS else None
    spec = _read_json(folder / "sweep.json")  # a sweep folder written before markers
    if isinstance(spec, dict) and "sweep_sha256" in spec:
        return "sweep"
    runs = folder / "runs"  # a comparison written before markers, or still running
    if runs.is_dir() and not runs.is_symlink() and folder_kind(runs) == "sweep":
        others = [p.name for p in folder.iterdir() if p.name != "runs"]
        if all(_standard(name, "comparison") for name in others):
            return "comparison"
    return None


def foreign_entries(folder: Path, kind: str) -> list[str]:
    """Names in ``folder`` that lachin-sim did not write there (per its marker and kind)."""
    meta = _read_json(folder / MARKER)
    listed = set(meta.get("files", [])) if isinstance(meta, dict) else set()
    return sorted(p.name for p in folder.iterdir()
                  if p.name not in listed and not _standard(p.name, kind))  # fmt: skip


def _standard(name: str, kind: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in STANDARD_ENTRIES[kind])


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --------------------------------------------------------------------------------------------
# Checking a place before writing
# --------------------------------------------------------------------------------------------
def check_output_dir(path: str | os.PathLike, kind: str) -> Path:
    """``path`` if lachin-sim may write a ``kind`` folder there, else :class:`OutputFolderError`
    saying why. Writes nothing that stays (it probes that the place is writable)."""
    marker(kind)  # a known kind
    path = Path(path)
    real, here = path.resolve(), Path.cwd().resolve()
    if real == here or real in here.parents:
        raise OutputFolderError(path, "is the working folder or contains it; give a new or "
                                      "empty folder, e.g. results/NAME")  # fmt: skip
    if path.is_symlink():
        raise OutputFolderError(path, "is a symbolic link; give the folder itself")
    if not path.exists():
        ancestor = next(p for p in Path(os.path.abspath(path)).parents if p.exists())
        if not ancestor.is_dir():
            raise OutputFolderError(path, f"cannot be created: {ancestor} is a file, not a folder")
        _probe(ancestor, path)
        return path
    if not path.is_dir():
        raise OutputFolderError(path, "is a file, not a folder; lachin-sim will not replace or "
                                      "move it: choose a folder")  # fmt: skip
    try:
        entries = sorted(p.name for p in path.iterdir())
    except OSError as exc:
        raise OutputFolderError(path, f"cannot be read: {exc.strerror}") from None
    if entries:
        found = folder_kind(path)
        if found is None:
            raise OutputFolderError(path, f"exists and was not written by lachin-sim (it holds "
                                          f"{_some(entries)}); choose a new or empty folder")  # fmt: skip
        if found != kind:
            article = "an" if kind[0] in "aeiou" else "a"
            raise OutputFolderError(path, f"holds a lachin-sim {found} folder, not {article} "
                                          f"{kind} folder; choose another folder")  # fmt: skip
        foreign = foreign_entries(path, kind) if kind in REPLACED_KINDS else []
        if foreign:
            raise OutputFolderError(path, f"holds {_some(foreign)}, which lachin-sim did not "
                                          "write; saving would replace the whole folder: move "
                                          "them out or choose another folder")  # fmt: skip
    _probe(path.parent if kind in REPLACED_KINDS else path, path)
    return path


def prepare_output_dir(path: str | os.PathLike, kind: str) -> Path:
    """Check ``path`` (:func:`check_output_dir`), create it and mark it as a ``kind`` folder."""
    path = check_output_dir(path, kind)
    try:
        _make_dirs(path)
        meta = _read_json(path / MARKER)
        if not (isinstance(meta, dict) and meta.get("kind") == kind):  # new, or from before markers
            write_marker(path, kind)
    except OSError as exc:
        raise _os_error(exc, path) from exc
    return path


def _probe(folder: Path, target: Path) -> None:
    """Create and remove a scratch folder in ``folder``: a real test of writing there."""
    probe = folder / _scratch_name(target, "probe")
    try:
        os.mkdir(probe)
        os.rmdir(probe)
    except OSError as exc:
        raise _os_error(exc, target, where=folder) from None


def _some(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"


def _os_error(exc: OSError, target: Path, where: Path | None = None) -> Exception:
    """A user-fixable refusal (no permission, read-only) or a runtime write failure."""
    if isinstance(exc, WriteFailed):
        return exc
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputFolderError(target, f"cannot write in {where or target}: {reason}")
    return WriteFailed(exc.errno, f"{target}: writing failed ({reason}); nothing was written "
                                  "there and what was there before is unchanged")  # fmt: skip


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------
@contextlib.contextmanager
def replacing(target: str | os.PathLike, kind: str = "run") -> Iterator[Path]:
    """Yield an empty temporary folder; when the block ends without error, put it at ``target``
    (replacing a ``kind`` folder of ours there), else remove it and leave ``target`` as it was.

    Raises :class:`OutputFolderError` when ``target`` may not be written (before the block
    runs, and again before the rename) and :class:`WriteFailed` when writing fails.
    """
    target = check_output_dir(target, kind)
    created: list[Path] = []
    tmp: Path | None = None
    done = False
    try:
        created = _make_dirs(target.parent)
        with _lock_for(target):
            _remove_stale(target)
            tmp = target.parent / _scratch_name(target, "tmp")
            os.mkdir(tmp)
            yield tmp
            check_output_dir(target, kind)  # nothing of the user's appeared there meanwhile
            _swap(tmp, target)
            done = True
    except OSError as exc:
        raise _os_error(exc, target) from exc
    finally:
        if not done:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            for folder in reversed(created):  # folders made for a write that failed
                with contextlib.suppress(OSError):
                    folder.rmdir()


def atomic_write_text(path: Path, text: str) -> None:
    """Write a text file whole or not at all (temporary name, then rename)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        with open(tmp, "x", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_ours(folder: str | os.PathLike, kind: str) -> None:
    """Delete a ``kind`` folder that lachin-sim wrote and that holds nothing else; refuse
    (:class:`OutputFolderError`) anything else, and a sweep folder a running sweep holds."""
    from filelock import FileLock, Timeout

    folder = Path(folder)
    if folder.is_symlink() or folder_kind(folder) != kind:
        raise OutputFolderError(folder, f"is not a lachin-sim {kind} folder; not removed")
    foreign = foreign_entries(folder, kind)
    if foreign:
        raise OutputFolderError(folder, f"holds {_some(foreign)}, which lachin-sim did not write; "
                                        "not removed: move them out first")  # fmt: skip
    lock = FileLock(folder / ".lock", timeout=0) if kind == "sweep" else contextlib.nullcontext()
    try:
        with lock:
            shutil.rmtree(folder)
    except Timeout:
        raise OutputFolderError(folder, "is in use by another running sweep; not removed") from None


def _make_dirs(folder: Path) -> list[Path]:
    """Create ``folder`` and missing parents with the user's umask; returns those created."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    created: list[Path] = []
    try:
        for p in reversed(missing):
            with contextlib.suppress(FileExistsError):
                os.mkdir(p)  # mode 0o777 less the umask, as `mkdir` in a shell
                created.append(p)
    except BaseException:
        for p in reversed(created):
            with contextlib.suppress(OSError):
                p.rmdir()
        raise
    return created


def _swap(new: Path, target: Path) -> None:
    """Put folder ``new`` at ``target``; an old folder there is renamed aside, then removed."""
    if not (target.exists() or target.is_symlink()):
        new.rename(target)
        return
    old = target.parent / _scratch_name(target, "old")
    target.rename(old)
    try:
        new.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _scratch_name(target: Path, tag: str) -> str:
    return f".{target.name}.lachin-sim-{tag}.{_host()}.{os.getpid()}.{secrets.token_hex(4)}"


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _remove_stale(target: Path) -> None:
    """Remove scratch folders of earlier writes to ``target`` whose process is gone (killed
    mid-write); an old result renamed aside by a writer killed before it put the new one in
    place is put back instead."""
    for entry in target.parent.glob(f".{_glob_escape(target.name)}.lachin-sim-*"):
        match = _SCRATCH.match(entry.name)
        if (match is None or match["name"] != target.name or match["host"] != _host()
                or not entry.is_dir() or entry.is_symlink() or _alive(int(match["pid"]))):  # fmt: skip
            continue
        if match["tag"] == "old" and not target.exists():
            entry.rename(target)
        else:
            shutil.rmtree(entry, ignore_errors=True)


def _glob_escape(name: str) -> str:
    return re.sub(r"([*?[])", r"[\1]", name)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (assumed so where it cannot be told)."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by another user
        return True
    return True


def _lock_for(target: Path):
    """An inter-process lock for writing ``target``, kept in a private folder under the
    system's temporary folder (so no lock file is left beside the user's folders)."""
    from filelock import FileLock

    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    locks = Path(tempfile.gettempdir()) / f"lachin-sim-{user}-locks"
    locks.mkdir(mode=0o700, exist_ok=True)
    key = hashlib.sha256(str(target.resolve()).encode()).hexdigest()[:24]
    return _waiting(FileLock(locks / f"{key}.lock", timeout=LOCK_WAIT_S), target)


@contextlib.contextmanager
def _waiting(lock, target: Path) -> Iterator[None]:
    from filelock import Timeout

    try:
        lock.acquire()
    except Timeout:
        raise WriteFailed(errno.EBUSY, f"{target}: another lachin-sim process has been writing "
                                       f"it for over {LOCK_WAIT_S:.0f} s; try again") from None  # fmt: skip
    try:
        yield
    finally:
        lock.release()
