"""The historical blockade with replications: calibration check, fan charts, milestones.

    python experiments/historical.py            # full run (50 replications)
    python experiments/historical.py --quick    # smoke run

1. Checks the one calibrated input: refits `convoys.peacekeeper.trucks_per_day` so that ICRC
   and peacekeeper deliveries reach 4,089 t by 2023-04-12 ([lachin:cumulative_goods_imported])
   and compares the fit with the config's value.
2. Runs configs/blockade_2023.toml with replications; fan charts of days of supply and share of
   need met, with the regime changes and energy cuts marked.
3. Tabulates milestones: the date each commodity's share of need met first falls below 100 %,
   75 % and 50 % (median and 5-95 % over replications), and food energy by phase.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from _common import REPO, Report, arguments, resumable

import lachin_sim as ls
from lachin_sim.outputs.censoring import censored_stats
from lachin_sim.outputs.plots import fan_chart, scenario_marks
from lachin_sim.studies.calibration import calibrate, cumulative_delivered

CONFIG = REPO / "configs" / "blockade_2023.toml"
CALIBRATED = "convoys.peacekeeper.trucks_per_day"
# t since 2022-12-12: HRD 122-day report [lachin:cumulative_goods_imported]
OBSERVED = {"2023-04-12": 4089.0}
CUTOFF = (
    "2023-04-12"  # the fit sees nothing later: the checkpoint, the halt and September are tests
)
KCAL_STANDARD = 2100  # kcal/person/day, [standards:1] (the food need of the config)


def milestones(runs: pd.DataFrame, scenario: ls.Scenario) -> pd.DataFrame:
    rows = []
    start = pd.Timestamp(scenario.start)
    for c, commodity in scenario.commodities.items():
        if commodity.need_per_person_day == 0:
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
        "**What was run.** `configs/blockade_2023.toml`: 1 Dec 2022 to 30 Sep 2023, 120,000 people, "
        "the corridor regime timeline, the gas and power cuts, the coupon and bread rations and the "
        f"evacuations from the sourced data (see [the scenario's sources and assumptions](../historical_scenario.md)); "
        f"{reps} replications with seeds spawned from root seed 0.",
    )

    fit = calibrate(CONFIG, {CALIBRATED: (0.1, 5.0)}, OBSERVED,
                    cumulative_delivered(operators=["humanitarian", "peacekeeper"], since="2022-12-12"),
                    cutoff=CUTOFF, replications=3 if args.quick else 20)  # fmt: skip
    in_config = scenario.convoys["peacekeeper"].trucks_per_day
    lo, hi = fit.interval[CALIBRATED]
    fit.per_seed.to_csv(args.out / "calibration_per_seed.csv", index=False)
    report.text(
        "## The calibrated input",
        f"Only one input is fitted: `{CALIBRATED}`, so that ICRC and peacekeeper deliveries reach "
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
    report.text(
        "**What it shows.** Fuel runs out within days of the roadblock. Food stock holds at two to "
        "three weeks of need while the coupon ration caps consumption, then drains after the 15 June "
        "halt. From then on only local produce and the few September deliveries feed people. Gas follows "
        "the pipeline cuts. Electricity falls once hydro water is used up; it is first held at 75 % by "
        "the rolling cuts. Medicine barely moves, because its need is the primary-care kit norm only (see caveats).",
    )

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
        "- Medicine need is the emergency health kit norm for primary care ([standards:24]). The "
        "shortages of dialysis, oncology and other drugs that were reported are outside it, so the model "
        "understates medicine shortages.\n"
        "- The replication bands show only the randomness of truck schedules and checkpoint draws. "
        "They do not show the uncertainty of the inputs. Most figures come from one party's authorities "
        "and media (see [data/README.md](../../data/README.md)).",
    )
    report.write("python experiments/historical.py" + (" --quick" if args.quick else ""))


if __name__ == "__main__":
    main()
