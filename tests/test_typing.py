"""The package type-checks: mypy, configured in pyproject.toml ([tool.mypy]), finds no error in
lachin_sim/. Slow: a cold mypy run takes 5-15 s."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO


@pytest.mark.slow
def test_mypy_finds_no_error(tmp_path):
    """``python -m mypy`` over the files pyproject names passes; on failure the message is
    mypy's own report."""
    pytest.importorskip("mypy", reason="mypy is in the dev extra")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache")],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"mypy found errors:\n{done.stdout}{done.stderr}"
    assert "Success" in done.stdout
