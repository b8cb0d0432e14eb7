"""The report of a sweep folder (``lachin-sim sweep``): what the template ``kinds/sweep.html.j2``
is given. Numbers come from ``runs.csv`` (one row per run), ``design.csv`` and ``bands.csv``.

What would change it: for a grid design, the smallest value of the first swept parameter (the
lever) that keeps each commodity at need every day (``shortage_days = 0``) in at least 90 % of
runs, for each combination of the other parameters (:func:`~lachin_sim.studies.search.
minimum_from_sweep`), with the grid value below it that does not."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lachin_sim.outputs.report.common import scenario_family
from lachin_sim.outputs.report.figures import embed
from lachin_sim.outputs.report.studies import (
    StudyBase,
    headlines_of,
    outcomes_of,
    study_provenance,
)

PROBABILITY = 0.9  # share of runs that must meet the target ("with 90 % probability")
TABLE_POINTS = 30  # up to this many design points, one row per point; else by parameter value


def sweep_context(folder: Path) -> dict:
    """The report context of a saved sweep folder."""
    from lachin_sim.studies.sweep import load_sweep

    return sweep_result_context(load_sweep(folder))


def sweep_result_context(sweep) -> dict:
    """The report context of a :class:`~lachin_sim.studies.sweep.SweepResult`."""
    from lachin_sim.outputs import plots

    base = StudyBase(sweep.spec)
    ok = sweep.runs[sweep.runs["status"] == "ok"]
    parameters = sweep.parameters
    design_kind = sweep.spec.get("design", {}).get("kind", "")
    points: list[dict] = []
    if len(sweep.design) <= TABLE_POINTS:
        for row in sweep.design.to_dict("records"):
            mine = ok[ok["point_id"] == row["point_id"]]
            points.append(
                {
                    "values": {p: row[p] for p in parameters},
                    "runs": len(mine),
                    "headlines": headlines_of(mine, base),
                    "outcomes": outcomes_of(mine, base),
                }
            )
    commodity_tables = [
        {
            "commodity": h.commodity,
            "rows": [
                ([p["values"][name] for name in parameters], p["headlines"][i]) for p in points
            ],
        }
        for i, h in enumerate(points[0]["headlines"] if points else [])
    ]
    by_value = None
    if len(sweep.design) > TABLE_POINTS:
        by_value = {
            p: sweep.summary_table(c, by=p) for p in parameters for c in base.commodities[:1]
        }
    answers = minimum_answers(sweep, base) if design_kind == "grid" and parameters else []
    figures = []
    if base.commodities:
        main = base.commodities[0]
        figure = (
            "heatmap"
            if len(parameters) >= 2 and design_kind == "grid"
            else "response"
            if parameters
            else "fan"
        )
        figures.append(
            embed(
                "study_figure",
                lambda: plots.default_figure(sweep),
                figure=figure,
                commodity=main,
                parameters=parameters,
            )
        )
        figures.append(
            embed(
                "study_figure",
                lambda: plots.shortage_probability(sweep, main),
                figure="probability",
                commodity=main,
                parameters=parameters,
            )
        )
    return {
        "kind": "sweep",
        "scenario": base.scenario,
        "description": sweep.spec.get("description") or base.scenario.description,
        "start": base.start,
        "last_day": base.last_day,
        "people": base.scenario.population.initial,
        "parameters": parameters,
        "design_kind": design_kind,
        "n_points": len(sweep.design),
        "replications": sweep.spec.get("replications"),
        "failed": int((sweep.runs["status"] != "ok").sum()),
        "points": points,
        "commodity_tables": commodity_tables,
        "by_value": by_value,
        "answers": answers,
        "probability": PROBABILITY,
        "figures": figures,
        "family": scenario_family(base.scenario),
        "health": {"famine_cdr": base.scenario.health.mortality.famine_cdr_per_10k_day}
        if base.scenario.health is not None
        else None,
        "provenance": study_provenance("sweep", sweep.spec, base, None),
    }


def minimum_answers(sweep, base: StudyBase) -> list[dict]:
    """Per commodity and combination of the other parameters: the smallest value of the lever
    (the first swept parameter) that keeps the commodity at need every day in at least
    ``PROBABILITY`` of runs, the grid value below it, and their shares of runs at need."""
    from lachin_sim.studies.search import minimum_from_sweep, success_share

    lever, others = sweep.parameters[0], sweep.parameters[1:]
    ok = sweep.runs[sweep.runs["status"] == "ok"]
    if not pd.api.types.is_numeric_dtype(ok[lever]):
        return []
    answers = []
    for c in base.commodities:
        metric = f"shortage_days:{c}"
        if metric not in ok:
            continue
        minimum = minimum_from_sweep(
            sweep, lever, metric, 0.0, PROBABILITY, better="lower", by=others
        )
        shares = ok.groupby([*others, lever])[metric].apply(
            lambda v: success_share(v, 0.0, "lower")
        )
        rows = []
        for record in minimum.to_dict("records"):
            given = {p: record[p] for p in others}
            key = tuple(given.values())
            mine = shares.xs(key, level=list(range(len(others)))) if others else shares
            values = sorted(mine.index)
            value = record[f"minimum {lever}"]
            if pd.isna(value):
                best = max(values, key=lambda v: (mine[v], -v))
                rows.append(
                    {
                        "given": given,
                        "value": None,
                        "below": None,
                        "best": best,
                        "best_share": float(mine[best]),
                        "largest": values[-1],
                    }
                )
                continue
            below = max((v for v in values if v < value), default=None)
            rows.append(
                {
                    "given": given,
                    "value": value,
                    "share": float(mine[value]),
                    "below": below,
                    "below_share": None if below is None else float(mine[below]),
                }
            )
        answers.append({"commodity": c, "lever": lever, "rows": rows})
    return answers
