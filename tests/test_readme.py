"""The README's Python example runs as written (so the first thing a newcomer copies works)."""

from __future__ import annotations

import re

import pytest
from conftest import REPO


@pytest.mark.slow
def test_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    """Every ```python block of README.md runs from a folder that has the configs, and shows
    what it computes when run as a script (print calls, not bare expressions)."""
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README.md has no python example"
    (tmp_path / "configs").symlink_to(REPO / "configs")
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        namespace: dict = {"__name__": "__main__"}
        exec(compile(block, "README.md", "exec"), namespace)
        assert (tmp_path / "depletion.png").exists()
        assert (tmp_path / "results" / "my_run" / "stocks.csv").exists()
        assert "share_met:food" in namespace["sweep"].by_point("share_met:food").columns
    shown = capsys.readouterr().out
    for printed in ("days_of_supply", "worst_share_met", "severity", "share_met:food"):
        assert printed in shown, f"the README example does not print {printed}"
