"""The report of one run (a folder of ``lachin-sim run``, or a :class:`Result`): what the
template ``kinds/run.html.j2`` is given. Every number comes from the run's tables: ``summary``
(headlines, means), ``groups``, ``uses`` and ``stocks`` (the daily figures), ``decisions``
(rations cut by rule), ``health`` (deaths), and the resolved config (dated caps)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd

from lachin_sim.outputs.report.common import (
    Provenance,
    caps_of,
    finite,
    now_utc,
    scenario_family,
)
from lachin_sim.outputs.report.figures import embed
from lachin_sim.outputs.report.headlines import day_to_date, run_headline, stock_out_date

RULE_NAMES = ("stretch", "threshold")  # a stocks row's ration_rule when a rule set the ration


def run_context(folder: Path) -> dict:
    """The report context of a saved run folder."""
    from lachin_sim.outputs.results import load_result

    return result_context(load_result(folder))


def result_context(
    result,
    sensitivity: str | os.PathLike | None = None,
    compare: str | os.PathLike | None = None,
) -> dict:
    """The report context of one run's :class:`~lachin_sim.outputs.results.Result`, with the
    assumptions that matter most from the uncertainty study in the folder ``sensitivity``
    (:func:`~lachin_sim.outputs.report.assumptions.study_for_run`: a study of the run's
    scenario) and what would change it from the comparison in the folder ``compare``
    (:func:`~lachin_sim.outputs.report.comparison.comparison_for_run`: a comparison whose base
    is the run's scenario); else :class:`~lachin_sim.errors.OutputFolderError`."""
    from lachin_sim.outputs import plots
    from lachin_sim.outputs.plots.daily import full_need_kcal, non_storable
    from lachin_sim.outputs.report.assumptions import check_study_for, study_for_run
    from lachin_sim.outputs.report.comparison import check_comparison_for, comparison_for_run

    s, summary = result.scenario, result.summary
    # first, both checked before either is read: a wrong folder is refused before any work
    if sensitivity is not None:
        check_study_for(sensitivity, s.name)
    if compare is not None:
        check_comparison_for(compare, s.name)
    study = None if sensitivity is None else study_for_run(sensitivity, s)
    comparison = None if compare is None else comparison_for_run(compare, s)
    last_day = s.end.fromordinal(s.end.toordinal() - 1)
    storable = {n: c.storage_capacity != 0 for n, c in s.commodities.items()}
    headlines = [
        run_headline(
            c,
            s.start,
            summary,
            storable[c],
            stock_out_date(result.stocks, c) if storable[c] else None,
            first_ration(result.stocks, c, summary, s.start),
        )
        for c in s.commodities
        if f"days_to_first_shortage:{c}" in summary
    ]
    food = None
    if (
        "kcal_per_person_day" in result.groups
        and result.groups["kcal_per_person_day"].notna().any()
    ):
        need = full_need_kcal(result)
        groups = list(dict.fromkeys(result.groups["group"]))
        food = {
            "groups": [
                {
                    "name": g,
                    "mean": finite(summary.get(f"food_kcal_per_person_day:{g}")),
                    "full_need": finite(need.loc[need["group"] == g, "full_need_kcal"].mean()),
                }
                for g in groups
            ],
            "all": finite(summary.get("food_kcal_per_person_day:all")),
            "figure": embed(
                "food_energy",
                lambda: plots.food_energy(result),
                groups=groups,
                start=s.start,
                end=last_day,
            ),
        }
    power = None
    flows = non_storable(result)
    if flows:
        power = {
            "commodities": [
                {"name": c, "hours": finite(summary.get(f"mean_hours_of_supply:{c}"))}
                for c in flows
            ],
            "figure": embed(
                "hours_of_supply",
                lambda: plots.hours_of_supply(result),
                commodities=flows,
                start=s.start,
                end=last_day,
            ),
        }
    decisions = [
        {
            "commodity": r.commodity,
            "decided": r.decided.date(),
            "effective": r.effective.date(),
            "ration": float(r.ration),
            "rule": r.rule,
        }
        for r in result.decisions.itertuples()
    ]
    return {
        "kind": "run",
        "scenario": s,
        "description": s.description,
        "start": s.start,
        "last_day": last_day,
        "people": s.population.initial,
        "headlines": headlines,
        "food": food,
        "power": power,
        "decisions": decisions,
        "caps": caps_of(s),
        "health": health_facts(result),
        "figures": [
            embed("depletion", lambda: plots.depletion(result), start=s.start, end=last_day),
            embed(
                "shortage_timeline",
                lambda: plots.shortage_timeline(result),
                start=s.start,
                end=last_day,
            ),
        ],
        "family": scenario_family(s),
        "sensitivity": study,
        "compare": comparison,
        "provenance": run_provenance(result, study, comparison),
    }


def first_ration(stocks, commodity: str, summary, start: dt.date) -> dict | None:
    """The ration that made the first shortage of ``commodity`` (``stocks`` table of one run),
    when the first shortage is a ration cut: its share of need on that day and what set it
    (``rule``: a ration rule; else the note of the dated decision, '' without one); None when
    the first shortage is not a ration cut, or the ration of that day is not below need."""
    first = summary.get(f"days_to_first_shortage:{commodity}")
    cut = summary.get(f"days_to_first_ration_cut:{commodity}")
    days = finite(first)  # days from the start
    if days is None or finite(cut) != days:
        return None
    moment = pd.Timestamp(start) + pd.Timedelta(days=days)  # the tick that started then
    rows = stocks[(stocks["commodity"] == commodity) & (stocks["date"] <= moment)]
    if not len(rows):
        return None
    day = rows.iloc[-1]
    ration = finite(day["ration"])
    if ration is None or ration >= 1.0:
        return None
    source = str(day["ration_rule"]) if isinstance(day["ration_rule"], str) else ""
    by_rule = source in RULE_NAMES
    return {
        "share": ration,
        "by_rule": by_rule,
        "note": "" if by_rule or source == "cap" else source,
    }


def health_facts(result) -> dict | None:
    """Deaths of one run (``health`` table and summary), or None with the health model off."""
    from lachin_sim.outputs import plots

    health, s, summary = result.health, result.scenario, result.summary
    if health is None or not len(health):
        return None

    def metric(name: str) -> float | None:
        return finite(summary.get(f"{name}:all"))

    famine_day = metric("days_to_famine_cdr")
    return {
        "excess_deaths": metric("excess_deaths"),
        "deaths": metric("deaths"),
        "peak_cdr": metric("peak_cdr"),
        "famine_cdr": s.health.mortality.famine_cdr_per_10k_day,
        "famine_date": None if famine_day is None else day_to_date(s.start, famine_day),
        "famine_days": metric("famine_cdr_days"),
        "figure": embed(
            "deaths",
            lambda: plots.deaths_per_day(health),
            famine_cdr=s.health.mortality.famine_cdr_per_10k_day,
        ),
    }


def run_provenance(result, study: dict | None = None, comparison: dict | None = None) -> Provenance:
    """Where the run's numbers come from (and the assumptions' study and the comparison, when
    it has them)."""
    from lachin_sim import __version__

    meta, s = result.metadata, result.scenario
    extra = {k: str(meta[k]) for k in ("python", "simpy") if meta.get(k)}
    digests = {"config SHA-256": str(meta.get("config_sha256") or s.digest())}
    if study is not None:
        digests["sensitivity study SHA-256 (sweep_sha256 of its runs)"] = study["sweep_sha256"]
    if comparison is not None:
        digests["comparison SHA-256 (sweep_sha256 of its runs)"] = comparison["sweep_sha256"]
    return Provenance(
        kind="run",
        scenario=s.name,
        source=str(meta.get("source") or s.provenance.get("source") or "Python"),
        overrides=list(meta.get("overrides") or s.provenance.get("overrides") or []),
        digests=digests,
        seed=result.seed,
        replications=None,
        package_version=str(meta.get("version") or __version__),
        made=now_utc(),
        report_version=__version__,
        extra=extra,
    )
