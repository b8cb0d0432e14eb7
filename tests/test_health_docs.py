"""docs/health.md stays true to the code: the documented columns and metrics are the ones the
code produces. (Citations ``[health:ROW]`` and the rows of data/health.csv are checked with the
other data files by tests/test_data.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from lachin_sim.config.health import HealthConfig
from lachin_sim.model.health import HealthModel, health_metric_names

ROOT = Path(__file__).resolve().parent.parent


def documented_names(heading: str) -> list[str]:
    """Backticked names in the first column of the table after ``heading`` in docs/health.md."""
    text = (ROOT / "docs" / "health.md").read_text(encoding="utf-8")
    part = text[text.index(heading) :]
    names = []
    for line in part.splitlines()[1:]:
        if line.startswith("|") and not line.startswith("|---"):
            names += re.findall(r"`(\w+)`", line.split("|")[1])
        elif names and not line.startswith("|"):
            break
    return names


def test_documented_columns_and_metrics_are_the_real_ones():
    """The health table's columns, the health_bands columns and the metric names in
    docs/health.md are exactly what HealthModel and health_metrics produce."""
    config = HealthConfig.model_validate({"output_bands": True})
    hm = HealthModel(config, ["all"], np.array([10.0]), 1.0, np.array([2100.0]))
    hm.step(0, np.array([2100.0]), hm.people)
    tables = hm.tables(np.array(["2023-01-01"], dtype="datetime64[D]"))
    assert documented_names("**`health`**") == list(tables["health"].columns)
    text = (ROOT / "docs" / "health.md").read_text(encoding="utf-8")
    bands = text[text.index("**`health_bands`**") : text.index("**Metrics**")]
    for column in tables["health_bands"].columns:
        assert f"`{column}`" in bands or column in ("date", "group", "sex", "band"), column
    metrics = text[text.index("**Metrics**") : text.index("**Plots**")]
    for name in health_metric_names(["all"]):
        assert f"`{name.split(':')[0]}`" in metrics, name
