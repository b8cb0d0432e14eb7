"""The report of a comparison folder (``lachin-sim compare``): what the template
``kinds/comparison.html.j2`` is given. Numbers come from ``scenario_runs.csv`` (one row per
run and scenario) with the rules of ``comparison.csv``, which holds the same medians and 90 %
intervals; the first named scenario is the base every other one is set against."""

from __future__ import annotations

from functools import partial
from pathlib import Path

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


def comparison_context(folder: Path) -> dict:
    """The report context of a saved comparison folder."""
    from lachin_sim.studies.scenarios import load_comparison

    return comparison_result_context(load_comparison(folder))


def comparison_result_context(comparison) -> dict:
    """The report context of a :class:`~lachin_sim.studies.scenarios.Comparison`."""

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
    changes = []
    for s in scenarios[1:]:
        against = {h.commodity: h for h in reference["headlines"]}
        items = [
            (h, against[h.commodity])
            for h in s["headlines"]
            if h.commodity in against and changed(h, against[h.commodity])
        ]
        changes.append({"scenario": s, "clauses": items})
    commodity_tables = [
        {
            "commodity": h.commodity,
            "rows": [
                ([s["name"]], s["headlines"][i]) for s in scenarios if len(s["headlines"]) > i
            ],
        }
        for i, h in enumerate(reference["headlines"])
    ]
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
        "failed": int((runs["status"] != "ok").sum()),
        "scenarios": scenarios,
        "reference": reference,
        "changes": changes,
        "commodity_tables": commodity_tables,
        "figures": figures,
        "family": scenario_family(base.scenario),
        "health": {"famine_cdr": base.scenario.health.mortality.famine_cdr_per_10k_day}
        if base.scenario.health is not None
        else None,
        "provenance": study_provenance("comparison", spec, base, None),
    }


def changed(h: Headline, base: Headline) -> bool:
    """Whether a scenario's headline differs from the base's: another date of first shortage
    (median or interval), another count of runs short, or a share of need met half a point
    or more away."""
    dates = (h.first, h.low, h.high, h.reached) != (base.first, base.low, base.high, base.reached)
    return dates or abs(h.share_met - base.share_met) >= SHARE_CHANGE
