"""The report of an uncertainty study folder (``lachin-sim uncertainty``): what the template
``kinds/uncertainty.html.j2`` is given. Every number comes from the folder's tables:

- the headlines, over all runs (the uncertain inputs and chance together), from ``runs.csv``
  with the rules of the other reports (censoring for the date first short, order statistics);
- how much of each headline outcome's spread comes from what we don't know (the inputs) and
  how much from chance (the schedules), from ``variance.csv``;
- the assumptions that matter most, from ``sensitivity.csv`` (Morris, Sobol') or as rank
  correlations over ``runs.csv`` and ``samples.csv`` (Monte Carlo), with the ranges and notes
  of ``uncertainty.json`` (:mod:`lachin_sim.outputs.report.assumptions`);
- the bands figure, from ``bands.csv``.

The scenario (calendar, commodities, which paragraphs on what the model leaves out apply) is
that of the study's runs, the central values (``runs/sweep.json``)."""

from __future__ import annotations

import math
from pathlib import Path

from lachin_sim.outputs.report.assumptions import (
    FLOAT_NOISE,
    assumption_facts,
    load_study,
    metric_name,
)
from lachin_sim.outputs.report.common import Provenance, finite, now_utc, scenario_family
from lachin_sim.outputs.report.figures import embed
from lachin_sim.outputs.report.studies import StudyBase, headlines_of, outcomes_of, point_overrides

MOSTLY = 0.5  # a share of the variance above this is where "most of the spread" comes from


def uncertainty_context(folder: Path) -> dict:
    """The report context of a saved uncertainty study folder."""
    study, base = load_study(folder)
    return uncertainty_result_context(study, base)


def uncertainty_result_context(study, base: StudyBase) -> dict:
    """The report context of an :class:`~lachin_sim.studies.uncertainty.UncertaintyResult`
    whose runs have the base scenario ``base``."""
    from lachin_sim.outputs.plots import uncertainty as plots

    spec, scenario = study.spec, base.scenario
    ok = study.runs[study.runs["status"] == "ok"]
    outcomes = outcomes_of(ok, base)
    health = None
    if scenario.health is not None:
        health = {
            "famine_cdr": scenario.health.mortality.famine_cdr_per_10k_day,
            "excess_deaths": outcomes["excess_deaths"],
            "famine": outcomes["famine"],
        }
    spread = [spread_row(row) for row in study.variance.to_dict("records")]
    return {
        "kind": "uncertainty",
        "scenario": scenario,
        "description": scenario.description,
        "start": base.start,
        "last_day": base.last_day,
        "people": scenario.population.initial,
        "method": spec.get("method", "mc"),
        "n_inputs": len(study.inputs),
        "samples": len(study.samples),
        "design_samples": spec.get("samples"),
        "replications": spec.get("replications"),
        "runs": len(study.runs),
        "failed": int((study.runs["status"] != "ok").sum()),
        "headlines": headlines_of(ok, base),
        "food_kcal": outcomes["food_kcal"],
        "spread": spread,
        "mostly_inputs": [r["metric"] for r in spread if r["split"] and r["share_input"] > MOSTLY],
        "mostly_chance": [r["metric"] for r in spread if r["split"] and r["share_input"] <= MOSTLY],
        "sensitivity": assumption_facts(study, base),
        "figures": [
            embed(
                "uncertainty_bands",
                lambda: plots.uncertainty_bands(study, "share_met"),
                runs=spec.get("band_runs"),
                all_runs=len(study.runs),
                start=base.start,
                end=base.last_day,
            )
        ],
        "family": scenario_family(scenario),
        "health": health,
        "provenance": uncertainty_provenance(spec, base),
    }


def spread_row(row: dict) -> dict:
    """One row of ``variance.csv`` for the page: the metric, its split (``split`` False when
    it could not be made: one replication, or no variance) and why not."""
    total = finite(row["variance_total"])
    share_input, share_schedule = finite(row["share_input"]), finite(row["share_schedule"])
    size = max(1.0, abs(finite(row["mean"]) or 0.0))
    why = ""
    if total is not None and math.sqrt(total) <= FLOAT_NOISE * size:  # rounding is no spread
        why = "same"
    elif share_input is None:
        why = "unsplit" if int(row["replications"]) < 2 else "undefined"
    return {
        "metric": metric_name(str(row["metric"])),
        "split": not why,
        "why": why,
        "share_input": share_input,
        "share_schedule": share_schedule,
        "runs": int(row["runs"]),
    }


def uncertainty_provenance(spec: dict, base: StudyBase) -> Provenance:
    from lachin_sim import __version__

    sweep = base.spec
    return Provenance(
        kind="uncertainty",
        scenario=base.scenario.name,
        source=str(spec.get("source") or sweep.get("source") or ""),
        overrides=point_overrides(spec.get("overrides") or {}),
        digests={
            "study SHA-256 (sweep_sha256 of its runs)": str(sweep.get("sweep_sha256", "")),
            "scenario SHA-256 (central values, without the [uncertainty] table)": (
                base.scenario.digest()
            ),
        },
        seed=spec.get("seed"),
        replications=spec.get("replications"),
        package_version=str(spec.get("package_version") or ""),
        made=now_utc(),
        report_version=__version__,
    )
