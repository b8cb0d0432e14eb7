"""The result of one run: tidy tables, headline metrics, provenance; saved and loaded as a folder.

A saved result folder holds one CSV per table (and Parquet when pyarrow is installed),
``summary.csv``, ``config.json`` (the resolved scenario), ``metadata.json`` (package version,
seed, config hash, and the marker of a lachin-sim result folder: see
:mod:`lachin_sim.outputs.folders`) and, when asked, the two standard plots. Writing goes to a
temporary folder that replaces the target only when complete, so a failure never leaves half a
result, and only a folder the tool wrote itself is ever replaced.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lachin_sim.config.schema import Scenario
from lachin_sim.errors import ConfigError, Problem
from lachin_sim.model.checkpoint import TIME_FIELDS
from lachin_sim.outputs.folders import MARKER, folder_kind, replacing, write_marker

TABLES = ("stocks", "convoys", "regimes", "energy", "shortages")
DATE_COLUMNS = {
    "stocks": ["date"],
    "convoys": list(TIME_FIELDS),
    "regimes": ["start", "end"],
    "energy": ["date"],
    "shortages": ["start", "end"],
}


@dataclass
class Result:
    """Everything one run produced. Tables are pandas DataFrames; ``summary`` is a Series."""

    scenario: Scenario
    seed: int
    stocks: pd.DataFrame  # one row per (date, commodity)
    convoys: pd.DataFrame  # one row per truck
    regimes: pd.DataFrame  # one row per (corridor, regime interval)
    energy: pd.DataFrame  # one row per (date, link / plant / generator)
    shortages: pd.DataFrame  # one row per shortage episode
    summary: pd.Series  # headline metrics, see metrics.summarize
    metadata: dict = field(default_factory=dict)

    def save(self, directory: str | os.PathLike, plots: bool = False) -> Path:
        """Write the result folder atomically; with ``plots``, also depletion and timeline PNGs.

        Replaces an earlier result folder there, never anything else: a folder the tool did
        not write (or one holding files it did not write), a file, or the working folder is
        refused with :class:`~lachin_sim.errors.OutputFolderError` before anything is written.
        """
        target = Path(directory)
        with replacing(target, "run") as folder:
            self._write(folder, plots)
        return target

    def _write(self, folder: Path, plots: bool) -> None:
        for name in TABLES:
            table: pd.DataFrame = getattr(self, name)
            table.to_csv(folder / f"{name}.csv", index=False)
            if _has_pyarrow():
                table.to_parquet(folder / f"{name}.parquet", index=False)
        self.summary.rename_axis("metric").to_csv(folder / "summary.csv")
        (folder / "config.json").write_text(json.dumps(self.scenario.to_dict(), indent=2) + "\n")
        if plots:
            from lachin_sim.outputs.plotting import save_standard_plots

            save_standard_plots(self, folder)
        write_marker(folder, "run", self.metadata)  # last: it lists every file written

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Result:
        """Read a folder written by :meth:`save`; a damaged one is a ConfigError naming the file."""
        from lachin_sim.config.validation import validate_scenario

        folder = Path(directory)
        if not (folder / MARKER).exists():
            raise FileNotFoundError(f"{folder}: not a lachin-sim result folder (no metadata.json)")
        metadata = _read_json(folder / MARKER)
        kind = folder_kind(folder)
        if kind not in (None, "run"):
            raise ConfigError(str(folder), [Problem("", None, f"is a lachin-sim {kind} folder, "
                              "not the result folder of one run")])  # fmt: skip
        if kind is None or not isinstance(metadata.get("seed"), int):
            raise ConfigError(str(folder / MARKER), [Problem("", None, "not the metadata of a "
                              "lachin-sim result folder (package, kind or seed missing)")])  # fmt: skip
        scenario = validate_scenario(
            _read_json(folder / "config.json"), str(folder / "config.json")
        )
        tables = {name: _read_table(folder / f"{name}.csv", DATE_COLUMNS[name]) for name in TABLES}
        summary = _read_table(folder / "summary.csv", [])
        try:
            summary = summary.set_index("metric")["value"].astype(float)
        except (KeyError, ValueError) as exc:
            raise ConfigError(str(folder / "summary.csv"), [Problem("", None,
                              f"not a summary table (columns metric, value): {exc}")]) from None  # fmt: skip
        return cls(scenario=scenario, seed=metadata["seed"], summary=summary, metadata=metadata,
                   **tables)  # fmt: skip


def _read_json(path: Path) -> dict:
    """A JSON object from a saved folder; a missing or damaged file is a clear error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: missing from the result folder") from None
    except (ValueError, OSError) as exc:
        raise ConfigError(
            str(path), [Problem("", None, f"cannot be read as JSON: {exc}")]
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(str(path), [Problem("", None, "is not a JSON object")])
    return data


def _read_table(path: Path, dates: list[str]) -> pd.DataFrame:
    """A CSV table of a saved folder; a missing or damaged file is a clear error."""
    try:
        return pd.read_csv(path, parse_dates=dates)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: missing from the result folder") from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise ConfigError(
            str(path), [Problem("", None, f"cannot be read as a table: {exc}")]
        ) from None


def load_result(directory: str | os.PathLike) -> Result:
    """Read a result folder written by :meth:`Result.save`."""
    return Result.load(directory)


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True
