"""Named counterfactuals of the blockade, compared under common random numbers.

    python experiments/counterfactuals.py            # full run (20 replications per scenario)
    python experiments/counterfactuals.py --quick    # smoke run

Runs every scenario of configs/scenarios/counterfactuals.toml with the same replication seeds
(historical, decisions_as_recorded, no_blockade, roadblock_without_checkpoint,
icrc_unhindered_after_june, energy_links_restored, aghdam_second_route), draws the overlay of
days of supply and of share of need met, and tabulates days to first shortage, shortage days,
share of need met and food energy (kcal/person/day), each as median and 5-95 % over
replications. Decisions follow the base's rules in every scenario but decisions_as_recorded
(docs/policies.md); the report's text is computed from the runs and the configs.

Across the input uncertainty: the same scenarios at K samples (32; 2 in the quick run) of the
historical scenario's uncertain inputs (its ``[uncertainty]`` table, a seeded Latin
hypercube), every scenario of a sample with the same replication seeds, so that each
difference to the historical scenario is paired by sample. The report gives the median and
5-95 % over samples of each headline difference (date food first short, share of food, fuel
and electricity need met, excess deaths) and whether its sign holds in every sample.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from _common import REPO, Report, arguments, resumable
from _uncertain import (
    VERDICTS,
    by_reason,
    free_inputs,
    latin_hypercube,
    paired_differences,
    samples_table,
)

import lachin_sim as ls
from lachin_sim.outputs.censoring import event_days, is_time_to_event, show_day
from lachin_sim.studies.scenarios import load_scenario_set
from lachin_sim.studies.uncertainty import metric_values

SCENARIOS = REPO / "configs" / "scenarios" / "counterfactuals.toml"
KCAL = "kcal_per_person_day"
BASE = "historical"  # the scenario every difference is taken to
SAMPLE_SEED = 2023  # root seed of the Latin hypercube of input samples
SAME = 0.01  # share of need: a change in share met smaller than this is "within a point"
HEADLINES = {  # metric: (what it is, the difference when higher, when lower), shown by AMOUNT
    "days_to_first_shortage:food": ("food first short (day)", "food first short later",
                                    "food first short earlier"),
    "share_met:food": ("share of food need met", "more of the food need met",
                       "less of the food need met"),
    "share_met:fuel": ("share of fuel need met", "more of the fuel need met",
                       "less of the fuel need met"),
    "share_met:electricity": ("share of electricity need met",
                              "more of the electricity need met",
                              "less of the electricity need met"),
    "excess_deaths:all": ("excess deaths", "more excess deaths", "fewer excess deaths"),
}  # fmt: skip


def amount(metric: str, difference: float) -> str:
    """A difference in words' units: days, percentage points of need, deaths."""
    if metric.startswith("share_met:"):
        points = difference * 100
        shown = f"{points:+.1f}" if abs(points) >= 0.05 else f"{points:+.1g}"  # no '-0.0'
        return f"{shown} percentage points"
    if is_time_to_event(metric):
        return f"{difference:+.0f} days"
    return f"{difference:+,.0f}"


def wide_table(table: pd.DataFrame, commodities: list[str], horizon: float) -> pd.DataFrame:
    """One row per scenario: 'median [5 %, 95 %]' of the headline metrics. Days to first
    shortage follow the censoring rule: a run never short counts as after the horizon
    (shown '>=horizon'), and the count of runs that went short is given."""

    def cell(row: pd.Series, fmt: str) -> str:
        def show(v: float) -> str:
            return show_day(v, horizon) if v == float("inf") else format(v, fmt)

        return f"{show(row['median'])} [{show(row['q05'])}, {show(row['q95'])}]"

    rows = []
    for scenario, group in table.groupby("scenario", sort=False):
        by = group.set_index(["commodity", "metric"])
        row = {"scenario": scenario}
        food_kcal = by.loc[("food", KCAL)]
        row["food kcal/person/day"] = cell(food_kcal, ",.0f")
        for c in commodities:
            never = by.loc[(c, "share_of_runs_never_short")]
            short = round((1 - never["median"]) * never["replications"])
            row[f"{c}: first short (day)"] = (
                f"{cell(by.loc[(c, 'days_to_first_shortage')], '.0f')} "
                f"({short}/{int(never['replications'])} short)"
            )
            row[f"{c}: share met"] = cell(by.loc[(c, "share_met")], ".2f")
        rows.append(row)
    return pd.DataFrame(rows)


def sample_settings(quick: bool) -> dict[str, int]:
    """Samples of the inputs and replications per scenario and sample (the point comparison
    has 20): 32 x 7 scenarios x 10 = 2,240 runs in the full run."""
    return {"samples": 2, "replications": 2} if quick else {"samples": 32, "replications": 10}


def sampled_set(config, points: list[dict], inputs: dict) -> tuple[dict, dict[str, dict]]:
    """(the scenarios dict of ls.compare: every named scenario at every sample, named
    'NAME@k'; per scenario, the inputs its overrides set or switch off). An input a scenario
    sets keeps the scenario's value there; one it switches off is applied and does nothing."""
    scenarios, fixed = {}, {}
    for name, named in config.scenarios.items():
        _, dropped = free_inputs(inputs, named.overrides)
        fixed[name] = dropped
        for k, point in enumerate(points):
            sample = {p: v for p, v in point.items() if not dropped.get(p, "").startswith("set")}
            scenarios[f"{name}@{k}"] = {"description": named.description,
                                        "overrides": {**sample, **named.overrides}}  # fmt: skip
    return scenarios, fixed


def per_sample_values(runs: pd.DataFrame, horizon: float) -> pd.DataFrame:
    """One row per sample, scenario and headline metric: the mean over the sample's ok
    replications (a food shortage that never came counts on the last day, ``horizon``) and
    ``never``, the replications in which it never came. ``runs`` is a comparison's runs table
    with scenarios named 'NAME@k' (or plain names: sample -1, the written values)."""
    split = runs["scenario"].str.rsplit("@", n=1, expand=True)
    runs = runs.assign(name=split[0], sample=split[1].astype(float).fillna(-1).astype(int)
                       if split.shape[1] > 1 else -1)  # fmt: skip
    rows = []
    for (sample, name), group in runs.groupby(["sample", "name"], sort=False):
        for metric in HEADLINES:
            values = metric_values(group, metric, horizon)
            never = (int(group.loc[group["status"] == "ok", metric].isna().sum())
                     if is_time_to_event(metric) else 0)  # fmt: skip
            rows.append({"sample": sample, "scenario": name, "metric": metric,
                         "value": float(np.nanmean(values)) if np.isfinite(values).any()
                         else np.nan, "never": never})  # fmt: skip
    return pd.DataFrame(rows)


def differences_table(values: pd.DataFrame, point: pd.DataFrame) -> pd.DataFrame:
    """The paired differences to :data:`BASE` over samples (``paired_differences``), with the
    difference at the written values and, for the date food first short, the samples in which
    a run of the scenario or of the base was never short (there the difference is a bound)."""
    diffs = paired_differences(values, BASE)
    at_point = paired_differences(point, BASE).set_index(["scenario", "metric"])["median"]
    diffs.insert(3, "written values", [at_point.get((s, m), np.nan)
                                       for s, m in zip(diffs["scenario"], diffs["metric"], strict=True)])  # fmt: skip
    never = values.pivot_table(index=["metric", "sample"], columns="scenario", values="never")
    censored = []
    for s, m in zip(diffs["scenario"], diffs["metric"], strict=True):
        censored.append(int(((never.loc[m][s] > 0) | (never.loc[m][BASE] > 0)).sum())
                        if is_time_to_event(m) else 0)  # fmt: skip
    diffs["samples never short"] = censored
    return diffs


def shown_differences(diffs: pd.DataFrame) -> pd.DataFrame:
    """The differences table as the report shows it."""
    out = diffs.copy()
    out.insert(1, "difference", [HEADLINES[m][0] for m in out["metric"]])
    out = out.drop(columns=["metric", "samples"])
    return out.rename(columns={"median": "median", "q05": "5 %", "q95": "95 %"})


def robustness_text(diffs: pd.DataFrame, samples: int) -> list[str]:
    """Plain sentences, one per scenario: which differences to the historical scenario hold
    their sign in every sample, which flip, which show only in some samples."""

    def said(row: pd.Series) -> str:
        _, higher, lower = HEADLINES[row["metric"]]
        word = higher if row["above 0"] > 0 else lower  # robust, sometimes: one sign only
        text = f"{word} (median {amount(row['metric'], row['median'])}"
        if row["samples never short"]:
            text += f"; a bound: never short in some runs of {row['samples never short']} samples"
        return text + ")"

    lines = []
    for scenario, group in diffs.groupby("scenario", sort=False):
        parts = []
        robust = group[group["verdict"] == "robust"]
        if len(robust):
            parts.append("in every sample " + ", ".join(said(r) for _, r in robust.iterrows()))
        for _, r in group[group["verdict"] == "flips"].iterrows():
            parts.append(f"{HEADLINES[r['metric']][0]} hangs on the assumptions: higher in "
                         f"{r['above 0']} and lower in {r['below 0']} of {samples} samples")  # fmt: skip
        for _, r in group[group["verdict"] == "sometimes"].iterrows():
            parts.append(f"{said(r)} in only {r['above 0'] + r['below 0']} of {samples} "
                         "samples (none in the others)")  # fmt: skip
        none = group[group["verdict"] == "none"]
        if len(none):
            parts.append("no difference in any sample for "
                         + ", ".join(HEADLINES[m][0] for m in none["metric"]))  # fmt: skip
        lines.append(f"- **{scenario}**: " + "; ".join(parts) + ".")
    counts = diffs["verdict"].value_counts()
    lines.append(
        f"Of the {len(diffs)} differences, {counts.get('robust', 0)} keep their sign in every "
        f"sample, {counts.get('flips', 0)} change sign between samples, "
        f"{counts.get('sometimes', 0)} appear in some samples only and {counts.get('none', 0)} "
        "are zero in every sample."
    )
    return lines


def fixed_text(fixed: dict[str, dict[str, str]]) -> str:
    """Which inputs a scenario sets (it keeps its own value) or switches off, as one sentence."""
    parts = [f"in {name}, {by_reason(dropped)}" for name, dropped in fixed.items() if dropped]
    if not parts:
        return "No scenario sets or switches off an uncertain input."
    return ("Some scenarios set an input (it keeps the scenario's value there) or switch it off "
            "(it is sampled and does nothing): " + "; ".join(parts) + ".")  # fmt: skip


def base_table(values: pd.DataFrame, point: pd.DataFrame) -> pd.DataFrame:
    """The base scenario itself: each headline metric at the written values and its median,
    5 % and 95 % over the samples (means over replications, as the differences)."""
    rows = []
    for metric, (label, _, _) in HEADLINES.items():
        at = values[(values["scenario"] == BASE) & (values["metric"] == metric)]["value"]
        written = point[(point["scenario"] == BASE) & (point["metric"] == metric)]["value"]
        q05, median, q95 = np.quantile(at.to_numpy(dtype=float), [0.05, 0.5, 0.95])
        rows.append({"metric": label, "written values": float(written.iloc[0]),
                     "median": median, "5 %": q05, "95 %": q95})  # fmt: skip
    return pd.DataFrame(rows)


def decision_rules(scenario: ls.Scenario) -> list[str]:
    """The base's decision rules that are on, as dotted paths: ration rules and reservoir
    release rules (docs/policies.md)."""
    rules = [f"rationing.rules.{c}" for c, rule in scenario.rationing.rules.items() if rule.enabled]
    return rules + [f"hydro.{name}.release" for name, plant in scenario.hydro.items()
                    if plant.release is not None and plant.release.enabled]  # fmt: skip


def rules_switched_off(overrides: dict, rules: list[str]) -> list[str]:
    """The rules of ``rules`` that a scenario's overrides switch off (``RULE.enabled = false``)."""
    return [r for r in rules if overrides.get(f"{r}.enabled") is False]


def added_convoys(overrides: dict, base_convoys) -> list[str]:
    """Convoy sources a scenario adds (not in the base): their rates are the scenario's own."""
    names = {k.split(".")[1] for k in overrides if k.startswith("convoys.")}
    return sorted(n for n in names if n not in base_convoys)


def added_text(added: dict[str, list[str]]) -> str:
    """The convoys scenarios add, and that they are not sampled, as a sentence (or nothing)."""
    parts = [f"{name} (" + ", ".join(f"`{c}`" for c in convoys) + ")"
             for name, convoys in added.items() if convoys]  # fmt: skip
    if not parts:
        return ""
    return (" Convoys a scenario adds keep the rates its file writes in every input sample: "
            + "; ".join(parts) + ". The base's convoys they stand in for are sampled, so there a "
            "paired difference also holds a sampled rate against a written one.")  # fmt: skip


def run_medians(runs: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """One row per scenario: each metric's median over the ok runs; a day of an event
    (``days_to_...``) that never came is inf (a median of inf: not before the end in most
    runs)."""
    ok = runs[runs["status"] == "ok"]
    rows = {}
    for name, group in ok.groupby("scenario", sort=False):
        row = {}
        for m in metrics:
            if m not in group:
                continue
            v = group[m].to_numpy(dtype=float)
            if m.startswith("days_to_"):
                row[m] = float(np.median(event_days(v)))
            else:
                row[m] = float(np.nanmedian(v)) if np.isfinite(v).any() else np.nan
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def day_text(day: float, start: dt.date, last: dt.date) -> str:
    """A median day as words: 'on day 55 (25 Jan 2023)', or 'not by 30 Sep 2023'."""
    if not np.isfinite(day):
        return f"not by {last:%-d %b %Y}"
    return f"on day {day:.0f} ({start + dt.timedelta(days=int(day)):%-d %b %Y})"


def what_it_shows(runs: pd.DataFrame, names: list[str], start: dt.date, last: dt.date,
                  rules: list[str], recorded: list[str]) -> str:  # fmt: skip
    """The paragraph 'What it shows': per scenario, the median food outcome, the first ration
    cut and the other commodities and excess deaths, each variant against :data:`BASE`."""
    energy = ["fuel", "gas", "electricity"]
    metrics = (["share_met:food", "food_kcal_per_person_day:all", "days_to_first_ration_cut:food",
                "days_to_first_shortage:food", "excess_deaths:all"]
               + [f"share_met:{c}" for c in energy])  # fmt: skip
    med = run_medians(runs, metrics)
    b = med.loc[BASE]
    reps = int((runs[runs["scenario"] == BASE]["status"] == "ok").sum())
    replayed = (f"; {', '.join(recorded)} switches them off and replays the recorded decisions "
                "as dated caps")  # fmt: skip
    lines = [
        f"**What it shows.** Medians over the {reps} runs of each scenario. Rations and power "
        f"cuts are decided by the base's rules ({', '.join(f'`{r}`' for r in rules)}; "
        "[policies](../policies.md)) from each scenario's own stocks and deliveries, so a "
        f"variant's corridor changes the rations too{replayed if recorded else ''}. A ration "
        "below full need counts as short."
    ]

    def food(name: str) -> str:
        r = med.loc[name]
        share = f"{r['share_met:food']:.0%} of the food need met"
        if name != BASE:
            share += f" ({(r['share_met:food'] - b['share_met:food']) * 100:+.1f} points)"
        cut, short = r["days_to_first_ration_cut:food"], r["days_to_first_shortage:food"]
        when = (f"the food ration first cut and food first short {day_text(cut, start, last)}"
                if cut == short else
                f"the food ration first cut {day_text(cut, start, last)}, food first short "
                f"{day_text(short, start, last)}")  # fmt: skip
        return f"{share}, {r['food_kcal_per_person_day:all']:,.0f} kcal a person a day; {when}"

    def deaths(name: str) -> str:
        if "excess_deaths:all" not in med or np.isnan(med.loc[name, "excess_deaths:all"]):
            return ""
        d = med.loc[name, "excess_deaths:all"]
        if name == BASE:
            return f"; {d:,.0f} excess deaths"
        return f"; {d:,.0f} excess deaths ({d - med.loc[BASE, 'excess_deaths:all']:+,.0f})"

    lines.append(f"- **{BASE}**: {food(BASE)}; "
                 + ", ".join(f"{c} {b[f'share_met:{c}']:.0%}" for c in energy)
                 + " of need met" + deaths(BASE) + ".")  # fmt: skip
    for name in names:
        if name == BASE:
            continue
        r = med.loc[name]
        moved = [f"{c} {r[f'share_met:{c}']:.0%} ({(r[f'share_met:{c}'] - b[f'share_met:{c}']) * 100:+.0f} points)"
                 for c in energy if abs(r[f"share_met:{c}"] - b[f"share_met:{c}"]) >= SAME]  # fmt: skip
        other = ("; " + ", ".join(moved) + " of need met") if moved else (
            f"; {', '.join(energy)} within {SAME * 100:g} point of {BASE}")  # fmt: skip
        lines.append(f"- **{name}**: {food(name)}{other}{deaths(name)}.")
    return "\n".join(lines)


def main() -> None:
    args = arguments("counterfactuals", __doc__.splitlines()[0])
    config, base_path = load_scenario_set(SCENARIOS)
    reps = 3 if args.quick else config.replications
    comparison = resumable(lambda resume: ls.compare(SCENARIOS, replications=reps, workers=args.workers,
                                                     out=args.out / "runs", resume=resume), args.out / "runs")  # fmt: skip
    for name, table in (("comparison", comparison.table), ("scenario_runs", comparison.runs),
                        ("scenario_bands", comparison.bands)):  # fmt: skip
        table.to_csv(args.out / f"{name}.csv", index=False)
    base = ls.load_scenario(base_path)
    start, last = base.start, base.end - dt.timedelta(days=1)
    rules = decision_rules(base)
    rules_off = [n for n, sc in config.scenarios.items() if rules_switched_off(sc.overrides, rules)]
    recorded = [n for n in rules_off  # every rule off, the recorded decisions as dated caps
                if len(rules_switched_off(config.scenarios[n].overrides, rules)) == len(rules)
                and "rationing.caps" in config.scenarios[n].overrides]  # fmt: skip
    population_changed = [n for n, sc in config.scenarios.items()
                          if any(k.startswith("population") for k in sc.overrides)]  # fmt: skip
    but = f" but {', '.join(population_changed)}" if population_changed else ""
    report = Report(args, "counterfactuals", f"What would have kept {base.population.initial:,} "
                    f"people supplied? {len(comparison.names)} scenarios")  # fmt: skip
    report.text(
        f"**What was run.** The {BASE} scenario (`configs/blockade_2023.toml`) and "
        f"{len(comparison.names) - 1} variants, each run {reps} times with the *same* seeds "
        "(common random numbers), so that differences come from the scenario and not from noise. "
        "Every variant changes only what its description says. The population's outflows (the "
        f"September exodus) are the base's in every scenario{but}; medical evacuations travel "
        "with the convoys that each scenario's corridor lets through.",
    )
    report.table(
        pd.DataFrame(
            [{"scenario": n, "what changes": comparison.descriptions[n]} for n in comparison.names]
        )
    )
    report.figure(
        comparison.plot("share_met"),
        "overlay_share_met",
        "Share of need met each day by scenario: median (line) and 5-95 % band over replications.",
    )
    report.figure(
        comparison.plot("days_of_supply"),
        "overlay_days_of_supply",
        "Days of supply at full need by scenario (storable commodities).",
    )
    horizon = comparison.sweep.horizon_days
    report.text("## Comparison", "Median [5 %, 95 %] over replications. 'First short' is the day "
                f"(from {start:%-d %b %Y}) on which less than the full need was first met; a run "
                f"never short counts as short after the end: '>={horizon:.0f}' means not short by "
                f"{last:%-d %b %Y}, the last day, and the count says in how many runs it did go "
                "short.")  # fmt: skip
    report.table(
        wide_table(
            comparison.table, ["food", "fuel", "gas", "electricity"], comparison.sweep.horizon_days
        ),
        "comparison_wide.csv",
    )
    settings = sample_settings(args.quick)
    inputs = base.uncertainty
    _, points = latin_hypercube(inputs, settings["samples"], SAMPLE_SEED)
    scenarios, fixed = sampled_set(config, points, inputs)
    spec = {"base": str(base_path), "replications": settings["replications"],
            "seed": config.seed, "scenarios": scenarios}  # fmt: skip
    sampled = resumable(lambda resume: ls.compare(spec, workers=args.workers, out=args.out / "sample_runs",
                                                  resume=resume), args.out / "sample_runs")  # fmt: skip
    values = per_sample_values(sampled.runs, horizon)
    point = per_sample_values(comparison.runs, horizon)
    diffs = differences_table(values, point)
    samples_table(points).to_csv(args.out / "input_samples.csv", index=False)
    values.to_csv(args.out / "sample_values.csv", index=False)
    diffs.to_csv(args.out / "differences_over_samples.csv", index=False)
    report.text(what_it_shows(comparison.runs, comparison.names, start, last, rules, recorded))
    report.text(
        "## Across what we don't know",
        "The tables above are at the values the historical scenario writes for its assumptions. "
        f"Its `[uncertainty]` table gives {len(inputs)} of them a range (see [the historical "
        f"scenario](../historical_scenario.md)). Here every scenario was run at {len(points)} "
        f"samples of those inputs (a Latin hypercube, root seed {SAMPLE_SEED}), {settings['replications']} "
        "replications each, with the same seeds in every scenario and sample. Each difference is "
        f"the scenario's mean over replications minus the {BASE} scenario's in the same sample, so "
        "it is paired: what the inputs do to both cancels, and what remains is how the "
        "scenario's effect depends on them. A food shortage that never came counts on the last day "
        f"(day {horizon:.0f}); 'samples never short' counts the samples in which that happened in "
        "a run of either scenario, where the difference in days is a bound, not a value. "
        + fixed_text(fixed),
        f"The {BASE} scenario itself across the samples (means over replications; 'written "
        f"values': the comparison above, {reps} replications):",
    )
    report.table(base_table(values, point), "historical_over_samples.csv")
    report.text("Differences to the historical scenario, median and 5-95 % over the samples; "
                "'written values' is the difference in the comparison above. Verdict: "
                + "; ".join(f"'{k}': {v}" for k, v in VERDICTS.items()) + ".")  # fmt: skip
    report.table(shown_differences(diffs))
    *per_scenario, overall = robustness_text(diffs, len(points))
    report.text("\n".join(per_scenario), overall)
    but_recorded = f" but {', '.join(rules_off)}" if rules_off else ""
    replays = (f" {', '.join(recorded)} replays the recorded decisions instead; its difference "
               f"to {BASE} is what the rules change." if recorded else "")  # fmt: skip
    added = {n: added_convoys(sc.overrides, base.convoys) for n, sc in config.scenarios.items()}
    report.text(
        "## Caveats",
        "- The counterfactual flows (for example the ICRC rate, or the Aghdam reroute) are the "
        f"historical scenario's assumptions carried over, not observations.{added_text(added)}\n"
        f"- In every scenario{but_recorded} the decisions follow the base's rules, calibrated on "
        "the decisions recorded in the historical blockade "
        "([policies](../policies.md#the-lachin-settings)): a variant shows what planners following "
        "the same rules would have decided with its supply, not what they would in fact have "
        f"decided.{replays}\n"
        f"- The bands of the comparison show schedule and checkpoint randomness only ({reps} "
        "replications), not input uncertainty; the section above adds the inputs, over the ranges "
        "the scenario's `[uncertainty]` table gives them (judgements, each with its note). The "
        "inputs are drawn independently; a range says how far an answer could move, not how "
        "likely each value is.",
    )
    report.write("python experiments/counterfactuals.py" + (" --quick" if args.quick else ""))


if __name__ == "__main__":
    main()
