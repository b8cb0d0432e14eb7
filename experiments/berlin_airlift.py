"""The Berlin Airlift (1948-49) with replications: stocks, food energy by group, power, deliveries,
health, and the spread of the inputs.

    python experiments/berlin_airlift.py            # full run (50 replications; sensitivities 10 each)
    python experiments/berlin_airlift.py --quick    # smoke run

1. Runs configs/berlin_airlift_1948_49.toml with replications (the fog is the random part) and
   tabulates, as median and 5-95 % over replications: days of supply of each stored commodity
   on the first of every month, food energy per person per day by group at mid-month, the first
   day each commodity falls short, electricity hours per day, deliveries by month, and the
   health model's mean BMI, share below BMI 16, first day of a crude death rate of 2 per 10,000
   per day and cumulative excess deaths by month. Fan charts of the same.
2. Checks the deliveries against the dated rows they were configured from (inputs, not outcomes).
3. Runs every scenario of configs/scenarios/berlin_sensitivities.toml (the ration rule, the
   conflicting ration row and the spread of the inputs) under common random numbers.

Nothing here compares the model with what happened to the city; see the case's docs page.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
from _common import REPO, Report, arguments, resumable

import lachin_sim as ls
from lachin_sim.model.health import excess_deaths_by_month, health_quantiles
from lachin_sim.model.streams import spawn_seeds
from lachin_sim.outputs.censoring import censored_stats, show_day

NAME = "berlin_airlift"
CONFIG = REPO / "configs" / "berlin_airlift_1948_49.toml"
SENSITIVITIES = REPO / "configs" / "scenarios" / "berlin_sensitivities.toml"
ROOT_SEED = 1948
STORED = ("food", "coal", "liquid_fuel")  # "food": every rationed item together, by energy
GROUPS = ("residents", "garrison")
COAL_USES = {"generator:west_sector_plants": "power plants", "institutions": "institutions",
             "households_and_industry": "households and industry"}  # fmt: skip
MARKS = [("1948-10-15", "ration 2,040 kcal"), ("1948-11-29", "fog halt"),
         ("1949-05-12", "blockade lifted"), ("1949-08-01", "lift reduced")]  # fmt: skip


# ---- one run ------------------------------------------------------------------------------------
def food_items(scenario: ls.Scenario) -> list[str]:
    """The rationed items: food with an energy density, and the plan's coffee, yeast and salt."""
    return [n for n, c in scenario.commodities.items()
            if c.unit == "t" and c.has_need and n not in ("local_produce", "coal", "liquid_fuel")]  # fmt: skip


def one_run(seed: int) -> dict[str, pd.DataFrame]:
    """The series this report needs from one run (small: a few thousand rows)."""
    scenario = ls.load_scenario(CONFIG)
    result = ls.simulate(scenario, seed=seed)
    st, items = result.stocks, food_items(scenario)
    kcal = st["commodity"].map({n: c.kcal_per_unit or 0.0 for n, c in scenario.commodities.items()})
    food = st[st["commodity"].isin(items)].assign(
        e_stock=st["stock"] * kcal, e_need=st["need"] * kcal
    )
    food = food.groupby("date")[["e_stock", "e_need"]].sum()
    days = st[st["commodity"].isin(STORED[1:])].pivot(
        index="date", columns="commodity", values="days_of_supply"
    )
    days.insert(0, "food", food["e_stock"] / food["e_need"])
    spread = st[st["commodity"].isin(items)].pivot(
        index="date", columns="commodity", values="days_of_supply"
    )
    days["food_item_spread"] = spread.max(axis=1) - spread.min(axis=1)  # the items move together
    hours = st[st["commodity"] == "electricity"].set_index("date")["hours_of_supply"]
    kcal_groups = result.groups.pivot(index="date", columns="group", values="kcal_per_person_day")
    u = result.uses
    coal = u[u["commodity"] == "coal"].groupby(["date", "use"])[["need", "consumed"]].sum()
    coal = (coal["consumed"] / coal["need"]).unstack("use").rename(columns=COAL_USES)
    flows = result.flows.pivot_table(index="date", columns="source", values="tonnes", aggfunc="sum")
    return {"days": days, "hours": hours.to_frame("hours"), "kcal": kcal_groups, "coal_uses": coal,
            "flows": flows, "short": first_short(result, items).to_frame("day").T,
            "health": result.health}  # fmt: skip


def first_short(result: ls.Result, items: list[str]) -> pd.Series:
    """Per commodity, the first day (since the start) on which the stock could not give what
    the ration allowed, and the first day any of its need went unmet (ration or stock); NaN when
    it never happened. Food counts as short when any rationed item is."""
    start = pd.Timestamp(result.scenario.start)
    u = result.uses[result.uses["kind"] == "use"]
    out = {}
    for name, members in (("food", items), ("coal", ["coal"]), ("liquid_fuel", ["liquid_fuel"]),
                          ("electricity", ["electricity"])):  # fmt: skip
        lines = u[u["commodity"].isin(members)]
        stock_out = (
            (lines["consumed"] < lines["allowed"] * (1 - 1e-9) - 1e-9).groupby(lines["date"]).any()
        )
        unmet = (lines["consumed"] < lines["need"] * (1 - 1e-9) - 1e-9).groupby(lines["date"]).any()
        for label, flags in (("stock", stock_out), ("need", unmet)):
            hit = flags[flags]
            out[f"{name}:{label}"] = (hit.index[0] - start).days if len(hit) else np.nan
    return pd.Series(out, dtype=float)


# ---- many runs ----------------------------------------------------------------------------------
def replicate(reps: int, workers: int | None) -> list[dict[str, pd.DataFrame]]:
    seeds = spawn_seeds(ROOT_SEED, reps)
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count()) as pool:
        return list(pool.map(one_run, seeds))


def quantiles(
    frames: list[pd.DataFrame], q=(0.05, 0.25, 0.5, 0.75, 0.95)
) -> dict[float, pd.DataFrame]:
    """Element-wise quantiles over runs of same-shaped frames."""
    stack = np.stack([f.to_numpy(dtype=float) for f in frames])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column with no need on a date: NaN
        values = np.nanquantile(stack, q, axis=0)
    return {
        p: pd.DataFrame(v, index=frames[0].index, columns=frames[0].columns)
        for p, v in zip(q, values, strict=True)
    }


def cell(median: float, low: float, high: float, fmt: str = ".0f") -> str:
    if np.isnan(median):
        return ""
    if format(low, fmt) == format(high, fmt):
        return format(median, fmt)
    return f"{median:{fmt}} ({low:{fmt}}-{high:{fmt}})"


def on_dates(
    frames: list[pd.DataFrame], dates: list[pd.Timestamp], fmt: str = ".0f"
) -> pd.DataFrame:
    q = quantiles([f.loc[dates] for f in frames], (0.05, 0.5, 0.95))
    table = pd.DataFrame(index=[d.date().isoformat() for d in dates])
    for col in frames[0].columns:
        table[col] = [
            cell(q[0.5].at[d, col], q[0.05].at[d, col], q[0.95].at[d, col], fmt) for d in dates
        ]
    return table.reset_index(names="date")


def month_starts(s: ls.Scenario, day: int = 1) -> list[pd.Timestamp]:
    start, end = pd.Timestamp(s.start), pd.Timestamp(s.end)
    first = pd.date_range(start.replace(day=1), end, freq="MS") + pd.Timedelta(days=day - 1)
    return [d for d in first if start <= d < end]


def shortage_table(runs: list[dict], s: ls.Scenario) -> pd.DataFrame:
    short = pd.concat([r["short"] for r in runs], ignore_index=True)
    start = pd.Timestamp(s.start)
    rows = []
    for name in ("food", "coal", "liquid_fuel", "electricity"):
        row = {"commodity": name}
        for label, what in (
            ("need", "some need unmet (ration or stock)"),
            ("stock", "cannot give what the ration allows"),
        ):
            col = f"{name}:{label}"
            stats = censored_stats(short[col], horizon=s.days)
            row[f"{what}: median"] = _date(start, stats.median, s)
            row[f"{what}: 5-95 %"] = f"{_date(start, stats.q05, s)} to {_date(start, stats.q95, s)}"
            row[f"{what}: runs"] = f"{stats.reached}/{stats.runs}"
        rows.append(row)
    return pd.DataFrame(rows)


def _date(start: pd.Timestamp, day: float, s: ls.Scenario) -> str:
    if np.isinf(day):
        return f"never before {s.end.isoformat()}"
    return (start + pd.Timedelta(days=float(day))).date().isoformat()


def monthly(frames: list[pd.DataFrame], how: str, fmt: str = ".0f") -> pd.DataFrame:
    """Per calendar month: median (5-95 %) over runs of each column's monthly mean or sum."""
    per_run = [getattr(f.resample("MS"), how)() for f in frames]
    q = quantiles(per_run, (0.05, 0.5, 0.95))
    table = pd.DataFrame(index=[d.strftime("%Y-%m") for d in per_run[0].index])
    for col in per_run[0].columns:
        table[col] = [
            cell(m, lo, hi, fmt)
            for m, lo, hi in zip(q[0.5][col], q[0.05][col], q[0.95][col], strict=True)
        ]
    return table.reset_index(names="month")


def health_tables(runs: list[dict], s: ls.Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(end-of-run BMI, thinness and famine-threshold day by group; cumulative excess deaths by
    month by group), median (5-95 %) over runs."""
    rows = []
    start = pd.Timestamp(s.start)
    for g in (*GROUPS, "all"):
        ends = [r["health"][r["health"]["group"] == g].iloc[-1] for r in runs]
        row = {"group": g}
        if g != "all":
            bmi = np.array([e["mean_bmi"] for e in ends])
            thin = np.array([e["share_bmi_below_16"] for e in ends]) * 100
            row["mean BMI at the end"] = cell(*np.quantile(bmi, [0.5, 0.05, 0.95]), ".2f")
            row["% below BMI 16 at the end"] = cell(*np.quantile(thin, [0.5, 0.05, 0.95]), ".2f")
        famine = []
        for r in runs:
            h = r["health"][r["health"]["group"] == g]
            hit = h[h["cdr_per_10k_day"] >= 2.0]
            famine.append((hit["date"].iloc[0] - start).days if len(hit) else np.nan)
        stats = censored_stats(pd.Series(famine, dtype=float), horizon=s.days)
        row["first day CDR >= 2 per 10,000/day"] = (
            f"{_date(start, stats.median, s)} ({stats.reached}/{stats.runs} runs)"
            if stats.reached
            else f"never ({stats.runs} runs)"
        )
        row["excess deaths by the end"] = cell(*np.quantile(
            [r["health"][r["health"]["group"] == g]["excess_deaths"].sum() for r in runs], [0.5, 0.05, 0.95]), ",.0f")  # fmt: skip
        rows.append(row)
    months = [excess_deaths_by_month(r["health"]).pivot(index="month", columns="group",
                                                         values="cumulative_excess_deaths") for r in runs]  # fmt: skip
    q = quantiles(months, (0.05, 0.5, 0.95))
    by_month = pd.DataFrame(index=[pd.Timestamp(m).strftime("%Y-%m") for m in months[0].index])
    for g in (*GROUPS, "all"):
        by_month[g] = [
            cell(q[0.5].at[m, g], q[0.05].at[m, g], q[0.95].at[m, g], ",.0f")
            for m in months[0].index
        ]
    return pd.DataFrame(rows), by_month.reset_index(names="month (cumulative at its end)")


# ---- figures ------------------------------------------------------------------------------------
def _fan(ax, q: dict[float, pd.DataFrame], col: str, colour: str, label: str) -> None:
    x = q[0.5].index
    ax.fill_between(x, q[0.05][col], q[0.95][col], color=colour, alpha=0.18, lw=0)
    ax.fill_between(x, q[0.25][col], q[0.75][col], color=colour, alpha=0.35, lw=0)
    ax.plot(x, q[0.5][col], color=colour, lw=1.6, label=label)


def _marks(ax) -> None:
    for date, _label in MARKS:
        ax.axvline(pd.Timestamp(date), color="0.5", lw=0.8, ls=":")
    ymax = ax.get_ylim()[1]
    for date, label in MARKS:
        ax.text(
            pd.Timestamp(date), ymax, " " + label, fontsize=7, color="0.35", va="top", rotation=90
        )


def figure(rows: int, height: float = 2.6):
    from matplotlib.figure import Figure

    from lachin_sim.outputs.plots.common import date_axis

    fig = Figure(figsize=(10, height * rows), layout="constrained")
    axes = fig.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    for ax in axes:
        date_axis(ax)
        ax.grid(alpha=0.3)
    return fig, axes


# days: the axis stops here; after May 1949 surface imports lift stocks far above it
DAYS_AXIS = 120


def fan_days(runs: list[dict]):
    from lachin_sim.outputs.plots.common import colour_of

    q = quantiles([r["days"] for r in runs])
    fig, axes = figure(3)
    titles = {"food": "food (every rationed item; days at full need)", "coal": "coal (its uses' need)",
              "liquid_fuel": "liquid fuel"}  # fmt: skip
    for i, (ax, col) in enumerate(zip(axes, STORED, strict=True)):
        _fan(ax, q, col, colour_of(i), titles[col])
        ax.set_ylabel("days of supply")
        ax.set_ylim(0, DAYS_AXIS)
        ax.legend(loc="upper left", fontsize=8)
        _marks(ax)
    return fig


def fan_food_energy(runs: list[dict], s: ls.Scenario):
    from lachin_sim.outputs.plots.common import colour_of

    q = quantiles([r["kcal"][list(GROUPS)] for r in runs])
    fig, axes = figure(1, 3.6)
    ax = axes[0]
    for i, g in enumerate(GROUPS):
        _fan(ax, q, g, colour_of(i), g)
    need = s.health.physiology("residents").requirement_kcal_per_person_day
    ax.axhline(need, color="k", lw=0.8, ls="--", label=f"residents' requirement, {need:,.0f} kcal")
    ax.set_ylabel("food energy, kcal/person/day")
    ax.set_ylim(0, 2800)
    ax.legend(loc="lower right", fontsize=8)
    _marks(ax)
    return fig


def fan_power_and_coal(runs: list[dict]):
    from lachin_sim.outputs.plots.common import colour_of

    fig, axes = figure(2)
    q = quantiles([r["hours"] for r in runs])
    _fan(
        axes[0],
        q,
        "hours",
        colour_of(0),
        "electricity: hours of supply a day (share of pre-blockade use x 24)",
    )
    axes[0].set_ylim(0, 6)
    axes[0].set_ylabel("hours a day")
    axes[0].legend(loc="upper left", fontsize=8)
    q = quantiles([r["coal_uses"].reindex(columns=list(COAL_USES.values())) for r in runs])
    for i, col in enumerate(COAL_USES.values()):
        _fan(axes[1], q, col, colour_of(i + 1), col)
    axes[1].set_ylim(0, 1.05)
    axes[1].set_ylabel("coal: share of need met")
    axes[1].legend(loc="lower left", fontsize=8)
    for ax in axes:
        _marks(ax)
    return fig


def fan_deliveries(runs: list[dict]):
    from lachin_sim.outputs.plots.common import colour_of

    fig, axes = figure(2)
    frames = [r["flows"].reindex(columns=["airlift_food", "airlift_coal_and_fuel", "surface_imports"]).fillna(0.0)
              for r in runs]  # fmt: skip
    total = [
        f[["airlift_food", "airlift_coal_and_fuel"]].sum(axis=1).to_frame("airlift") for f in frames
    ]
    _fan(axes[0], quantiles(total), "airlift", colour_of(0), "airlift, t/day (all cargo)")
    axes[0].set_ylabel("t/day")
    axes[0].legend(loc="upper left", fontsize=8)
    q = quantiles([f.rolling(7, min_periods=1).mean() for f in frames])
    for i, (col, label) in enumerate((("airlift_food", "airlift: food"), ("airlift_coal_and_fuel", "airlift: coal, fuel, other"),
                                      ("surface_imports", "rail, road, canal"))):  # fmt: skip
        axes[1].plot(q[0.5].index, q[0.5][col], color=colour_of(i + 1), lw=1.6, label=label)
    axes[1].set_ylabel("t/day, 7-day mean (median run)")
    axes[1].legend(loc="upper left", fontsize=8)
    for ax in axes:
        _marks(ax)
    return fig


# ---- the report ---------------------------------------------------------------------------------
def delivery_checks(runs: list[dict]) -> pd.DataFrame:
    """Model deliveries over the periods the config took from dated rows (inputs, not outcomes)."""
    total = [
        r["flows"]
        .reindex(columns=["airlift_food", "airlift_coal_and_fuel"])
        .fillna(0.0)
        .sum(axis=1)
        for r in runs
    ]
    food = [r["flows"]["airlift_food"] for r in runs]
    checks = [("first five days, 26-30 Jun 1948", "1948-06-26", "1948-06-30", "1,274 t [berlin:tons_first_five_days]", 1274.0),
              ("1-28 Nov 1948", "1948-11-01", "1948-11-28", "4,229 t/day x 28 [berlin:daily_average_first_winter_month]", 4229.0 * 28),
              ("January 1949", "1949-01-01", "1949-01-31", "171,959.2 t [berlin:monthly_tonnage]", 171959.2),
              ("12 May - 29 Jul 1949", "1949-05-12", "1949-07-29", "more than 8,000 t/day x 79 [berlin:late_average_daily]", 8000.0 * 79)]  # fmt: skip
    rows = []
    for label, a, b, row, value in checks:
        got = np.array([t[a:b].sum() for t in total])
        rows.append({"period": label, "configured from": row, "row (t)": value,
                     "model, mean over runs (t)": got.mean(), "5-95 % over runs": f"{np.quantile(got, 0.05):,.0f}-{np.quantile(got, 0.95):,.0f}"})  # fmt: skip
    to_july = np.array([t[:"1949-07-29"].sum() for t in total])
    rows.append({"period": "26 Jun 1948 - 29 Jul 1949", "configured from": "(not an input: the source's headline says 2,000,000 tons)",
                 "row (t)": np.nan, "model, mean over runs (t)": to_july.mean(),
                 "5-95 % over runs": f"{np.quantile(to_july, 0.05):,.0f}-{np.quantile(to_july, 0.95):,.0f}"})  # fmt: skip
    share = np.array(
        [f[:"1949-04-30"].sum() / t[:"1949-04-30"].sum() for f, t in zip(food, total, strict=True)]
    )
    rows.append({"period": "food share of the lift, 26 Jun 1948 - 30 Apr 1949",
                 "configured from": "'a little less than one third' [berlin:coal_share]", "row (t)": np.nan,
                 "model, mean over runs (t)": share.mean(), "5-95 % over runs": f"{share.min():.3f}-{share.max():.3f}"})  # fmt: skip
    return pd.DataFrame(rows)


def sensitivity_table(comparison) -> pd.DataFrame:
    runs = comparison.runs[comparison.runs["status"] == "ok"]
    horizon = comparison.sweep.horizon_days
    metrics = [("food_kcal_per_person_day:residents", "residents' food kcal/person/day (mean)", ",.0f"),
               ("days_to_first_shortage:coal", "coal first short (day)", "day"),
               ("share_met:coal", "coal: share of need met", ".2f"),
               ("days_to_outcome_lost:coal.institutions", "institutions first not fully heated (day)", "day"),
               ("mean_hours_of_supply:electricity", "electricity, hours a day (mean)", ".2f"),
               ("days_to_first_shortage:liquid_fuel", "liquid fuel first short (day)", "day"),
               ("share_bmi_below_16_end:residents", "share of residents below BMI 16 at the end", ".3f"),
               ("days_to_famine_cdr:all", "first day CDR >= 2/10,000", "day"),
               ("excess_deaths:all", "excess deaths by the end", ",.0f")]  # fmt: skip
    rows = []
    for name in comparison.names:
        group = runs[runs["scenario"] == name]
        row = {"scenario": name}
        for column, label, fmt in metrics:
            values = group[column].to_numpy(dtype=float)
            if fmt == "day":
                stats = censored_stats(values, horizon=horizon)
                row[label] = (f"{show_day(stats.median, horizon, '')} ({stats.reached}/{stats.runs})"
                              if stats.reached else "never")  # fmt: skip
            else:
                row[label] = cell(*np.quantile(values, [0.5, 0.05, 0.95]), fmt)
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    args = arguments(NAME, __doc__.splitlines()[0])
    reps = 4 if args.quick else 50
    scenario = ls.load_scenario(CONFIG)
    runs = replicate(reps, args.workers)
    report = Report(args, NAME, "The Berlin Airlift, 1948-49: the case with replications")
    report.text(
        "**What was run.** `configs/berlin_airlift_1948_49.toml`: West Berlin from 24 June 1948 to "
        "30 September 1949, 2,225,000 residents and 22,600 Allied troops, supplied by an airlift whose "
        "delivered tonnage follows the dated rows of `data/berlin.csv`, with fog; rail, road and canal "
        f"from 12 May 1949; the dated average rations replayed; the health model on. {reps} replications "
        f"(seeds spawned from root seed {ROOT_SEED}); the fog closures are the only random part. Every input "
        "and assumption is explained in [the case's page](../cases/berlin_airlift_1948_49.md). "
        "**No output was compared with, or tuned to, what happened to the city** (how long stocks lasted, "
        "power, weights, deaths): the numbers below are what the inputs and assumptions imply.",
        "Days of supply are at full need (the US plan's basket for food; each use's need for coal and "
        "liquid fuel; the power plants' burn is not in coal's need). 'Food' is every rationed item "
        "together, by energy: the items arrive and are rationed in the plan's proportions, so their "
        "days of supply differ by at most "
        f"{max(r['days']['food_item_spread'].max() for r in runs):.2f} days in any run.",
    )
    report.text("## Days of supply")
    report.figure(fan_days(runs), "fan_days_of_supply",
                  "Days of supply at full need: median, 25-75 % and 5-95 % over replications. Dotted: key dates. The "
                  f"axis stops at {DAYS_AXIS} days; once rail, road and canal reopen (12 May 1949) stocks climb far above it.")  # fmt: skip
    table = on_dates([r["days"][list(STORED)] for r in runs], month_starts(scenario))
    report.text("On the first of every month, median (5-95 %) over replications:")
    report.table(table, "days_of_supply_monthly.csv")

    report.text("## Food energy per person per day, by group")
    report.figure(fan_food_energy(runs, scenario), "fan_food_energy",
                  "Food energy eaten per person per day by group (rationed items and garden produce): median and "
                  "bands over replications; dashed, the residents' requirement.")  # fmt: skip
    report.text("At mid-month (the 15th), kcal/person/day, median (5-95 %):")
    report.table(
        on_dates([r["kcal"][list(GROUPS)] for r in runs], month_starts(scenario, 15)),
        "food_energy_mid_month.csv",
    )

    report.text("## When each commodity falls short",
                "Two readings: the first day any need went unmet (food from the first day, because the ration "
                "is below the plan's basket; electricity from the first day, because the plants can make only "
                "16 % of pre-blockade use), and the first day the stock could not give even what the ration "
                "allowed (a stock-out; for electricity, which is not stored, the plants cannot make what is "
                "allowed). Median and 5-95 % over replications; 'runs' counts those in which it happened.")  # fmt: skip
    report.table(shortage_table(runs, scenario), "first_short.csv")

    report.text("## Electricity and coal")
    report.figure(fan_power_and_coal(runs), "fan_power_and_coal",
                  "Top: hours of electricity a day (the share of pre-blockade use the plants meet, times 24). "
                  "Bottom: share of need met for each use of coal, by priority.")  # fmt: skip
    hours = monthly([r["hours"] for r in runs], "mean", ".2f")
    coal = monthly(
        [r["coal_uses"].reindex(columns=list(COAL_USES.values())) for r in runs], "mean", ".2f"
    )
    report.text(
        "Monthly means, median (5-95 %): electricity hours a day and the share of need met of each coal use."
    )
    report.table(hours.merge(coal, on="month"), "power_and_coal_monthly.csv")

    report.text("## Deliveries")
    report.figure(fan_deliveries(runs), "fan_deliveries",
                  "Top: airlift tonnes a day, median and bands (fog makes the spread). Bottom: by cargo, 7-day means "
                  "of the median run; rail, road and canal from 12 May 1949.")  # fmt: skip
    deliveries = [
        r["flows"]
        .reindex(columns=["airlift_food", "airlift_coal_and_fuel", "surface_imports"])
        .fillna(0.0)
        for r in runs
    ]
    report.text("Tonnes delivered per month, median (5-95 %):")
    report.table(monthly(deliveries, "sum", ",.0f"), "deliveries_monthly.csv")
    report.text("**Checks against the inputs.** Deliveries over the periods whose tonnage the config was built "
                "from (inputs, so they must agree within the fog's sampling error), and two totals that were not inputs:")  # fmt: skip
    report.table(delivery_checks(runs), "delivery_checks.csv")

    report.text("## Health")
    hq = health_quantiles([r["health"] for r in runs])
    hq.to_csv(args.out / "health_quantiles.csv", index=False)
    from lachin_sim.outputs.plots import bmi_distribution, deaths_per_day

    report.figure(bmi_distribution(hq), "health_bmi",
                  "BMI by group: median over runs of the population median (line), its 5-95 % over runs (band), "
                  "and the 5th and 95th population percentiles (dashed).")  # fmt: skip
    report.figure(deaths_per_day(hq), "health_deaths",
                  "Crude death rate per 10,000 per day by group (background and excess) with the IPC famine "
                  "(2) and Sphere emergency lines, and cumulative excess deaths; median and 5-95 % over runs.")  # fmt: skip
    end, by_month = health_tables(runs, scenario)
    report.text("At the end of the run (30 September 1949), median (5-95 %):")
    report.table(end, "health_end.csv")
    report.text("Cumulative excess deaths at the end of each month, median (5-95 %):")
    report.table(by_month, "excess_deaths_by_month.csv")
    report.text(
        "**How to read the deaths.** The excess deaths come from the thinnest and worst-fed percentile groups of "
        "the residents: the health model gives every group a fixed spread of access (Clingendael's, by default) "
        "and a normal spread of starting BMI, so the bottom percentiles start at BMI 15-17 and eat about 55 % of "
        "their requirement while the group's mean is at 88 % (the 1,800 kcal months), and still about 80 % when "
        "the mean is at 99 % (after October). They are an implication of those assumptions, which no Berlin data can check; the "
        "sensitivities below move them several-fold (equal access, a thinner start). Read them as a comparison "
        "between scenarios, not as a count.",
    )

    reps_s = 2 if args.quick else None  # the scenarios file says 10
    comparison = resumable(lambda resume: ls.compare(SENSITIVITIES, replications=reps_s, workers=args.workers,
                                                     out=args.out / "sensitivities", resume=resume, progress=False),
                           args.out / "sensitivities")  # fmt: skip
    comparison.runs.to_csv(args.out / "sensitivity_runs.csv", index=False)
    n = int(comparison.runs.groupby("scenario").size().iloc[0])
    report.text(
        "## Sensitivities and the ration rule",
        f"Each scenario of `configs/scenarios/berlin_sensitivities.toml`, {n} replications each with the same "
        "seeds: the replay (the base), rations set by a rule from what was known on 24 June, the conflicting "
        "1,880 kcal ration row, and one input or assumption at the other end of its range. Median (5-95 %); "
        "for a day, the median day since 24 June 1948 and in how many runs it happened.",
    )
    report.table(
        pd.DataFrame(
            [{"scenario": k, "what changes": v} for k, v in comparison.descriptions.items()]
        )
    )
    report.table(sensitivity_table(comparison), "sensitivities.csv")
    report.text(
        "## Caveats",
        "- The replication bands show only the randomness of the fog. The inputs' own uncertainty is in the "
        "sensitivities, one at a time; the assumptions (A1-A23 of the case's page) are judgements where the "
        "inputs have a gap.\n"
        "- Delivered tonnage is an input: the airlift cannot fall short of its schedule except by fog, and the "
        "cargo split (food first) is an assumption.\n"
        "- Coal's days of supply count its uses' need; the power plants draw on it first, on top.\n"
        "- Electricity is in units of pre-blockade use; its hours a day are the share of that use the plants "
        "can make, times 24, not a timetable of power cuts.\n"
        "- The health model has no children, no cold, no disease; its deaths rest on assumed access and starting "
        "BMI (see above and docs/health.md).",
    )
    report.write(f"python experiments/{NAME}.py" + (" --quick" if args.quick else ""))


if __name__ == "__main__":
    main()
