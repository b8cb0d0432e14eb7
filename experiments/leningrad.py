"""Leningrad, the first siege winter (1941-42), with replications and its sensitivities.

    python experiments/leningrad.py            # full run (50 replications; 20 per sensitivity)
    python experiments/leningrad.py --quick    # smoke run

1. Runs configs/leningrad_1941_42.toml with replications (seeds spawned from root seed 0). The
   only random process is the weather closing the lake route, so the bands show what the timing
   of deliveries does, not the uncertainty of the inputs (that is what step 3 is for).
2. Tabulates, as median and 5-95 % over replications: days of supply of each food on the first of
   every month; food energy per person per day by group at mid-month; the first day each food
   falls short of need and the first day its stock cannot serve the ration; deliveries by period
   against the known totals; and, from the health model, mean BMI by group at the end, the share
   below BMI 16, the first day the crude death rate passes 2 per 10,000 per day and cumulative
   excess deaths by month.
3. Runs every named set of configs/scenarios/leningrad_sensitivities.toml (common random numbers)
   and tabulates a few headline results of each.

Nothing here is compared with what happened to the city: the model's outputs are predictions.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
from _common import REPO, Report, arguments
from matplotlib.figure import Figure

import lachin_sim as ls
from lachin_sim.model.health import excess_deaths_by_month, health_quantiles
from lachin_sim.model.streams import spawn_seeds
from lachin_sim.outputs.censoring import censored_stats
from lachin_sim.outputs.plots import bmi_distribution, deaths_per_day
from lachin_sim.outputs.plots.common import colour_of, date_axis
from lachin_sim.studies.scenarios import load_scenario_set

CONFIG = REPO / "configs" / "leningrad_1941_42.toml"
SENSITIVITIES = REPO / "configs" / "scenarios" / "leningrad_sensitivities.toml"
FOODS = ["flour", "cereals", "meat", "fats", "sugar", "condensed_milk", "egg_powder_chocolate"]
GROUPS = ["workers", "office", "dependants", "children", "troops"]
COLOURS = [colour_of(i) for i in (0, 1, 2, 3, 4, 5, 7)]  # Okabe-Ito without its pale yellow
EPS = 1e-9
# Delivered food and cargo with a known total: (flow sources, first day, exclusive end, t).
KNOWN = {
    "water, 12 Sep - 15 Nov": (["water"], "1941-09-12", "1941-11-16", 25228),
    "air, 8 Sep - 31 Dec": (["air"], "1941-09-08", "1942-01-01", 5182),
    "ice, 20 Nov - 31 Dec": (["ice_november", "ice_december"], "1941-11-20", "1942-01-01", 15265),
    "all food, 8 Sep - 31 Dec": (["water", "air", "ice_november", "ice_december"], "1941-09-08",
                                 "1942-01-01", 45675),  # [leningrad:food_tons_total]
    "ice cargo, January": (["ice_1942"], "1942-01-01", "1942-02-01", 53000),
    "ice cargo, February": (["ice_1942"], "1942-02-01", "1942-03-01", 86000),
    "ice cargo, March": (["ice_1942"], "1942-03-01", "1942-04-01", 118000),
    "ice cargo, 1-24 April": (["ice_1942"], "1942-04-01", "1942-04-25", 87735),
}  # fmt: skip


_SCENARIOS: dict[str, ls.Scenario] = {}  # per process: the scenario of each override set


def _scenario(overrides: dict) -> ls.Scenario:
    key = repr(sorted(overrides.items()))
    if key not in _SCENARIOS:
        _SCENARIOS[key] = ls.load_scenario(CONFIG, overrides=overrides)
    return _SCENARIOS[key]


def one_run(task: tuple[dict, int]) -> dict[str, pd.DataFrame | pd.Series]:
    """The tables this experiment reads, of one run (``task``: overrides, seed)."""
    overrides, seed = task
    r = ls.simulate(_scenario(overrides), seed=seed)
    s = r.stocks[r.stocks["commodity"].isin(FOODS)]
    stock_fails = s["consumed"] < s["ration"] * s["need"] - 1e-6 * s["need"]  # stock, not ration
    flows = r.flows.assign(
        food=r.flows[[f"{c}_t" for c in FOODS if f"{c}_t" in r.flows]].sum(axis=1)
    )
    by_source = {
        name: flows.pivot_table(index="date", columns="source", values=column, aggfunc="sum")
        for name, column in (("flows", "tonnes"), ("food_flows", "food"))
    }
    return {
        "days_of_supply": s.pivot(index="date", columns="commodity", values="days_of_supply"),
        "stock_fails": stock_fails.groupby([s["date"], s["commodity"]]).any().unstack(),
        "kcal": r.groups.pivot(index="date", columns="group", values="kcal_per_person_day"),
        "people": r.groups.pivot(index="date", columns="group", values="people"),
        **by_source,
        "evacuated": r.groups.groupby("date")["left_in_vehicles"].sum(),
        "health": r.health,
        "summary": r.summary,
    }


def run_many(overrides: dict, seeds: list[int], workers: int | None) -> list[dict]:
    tasks = [(overrides, s) for s in seeds]
    if workers == 1:
        return [one_run(t) for t in tasks]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one_run, tasks))


# --- tables --------------------------------------------------------------------------------------
def spread(values, fmt: str = ",.0f") -> str:
    """'median [5 %, 95 %]' of values over runs (NaN-free)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if not len(v):
        return "n/a"
    q05, q50, q95 = np.quantile(v, [0.05, 0.5, 0.95])
    return f"{q50:{fmt}} [{q05:{fmt}}, {q95:{fmt}}]"


def on_dates(runs: list[dict], key: str, dates: list[str], columns: list[str], fmt: str,
             label: str) -> pd.DataFrame:  # fmt: skip
    """One row per column (commodity or group), one cell per date: median [5-95 %] over runs."""
    rows = []
    for col in columns:
        row = {label: col}
        for d in dates:
            row[d] = spread([r[key].loc[pd.Timestamp(d), col] for r in runs], fmt)
        rows.append(row)
    return pd.DataFrame(rows)


def kcal_all(run: dict) -> pd.Series:
    """Food energy per person per day over all groups (weighted by people)."""
    people = run["people"][GROUPS]
    return (run["kcal"][GROUPS] * people).sum(axis=1) / people.sum(axis=1)


def first_days(runs: list[dict], scenario: ls.Scenario) -> pd.DataFrame:
    """First day each food falls short of need (share met < 1) and first day its stock cannot
    serve the ration, as 'day N (date)' median [5-95 %]; runs where it never happens count as
    after the end (censored)."""
    start, horizon = pd.Timestamp(scenario.start), scenario.days
    rows = []
    for c in FOODS:
        short = [r["summary"][f"days_to_first_shortage:{c}"] for r in runs]
        fails = []
        for r in runs:
            flags = r["stock_fails"][c].to_numpy()
            fails.append(float(np.argmax(flags)) if flags.any() else np.nan)
        rows.append({"food": c, "first day short of need": _days(censored_stats(short, horizon), start),
                     "first day the stock fails the ration": _days(censored_stats(fails, horizon), start)})  # fmt: skip
    return pd.DataFrame(rows)


def _days(stats, start: pd.Timestamp) -> str:
    def show(v: float) -> str:
        if np.isinf(v):
            return f"never (>= day {stats.horizon:.0f})"
        return f"{(start + pd.Timedelta(days=v)).date().isoformat()} (day {v:.0f})"

    if not stats.reached:
        return f"never in {stats.runs} runs"
    return (f"{show(stats.median)} [{show(stats.q05)}, {show(stats.q95)}]; "
            f"{stats.reached}/{stats.runs} runs")  # fmt: skip


def deliveries(runs: list[dict]) -> pd.DataFrame:
    """Delivered tonnes over each period with a known total: median [5-95 %] over runs."""
    rows = []
    for name, (sources, first, end, known) in KNOWN.items():
        key = "food_flows" if name.startswith("all food") else "flows"
        got = [r[key].loc[first : pd.Timestamp(end) - pd.Timedelta(days=1), sources].sum().sum()
               for r in runs]  # fmt: skip
        rows.append({"period": name, "known total, t": f"{known:,}",
                     "delivered in the model, t": spread(got),
                     "mean / known": f"{np.mean(got) / known:.3f}"})  # fmt: skip
    return pd.DataFrame(rows)


def health_tables(runs: list[dict], scenario: ls.Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(end state by group, cumulative excess deaths by month): median [5-95 %] over runs."""
    start, horizon = pd.Timestamp(scenario.start), scenario.days
    rows = []
    for g in [*GROUPS, "all"]:
        end = [r["health"][r["health"]["group"] == g].iloc[-1] for r in runs]
        child = g == "children"
        rows.append({
            "group": g,
            "mean BMI at the end (children: mean WHZ)": spread(
                [e["mean_whz"] if child else e["mean_bmi"] for e in end], ".2f"),
            "share below BMI 16 at the end (children: WHZ < -3)": spread(
                [e["share_sam"] if child else e["share_bmi_below_16"] for e in end], ".1%"),
            "first day crude death rate >= 2 / 10,000 / day": _days(censored_stats(
                [r["summary"][f"days_to_famine_cdr:{g}"] for r in runs], horizon), start),
            "excess deaths by the end": spread([r["summary"][f"excess_deaths:{g}"] for r in runs]),
        })  # fmt: skip
    by_month = [excess_deaths_by_month(r["health"]) for r in runs]
    months = list(dict.fromkeys(by_month[0]["month"]))
    table = []
    for m in months:
        row = {"month (cumulative to its end)": pd.Timestamp(m).strftime("%b %Y")}
        for g in ["all", *GROUPS]:
            row[g] = spread([b.loc[(b["month"] == m) & (b["group"] == g),
                                   "cumulative_excess_deaths"].iloc[0] for b in by_month])  # fmt: skip
        table.append(row)
    return pd.DataFrame(rows), pd.DataFrame(table)


def sensitivity_row(name: str, description: str, runs: list[dict], scenario: ls.Scenario) -> dict:
    start, horizon = pd.Timestamp(scenario.start), scenario.days
    fails = []
    for r in runs:
        flags = r["stock_fails"]["flour"].to_numpy()
        fails.append(float(np.argmax(flags)) if flags.any() else np.nan)
    december = [kcal_all(r).loc["1941-12-01":"1941-12-31"].mean() for r in runs]
    march = [kcal_all(r).loc["1942-03-01":"1942-03-31"].mean() for r in runs]
    dec31 = [r["health"].loc[(r["health"]["group"] == "all")
                             & (r["health"]["date"] <= "1941-12-31"), "excess_deaths"].sum()
             for r in runs]  # fmt: skip
    return {
        "set": name,
        "what it changes": description,
        "flour stock first fails the ration": _days(censored_stats(fails, horizon), start),
        "kcal/person/day, December": spread(december),
        "kcal/person/day, March": spread(march),
        "excess deaths to 31 Dec": spread(dec31),
        "excess deaths to 30 Apr": spread([r["summary"]["excess_deaths:all"] for r in runs]),
        "first day CDR >= 2": _days(censored_stats(
            [r["summary"]["days_to_famine_cdr:all"] for r in runs], horizon), start),
    }  # fmt: skip


# --- figures -------------------------------------------------------------------------------------
def _band(ax, frames: list[pd.Series], colour: str, label: str, **line) -> None:
    stack = np.vstack([f.to_numpy(dtype=float) for f in frames])
    dates = frames[0].index
    with np.errstate(all="ignore"):
        q05, q25, q50, q75, q95 = np.nanquantile(stack, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    ax.fill_between(dates, q05, q95, color=colour, alpha=0.15, lw=0)
    ax.fill_between(dates, q25, q75, color=colour, alpha=0.3, lw=0)
    ax.plot(dates, q50, color=colour, lw=1.6, label=label, **line)


def _marks(ax, scenario: ls.Scenario) -> None:
    for e in scenario.corridors["ladoga"].timeline[1:]:
        ax.axvline(pd.Timestamp(e.start), color="0.5", lw=0.6, ls=":")
    for k in scenario.key_dates:
        ax.axvline(pd.Timestamp(k.date), color="0.75", lw=0.6, ls=":")


def days_of_supply_figure(runs: list[dict], scenario: ls.Scenario) -> Figure:
    fig = Figure(figsize=(11, 9), layout="constrained")
    axes = fig.subplots(4, 2, sharex=True).ravel()
    for i, c in enumerate(FOODS):
        ax = axes[i]
        _band(ax, [r["days_of_supply"][c] for r in runs], COLOURS[i], "median")
        _marks(ax, scenario)
        ax.set_title(c.replace("_", " "), fontsize=10)
        ax.set_ylabel("days of supply\nat full need", fontsize=8)
        ax.set_ylim(bottom=0)
        ax.grid(True, axis="y", lw=0.4, alpha=0.6)
    people = axes[-1]
    for i, g in enumerate(GROUPS):
        _band(people, [r["people"][g] / 1e6 for r in runs], COLOURS[i], g)
    people.set_title("people present (deaths and evacuation)", fontsize=10)
    people.set_ylabel("million people", fontsize=8)
    people.legend(fontsize=7, frameon=False, ncols=2)
    for ax in axes[-2:]:
        date_axis(ax)
    fig.suptitle("Leningrad 1941-42: days of supply of each food (stock / daily need at full need), "
                 f"median, 25-75 % and 5-95 % over {len(runs)} replications\n"
                 "dotted: route changes (boats, closed, ice road, closed) and key dates", fontsize=10)  # fmt: skip
    return fig


def kcal_figure(runs: list[dict], entitled: pd.DataFrame, scenario: ls.Scenario) -> Figure:
    fig = Figure(figsize=(11, 9), layout="constrained")
    axes = fig.subplots(len(GROUPS), 1, sharex=True)
    for i, (ax, g) in enumerate(zip(axes, GROUPS, strict=True)):
        _band(ax, [r["kcal"][g] for r in runs], COLOURS[i], "eaten (median, bands)")
        ax.plot(entitled.index, entitled[g], color="0.2", lw=1.0, ls="--",
                label="the ration's food energy (all stocks served)")  # fmt: skip
        need = scenario.population.groups[g].need_factors.get("flour", 1.0) * 2100
        ax.axhline(need, color="0.5", lw=0.8, label=f"full need, {need:,.0f} kcal")
        _marks(ax, scenario)
        ax.set_ylabel(f"{g}\nkcal/person/day", fontsize=8)
        ax.set_ylim(0, need * 1.08)
        ax.grid(True, axis="y", lw=0.4, alpha=0.6)
        ax.legend(fontsize=7, frameon=False, loc="upper right")
    date_axis(axes[-1])
    fig.suptitle("Food energy eaten per person per day, by group: median, 25-75 % and 5-95 % over "
                 f"{len(runs)} replications; dashed: what the dated rations allow", fontsize=10)  # fmt: skip
    return fig


def deliveries_figure(runs: list[dict], scenario: ls.Scenario) -> Figure:
    fig = Figure(figsize=(11, 6.5), layout="constrained")
    daily, cumulative = fig.subplots(2, 1, sharex=True)
    food = [r["food_flows"].sum(axis=1) for r in runs]
    cargo = [r["flows"].drop(columns=[c for c in r["flows"] if c.startswith("evacuation")]).sum(axis=1)
             for r in runs]  # fmt: skip
    _band(daily, cargo, colour_of(1), "all cargo")
    _band(daily, food, colour_of(0), "food")
    daily.set_ylabel("tonnes a day")
    daily.set_yscale("symlog", linthresh=100)
    daily.legend(fontsize=8, frameon=False)
    _band(cumulative, [f.cumsum() / 1000 for f in food], colour_of(0), "food delivered (model)")
    known = [("1942-01-01", 45675)]  # [leningrad:food_tons_total]
    cumulative.plot([pd.Timestamp(d) for d, _ in known], [t / 1000 for _, t in known], "ko",
                    label="known total to 1 Jan: 45,675 t")  # fmt: skip
    cumulative.set_ylabel("thousand tonnes of food")
    cumulative.legend(fontsize=8, frameon=False)
    for ax in (daily, cumulative):
        _marks(ax, scenario)
        ax.grid(True, axis="y", lw=0.4, alpha=0.6)
    date_axis(cumulative)
    fig.suptitle("Deliveries over Lake Ladoga and by air (the configured schedule; the bands are the "
                 f"weather closures), {len(runs)} replications", fontsize=10)  # fmt: skip
    return fig


def sensitivity_figure(table: pd.DataFrame, values: dict[str, list[float]]) -> Figure:
    fig = Figure(figsize=(9, 0.45 * len(values) + 1.2), layout="constrained")
    ax = fig.subplots()
    names = list(values)
    for i, n in enumerate(names):
        v = np.asarray(values[n]) / 1000
        q05, q50, q95 = np.quantile(v, [0.05, 0.5, 0.95])
        ax.plot([q05, q95], [i, i], color="0.4", lw=2)
        ax.plot(q50, i, "o", color=colour_of(0) if n != "historical" else "k")
    ax.set_xlim(left=0)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("excess deaths by 30 April 1942, thousands (median and 5-95 % over replications)")
    ax.grid(True, axis="x", lw=0.4, alpha=0.6)
    return fig


# --- the report ----------------------------------------------------------------------------------
def main() -> None:
    args = arguments("leningrad", __doc__.splitlines()[0])
    reps, sens_reps = (3, 2) if args.quick else (50, 20)
    scenario = ls.load_scenario(CONFIG)
    runs = run_many({}, spawn_seeds(0, reps), args.workers)
    fed = one_run(({f"commodities.{c}.initial_stock": 1e7 for c in FOODS}, 0))  # rations in full
    report = Report(
        args, "leningrad", "Leningrad, the first siege winter (1941-42), with replications"
    )
    report.text(
        "**What was run.** `configs/leningrad_1941_42.toml`: 8 September 1941 (the last land route "
        "cut) to 30 April 1942; 3,303,000 people in five groups (workers, office workers, dependants, "
        "children under 12, troops); seven foods; Lake Ladoga by boat, then the ice road, and flights; "
        "the dated bread rations by category; evacuation over the ice; the health model on. Inputs, "
        "assumptions and what the model leaves out: [the case page](../cases/leningrad_1941_42.md). "
        f"{reps} replications with seeds spawned from root seed 0.",
        "**Outcomes were not used.** No parameter was set from, or checked against, how long the "
        "city's stocks lasted, how many died or how much weight people lost. The tables below are "
        "the model's predictions under its stated assumptions, not a reconstruction of events.",
        "**What the bands mean.** The only random process is the weather closing the lake route "
        "(ASSUMPTION 7); every flow's rate is its known tonnage divided by the expected open share, "
        "so the closures move deliveries in time but keep their totals. The spread over replications "
        "is therefore narrow; the uncertainty of the inputs is in [the sensitivities](#sensitivities).",
        "**Electricity and fuel.** Not modelled: the inputs hold no fact about fuel, coal or power, "
        "so there are no electricity hours per day. Food only.",
    )
    dos_dates = [scenario.start.isoformat()] + [f"{y}-{m:02d}-01" for y, m in
                 [(1941, 10), (1941, 11), (1941, 12), (1942, 1), (1942, 2), (1942, 3), (1942, 4)]]  # fmt: skip
    report.text("## Days of supply of each food on the first of every month",
                "Stock at the end of the day over the daily need at *full* need (not the ration), "
                "median [5 %, 95 %] over replications. Condensed milk and egg powder had no stock "
                "at the start (no inventory lists them).")  # fmt: skip
    report.table(on_dates(runs, "days_of_supply", dos_dates, FOODS, ".1f", "food"),
                 "days_of_supply_first_of_month.csv")  # fmt: skip
    report.figure(days_of_supply_figure(runs, scenario), "fan_days_of_supply",
                  "Days of supply of each food at full need (median and bands over replications), "
                  "and the people present by group.")  # fmt: skip
    mid = [f"{y}-{m:02d}-15" for y, m in [(1941, 9), (1941, 10), (1941, 11), (1941, 12),
                                          (1942, 1), (1942, 2), (1942, 3), (1942, 4)]]  # fmt: skip
    for r in runs:
        r["kcal"]["all"] = kcal_all(r)
    report.text("## Food energy per person per day by group at mid-month",
                "All seven foods, kcal per person per day eaten on the 15th of each month, median "
                "[5 %, 95 %] over replications (`all`: weighted by the people of each group). The "
                "full need is 2,450 (workers), 2,100 (office workers), 1,995 (dependants), 1,680 "
                "(children) and 2,810 kcal (troops).")  # fmt: skip
    report.table(on_dates(runs, "kcal", mid, [*GROUPS, "all"], ",.0f", "group"),
                 "kcal_by_group_mid_month.csv")  # fmt: skip
    report.figure(kcal_figure(runs, fed["kcal"], scenario), "fan_kcal_by_group",
                  "Food energy eaten per person per day by group (median and bands), against "
                  "what the dated rations allow when every stock can serve them (dashed) and the "
                  "full need (grey).")  # fmt: skip
    report.text("## First day each food falls short",
                "'Short of need': the first day a food's consumption is below full need; the "
                "rations were below need from day 0, so this is the input, not a prediction. "
                "'The stock fails the ration': the first day the stock could not serve what the "
                "rations allowed. Median [5 %, 95 %] over replications; a run where it never "
                "happens counts as after the end.")  # fmt: skip
    report.table(first_days(runs, scenario), "first_days_short.csv")
    report.text("## Deliveries", "Tonnes delivered over each period with a known total. The "
                "configured flows are the input; this checks that the model delivers them.")  # fmt: skip
    report.table(deliveries(runs), "deliveries.csv")
    evacuated = [r["evacuated"].sum() for r in runs]
    report.text(f"People evacuated over the ice, 1 January - 24 April 1942: {spread(evacuated)} "
                "(the input: about 500,000, [leningrad:evacuated_early_1942]).")  # fmt: skip
    report.figure(deliveries_figure(runs, scenario), "deliveries",
                  "Food and all cargo delivered per day (log scale above 100 t) and food delivered "
                  "in all, against the known total to 1 January.")  # fmt: skip
    end_state, by_month = health_tables(runs, scenario)
    report.text("## Health", "From the health model ([docs/health.md](../health.md)): the food "
                "energy each group ate drives body weight, thinness and deaths. Median [5 %, 95 %] "
                "over replications. The children's group reports weight-for-height (WHZ) instead of "
                "BMI: its share is the share below WHZ -3 (severe wasting).")  # fmt: skip
    report.table(end_state, "health_end.csv")
    report.text("Cumulative excess deaths (above the background rate) at the end of each month:")
    report.table(by_month, "excess_deaths_by_month.csv")
    quantiles = health_quantiles([r["health"] for r in runs])
    report.figure(bmi_distribution(quantiles), "health_bmi",
                  "BMI of adults and weight-for-height of children: median over replications of "
                  "each group's median, with its 5-95 % band.")  # fmt: skip
    report.figure(deaths_per_day(quantiles), "health_deaths",
                  "Crude death rate per 10,000 per day by group and cumulative excess deaths, "
                  "median and 5-95 % over replications, with the IPC famine threshold.")  # fmt: skip
    config, _ = load_scenario_set(SENSITIVITIES)
    seeds = spawn_seeds(config.seed, sens_reps)
    rows, values = [], {}
    for name, named in config.scenarios.items():
        sens_runs = run_many(named.overrides, seeds, args.workers)
        rows.append(sensitivity_row(name, named.description, sens_runs, scenario))
        values[name] = [r["summary"]["excess_deaths:all"] for r in sens_runs]
    report.text("## Sensitivities",
                f"Each named set of `configs/scenarios/leningrad_sensitivities.toml`, {sens_reps} "
                "replications each under common random numbers (`lachin-sim compare` runs the "
                "same sets). The case page gives each set's reasoning.")  # fmt: skip
    report.table(pd.DataFrame(rows), "sensitivities.csv")
    report.figure(sensitivity_figure(pd.DataFrame(rows), values), "sensitivity_excess_deaths",
                  "Excess deaths by 30 April 1942 in each sensitivity set.")  # fmt: skip
    report.text(
        "## Caveats",
        "- Every ASSUMPTION of the config (the split of the civilians over the ration categories, "
        "the need of each group, the food energy of meat and fats, the food share of the 1942 "
        "ice-road cargo, the non-bread rations after 20 November, the rations after 24 January, the "
        "weather) is a judgement where the inputs have a gap; the case page lists them with their "
        "ranges and directions.\n"
        "- The inputs give no ration decision after 24 January 1942: the model keeps that ration to "
        "the end, even as the stocks fill up. The `ration_rule` set shows what a ration set from the "
        "stocks would do instead.\n"
        "- The health model is physiology from other populations (health.md); it has no disease, "
        "no cold, no heating and no famine oedema, and its first deaths come from the thinnest, "
        "worst-fed bands, whose starting BMI is an assumption. Use its deaths to compare scenarios, "
        "not as a count.\n"
        "- Deliveries are Soviet official figures to 1 January and weakly sourced figures after it.",
    )
    report.write("python experiments/leningrad.py" + (" --quick" if args.quick else ""))


if __name__ == "__main__":
    main()
