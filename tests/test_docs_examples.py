"""Run the examples of docs/sweeps.md, so that the how-to never rots.

Every fenced ```python block runs on its own, in a fresh namespace named ``__main__`` (so the
bodies of ``if __name__ == "__main__":`` guards run too). The working directory is a temporary
folder holding a link to the repo's ``configs/``: paths in the examples resolve as they do from
the repo root, and what the examples write (``results/...``) lands in the temporary folder.

- A block whose first line is ``# not run`` is only compiled (it needs a Dask cluster).
- A block that starts a Dask LocalCluster, calibrates or runs an uncertainty study is marked
  slow (run with ``--slow``) and gets a timeout, so a cluster that does not come up fails the test instead of hanging the run.

Fenced ```toml blocks are sweep configs (they have ``[design]``) or scenarios files (they have
``base``); each must validate, and the scenario it names must exist where the shipped files of
its kind live. The ``lachin-sim run ... --set`` examples of docs/historical_scenario.md must
give valid scenarios.
"""

from __future__ import annotations

import re
import shlex
import shutil
import tomllib
from pathlib import Path

import pytest

from lachin_sim.config import load_scenario
from lachin_sim.studies.designs import SweepConfig
from lachin_sim.studies.scenarios import ScenarioSet

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "sweeps.md"
HISTORICAL = REPO / "docs" / "historical_scenario.md"
BLOCK = re.compile(r"^```(python|toml)\n(.*?)^```", re.MULTILINE | re.DOTALL)
NOT_RUN = "# not run"
# slow: a LocalCluster takes seconds to start; a calibration, an uncertainty study, a sweep, a
# comparison or a capacity search runs dozens of simulations (each block takes 5-30 s on a
# loaded 2-core machine); CI runs them all with --slow
SLOW_MARKERS = (
    'executor="dask"',
    "calibrate(",
    "ls.uncertainty(",
    "ls.sweep(",
    "ls.compare(",
    "ls.minimum_parameter(",
)
SLOW_TIMEOUT_S = 300  # a cluster that never comes up fails the test instead of hanging the run


def blocks(language: str) -> list[tuple[int, str]]:
    """(line number, source) of each fenced block of ``language`` in the how-to."""
    text = DOC.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, m.start()) + 1, m.group(2))
        for m in BLOCK.finditer(text)
        if m.group(1) == language
    ]


def python_params() -> list:
    params = []
    for line, source in blocks("python"):
        slow = any(marker in source for marker in SLOW_MARKERS)
        runs = not source.startswith(NOT_RUN)
        marks = [pytest.mark.slow, pytest.mark.timeout(SLOW_TIMEOUT_S)] if slow and runs else []
        params.append(pytest.param(line, source, id=f"sweeps.md:{line}", marks=marks))
    return params


@pytest.fixture
def repo_like_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary working directory whose ``configs`` is the repo's."""
    try:
        (tmp_path / "configs").symlink_to(REPO / "configs", target_is_directory=True)
    except OSError:  # no symlinks (e.g. Windows without privileges): copy instead
        shutil.copytree(REPO / "configs", tmp_path / "configs")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_how_to_has_examples() -> None:
    """The block pattern finds the how-to's Python and TOML examples (so no test passes vacuously)."""
    assert len(blocks("python")) >= 8
    assert len(blocks("toml")) >= 3


@pytest.mark.parametrize(("line", "source"), python_params())
def test_python_example_runs(line: int, source: str, repo_like_dir: Path) -> None:
    """Each Python example runs without error from a folder laid out like the repo root."""
    code = compile(source, f"{DOC}:{line}", "exec")
    if source.startswith(NOT_RUN):
        return  # compiled above: it needs a cluster to run
    exec(code, {"__name__": "__main__"})


@pytest.mark.parametrize(
    ("line", "source"), [pytest.param(n, s, id=f"sweeps.md:{n}") for n, s in blocks("toml")]
)
def test_toml_example_validates(line: int, source: str) -> None:
    """Each TOML example is a valid sweep config or scenarios file naming an existing scenario."""
    raw = tomllib.loads(source)
    if "design" in raw:
        config = SweepConfig.model_validate(raw)
        assert (REPO / "configs" / "sweeps" / config.scenario).is_file()
    else:
        config = ScenarioSet.model_validate(raw)
        assert (REPO / "configs" / "scenarios" / config.base).is_file()


def run_commands() -> list[str]:
    """The ``lachin-sim run CONFIG --set ...`` example lines of the historical-scenario page."""
    text = HISTORICAL.read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.startswith("lachin-sim run ")]


@pytest.mark.parametrize("command", run_commands())
def test_historical_set_examples_validate(command: str) -> None:
    """Each ``--set`` example of the historical-scenario page gives a valid scenario."""
    argv = shlex.split(command)[2:]  # drop "lachin-sim run"
    config, overrides = argv[0], [argv[i + 1] for i, a in enumerate(argv) if a == "--set"]
    assert overrides, command
    load_scenario(REPO / config, overrides=overrides)
