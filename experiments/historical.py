"""The historical blockade with replications: calibration checks, fan charts, decisions by
rule, milestones, crossings and health.

    python experiments/historical.py            # full run (50 replications)
    python experiments/historical.py --quick    # smoke run

1. Checks the calibrated inputs, all fitted on facts up to 12 April 2023: the peacekeeper truck
   rate (ICRC and peacekeeper deliveries reach 4,089 t by 2023-04-12,
   [lachin:cumulative_goods_imported]) and the food rule's trigger and horizon (the rationing
   decision of 9 Jan 2023 and its coupon ration, [lachin:rationing_decision]).
2. Runs configs/blockade_2023.toml (decisions by rule) with replications; fan charts of days of
   supply and share of need met, the rations decided in one run.
3. Tabulates what the rules decide and when (first food ration, first scheduled power cut, food
   stock empty, public transport stopping for lack of fuel), crossings counted by 12 May and
   12 June 2023, food energy by corridor phase, and the health model's deaths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from _common import REPO, Report, arguments, resumable

import lachin_sim as ls
from lachin_sim.model.streams import spawn_seeds
from lachin_sim.outputs.censoring import censored_stats
from lachin_sim.outputs.plots import fan_chart, rations, scenario_marks
from lachin_sim.studies.calibration import calibrate, cumulative_delivered
from lachin_sim.studies.rule_fit import fit_stretch_to_decision

CONFIG = REPO / "configs" / "blockade_2023.toml"
CALIBRATED = "convoys.peacekeeper.trucks_per_day"
# t since 2022-12-12: HRD 122-day report [lachin:cumulative_goods_imported]
OBSERVED = {"2023-04-12": 4089.0}
CUTOFF = (
    "2023-04-12"  # the fit sees nothing later: the checkpoint, the halt and September are tests
)
KCAL_STANDARD = 2100  # kcal/person/day, [standards:1] (the food need of the config)
FOOD_DECISION = ("2023-01-09", 0.467)  # [lachin:rationing_decision]; coupon ration + local produce
CROSSING_DATES = ("2023-05-12", "2023-06-12")  # the dates of the HRD 150- and 182-day reports
BEFORE_EXODUS = "2023-09-23"  # the last day before the exodus outflows begin (24 Sep)


def run_details(scenario: ls.Scenario, seeds: list[int]) -> pd.DataFrame:
    """What each replication decided and counted: one row per run (dates as days since start)."""
    rows = []
    for seed in seeds:
        r = ls.simulate(scenario, seed=seed)
        food = r.decisions[r.decisions["commodity"] == "food"]
        fuel = r.decisions[r.decisions["commodity"] == "fuel"]
        start = pd.Timestamp(scenario.start)
        row = {
            "seed": seed,
            "first food ration decided": _days_of(food["decided"].min(), start),
            "first food ration in force": _days_of(food["effective"].min(), start),
            "first fuel ration in force": _days_of(fuel["effective"].min(), start),
            "first scheduled power cut": r.summary["days_to_first_shortage:electricity"],
            "food stock empty": r.summary["days_to_stock_empty:food"],
            "public transport stops (below half its fuel)": r.summary[
                "days_to_outcome_lost:fuel.public_transport"
            ],
        }
        x = r.crossings
        for date in CROSSING_DATES:
            upto = x[x["date"] < pd.Timestamp(date) + pd.Timedelta(days=1)]
            since = upto[upto["date"] >= pd.Timestamp("2022-12-12")]
            row[f"vehicles crossing by {date}"] = float(since["vehicles"].sum())
            row[f"people crossing by {date}"] = float(since["people"].sum())
        h = r.health
        if len(h):
            total = h[h["group"] == "all"]
            for month in pd.date_range(scenario.start, scenario.end, freq="MS")[1:]:
                upto = total[total["date"] < month]
                row[f"excess deaths by {month.date()}"] = float(upto["excess_deaths"].sum())
            end = h[h["date"] == pd.Timestamp(BEFORE_EXODUS)]
            for g in scenario.group_names:
                last = end[end["group"] == g].iloc[0]
                if g != "children":  # children's state is wasting (WHZ), not BMI
                    row[f"mean BMI on {BEFORE_EXODUS}: {g}"] = last["mean_bmi"]
                    row[f"share below BMI 16 on {BEFORE_EXODUS}: {g}"] = last["share_bmi_below_16"]
                else:
                    row[f"share wasted (GAM, WHZ < -2) on {BEFORE_EXODUS}: {g}"] = last["share_gam"]
            row["first day CDR >= 2 per 10,000"] = r.summary.get("days_to_famine_cdr:all", np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def _days_of(date, start: pd.Timestamp) -> float:
    return float((date - start) / pd.Timedelta(days=1)) if pd.notna(date) else np.nan


def summarise_details(details: pd.DataFrame, scenario: ls.Scenario) -> pd.DataFrame:
    """Median and 5-95 % over runs of each column; day columns as dates, NaN as 'never'."""
    start = pd.Timestamp(scenario.start)
    rows = []
    for column in details.columns.drop("seed"):
        values = details[column].to_numpy(dtype=float)
        is_day = column.startswith(("first", "food stock", "public transport"))
        if is_day:
            stats = censored_stats(pd.Series(values), horizon=scenario.days)
            show = [_date(start, v, scenario) for v in (stats.median, stats.q05, stats.q95)]
            runs = f"{stats.reached}/{stats.runs}"
        else:
            q05, med, q95 = np.nanquantile(values, [0.05, 0.5, 0.95])
            show = [f"{v:,.1f}" if abs(v) < 100 else f"{v:,.0f}" for v in (med, q05, q95)]
            runs = f"{np.isfinite(values).sum()}/{len(values)}"
        rows.append({"what": column, "median": show[0], "5 %": show[1], "95 %": show[2],
                     "runs": runs})  # fmt: skip
    return pd.DataFrame(rows)


def milestones(runs: pd.DataFrame, scenario: ls.Scenario) -> pd.DataFrame:
    rows = []
    start = pd.Timestamp(scenario.start)
    for c, commodity in scenario.commodities.items():
        if not commodity.has_need:
            continue
        for label, metric in (("< 100 %", "days_to_first_shortage"), ("< 75 %", "days_to_share_below_75pct"),
                              ("< 50 %", "days_to_share_below_50pct")):  # fmt: skip
            # never reached = after the end (lachin_sim.outputs.censoring), not dropped
            stats = censored_stats(runs[f"{metric}:{c}"], horizon=scenario.days)
            row = {"commodity": c, "share of need met first": label,
                   "runs reaching it": f"{stats.reached}/{stats.runs}"}  # fmt: skip
            row |= {"median date": _date(start, stats.median, scenario),
                    "5 %": _date(start, stats.q05, scenario),
                    "95 %": _date(start, stats.q95, scenario)}  # fmt: skip
            rows.append(row)
    return pd.DataFrame(rows)


def food_energy_by_phase(bands: pd.DataFrame, scenario: ls.Scenario) -> pd.DataFrame:
    food = bands[(bands["commodity"] == "food") & (bands["series"] == "share_met")].set_index(
        "date"
    )
    timeline = scenario.corridors["lachin"].timeline
    rows = []
    for i, entry in enumerate(timeline):
        end = timeline[i + 1].start if i + 1 < len(timeline) else scenario.end
        part = food.loc[pd.Timestamp(entry.start) : pd.Timestamp(end) - pd.Timedelta(days=1)]
        rows.append({"phase": f"{entry.regime} ({entry.start} to {end})",
                     "median kcal/person/day": part["q50"].mean() * KCAL_STANDARD,
                     "5 % run": part["q05"].mean() * KCAL_STANDARD,
                     "95 % run": part["q95"].mean() * KCAL_STANDARD})  # fmt: skip
    return pd.DataFrame(rows)


def _date(start: pd.Timestamp, day: float, scenario: ls.Scenario | None = None) -> str:
    """The date ``day`` days after ``start``; 'not before END' for a censored (inf) day."""
    if np.isinf(day) and scenario is not None:
        return f"not before {scenario.end.isoformat()}"
    return (start + pd.Timedelta(days=float(day))).date().isoformat()


def main() -> None:
    args = arguments("historical", __doc__.splitlines()[0])
    reps = 4 if args.quick else 50
    scenario = ls.load_scenario(CONFIG)
    report = Report(
        args, "historical", "The 2022-23 blockade: the historical scenario with replications"
    )
    report.text(
        "**What was run.** `configs/blockade_2023.toml`: 1 Dec 2022 to 30 Sep 2023, 120,000 people "
        "(90,000 adults, 30,000 children), the corridor regime timeline and the dated holds at the "
        "checkpoint, the gas and power cuts and the deliveries from the sourced data, with the "
        "rations, fuel priorities and power cuts decided by rule "
        "([policies](../policies.md); [sources and assumptions](../historical_scenario.md)); "
        f"{reps} replications with seeds spawned from root seed 0.",
    )

    fit = calibrate(CONFIG, {CALIBRATED: (0.1, 5.0)}, OBSERVED,
                    cumulative_delivered(operators=["humanitarian", "peacekeeper"], since="2022-12-12"),
                    cutoff=CUTOFF, replications=3 if args.quick else 20)  # fmt: skip
    in_config = scenario.convoys["peacekeeper"].trucks_per_day
    lo, hi = fit.interval[CALIBRATED]
    fit.per_seed.to_csv(args.out / "calibration_per_seed.csv", index=False)
    report.text(
        "## The calibrated inputs",
        "Three numbers are fitted, all on facts up to 12 April 2023. The first is "
        f"`{CALIBRATED}`, so that ICRC and peacekeeper deliveries reach "
        "4,089 t by 12 April 2023 (HRD 122-day report, [lachin:cumulative_goods_imported]). "
        f"Refitted here: **{fit.values[CALIBRATED]:.3g} trucks/day** (per-seed fits, 5-95 %: "
        f"{lo:.3g} to {hi:.3g}; fit error RMSE {fit.rmse['series']:.3g} t; observations up to "
        f"{fit.cutoff} only). The config uses **{in_config:g}**"
        + (
            ", inside that interval."
            if lo <= in_config <= hi
            else ", OUTSIDE that interval: update the config."
        )
        + " No later phase is tuned: the checkpoint, the halt and September follow from their inputs.",
    )
    food_rule = scenario.rationing.rules["food"].stretch
    rule_fit = fit_stretch_to_decision(scenario, "food", FOOD_DECISION[0], FOOD_DECISION[1],
                                       replications=3 if args.quick else 20)  # fmt: skip
    rule_fit.state.to_csv(args.out / "food_rule_fit_per_run.csv", index=False)
    report.text(
        "The other two are the food rule's trigger and horizon, fitted to the one decision before the cut-off: "
        "rationing decided on 9 January 2023 ([lachin:rationing_decision]) with the coupon ration "
        "plus local produce, 0.467 of need ([standards:20]). With the rule off, the model's food "
        "stock on 9 January lasted "
        f"{rule_fit.state['days_on'].median():.1f} days at full need (5-95 %: "
        f"{rule_fit.state['days_on'].quantile(0.05):.1f}-{rule_fit.state['days_on'].quantile(0.95):.1f}); "
        f"refitted here: trigger **{rule_fit.trigger_days_of_supply:.1f} days**, horizon "
        f"**{rule_fit.horizon_days:.1f} days**; the config uses {food_rule.trigger_days_of_supply:g} "
        f"and {food_rule.horizon_days:g}.",
    )

    sweep = resumable(lambda resume: ls.sweep(scenario, replications=reps, seed=0, workers=args.workers,
                                              out=args.out / "runs", resume=resume), args.out / "runs")  # fmt: skip
    marks = scenario_marks(scenario)
    report.text("## Days of supply and share of need met")
    report.figure(fan_chart(sweep, series="days_of_supply", commodities=["food", "fuel", "medicine"], marks=marks),
                  "fan_days_of_supply",
                  "Days of supply at full need (stock / daily need): median and 5-95 % / 25-75 % bands over "
                  "replications. Dotted lines: corridor regime changes, gas and power cuts, key dates.")  # fmt: skip
    report.figure(
        fan_chart(sweep, series="share_met", marks=marks),
        "fan_share_met",
        "Share of need met each day (ration and availability): median and bands over replications.",
    )
    one = ls.simulate(scenario, seed=spawn_seeds(0, 1)[0])
    report.figure(rations(one), "rations",
                  "One run (the first replication): the ration each rule decided (dashed) and the "
                  "share of need met (solid); dots are the rules' changes; bottom: hours of gas and "
                  "electricity a day, the scheduled cuts.")  # fmt: skip
    details = run_details(scenario, spawn_seeds(0, reps))
    details.to_csv(args.out / "decisions_and_counts_per_run.csv", index=False)
    report.text("## What the rules decide, and when",
                "Median and 5-95 % over replications. Dates are when a change took effect unless "
                "said otherwise; 'never' counts as after the end. Crossings count vehicles and "
                "people passing the Lachin checkpoint either way from 12 December 2022 (cargo "
                "trucks and their empty returns, peacekeeper vehicles, ICRC ambulances and the "
                "patients they took out).")  # fmt: skip
    report.table(summarise_details(details, scenario), "decisions_and_counts.csv")

    table = milestones(sweep.runs[sweep.runs["status"] == "ok"], scenario)
    report.text("## Milestones", "Date each commodity's daily share of need met first fell below 100 %, 75 % "
                "and 50 % (median and 5-95 % over replications). A run in which it never happened counts as after "
                "the end, so a quantile among those runs reads 'not before 2023-10-01'.")  # fmt: skip
    report.table(table, "milestones.csv")
    energy = food_energy_by_phase(sweep.bands, scenario)
    report.text("## Food energy by corridor phase",
                "Mean over the phase of the daily food energy consumed, as kcal per person per day "
                "(share of the 2,100 kcal standard met; median run and the 5 %/95 % bands).")  # fmt: skip
    report.table(energy, "food_energy_by_phase.csv")
    report.text(
        "## For comparison (observations, not inputs)",
        "- The coupon basket from 20 Jan 2023 was worth about 770 kcal/person/day ([standards:20]); "
        "the model adds local produce (10 % of need) on top.\n"
        "- Shops were reported 'largely out of stock since December' (9 Jan 2023, "
        "[lachin:rationing_decision]); the first death from starvation was reported on 15 Aug 2023 "
        "([standards:63]).\n"
        "- Rolling power cuts of about 6 h/day were reported in January and February 2023 "
        "([standards:37]).",
        "## Caveats",
        "- Every input marked ASSUMPTION in the config (initial stocks, local production, hydro, "
        "inspection times, the ICRC rate and the cargo mixes) is a judgement where the data has a gap; "
        "the results move with them ([list and reasoning](../historical_scenario.md)).\n"
        "- Medicine need is split into primary care (the emergency health kit norm, [standards:24]), "
        "chronic treatment and surgery and trauma; the last two have no sourced norm (ASSUMPTIONS, "
        "[standards:29] is a GAP), so the medicine results are as uncertain as those shares.\n"
        "- The replication bands show only the randomness of truck schedules and checkpoint draws. "
        "They do not show the uncertainty of the inputs. Most figures come from one party's authorities "
        "and media (see [data/README.md](../../data/README.md)).",
    )
    report.write("python experiments/historical.py" + (" --quick" if args.quick else ""))


if __name__ == "__main__":
    main()
