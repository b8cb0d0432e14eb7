"""The result of one run: tidy tables, headline metrics, provenance; saved and loaded as a folder.

A saved result folder holds one CSV per table (and Parquet when pyarrow is installed),
``summary.csv``, ``config.json`` (the resolved scenario), ``config.toml`` (the same as a config
that runs again as is, with the run's seed), ``metadata.json`` (package version, seed, config
hash, source file and ``--set`` overrides, and the marker of a lachin-sim result folder: see
:mod:`lachin_sim.outputs.folders`) and, when asked, the two standard plots. Writing goes to a
temporary folder that replaces the target only when complete, so a failure never leaves half a
result, and only a folder the tool wrote itself is ever replaced.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lachin_sim.config.schema import Scenario
from lachin_sim.errors import ConfigError, Problem
from lachin_sim.model.vehicles import TIME_FIELDS
from lachin_sim.outputs.folders import (
    MARKER,
    OPTIONAL_RUN_TABLES,
    RUN_TABLES,
    folder_kind,
    replacing,
    write_marker,
)

TABLES = RUN_TABLES  # one CSV (and Parquet) per table
OPTIONAL_TABLES = OPTIONAL_RUN_TABLES  # written when the health model is on
DATE_COLUMNS = {
    "stocks": ["date"],
    "convoys": list(TIME_FIELDS),
    "regimes": ["start", "end"],
    "energy": ["date"],
    "shortages": ["start", "end"],
    "uses": ["date"],
    "groups": ["date"],
    "crossings": ["date"],
    "decisions": ["decided", "effective"],
    "flows": ["date"],
    "health": ["date"],
    "health_bands": ["date"],
}
# Text columns that may hold empty strings (CSV writes them as empty cells, read back as "").
TEXT_COLUMNS = {
    "stocks": ["ration_rule"],
    "uses": ["group", "cap"],
    "regimes": ["barred"],
}


@dataclass(repr=False)
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
    uses: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per (date, demand line)
    groups: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per (date, group)
    crossings: pd.DataFrame = field(default_factory=pd.DataFrame)  # (date, corridor, way, operator)
    decisions: pd.DataFrame = field(
        default_factory=pd.DataFrame
    )  # one row per ration change by rule
    flows: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per (date, flow source)
    health: pd.DataFrame = field(default_factory=pd.DataFrame)  # (date, group); health model on
    health_bands: pd.DataFrame = field(default_factory=pd.DataFrame)  # (date, group, sex, band)

    def headline(self) -> pd.DataFrame:
        """One row per commodity with a need: the day (and date) need first went unmet (NaN:
        never), days short, share of need met over the run, and the worst day's share."""
        s, summary = self.scenario, self.summary
        rows = []
        for c in s.commodities:
            first = summary.get(f"days_to_first_shortage:{c}")
            if first is None:
                continue
            date = None if pd.isna(first) else pd.Timestamp(s.start) + pd.Timedelta(days=first)
            rows.append({"commodity": c, "first_short_day": first, "first_short_date": date,
                         "shortage_days": summary[f"shortage_days:{c}"],
                         "share_met": summary[f"share_met:{c}"],
                         "min_share_met": summary[f"min_share_met:{c}"]})  # fmt: skip
        return pd.DataFrame(rows)

    def plot(self, kind: str = "depletion"):
        """The depletion plot (``kind="depletion"``) or the shortage timeline ("timeline"),
        as a matplotlib Figure."""
        from lachin_sim.outputs import plots

        figures = {"depletion": plots.depletion, "timeline": plots.shortage_timeline}
        if kind not in figures:
            raise ValueError(f"kind must be one of {', '.join(figures)}, not {kind!r}")
        return figures[kind](self)

    def __repr__(self) -> str:
        s = self.scenario
        last = s.end - dt.timedelta(days=1)
        head = self.headline()
        short = head[head["shortage_days"] > 0]
        said = ", ".join(f"{r.commodity} from day {r.first_short_day:.0f}"
                         for r in short.itertuples()) or "none"  # fmt: skip
        overrides = self.scenario.provenance.get("overrides") or []
        with_set = (
            f", {len(overrides)} override{'s' if len(overrides) != 1 else ''}" if overrides else ""
        )
        return (f"<Result {s.name!r} seed {self.seed}{with_set}: {s.start} to {last}, "
                f"{len(self.convoys)} trucks; short: {said}>")  # fmt: skip

    def _repr_html_(self) -> str:
        head = self.headline()
        shown = pd.DataFrame({
            "commodity": head["commodity"],
            "first short": [("never" if pd.isna(d) else f"day {d:.0f} ({t.date()})")
                            for d, t in zip(head["first_short_day"], head["first_short_date"],
                                            strict=True)],
            "days short": head["shortage_days"].map("{:.0f}".format),
            "need met": head["share_met"].map("{:.1%}".format),
            "worst day": head["min_share_met"].map("{:.1%}".format),
        })  # fmt: skip
        return f"<p>{html.escape(repr(self))}</p>{html_table(shown)}"

    def save(
        self,
        directory: str | os.PathLike,
        plots: bool = False,
        report: bool = False,
        sensitivity: str | os.PathLike | None = None,
        compare: str | os.PathLike | None = None,
    ) -> Path:
        """Write the result folder atomically; with ``plots``, also depletion and timeline PNGs;
        with ``report``, also ``report.html`` (:mod:`lachin_sim.outputs.report`), which takes
        the assumptions that matter most from the uncertainty study in the folder
        ``sensitivity`` when one is given (a study of the same scenario), and what would change
        it from the comparison in the folder ``compare`` (a comparison whose base is the same
        scenario).

        Replaces an earlier result folder there, never anything else: a folder the tool did
        not write (or one holding files it did not write), a file, or the working folder is
        refused with :class:`~lachin_sim.errors.OutputFolderError` before anything is written.
        """
        target = Path(directory)
        if sensitivity is not None:
            from lachin_sim.outputs.report.assumptions import check_study_for

            if not report:
                raise ValueError("sensitivity= is for the report: give report=True too")
            check_study_for(sensitivity, self.scenario.name)  # before anything is written
        if compare is not None:
            from lachin_sim.outputs.report.comparison import check_comparison_for

            if not report:
                raise ValueError("compare= is for the report: give report=True too")
            check_comparison_for(compare, self.scenario.name)  # before anything is written
        with replacing(target, "run") as folder:
            self._write(folder, plots, report, sensitivity, compare)
        return target

    def _write(
        self,
        folder: Path,
        plots: bool,
        report: bool = False,
        sensitivity: str | os.PathLike | None = None,
        compare: str | os.PathLike | None = None,
    ) -> None:
        for name in (*TABLES, *OPTIONAL_TABLES):
            table: pd.DataFrame = getattr(self, name)
            if name in OPTIONAL_TABLES and table.empty and not len(table.columns):
                continue  # the health model was off: no table
            table.to_csv(folder / f"{name}.csv", index=False)
            if _has_pyarrow():
                table.to_parquet(folder / f"{name}.parquet", index=False)
        self.summary.rename_axis("metric").to_csv(folder / "summary.csv")
        (folder / "config.json").write_text(json.dumps(self.scenario.to_dict(), indent=2) + "\n")
        (folder / "config.toml").write_text(self.config_toml(), encoding="utf-8")
        if plots:
            from lachin_sim.outputs.plots import save_standard_plots

            save_standard_plots(self, folder)
        write_marker(folder, "run", self.metadata)  # last: it lists every file written
        if report:  # the folder is a complete result now; the marker is rewritten to list it
            from lachin_sim.outputs.report import REPORT_FILE, render_report
            from lachin_sim.outputs.report.run import result_context

            context = result_context(self, sensitivity=sensitivity, compare=compare)
            page = render_report("run", context)
            (folder / REPORT_FILE).write_text(page, encoding="utf-8")
            write_marker(folder, "run", self.metadata)

    def config_toml(self) -> str:
        """The resolved scenario as TOML with this run's seed: ``lachin-sim run config.toml``
        reproduces this run's tables."""
        from lachin_sim.config.files import scenario_toml

        prov = self.scenario.provenance
        overrides = ", ".join(prov.get("overrides") or []) or "none"
        header = (f"The resolved scenario of a lachin-sim run (every field, defaults included).\n"
                  f"Run it again as is: lachin-sim run config.toml  (seed {self.seed}, the run's seed)\n"
                  f"Read from: {prov.get('source') or 'Python'}; overrides: {overrides}")  # fmt: skip
        return scenario_toml(self.scenario, seed=self.seed, header=header)

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
        scenario.with_provenance(metadata.get("source"), metadata.get("overrides") or [])
        tables = {name: _read_table(folder, name) for name in TABLES}
        tables |= {name: _read_table(folder, name) for name in OPTIONAL_TABLES
                   if (folder / f"{name}.csv").exists()}  # fmt: skip
        summary_rows = _read_csv(folder / "summary.csv", [])
        try:
            summary = summary_rows.set_index("metric")["value"].astype(float)
        except (KeyError, ValueError) as exc:
            raise ConfigError(str(folder / "summary.csv"), [Problem("", None,
                              f"not a summary table (columns metric, value): {exc}")]) from None  # fmt: skip
        return cls(scenario=scenario, seed=metadata["seed"], summary=summary, metadata=metadata,
                   **tables)  # fmt: skip


def html_table(table: pd.DataFrame) -> str:
    """A plain HTML table (escaped text, no styles or external resources) for notebooks."""

    def cell(v: object) -> str:
        if isinstance(v, float):
            v = "" if pd.isna(v) else f"{v:.3g}"
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                   for row in table.itertuples(index=False))  # fmt: skip
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


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


def _read_csv(path: Path, dates: list[str], text: list[str] | None = None) -> pd.DataFrame:
    """A CSV table of a saved folder; a missing or damaged file is a clear error."""
    try:
        return pd.read_csv(path, parse_dates=dates, dtype={c: str for c in text or []})
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: missing from the result folder") from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise ConfigError(
            str(path), [Problem("", None, f"cannot be read as a table: {exc}")]
        ) from None


def _read_table(folder: Path, name: str) -> pd.DataFrame:
    """One of the run's tables, with its dates parsed and empty text cells as ""."""
    text = TEXT_COLUMNS.get(name, [])
    df = _read_csv(folder / f"{name}.csv", DATE_COLUMNS[name], text)
    for column in text:
        if column in df:
            df[column] = df[column].fillna("").astype(object)
    if name == "uses" and "outcome_holds" in df:
        df["outcome_holds"] = df["outcome_holds"].astype("boolean")
    return df


def load_result(directory: str | os.PathLike) -> Result:
    """Read a result folder written by :meth:`Result.save`."""
    return Result.load(directory)


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True
