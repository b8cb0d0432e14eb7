"""Every ``>>>`` example in the package's docstrings runs and shows what it says.

Each module is one test. The examples run from a temporary folder that links the repository's
``configs/``, so paths such as ``configs/blockade_2023.toml`` resolve as they do from the
repository root, and whatever an example writes lands in the temporary folder. An example
marked ``# doctest: +SKIP`` takes minutes; its module's docstring names the test that makes
the same call.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest
from conftest import REPO

import lachin_sim

SUBMODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(lachin_sim.__path__, prefix="lachin_sim.")
    if info.name != "lachin_sim.__main__"  # importing it runs the CLI; it has no examples
)
MODULES = ["lachin_sim", *SUBMODULES]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def examples(name: str) -> list[doctest.DocTest]:
    """The docstring examples of one module (its own, not those of what it imports)."""
    module = importlib.import_module(name)
    return [t for t in doctest.DocTestFinder().find(module, name) if t.examples]


def source(name: str) -> str:
    return Path(importlib.import_module(name).__file__ or "").read_text(encoding="utf-8")


def test_the_finder_sees_every_example():
    """Each module whose source holds '>>>' yields examples, so none goes unchecked."""
    with_prompt = {name for name in MODULES if ">>>" in source(name)}
    found = {name for name in MODULES if examples(name)}
    assert with_prompt == found
    assert len(found) >= 10, found


@pytest.mark.parametrize("name", [m for m in MODULES if examples(m)])
def test_module_examples(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The module's examples give the output they show."""
    (tmp_path / "configs").symlink_to(REPO / "configs")
    monkeypatch.chdir(tmp_path)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    for test in examples(name):
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
