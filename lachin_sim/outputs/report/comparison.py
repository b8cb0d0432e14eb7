"""The report of a comparison folder (``lachin-sim compare``): what the template
``kinds/comparison.html.j2`` is given. Numbers come from ``scenario_runs.csv`` (one row per
run and scenario) with the rules of ``comparison.csv``, which holds the same medians and 90 %
intervals; the first named scenario is the base every other one is set against.

The same sentences, each scenario against the base, and the answer to "what would prevent
it?" (:func:`prevention_answer`, from the comparison's table) go on the page of a run made with
``--compare COMPARISON_DIR`` (:func:`comparison_for_run`), when the comparison's base is the
run's scenario.
"""

from __future__ import annotations

import json
import os
from functools import partial
from pathlib import Path

import pandas as pd

from lachin_sim.errors import OutputFolderError
from lachin_sim.outputs.report.common import scenario_family
from lachin_sim.outputs.report.figures import embed
from lachin_sim.outputs.report.headlines import Headline
from lachin_sim.outputs.report.studies import (
    StudyBase,
    headlines_of,
    outcomes_of,
    point_overrides,
    study_provenance,
)

SHARE_CHANGE = 0.005  # a change of share of need met smaller than this (half a point) is no change
COMPARISON_TABLES = ("scenario_runs.csv", "scenario_bands.csv")  # what the report reads
COMPARISON_KINDS = ("comparison", "experiment")  # an experiment folder may hold a comparison


def comparison_context(folder: Path) -> dict:
    """The report context of a saved comparison folder."""
    from lachin_sim.studies.scenarios import load_comparison

    return comparison_result_context(load_comparison(folder))


def comparison_result_context(comparison) -> dict:
    """The report context of a :class:`~lachin_sim.studies.scenarios.Comparison`."""
    spec = comparison.sweep.spec
    facts = comparison_facts(comparison)
    base, reference = facts["base"], facts["reference"]
    figures = [
        embed(
            "study_figure",
            partial(comparison.plot, series),
            figure=series,
            base=reference["name"],
        )
        for series in ("share_met", "days_of_supply")
    ]
    return {
        "kind": "comparison",
        "scenario": base.scenario,
        "description": spec.get("description") or "",
        "start": base.start,
        "last_day": base.last_day,
        "people": base.scenario.population.initial,
        "replications": spec.get("replications"),
        "failed": facts["failed"],
        "scenarios": facts["scenarios"],
        "reference": reference,
        "changes": facts["changes"],
        "answer": facts["answer"],
        "commodity_tables": [
            {
                "commodity": h.commodity,
                "rows": [
                    ([s["name"]], s["headlines"][i])
                    for s in facts["scenarios"]
                    if len(s["headlines"]) > i
                ],
            }
            for i, h in enumerate(reference["headlines"])
        ],
        "figures": figures,
        "family": scenario_family(base.scenario),
        "health": {"famine_cdr": base.scenario.health.mortality.famine_cdr_per_10k_day}
        if base.scenario.health is not None
        else None,
        "provenance": study_provenance("comparison", spec, base, None),
    }


def comparison_facts(comparison) -> dict:
    """What the page of a comparison and the page of a run with ``--compare`` share: every
    scenario's headlines and outcomes over its runs, the base (the first named scenario),
    each other scenario's changes against it, and the answer of :func:`prevention_answer`."""
    spec = comparison.sweep.spec
    base = StudyBase(spec)
    runs = comparison.runs
    ok = runs[runs["status"] == "ok"]
    points = spec.get("points") or [{} for _ in comparison.names]
    scenarios = []
    for i, name in enumerate(comparison.names):
        mine = ok[ok["scenario"] == name]
        scenarios.append(
            {
                "name": name,
                "description": comparison.descriptions.get(name, ""),
                "overrides": point_overrides(points[i]) if i < len(points) else [],
                "runs": len(mine),
                "headlines": headlines_of(mine, base),
                "outcomes": outcomes_of(mine, base),
            }
        )
    reference = scenarios[0]
    against = {h.commodity: h for h in reference["headlines"]}
    changes = [
        {
            "scenario": s,
            "clauses": [
                (h, against[h.commodity])
                for h in s["headlines"]
                if h.commodity in against and changed(h, against[h.commodity])
            ],
        }
        for s in scenarios[1:]
    ]
    commodities = [h.commodity for h in reference["headlines"]]
    return {
        "base": base,
        "scenarios": scenarios,
        "reference": reference,
        "changes": changes,
        "answer": prevention_answer(comparison.table, comparison.names, commodities),
        "failed": int((runs["status"] != "ok").sum()),
    }


def changed(h: Headline, base: Headline) -> bool:
    """Whether a scenario's headline differs from the base's: another date of first shortage
    (median or interval), another count of runs short, or a share of need met half a point
    or more away."""
    dates = (h.first, h.low, h.high, h.reached) != (base.first, base.low, base.high, base.reached)
    return dates or abs(h.share_met - base.share_met) >= SHARE_CHANGE


# --------------------------------------------------------------------------------------------
# What would prevent it: the one-line answer
# --------------------------------------------------------------------------------------------
def prevention_answer(table: pd.DataFrame, names: list[str], commodities: list[str]) -> dict:
    """Which scenarios keep every commodity at need, from the comparison's table
    (``comparison.csv``: :func:`~lachin_sim.studies.scenarios.comparison_table`). A commodity
    is *at need* in a scenario when none of its runs falls short (its
    ``share_of_runs_never_short`` is 1). Returns the facts of the sentence:

    - ``base``, and ``base_short``: the commodities short in some run of the base;
    - ``every``: the other scenarios that keep every commodity at need;
    - ``closest`` (only when no scenario does): the one with the most commodities at need, then
      the most need met (the sum over commodities of the median ``share_met``), first in the
      comparison's order on a tie; None when none does better than the base. With its
      ``kept`` (commodities short in the base it keeps at need), ``short`` (those short in it)
      and ``shares``: (commodity, its median share met, the base's) for those of ``short``
      whose share moved half a point or more (:data:`SHARE_CHANGE`);
    - ``partial``: the other scenarios that keep some of ``base_short`` at need, but not all,
      each with its ``kept`` and ``short``.
    """
    by = table.set_index(["scenario", "commodity", "metric"])["median"]

    def value(scenario: str, commodity: str, metric: str) -> float:
        key = (scenario, commodity, metric)
        return float(by[key]) if key in by.index else float("nan")

    def at_need(scenario: str) -> list[str]:
        return [
            c
            for c in commodities
            if value(scenario, c, "share_of_runs_never_short") == 1.0  # every run never short
        ]

    def met(scenario: str) -> float:
        return sum(value(scenario, c, "share_met") for c in commodities)

    base, others = names[0], names[1:]
    kept = {s: at_need(s) for s in names}
    base_short = [c for c in commodities if c not in kept[base]]

    def facts(s: str) -> dict:
        return {
            "name": s,
            "kept": [c for c in base_short if c in kept[s]],
            "short": [c for c in commodities if c not in kept[s]],
        }

    every = [s for s in others if len(kept[s]) == len(commodities)] if base_short else []
    closest = None
    if base_short and not every and others:
        best = max(others, key=lambda s: (len(kept[s]), met(s)))
        better = len(kept[best]) > len(kept[base]) or met(best) >= met(base) + SHARE_CHANGE
        if better:
            closest = facts(best)
            closest["shares"] = [
                (c, value(best, c, "share_met"), value(base, c, "share_met"))
                for c in closest["short"]
                if abs(value(best, c, "share_met") - value(base, c, "share_met")) >= SHARE_CHANGE
            ]
    named = {*every, *([closest["name"]] if closest else [])}
    some = [facts(s) for s in others if s not in named and any(c in kept[s] for c in base_short)]
    return {
        "base": base,
        "base_short": base_short,
        "every": every,
        "closest": closest,
        "partial": some,
    }


# --------------------------------------------------------------------------------------------
# A run's page with --compare COMPARISON_DIR
# --------------------------------------------------------------------------------------------
def comparison_folder_problem(folder: Path) -> str | None:
    """Why ``folder`` is not a finished comparison the report can read (a folder of
    ``lachin-sim compare``, or an experiment folder that holds one), or None."""
    from lachin_sim.outputs.folders import folder_kind

    if not folder.exists():
        return "does not exist; give a folder written by lachin-sim compare"
    if not folder.is_dir():
        return "is a file, not a folder written by lachin-sim compare"
    kind = folder_kind(folder)
    if kind not in COMPARISON_KINDS:
        what = f"a lachin-sim {kind} folder" if kind else "not a lachin-sim folder"
        return (f"is {what}, not a comparison of named scenarios (a folder written by "
                "lachin-sim compare)")  # fmt: skip
    missing = [name for name in COMPARISON_TABLES if not (folder / name).is_file()]
    if kind == "experiment" and missing:
        return (f"is an experiment folder that holds no comparison (no {', '.join(missing)}); "
                "give a folder written by lachin-sim compare")  # fmt: skip
    if missing:
        return (f"is a comparison that has not finished (no {', '.join(missing)}): wait for "
                "it, or continue it with lachin-sim compare ... --resume")  # fmt: skip
    if (
        not (folder / "comparison.json").is_file()
        and not (folder / "runs" / "sweep.json").is_file()
    ):
        return "has neither comparison.json nor runs/sweep.json: the comparison's scenarios are unknown"
    return None


def comparison_spec(folder: Path) -> dict:
    """The spec of the runs of the comparison in ``folder`` (``comparison.json``, or the
    ``runs/sweep.json`` of a comparison written without it), or :class:`OutputFolderError`."""
    try:
        if (folder / "comparison.json").is_file():
            spec = json.loads((folder / "comparison.json").read_text(encoding="utf-8"))["spec"]
        else:
            spec = json.loads((folder / "runs" / "sweep.json").read_text(encoding="utf-8"))
        spec["base"]["name"]  # a spec without its base scenario cannot be read
    except (OSError, ValueError, KeyError, TypeError):
        raise OutputFolderError(folder, "has a comparison.json (or runs/sweep.json) that cannot "
                                        "be read (given to --compare)") from None  # fmt: skip
    return spec


def reference_name(spec: dict) -> str:
    """The scenario name of the comparison's base, its first named scenario."""
    points = spec.get("points") or [{}]
    return str(points[0].get("name", spec["base"]["name"]))


def check_comparison_for(folder: str | os.PathLike, scenario_name: str) -> Path:
    """``folder`` if it holds a finished comparison whose base is the scenario named
    ``scenario_name``, else :class:`OutputFolderError` (``--compare``)."""
    folder = Path(folder)
    problem = comparison_folder_problem(folder)
    if problem:
        raise OutputFolderError(folder, f"{problem} (given to --compare)")
    name = reference_name(comparison_spec(folder))
    if name != scenario_name:
        raise OutputFolderError(folder, f"is a comparison whose base is the scenario {name!r}, "
                                        f"not {scenario_name!r} (given to --compare): give a "
                                        "comparison of the run's scenario")  # fmt: skip
    return folder


def comparison_for_run(folder: str | os.PathLike, scenario) -> dict:
    """The "what would change it" of the run of ``scenario`` from the comparison in ``folder``
    (``--compare``): :class:`OutputFolderError` for a folder that is not a finished comparison
    or whose base is another scenario; a base whose values differ from the run's (an
    override, an edited config) is used, with a warning on the page."""
    from lachin_sim.config.validation import validate_scenario
    from lachin_sim.outputs.report.assumptions import central_digest
    from lachin_sim.studies.scenarios import load_comparison

    folder = check_comparison_for(folder, scenario.name)
    comparison = load_comparison(folder)
    spec = comparison.sweep.spec
    facts = comparison_facts(comparison)
    points = spec.get("points") or [{}]
    reference = validate_scenario(spec["base"], str(spec.get("source") or "comparison"),
                                  overrides=points[0] or None)  # fmt: skip
    mine, theirs = central_digest(scenario), central_digest(reference)
    return {
        **{k: facts[k] for k in ("scenarios", "reference", "changes", "answer", "failed")},
        "folder": str(folder),
        "replications": spec.get("replications"),
        "seed": spec.get("seed"),
        "sweep_sha256": str(spec.get("sweep_sha256", "")),
        "digest_mismatch": None if mine == theirs else {"run": mine, "comparison": theirs},
    }
