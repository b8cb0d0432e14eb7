"""The assumptions that matter most, from an uncertainty study (``lachin-sim uncertainty``):
for each headline outcome, the uncertain inputs it depends on most, each with its range in
words and the note that says why the range is what it is. What the template
``sections/assumptions.html.j2`` is given, on the page of the study and on the page of a run
made with ``--sensitivity STUDY_DIR``.

- Morris and Sobol' studies: the ranking of ``sensitivity.csv``
  (:meth:`~lachin_sim.studies.uncertainty.UncertaintyResult.ranking`: Sobol' ``ST`` with its
  interval and ``S1`` beside it; Morris ``mu_star`` with its interval and ``sigma``), the
  first :data:`TOP_INPUTS` per headline metric.
- Monte Carlo studies have no indices. Instead: the Spearman rank correlation (scipy) of each
  input with each headline metric over the study's runs (``runs.csv`` with ``samples.csv``),
  a time to an event never reached counting at the horizon, as in the study's own tables.

>>> input_unit("commodities.food.initial_stock", {"food": "t"})
't'
>>> input_unit("convoys.icrc.trucks_per_day", {})
'trucks a day'
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from lachin_sim.errors import OutputFolderError
from lachin_sim.outputs.censoring import is_time_to_event
from lachin_sim.outputs.report.common import finite
from lachin_sim.outputs.report.figures import embed

TOP_INPUTS = 5  # inputs shown per headline metric (the highest ranked)
LEAD_INDEX = {"sobol": "ST", "morris": "mu_star"}  # the index inputs are ranked by
SECOND_INDEX = {"sobol": "S1", "morris": "sigma"}  # shown beside it
# Approximate 95 % interval of a Spearman coefficient: Fisher's z with variance 1.06 / (n - 3)
# (Fieller, Hartley and Pearson 1957, "Tests for rank correlation coefficients. I",
# Biometrika 44, 470-481), n the number of samples (independent draws of the inputs; the
# replications of a sample repeat its draw).
SPEARMAN_Z_VARIANCE = 1.06
Z_95 = 1.959964  # standard normal 97.5 % quantile: a two-sided 95 % interval
# An outcome whose runs differ by less than this share of its size (at least 1) is the same in
# every run: what is left is float rounding (0.9999999999999998 against 1.0 for a commodity
# never short), and indices of rounding are noise, not a ranking (as headlines.EMPTY_STOCK).
FLOAT_NOISE = 1e-9
ROUNDING_ONLY = "its runs differ by float rounding only: it is the same in every run"
STUDY_TABLES = ("uncertainty.json", "samples.csv", "runs.csv", "bands.csv", "variance.csv",
                "sensitivity.csv")  # fmt: skip

# Units read from a field's name (the project writes units into names: payload_t, *_days),
# longest suffix first; commodity quantities take the commodity's unit.
NAME_UNITS = (
    ("trucks_per_day", "trucks a day"),
    ("_m3_per_day", "m³ a day"),
    ("_per_m3", ""),  # a rate per m³ of something the name does not say (output_per_m3)
    ("days_of_supply", "days"),
    ("_days", "days"),
    ("_h", "h"),
    ("_t", "t"),
    ("_m3", "m³"),
    ("_kg", "kg"),
)
COMMODITY_QUANTITIES = {"initial_stock": "", "storage_capacity": "", "production_per_day": " a day"}


def study_folder_problem(folder: Path) -> str | None:
    """Why ``folder`` is not a finished uncertainty study the report can read, or None."""
    from lachin_sim.outputs.folders import folder_kind

    if not folder.exists():
        return "does not exist; give a folder written by lachin-sim uncertainty"
    if not folder.is_dir():
        return "is a file, not a folder written by lachin-sim uncertainty"
    kind = folder_kind(folder)
    if kind != "uncertainty":
        what = f"a lachin-sim {kind} folder" if kind else "not a lachin-sim folder"
        return f"is {what}, not an uncertainty study (a folder written by lachin-sim uncertainty)"
    missing = [name for name in STUDY_TABLES if not (folder / name).is_file()]
    if missing:
        return (f"is an uncertainty study that has not finished (no {', '.join(missing)}): "
                "wait for it, or continue it with lachin-sim uncertainty ... --resume")  # fmt: skip
    if not (folder / "runs" / "sweep.json").is_file():
        return ("has no runs/sweep.json, the study's scenario: save studies with --out "
                "(ls.uncertainty(..., out=DIR)) to report them")  # fmt: skip
    return None


def load_study(folder: Path):
    """The study in ``folder`` and its base scenario (the central values, from the spec of its
    runs), or :class:`OutputFolderError` saying why not."""
    from lachin_sim.outputs.report.studies import StudyBase
    from lachin_sim.studies.uncertainty import load_uncertainty

    problem = study_folder_problem(folder)
    if problem:
        raise OutputFolderError(folder, problem)
    base = StudyBase(json.loads((folder / "runs" / "sweep.json").read_text(encoding="utf-8")))
    return load_uncertainty(folder), base


def central_digest(scenario) -> str:
    """SHA-256 of a scenario's central values: its resolved config without the
    ``[uncertainty]`` table (what every run of a study shares before its draws)."""
    return scenario.model_copy(update={"uncertainty": {}}).digest()


def check_study_for(folder: str | os.PathLike, scenario_name: str) -> Path:
    """``folder`` if it holds a finished uncertainty study of the scenario named
    ``scenario_name``, else :class:`OutputFolderError` (``--sensitivity``)."""
    folder = Path(folder)
    problem = study_folder_problem(folder)
    if problem:
        raise OutputFolderError(folder, f"{problem} (given to --sensitivity)")
    try:
        spec = json.loads((folder / "uncertainty.json").read_text(encoding="utf-8"))
        name = spec["scenario"]
    except (OSError, ValueError, KeyError, TypeError):
        raise OutputFolderError(folder, "has an uncertainty.json that cannot be read (given "
                                        "to --sensitivity)") from None  # fmt: skip
    if name != scenario_name:
        raise OutputFolderError(folder, f"is a study of the scenario {name!r}, not of "
                                        f"{scenario_name!r} (given to --sensitivity): give a "
                                        "study of the run's scenario")  # fmt: skip
    return folder


def study_for_run(folder: str | os.PathLike, scenario) -> dict:
    """The assumptions section of the run of ``scenario`` from the study in ``folder``
    (``--sensitivity``): :class:`OutputFolderError` for a folder that is not a finished study
    or a study of another scenario; a study whose central values differ from the run's (an
    override, an edited config) is used, with a warning on the page."""
    folder = check_study_for(folder, scenario.name)
    study, base = load_study(folder)
    facts = assumption_facts(study, base)
    mine, theirs = central_digest(scenario), base.scenario.digest()
    facts["folder"] = str(folder)
    facts["digest_mismatch"] = None if mine == theirs else {"run": mine, "study": theirs}
    return facts


def assumption_facts(study, base) -> dict:
    """The numbers of the section: per headline metric, the first :data:`TOP_INPUTS` inputs
    (ranked by the study's index, or by the size of their rank correlation) with their
    ranges and notes, and (Morris, Sobol') the ranked bar figure."""
    from lachin_sim.outputs.plots import uncertainty as plots
    from lachin_sim.studies.uncertainty import metric_values

    spec = study.spec
    method = spec.get("method", "mc")
    units = {n: c.unit for n, c in base.scenario.commodities.items()}
    inputs = {path: input_facts(path, table, units) for path, table in spec["inputs"].items()}
    horizon = float(spec.get("horizon_days", base.horizon))
    metrics: list[dict] = []
    for metric in study.metrics:
        ranked: list[dict]
        if rounding_only(metric_values(study.runs, metric, horizon)):
            ranked, why = [], ROUNDING_ONLY
        elif method in LEAD_INDEX:
            ranked, why = ranked_inputs(study, metric)
        else:
            ranked, why = correlated_inputs(study, metric, horizon)
        for row in ranked:
            row["input"] = inputs[row["path"]]
            row["named"] = told_from_none(row, method, metric)
        metrics.append({"metric": metric_name(metric), "inputs": ranked, "missing": why,
                        "censored": _censored(study, metric)})  # fmt: skip
    figure = None
    shown = [m["metric"] for m in metrics if m["inputs"]]  # the panels: metrics with a table
    panels = [m["metric"] for m in shown]
    if method in LEAD_INDEX and shown:
        figure = embed(
            "sensitivity_bars",
            lambda: plots.sensitivity_bars(study, metrics=panels),
            method=method,
            metrics=shown,
        )
    ok = study.runs[study.runs["status"] == "ok"]
    return {
        "method": method,
        "lead": LEAD_INDEX.get(method),
        "second": SECOND_INDEX.get(method),
        "samples": len(study.samples),
        "design_samples": spec.get("samples"),
        "replications": spec.get("replications"),
        "runs": len(ok),
        "n_inputs": len(inputs),
        "inputs": list(inputs.values()),
        "top": TOP_INPUTS,
        "conf_level": spec.get("conf_level", 0.95),
        "horizon_days": horizon,
        "metrics": metrics,
        "figure": figure,
        "seed": spec.get("seed"),
        "sweep_sha256": str(base.spec.get("sweep_sha256", "")),
        "folder": None,
        "digest_mismatch": None,
    }


def rounding_only(values: np.ndarray) -> bool:
    """Whether the known ``values`` of an outcome differ by no more than float rounding
    (:data:`FLOAT_NOISE` of their size); True when none is known."""
    known = values[~np.isnan(values)]
    if not len(known):
        return True
    return float(np.ptp(known)) <= FLOAT_NOISE * max(1.0, float(np.abs(known).max()))


def ranked_inputs(study, metric: str) -> tuple[list[dict], str]:
    """The first :data:`TOP_INPUTS` inputs by the study's lead index for ``metric``, in the
    order of :meth:`UncertaintyResult.ranking`, each with the second index; with no index
    (an outcome that never varies), none and the table's note saying why."""
    method = study.spec["method"]
    table = study.sensitivity[study.sensitivity["metric"] == metric]
    lead = study.ranking(metric, LEAD_INDEX[method])
    ranked = lead.dropna(subset=["value"]).head(TOP_INPUTS)
    if not len(ranked):
        notes = [n for n in table["note"] if n]
        return [], notes[0] if notes else "no index in sensitivity.csv"
    second = table[table["index"] == SECOND_INDEX[method]].set_index("input")
    rows = []
    for r in ranked.itertuples():
        other = second.loc[r.input] if r.input in second.index else None
        rows.append({
            "path": r.input,
            "value": finite(r.value), "low": finite(r.low), "high": finite(r.high),
            "second": finite(other["value"]) if other is not None else None,
            "second_low": finite(other["low"]) if other is not None else None,
            "second_high": finite(other["high"]) if other is not None else None,
        })  # fmt: skip
    return rows, ""


def told_from_none(row: dict, method: str, metric: str) -> bool:
    """Whether the study tells an input's effect from none: its interval leaves out 0 (an
    index above it, a correlation on one side of it); without an interval, its value is not
    0 as the page shows it. The sentence on what an outcome depends on most names only those."""
    value, low, high = row["value"], row["low"], row["high"]
    if value is None:
        return False
    if low is not None and high is not None:
        return low > 0 or high < 0
    return shows_as_nonzero(value, method, metric)


def shows_as_nonzero(value: float, method: str, metric: str) -> bool:
    """Whether an index or correlation is not 0 as the page shows it: Sobol' indices and
    correlations with 2 decimals; Morris mu* in the outcome's unit (days and points of need:
    1 decimal, kcal and deaths: none, else 3 significant digits)."""
    size = abs(value)
    if method != "morris":
        return round(size, 2) > 0
    kind = metric.partition(":")[0].partition("@")[0]
    if kind.startswith("days_to"):
        return round(size, 1) > 0
    if kind == "share_met":
        return round(size * 100, 1) > 0
    if kind in ("food_kcal_per_person_day", "excess_deaths"):
        return round(size) > 0
    return size > 0


def rank_correlation(x: np.ndarray, y: np.ndarray) -> float | None:
    """Spearman's rho of ``x`` and ``y`` over the pairs where both are known (None when
    either is the same everywhere, or fewer than 3 pairs)."""
    known = ~(np.isnan(x) | np.isnan(y))
    x, y = x[known], y[known]
    if len(x) < 3 or np.ptp(x) == 0 or rounding_only(y):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        return finite(stats.spearmanr(x, y).statistic)


def rho_interval(rho: float, samples: int) -> tuple[float | None, float | None]:
    """Approximate 95 % interval of a Spearman coefficient from ``samples`` independent draws
    (Fisher's z, :data:`SPEARMAN_Z_VARIANCE`); (None, None) with 4 draws or fewer, or |rho| = 1."""
    if samples <= 4 or abs(rho) >= 1:
        return None, None
    z, half = math.atanh(rho), Z_95 * math.sqrt(SPEARMAN_Z_VARIANCE / (samples - 3))
    return math.tanh(z - half), math.tanh(z + half)


def input_values(samples: pd.DataFrame, path: str) -> np.ndarray | None:
    """An input's value per sample as numbers, or None when it has none (a choice of names or
    tables: its options have no order)."""
    values = pd.to_numeric(samples[path], errors="coerce")
    if values.isna().any():
        return None
    return values.to_numpy(dtype=float)


def correlated_inputs(study, metric: str, horizon: float) -> tuple[list[dict], str]:
    """The first :data:`TOP_INPUTS` inputs by the size of their rank correlation with
    ``metric`` over the study's runs (failed runs left out; a time to an event never reached
    at the horizon). Inputs whose options have no order are listed after, without one."""
    from lachin_sim.studies.uncertainty import metric_values

    runs = study.runs
    y = metric_values(runs, metric, horizon)
    by_sample = study.samples.set_index("sample")
    rows, unordered = [], []
    for path in study.inputs:
        values = input_values(study.samples, path)
        if values is None:
            unordered.append({"path": path, "value": None, "low": None, "high": None})
            continue
        x = pd.Series(values, index=by_sample.index).reindex(runs["sample"]).to_numpy()
        rho = rank_correlation(x, y)
        low, high = rho_interval(rho, len(study.samples)) if rho is not None else (None, None)
        rows.append({"path": path, "value": rho, "low": low, "high": high})
    rows.sort(key=lambda r: -abs(r["value"]) if r["value"] is not None else 1.0)
    return (rows + unordered)[:TOP_INPUTS], ""


def input_facts(path: str, table: dict, units: dict[str, str]) -> dict:
    """One uncertain input for the page: its path, unit, distribution and range (the values it
    is drawn within, :meth:`ends`), and its note."""
    from pydantic import TypeAdapter

    from lachin_sim.config.uncertainty import UncertainInput

    spec: Any = TypeAdapter(UncertainInput).validate_python(table)  # one of the input kinds
    facts = {"path": path, "unit": input_unit(path, units), "note": table.get("note", ""),
             **{k: v for k, v in table.items() if k != "note"}}  # fmt: skip
    if table["dist"] != "choice":
        ends = [value for _, value in spec.ends()]  # numbers: the input is not a choice
        facts["from"], facts["to"] = float(ends[0]), float(ends[-1])
    else:
        facts["options"] = [option_words(o) for o in table["options"]]
    return facts


def input_unit(path: str, commodity_units: dict[str, str]) -> str:
    """The unit of the field at ``path``, from its name ('' when the name has none)."""
    parts = [p for p in path.split(".") if not p.isdigit()]
    field = parts[-1]
    if parts[0] == "commodities" and len(parts) == 3 and field in COMMODITY_QUANTITIES:
        unit = commodity_units.get(parts[1], "")
        return f"{unit}{COMMODITY_QUANTITIES[field]}" if unit else ""
    for suffix, unit in NAME_UNITS:
        if field == suffix.lstrip("_") or field.endswith(suffix):
            return unit
    return ""


def option_words(option: object) -> str:
    """An option of a choice in words: a table as 'food 0.7, fuel 0.3', a distribution as
    'exponential, mean 0.5'."""
    if isinstance(option, dict):
        parts = [str(option["dist"])] if "dist" in option else []
        parts += [f"{k} {_short(v)}" for k, v in option.items() if k != "dist"]
        return ", ".join(parts)
    if isinstance(option, list):
        return "[" + ", ".join(option_words(o) for o in option) + "]"
    return _short(option)


def _short(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def metric_name(metric: str) -> dict:
    """A headline metric as its parts, for the template's words:
    ``food_kcal_per_person_day@2023-06-01:all`` -> kind, subject ('all') and date."""
    name, _, subject = metric.partition(":")
    kind, _, date = name.partition("@")
    day = dt.date.fromisoformat(date) if date else None
    return {"metric": metric, "kind": kind, "subject": subject, "date": day}


def _censored(study, metric: str) -> int:
    """Runs in which a time to an event never came (counted at the horizon); 0 otherwise."""
    if not is_time_to_event(metric) or metric not in study.runs:
        return 0
    ok = study.runs[study.runs["status"] == "ok"]
    return int(ok[metric].isna().sum())
