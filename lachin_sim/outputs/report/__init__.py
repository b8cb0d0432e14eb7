"""The report: one self-contained HTML page, in plain language, of a saved folder (a run, a
sweep, a comparison of named scenarios, an uncertainty study) that a planner can read, print
and forward.

>>> import lachin_sim as ls
>>> folder = ls.simulate(ls.load_scenario("configs/blockade_2023.toml")).save("run")
>>> path = write_report(folder)
>>> path.name, "<img" in path.read_text(encoding="utf-8")
('report.html', True)

One function and one template per folder kind (:data:`KINDS`): the function
(``run.run_context``, ``sweep.sweep_context``, ``comparison.comparison_context``,
``uncertainty.uncertainty_context``) reads the folder and returns the numbers; the template
(``templates/kinds/<kind>.html.j2``, extending ``templates/report.html.j2``) holds the words.
A run's report can also carry the assumptions that matter most from an uncertainty study of
its scenario (``sensitivity=STUDY_DIR``, :mod:`.assumptions`), and what would change it from a
comparison of named scenarios whose base is its scenario (``compare=COMPARISON_DIR``,
:func:`.comparison.comparison_for_run`). The page has no JavaScript and loads nothing: figures are base64 PNG data
URIs, the CSS is inline, sources are cited by title. It carries a ``generator`` marker, so the
tool replaces a report it wrote and never a file it did not.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from lachin_sim.errors import OutputFolderError

REPORT_FILE = "report.html"
GENERATOR = (
    "lachin-sim report"  # the <meta name="generator"> of every report: "lachin-sim report X.Y.Z"
)
MARKER_BYTES = 4096  # the generator marker is within the first bytes of a report


def _run(folder: Path) -> dict:
    from lachin_sim.outputs.report.run import run_context

    return run_context(folder)


def _sweep(folder: Path) -> dict:
    from lachin_sim.outputs.report.sweep import sweep_context

    return sweep_context(folder)


def _comparison(folder: Path) -> dict:
    from lachin_sim.outputs.report.comparison import comparison_context

    return comparison_context(folder)


def _uncertainty(folder: Path) -> dict:
    from lachin_sim.outputs.report.uncertainty import uncertainty_context

    return uncertainty_context(folder)


# folder kind (lachin_sim.outputs.folders.folder_kind) -> the function that reads its numbers;
# its template is templates/kinds/<kind>.html.j2
KINDS: dict[str, Callable[[Path], dict]] = {
    "run": _run,
    "sweep": _sweep,
    "comparison": _comparison,
    "uncertainty": _uncertainty,
}
RUN_ONLY_KINDS = ("run",)  # kinds whose report can take a study or a comparison
RUN_ONLY_OPTIONS = {  # option -> what it adds, for the refusal of another kind
    "--sensitivity": "adds a study's assumptions to the report of a run (the report of an "
    "uncertainty study has them already)",
    "--compare": "adds what a comparison of named scenarios changes to the report of a run "
    "(the report of a comparison has it already)",
}


def build_report(
    folder: str | os.PathLike,
    sensitivity: str | os.PathLike | None = None,
    compare: str | os.PathLike | None = None,
) -> str:
    """The HTML report of a saved lachin-sim folder, with the assumptions that matter most
    from the uncertainty study in ``sensitivity`` and what would change it from the comparison
    in ``compare`` (a run's report only); :class:`OutputFolderError` for a folder that is not
    one, or of a kind without a report, for a ``sensitivity`` folder that is not a study of the
    run's scenario, and for a ``compare`` folder that is not a comparison whose base is it."""
    folder = Path(folder)
    kind = report_kind(folder)
    if sensitivity is None and compare is None:
        return render_report(kind, KINDS[kind](folder))
    for option, given in (("--sensitivity", sensitivity), ("--compare", compare)):
        if given is not None:
            check_run_only(folder, kind, option)
    from lachin_sim.outputs.report.run import result_context
    from lachin_sim.outputs.results import load_result

    context = result_context(load_result(folder), sensitivity=sensitivity, compare=compare)
    return render_report(kind, context)


def check_run_only(folder: Path, kind: str, option: str) -> None:
    """Refuse ``option`` (``--sensitivity``, ``--compare``) for a folder that is not a run."""
    if kind not in RUN_ONLY_KINDS:
        raise OutputFolderError(folder, f"is a lachin-sim {kind} folder; {option} "
                                        f"{RUN_ONLY_OPTIONS[option]}")  # fmt: skip


def report_kind(folder: Path) -> str:
    """The kind of the lachin-sim folder ``folder``, if it has a report; else
    :class:`OutputFolderError` saying why not."""
    from lachin_sim.outputs.folders import folder_kind

    if not folder.is_dir():
        raise OutputFolderError(
            folder,
            "is not a folder; give a folder written by lachin-sim run, sweep, compare or "
            "uncertainty",
        )
    kind = folder_kind(folder)
    if kind is None:
        raise OutputFolderError(
            folder,
            "is not a lachin-sim folder (no lachin-sim metadata.json "
            "or sweep.json); give a folder written by lachin-sim "
            "run, sweep, compare or uncertainty",
        )
    if kind not in KINDS:
        raise OutputFolderError(
            folder,
            f"is a lachin-sim {kind} folder, which has no report; "
            f"reports are made of {', '.join(KINDS)} folders",
        )
    if kind == "uncertainty":
        from lachin_sim.outputs.report.assumptions import study_folder_problem

        problem = study_folder_problem(folder)
        if problem:
            raise OutputFolderError(folder, problem)
    return kind


def render_report(kind: str, context: dict) -> str:
    """The page of a ``kind`` report from its context (what the kind's function returned)."""
    from lachin_sim import __version__
    from lachin_sim.outputs.report.common import decisions_of
    from lachin_sim.outputs.report.render import render

    context = {
        "health": None,
        "sensitivity": None,
        "compare": None,
        **context,
        "decided": decisions_of(context["scenario"]),
        "generator": f"{GENERATOR} {__version__}",
    }
    return render(f"kinds/{kind}.html.j2", **context)


def is_our_report(path: Path) -> bool:
    """True when the file at ``path`` is a report this tool wrote (its generator marker)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(MARKER_BYTES)
    except OSError:
        return False
    return f'<meta name="generator" content="{GENERATOR} '.encode() in head


def check_report_target(path: str | os.PathLike) -> Path:
    """``path`` if a report may be written there: a new file, or a report the tool wrote; else
    :class:`OutputFolderError` (nothing the tool did not write is ever replaced)."""
    path = Path(path)
    if path.is_symlink():
        raise OutputFolderError(path, "is a symbolic link; give the file itself")
    if path.is_dir():
        raise OutputFolderError(path, "is a folder; give a file name, e.g. report.html")
    if path.exists() and not is_our_report(path):
        raise OutputFolderError(
            path,
            "exists and was not written by lachin-sim; it is not "
            "replaced: choose another file name",
        )
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputFolderError(path, f"cannot be written: {parent} is not a folder")
    if not os.access(parent, os.W_OK):
        raise OutputFolderError(path, f"cannot be written: no permission to write in {parent}")
    return path


def write_report(
    folder: str | os.PathLike,
    out: str | os.PathLike | None = None,
    sensitivity: str | os.PathLike | None = None,
    compare: str | os.PathLike | None = None,
) -> Path:
    """Write the report of ``folder`` to ``out`` (default ``folder/report.html``), replacing
    only a report the tool wrote, with the assumptions from the study in ``sensitivity`` and
    what would change it from the comparison in ``compare`` (see :func:`build_report`);
    returns the path written. Nothing is written when anything is
    refused."""
    from lachin_sim.outputs.folders import atomic_write_text

    folder = Path(folder)
    report_kind(folder)
    target = check_report_target(Path(out) if out is not None else folder / REPORT_FILE)
    page = build_report(folder, sensitivity, compare)
    check_report_target(target)  # nothing of the user's appeared there meanwhile
    atomic_write_text(target, page)
    return target
