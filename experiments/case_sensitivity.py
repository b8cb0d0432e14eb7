"""Which assumptions decide which conclusions, for a case: the table and figure of its page.

Reads a finished uncertainty study (``lachin-sim uncertainty CONFIG --method morris|sobol``) and
writes, for the case's headline results, a markdown table (each result over all runs, median
and 5-95 %, and its three leading inputs with their index and 95 % interval) and the ranked-bar
figure. Besides the study's own metrics it adds a derived result, the day the *first* stocked
food item's stock fails the ration (empties: in both cases the replayed rations are below need
from day 0, so the first shortage is day 0 in every run), the earliest of that event over the
case's stocked food items, a day never reached counting at the horizon. It and any other column
of the runs table are analysed on the study's own design with the same SALib estimator, so
their indices compare with the study's.

    python experiments/case_sensitivity.py berlin results/berlin_morris
    python experiments/case_sensitivity.py leningrad results/leningrad_morris

The figure goes to docs/cases/figures/<case>_sensitivity.png (``_sobol.png`` for Sobol'), the table to stdout and to
<study>/case_table.md. Nothing is run: it only reads the study's tables.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

import lachin_sim as ls
from lachin_sim.outputs.censoring import at_horizon
from lachin_sim.outputs.plots.uncertainty import sensitivity_bars
from lachin_sim.studies import sensitivity as sa
from lachin_sim.studies.uncertainty import metric_values, sample_means

REPO = Path(__file__).resolve().parent.parent
FIRST = "first_food_item"  # the derived commodity: the earliest of the case's stocked food items

# The case's stocked food items (the first to fall short of its ration dates the food result)
# and its headline results, in the order of the page's table.
CASES = {
    # In both cases the replayed rations are below need from day 0, so the first *shortage* is
    # day 0 in every run: the food result is the day a stock first fails the ration (empties).
    "berlin": {
        "start": dt.date(1948, 6, 24),
        "food": ["flour_wheat", "cereal", "fat", "meat_fish", "dehydrated_potatoes", "sugar",
                 "coffee", "powdered_milk", "whole_milk_children", "fresh_yeast",
                 "dehydrated_vegetables", "salt", "cheese"],
        "results": [f"days_to_stock_empty:{FIRST}", "days_to_stock_empty:flour_wheat",
                    "share_met:flour_wheat", "days_to_first_shortage:coal",
                    "share_met:coal", "days_to_first_shortage:liquid_fuel",
                    "days_to_first_shortage:electricity", "share_met:electricity",
                    "food_kcal_per_person_day@1948-12-15:residents",
                    "food_kcal_per_person_day@1949-03-15:residents", "excess_deaths:all"],
        "derived": ["days_to_stock_empty"],
    },
    "leningrad": {
        "start": dt.date(1941, 9, 8),
        "food": ["flour", "cereals", "meat", "fats", "sugar"],  # the inventoried five
        "results": [f"days_to_stock_empty:{FIRST}", "days_to_stock_empty:flour",
                    "days_to_stock_empty:cereals", "share_met:flour",
                    "food_kcal_per_person_day@1941-12-15:all",
                    "food_kcal_per_person_day@1942-02-15:all", "excess_deaths:all"],
        "derived": ["days_to_stock_empty"],
    },
}  # fmt: skip


def with_results(result, food: list[str], derived: list[str], results: list[str]):
    """The study with the derived results (``<event>:first_food_item``, the earliest over
    ``food``) added to its runs, and indices for every result the study did not analyse
    (any column of its runs table), on the study's own design with its estimator."""
    horizon = result.spec["horizon_days"]
    runs = result.runs.copy()
    for event in derived:
        days = [at_horizon(runs[f"{event}:{c}"].to_numpy(float), horizon) for c in food]
        runs[f"{event}:{FIRST}"] = np.column_stack(days).min(axis=1)
    n_inputs = len(result.inputs)
    n_samples = int(result.samples["sample"].max()) + 1
    per_point = {"morris": n_inputs + 1, "sobol": n_inputs + 2}[result.spec["method"]]
    unit = sa.unit_design(result.spec["method"], n_inputs, n_samples // per_point,
                          result.spec["seed"])  # fmt: skip
    assert len(unit) == n_samples, (len(unit), n_samples)
    problem, seed = sa.unit_problem(result.inputs), sa.design_seed(result.spec["seed"])

    def indices(metric: str) -> pd.DataFrame:
        y = sample_means(runs, metric, horizon, n_samples)
        return sa.analyse(problem, result.spec["method"], unit, y, metric, seed=seed)

    # the design reproduces the study's stored indices (a check of the reconstruction)
    stored = next(m for m in result.metrics
                  if result.sensitivity.loc[result.sensitivity["metric"] == m, "value"].notna().any())  # fmt: skip
    mine = result.sensitivity[result.sensitivity["metric"] == stored]
    assert np.allclose(indices(stored)["value"].to_numpy(float), mine["value"].to_numpy(float),
                       equal_nan=True), "the design does not reproduce the study's indices"  # fmt: skip
    extra = [m for m in results if m not in result.metrics]
    sensitivity = pd.concat([result.sensitivity, *(indices(m) for m in extra)], ignore_index=True)
    spec = dict(result.spec, metrics=[*result.metrics, *extra])
    return replace(result, runs=runs, sensitivity=sensitivity, spec=spec)


def spread(result, metric: str, start: dt.date) -> str:
    """The result over all runs: median [5 %, 95 %], days also as a date."""
    v = metric_values(result.runs, metric, result.spec["horizon_days"])
    q = np.nanquantile(v, [0.5, 0.05, 0.95])
    if metric.startswith("days_to_"):
        reached = np.mean(v < result.spec["horizon_days"])
        date = (start + dt.timedelta(days=float(q[0]))).strftime("%-d %b %Y")
        return (f"day {q[0]:.0f} ({date}) [{q[1]:.0f}, {q[2]:.0f}]; "
                f"reached in {reached:.0%} of runs")  # fmt: skip
    if metric.startswith("share_met"):
        return f"{q[0]:.2f} [{q[1]:.2f}, {q[2]:.2f}]"
    return f"{q[0]:,.0f} [{q[1]:,.0f}, {q[2]:,.0f}]"


def leaders(result, metric: str, top: int = 3) -> str:
    """The ``top`` inputs by the lead index, with their intervals."""
    rank = result.ranking(metric)
    if rank["value"].isna().all():
        return "the same in every run: no index"
    fmt = "{:.3g}" if result.spec["method"] == "sobol" else "{:,.3g}"
    cells = [f"`{r.input}` {fmt.format(r.value)} [{fmt.format(r.low)}, {fmt.format(r.high)}]"
             for r in rank.head(top).itertuples()]  # fmt: skip
    return "; ".join(cells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("study", type=Path, help="the uncertainty study's folder")
    args = parser.parse_args(argv)
    case = CASES[args.case]
    result = with_results(ls.load_uncertainty(args.study), case["food"], case["derived"],
                          case["results"])  # fmt: skip
    lead = "ST" if result.spec["method"] == "sobol" else "mu_star"
    lines = [f"| result | over all runs | inputs that decide it ({lead} [95 % interval]) |",
             "|---|---|---|"]  # fmt: skip
    for metric in case["results"]:
        lines.append(f"| {metric} | {spread(result, metric, case['start'])} | "
                     f"{leaders(result, metric)} |")  # fmt: skip
    table = "\n".join(lines)
    print(table)
    (args.study / "case_table.md").write_text(table + "\n", encoding="utf-8")
    shown = [m for m in case["results"]
             if result.sensitivity.loc[result.sensitivity["metric"] == m, "value"].notna().any()]  # fmt: skip
    suffix = "_sobol" if result.spec["method"] == "sobol" else ""
    figure = REPO / "docs" / "cases" / "figures" / f"{args.case}_sensitivity{suffix}.png"
    sensitivity_bars(result, metrics=shown, top=6).savefig(figure, dpi=110)
    print(f"figure: {figure.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
