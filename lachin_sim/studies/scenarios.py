"""Named scenarios: a base scenario and named sets of overrides, compared under common random
numbers (every scenario runs with the same replication seeds, so differences come from the
scenario, not from noise).

A scenarios file::

    base = "../blockade_2023.toml"
    replications = 20
    seed = 1

    [scenarios.historical]
    description = "As it happened"

    [scenarios.energy_links_restored]
    description = "Gas pipeline and power line never cut"
    overrides = { "links.gas_pipeline.outages" = [], "links.power_line.outages" = [] }

>>> import lachin_sim as ls
>>> comparison = ls.compare("configs/scenarios/counterfactuals.toml", replications=2)  # doctest: +SKIP
>>> comparison.table                        # doctest: +SKIP

(Twelve runs of the historical scenario take a while, so these lines are not run as doctests;
``experiments/counterfactuals.py --quick`` in the test suite makes the same call.)
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, ValidationError

from lachin_sim.config.files import read_config, read_toml, referenced_file
from lachin_sim.config.types import MODEL_CONFIG, NonNegativeInt, PositiveInt
from lachin_sim.config.validation import validate_scenario
from lachin_sim.errors import ConfigError, Problem
from lachin_sim.outputs.censoring import censored_stats, is_time_to_event, quantiles
from lachin_sim.outputs.folders import atomic_write_text, prepare_output_dir
from lachin_sim.studies.designs import Design, check_run_count, design_problems
from lachin_sim.studies.sweep import SweepResult, run_sweep

COMPARED = ("days_to_first_shortage", "shortage_days", "share_met", "kcal_per_person_day")


class NamedScenario(BaseModel):
    model_config = MODEL_CONFIG

    description: str = ""
    overrides: dict[str, object] = {}  # dotted path -> value, laid over the base


class ScenarioSet(BaseModel):
    """A scenarios file: the base scenario, the named variants, how many replications."""

    model_config = MODEL_CONFIG

    base: str  # path of the base scenario TOML, relative to this file
    description: str = ""
    replications: PositiveInt = 20
    seed: NonNegativeInt = 0
    scenarios: dict[str, NamedScenario] = Field(min_length=1)


def load_scenario_set(path: str | os.PathLike) -> tuple[ScenarioSet, Path]:
    """Read and validate a scenarios file; returns it and the resolved base scenario path."""
    path = Path(path)
    try:
        config = ScenarioSet.model_validate(read_toml(path))
    except ValidationError as exc:
        raise ConfigError(str(path), design_problems(exc)) from None
    return config, referenced_file(path, "base", config.base, "base scenario")


def _scenario_set(scenarios: str | os.PathLike | dict) -> tuple[ScenarioSet, dict, str]:
    """(the validated set, the base scenario's raw dict, a source label) of a scenarios file or
    of a dict of the same structure (``base``: a path or a Scenario)."""
    from lachin_sim.config.schema import Scenario

    if not isinstance(scenarios, dict):
        config, base_path = load_scenario_set(scenarios)
        return config, read_config(base_path), f"{scenarios} -> {base_path}"
    spec = dict(scenarios)
    base = spec.get("base")
    if isinstance(base, Scenario):
        raw, label = base.to_dict(), f"<scenario {base.name}>"
    elif isinstance(base, (str, os.PathLike)):
        raw, label = read_config(base), str(base)
    else:
        raise ConfigError("<scenarios dict>", [Problem("base", base,
                          "must be a scenario file path or a Scenario")])  # fmt: skip
    spec["base"] = label
    try:
        config = ScenarioSet.model_validate(spec)
    except ValidationError as exc:
        raise ConfigError("<scenarios dict>", design_problems(exc)) from None
    return config, raw, f"<scenarios dict> -> {label}"


@dataclass(repr=False)
class Comparison:
    """``runs``: one row per (scenario, replication) with every summary metric; ``bands``:
    quantiles over replications of the daily series, per scenario; ``table``: the comparison
    (median and 5-95 % interval of the key metrics per scenario and commodity)."""

    def plot(self, series: str = "days_of_supply"):
        """Overlay of each scenario's median and 5-95 % band, one panel per commodity."""
        from lachin_sim.outputs.plots import scenario_overlay

        return scenario_overlay(self, series)

    sweep: SweepResult
    names: list[str]
    descriptions: dict[str, str]

    @property
    def runs(self) -> pd.DataFrame:
        return _named(self.sweep.runs, self.names)

    @property
    def bands(self) -> pd.DataFrame:
        return _named(self.sweep.bands, self.names)

    @property
    def table(self) -> pd.DataFrame:
        return comparison_table(self.runs, self.sweep.spec["commodities"])

    def __repr__(self) -> str:
        reps = self.sweep.spec.get("replications", "?")
        return (f"<Comparison of {len(self.names)} scenarios x {reps} replications (same seeds): "
                f"{', '.join(self.names)}>")  # fmt: skip

    def _repr_html_(self) -> str:
        from lachin_sim.outputs.results import html_table

        rows = []
        for (scenario, commodity), g in self.table.groupby(["scenario", "commodity"], sort=False):
            by = g.set_index("metric")
            runs = self.runs[(self.runs["scenario"] == scenario) & (self.runs["status"] == "ok")]
            stats = censored_stats(runs[f"days_to_first_shortage:{commodity}"],
                                   self.sweep.horizon_days)  # fmt: skip
            rows.append({"scenario": scenario, "commodity": commodity,
                         "first short, day (median [5 %, 95 %])": stats.interval(),
                         "runs short": f"{stats.reached}/{stats.runs}",
                         "share met (median)": f"{by['median'].astype(float)['share_met']:.1%}"})  # fmt: skip
        return f"<p>{html.escape(repr(self))}</p>{html_table(pd.DataFrame(rows))}"

    def save(self, directory: str | os.PathLike) -> Path:
        """Write comparison.csv, scenario_runs.csv, scenario_bands.csv and comparison.json (the
        names, descriptions and sweep spec) into a new, empty or comparison folder (any other
        folder is refused: see ``outputs.folders``); :func:`load_comparison` reads it back."""
        folder = prepare_output_dir(directory, "comparison")
        for name, table in (("scenario_runs", self.runs), ("scenario_bands", self.bands),
                            ("comparison", self.table)):  # fmt: skip
            atomic_write_text(folder / f"{name}.csv", table.to_csv(index=False))
        about = {"names": self.names, "descriptions": self.descriptions, "spec": self.sweep.spec}
        atomic_write_text(
            folder / "comparison.json", json.dumps(about, indent=1, default=str) + "\n"
        )
        return folder


def load_comparison(directory: str | os.PathLike) -> Comparison:
    """Read a folder written by :meth:`Comparison.save` (or by ``lachin-sim compare``)."""
    folder = Path(directory)
    runs = pd.read_csv(folder / "scenario_runs.csv", dtype={"error": "str", "status": "str"})
    runs["error"] = runs["error"].fillna("")
    bands = pd.read_csv(folder / "scenario_bands.csv", parse_dates=["date"])
    if (folder / "comparison.json").exists():
        about = json.loads((folder / "comparison.json").read_text())
    else:  # written before comparison.json existed: names from the runs, spec from runs/
        order = runs.drop_duplicates("point_id").sort_values("point_id")
        spec = json.loads((folder / "runs" / "sweep.json").read_text())
        about = {"names": order["scenario"].tolist(), "descriptions": {}, "spec": spec}
    names = about["names"]
    sweep = SweepResult(runs=runs.drop(columns="scenario"), bands=bands.drop(columns="scenario"),
                        design=pd.DataFrame({"point_id": range(len(names))}), spec=about["spec"],
                        directory=folder)  # fmt: skip
    return Comparison(sweep=sweep, names=names, descriptions=about.get("descriptions", {}))


def _named(table: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    out = table.copy()
    out.insert(0, "scenario", out["point_id"].map(dict(enumerate(names))))
    return out


def comparison_table(runs: pd.DataFrame, commodities: list[str]) -> pd.DataFrame:
    """Per scenario, commodity and metric: median, 5 % and 95 % over replications, and the
    share of replications in which the commodity was never short. A commodity never short in
    a replication counts as short after the end of the period (days_to_first_shortage = inf;
    the rule of :mod:`lachin_sim.outputs.censoring`)."""
    rows = []
    ok = runs[runs["status"] == "ok"]
    for scenario, group in ok.groupby("scenario", sort=False):
        for c in commodities:
            for metric in COMPARED:
                column = f"{metric}:{c}"
                if column not in group:
                    continue
                values = group[column].to_numpy(dtype=float)
                if is_time_to_event(metric):  # never short = inf; order statistics keep it inf
                    q05, median, q95 = quantiles(values, [0.05, 0.5, 0.95])
                else:
                    q05, median, q95 = np.quantile(values, [0.05, 0.5, 0.95], method="inverted_cdf")
                rows.append({"scenario": scenario, "commodity": c, "metric": metric,
                             "median": median, "q05": q05, "q95": q95,
                             "replications": len(values)})  # fmt: skip
            never = group[f"days_to_first_shortage:{c}"].isna().mean()
            rows.append({"scenario": scenario, "commodity": c, "metric": "share_of_runs_never_short",
                         "median": never, "q05": np.nan, "q95": np.nan, "replications": len(group)})  # fmt: skip
    return pd.DataFrame(rows)


def compare(
    scenarios: str | os.PathLike | dict,
    replications: int | None = None,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | os.PathLike | None = None,
    resume: bool = False,
    only: list[str] | None = None,
    progress: bool | None = None,
) -> Comparison:
    """Run every named scenario of a scenarios file with the same replication seeds.

    ``scenarios`` is a scenarios file, or a dict of the same structure whose ``base`` is a
    scenario file path (relative to the working folder) or a :class:`Scenario`::

        ls.compare({"base": scenario, "replications": 5,
                    "scenarios": {"as_is": {}, "more_icrc": {"overrides": {"convoys.icrc.trucks_per_day": 2}}}})
    """
    config, raw, source = _scenario_set(scenarios)
    names = [n for n in config.scenarios if only is None or n in only]
    unknown = sorted(set(only or []) - set(config.scenarios))
    if unknown:
        raise ConfigError(source.split(" -> ")[0], [Problem("--only", unknown,
                          f"unknown scenario; defined: {', '.join(config.scenarios)}")])  # fmt: skip
    label = source.split(" -> ")[0]
    for n in names:  # name the scenario whose overrides are wrong
        validate_scenario(raw, f"{label} [scenarios.{n}.overrides] -> {source.split(' -> ')[-1]}",
                          overrides=config.scenarios[n].overrides)  # fmt: skip
    design = Design(kind="points", explicit=[config.scenarios[n].overrides for n in names])
    replications = config.replications if replications is None else replications
    check_run_count(design, replications, label)
    result = run_sweep(raw, source, design,
                       replications, config.seed, executor=executor,
                       workers=workers, scheduler=scheduler, out=out, resume=resume,
                       progress=progress)  # fmt: skip
    return Comparison(sweep=result, names=names,
                      descriptions={n: config.scenarios[n].description for n in names})  # fmt: skip
