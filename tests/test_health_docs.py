"""docs/health.md and data/health.csv stay true to the code: citations ``[health:ROW]`` in the
code and docs resolve to rows of data/health.csv, which holds only rows that something cites (a
range ``[health:E1]-[health:E6]`` cites every row in it); the documented columns and metrics are
the ones the code produces."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from lachin_sim.config.health import HealthConfig
from lachin_sim.model.health import HealthModel, health_metric_names

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "health.csv"
COLUMNS = ["id", "date_start", "date_end", "category", "value", "unit", "statement",
           "source_title", "source_url"]  # fmt: skip
CITATION = re.compile(r"\[health:([A-M])(\d+)\](?:\s*-\s*\[health:\1(\d+)\])?")
SOURCES = [*sorted((ROOT / "lachin_sim").rglob("*.py")), ROOT / "docs" / "health.md",
           ROOT / "docs" / "config_reference.md"]  # fmt: skip


def cited() -> dict[str, list[str]]:
    """Row id -> files citing it."""
    out: dict[str, list[str]] = {}
    for path in SOURCES:
        for letter, first, last in CITATION.findall(path.read_text(encoding="utf-8")):
            for n in range(int(first), int(last or first) + 1):
                out.setdefault(f"{letter}{n}", []).append(path.name)
    return out


def rows() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def test_rows_are_well_formed():
    """Unique ids, every row has a statement and a source (a GAP row says so)."""
    table = rows()
    ids = [r["id"] for r in table]
    assert len(ids) == len(set(ids)) and len(ids) > 50
    for r in table:
        assert r["statement"] and r["category"], r["id"]
        assert r["source_url"] or r["statement"].startswith("GAP"), r["id"]
        assert not r["value"] or re.fullmatch(r"-?[\d.]+(-[\d.]+)?", r["value"]), r["id"]


def test_every_citation_resolves_and_every_row_is_cited():
    """A citation of a row not in data/health.csv fails, and so does a row nobody cites."""
    table = {r["id"] for r in rows()}
    refs = cited()
    missing = {row: files for row, files in refs.items() if row not in table}
    assert not missing, f"cited but not in {DATA.name}: {missing}"
    uncited = sorted(table - set(refs))
    assert not uncited, f"rows of {DATA.name} nothing cites: {uncited}"


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
