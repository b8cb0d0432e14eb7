"""How many humanitarian trucks a day keep people at full need through a checkpoint?

    python experiments/minimum_capacity.py            # full run (40 replications per trial)
    python experiments/minimum_capacity.py --quick    # smoke run

Under checkpoint conditions for the whole period (the historical `checkpoint` regime: ICRC and
peacekeepers only, one inspection lane), with a checkpoint denial probability of 0, 0.1 and
0.3, finds for food, fuel and medicine the smallest number of humanitarian trucks per day that
keeps the commodity at or above need on every day of the period in at least 90 % of
replications. It uses the capacity search (`ls.minimum_parameter`: bisection over sweeps with
common random numbers).

The trucks carry a mix proportional to daily need by weight, as the scenario computes it on its
first day (food, fuel and medicine over all their uses), 19 t each ([standards:45]). All other
convoy sources are switched off, and the gas pipeline and power line are left intact, so that
trucks are the only variable: gas and electricity are out of scope (they do not travel by truck
here). The search runs twice: with the scenario's ration rules as calibrated (decisions by rule),
and with the rules off (people eat what the stock allows), because a rule that rations in
anticipation changes what "at need every day" takes.

Across the input uncertainty: with the rules as calibrated and denial 0 and 0.3, the search is
run again at K samples (16; 2 in the quick run) of the scenario's uncertain inputs (its
``[uncertainty]`` table, a seeded Latin hypercube, each sample with the same replication seeds),
and at the written values with the same search settings. The inputs this experiment sets itself
(the denial probability) or switches off (the ICRC and peacekeeper convoys) are not sampled.
Food, fuel and medicine are searched in turn, each from the rate the ones before need, so the
last answer is the rate for all three. The answers per sample go to minimum_by_sample.csv; an
interrupted run reuses the searches it finished (sample_searches.jsonl).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
from _common import REPO, Report, arguments
from _uncertain import (
    dropped_text,
    free_inputs,
    latin_hypercube,
    leading_input,
    samples_table,
    spread,
)

import lachin_sim as ls
from lachin_sim.config.files import read_config
from lachin_sim.outputs.plots import Figure

CONFIG = REPO / "configs" / "blockade_2023.toml"
PARAMETER = "convoys.aid.trucks_per_day"
DENIALS = (0.0, 0.1, 0.3)
COMMODITIES = ("food", "fuel", "medicine")
PROBABILITY = 0.9
SAMPLE_DENIALS = (0.0, 0.3)  # the denial probabilities searched across the input samples
SAMPLE_SEED = 2023  # root seed of the Latin hypercube of input samples
SAMPLED_RULES = "rules as calibrated"  # the rule setting searched across the input samples
RULES = {  # the two settings of the search: the base's rules as calibrated, and no rules
    "rules as calibrated": {},
    "rules off": {"rationing.rules.food.enabled": False, "rationing.rules.fuel.enabled": False},
}


def daily_need(scenario: ls.Scenario) -> dict[str, float]:
    """Need on the scenario's first day (t/day), over all uses and groups of each commodity."""
    first = ls.simulate(scenario, seed=0).stocks
    first = first[first["date"] == first["date"].min()].set_index("commodity")
    return {c: float(first.loc[c, "need"]) / scenario.tick_days for c in COMMODITIES}


def aid_overrides(mix: dict[str, float]) -> dict[str, object]:
    """The base under a checkpoint from day one, links intact, one aid source with ``mix``."""
    return {
        "corridors.lachin.timeline": [{"start": "2022-12-01", "regime": "checkpoint"}],
        "links.gas_pipeline.outages": [],
        "links.power_line.outages": [],
        # every convoy source of the base is switched off (a list by name missed aghdam_icrc)
        **{f"convoys.{name}.enabled": False for name in read_config(CONFIG)["convoys"]},
        "convoys.aid": {"operator": "humanitarian", "corridor": "lachin", "schedule": "poisson",
                        "trucks_per_day": 1.0, "payload_t": 19.0, "cargo": mix},
    }  # fmt: skip


def rules_effect(table: pd.DataFrame) -> str:
    """One sentence: how much the rules change the minimum, over denials and commodities."""
    by = table.pivot_table(index=["denial probability", "commodity"], columns="rules",
                           values="minimum trucks/day")  # fmt: skip
    diff = (by["rules as calibrated"] - by["rules off"]).dropna()
    if diff.empty:
        return "No setting met the target within the searched range, so the two cannot be compared."
    if (diff.abs() < 1e-9).all():
        return "Here the two settings give the same minimum everywhere: the rules do not bind."
    return (f"Here the rules change the minimum by {diff.min():+g} to {diff.max():+g} trucks a day "
            "(rules as calibrated minus rules off), the cost or saving of rationing that expects "
            "no deliveries, not of the corridor.")  # fmt: skip


def checkpoint_text(base: ls.Scenario) -> str:
    """The checkpoint regime in words: who passes, lanes, the inspection time."""
    regime = base.regimes["checkpoint"]
    return (f"operators {', '.join(regime.allowed_operators)} pass; "
            f"{regime.inspection_lanes} inspection lane(s), inspections {regime.inspection_time_h.dist} "
            f"with a mean of {regime.inspection_time_h.mean_value:g} h")  # fmt: skip


def stocks_text(base: ls.Scenario, need_t: dict[str, float]) -> str:
    """The initial stocks as days of the first day's need: 'about 30 days of food, ...'."""
    days = {c: base.commodities[c].initial_stock / need_t[c] for c in COMMODITIES}
    return "about " + ", ".join(f"{d:.0f} days of {c}" for c, d in days.items())


def rules_text(base: ls.Scenario, need_t: dict[str, float]) -> str:
    """What the base's food and fuel rules do, from their settings."""
    food, fuel = base.rationing.rules["food"].stretch, base.rationing.rules["fuel"].stretch
    stock_days = base.commodities["food"].initial_stock / need_t["food"]
    window = ("counting on no deliveries (its inflow window is 0)" if not food.inflow_window_days
              else f"counting the last {food.inflow_window_days:g} days of deliveries")  # fmt: skip
    fuel_window = (f"counts the last {fuel.inflow_window_days:g} days of deliveries"
                   if fuel.inflow_window_days else "counts on no deliveries")  # fmt: skip
    return (f"The food rule: below {food.trigger_days_of_supply:g} days of supply it engages (and "
            f"stays engaged) and makes the stock last {food.horizon_days:g} days, {window}; the "
            f"fuel rule {fuel_window} and spreads them with the stock over {fuel.horizon_days:g} "
            f"days. A pipeline that delivers about the need keeps the food stock near its "
            f"{stock_days:.0f} days, so the food rule engages only where random arrivals take the "
            f"stock below {food.trigger_days_of_supply:g} days, and then rations although trucks "
            "keep coming.")  # fmt: skip


def lane_text(base: ls.Scenario, most: float) -> str:
    """Whether the checkpoint's lanes limit the largest rate found (trucks/day)."""
    regime = base.regimes["checkpoint"]
    per_day = regime.inspection_lanes * 24 / regime.inspection_time_h.mean_value
    if not np.isfinite(most):
        return f"The lanes can inspect about {per_day:.0f} trucks a day."
    use = most / per_day
    return (f"The lanes can inspect about {per_day:.0f} trucks a day; the largest rate found, "
            f"{most:g} a day, uses {use:.0%} of that" + (" (far from saturated)." if use < 0.5
                                                        else ": queues add to the delays."))  # fmt: skip


def search_settings(quick: bool) -> dict[str, object]:
    """The search across the input samples: K samples, replications per trial value, step
    (trucks/day). Fewer replications and a coarser step than the point answer (40, 0.25): the
    K + 1 searches of each setting dominate the run time."""
    if quick:
        return {"samples": 2, "replications": 2, "step": 1.0}
    return {"samples": 16, "replications": 20, "step": 0.5}


def search_options(parser: argparse.ArgumentParser) -> None:
    """The experiment's own options: the search's precision against its run time (the full
    settings take about 5 h on 2 shared cores; the report states the settings it ran with)."""
    from lachin_sim.cli import _positive_int

    def positive(text: str) -> float:
        value = float(text)
        if not (0 < value < float("inf")):
            raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
        return value

    parser.add_argument("--replications", type=_positive_int,
                        help="replications per trial value of the point answer (default 40; quick 4)")  # fmt: skip
    parser.add_argument("--step", type=positive,
                        help="trucks/day between trial values of the point answer (default 0.25; quick 1)")  # fmt: skip
    parser.add_argument("--samples", type=_positive_int,
                        help="input samples searched across the uncertainty (default 16; quick 2)")  # fmt: skip
    parser.add_argument("--sample-replications", type=_positive_int,
                        help="replications per trial value at each sample (default 20; quick 2)")  # fmt: skip
    parser.add_argument("--sample-step", type=positive,
                        help="trucks/day between trial values at each sample (default 0.5; quick 1)")  # fmt: skip


class SearchLog:
    """The finished searches of the input samples, one JSON line each, keyed by everything the
    answer depends on (scenario, overrides, search settings): an interrupted run reuses them."""

    def __init__(self, path: Path):
        self.path, self.found = path, {}
        if path.exists():
            for line in path.read_text().splitlines():
                row = json.loads(line)
                self.found[row["key"]] = row["value"]

    def answer(self, key: dict, search) -> float | None:
        digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()
        if digest not in self.found:
            self.found[digest] = search()
            with self.path.open("a") as f:
                f.write(json.dumps({"key": digest, "value": self.found[digest]}) + "\n")
        return self.found[digest]


def minimum_by_sample(scenario: ls.Scenario, points: list[dict], settings: dict, workers,
                      log: SearchLog) -> pd.DataFrame:  # fmt: skip
    """One row per sample (-1: the written values) and denial of :data:`SAMPLE_DENIALS`: the
    minimum trucks/day for food and for all three commodities (NaN: none up to 24), and the
    commodity that sets the latter (``binding``).

    All three are searched in turn, each from the rate the ones before it need (food from 0,
    fuel from food's answer, medicine from the larger of the two): under the monotonicity the
    search assumes, the last answer is the largest of the three minimums (:func:`all_three`),
    found with fewer trial values than three searches from 0."""
    base = hashlib.sha256(json.dumps(scenario.to_dict(), sort_keys=True).encode()).hexdigest()
    rows = []
    for k, point in enumerate([{}, *points]):
        for denial in SAMPLE_DENIALS:
            overrides = {"regimes.checkpoint.denial_probability": denial,
                         **RULES[SAMPLED_RULES], **point}  # fmt: skip
            row: dict[str, object] = {"sample": k - 1, "denial probability": denial,
                                      "binding": COMMODITIES[0]}  # fmt: skip
            low: float | None = 0.0
            for commodity in COMMODITIES:
                search = {"metric": f"shortage_days:{commodity}", "target": 0.0,
                          "better": "lower", "probability": PROBABILITY, "low": low,
                          "high": 24.0, "step": settings["step"],
                          "replications": settings["replications"], "seed": 1}  # fmt: skip

                def run(search=search, overrides=overrides) -> float | None:
                    return ls.minimum_parameter(scenario, PARAMETER, overrides=overrides,
                                                workers=workers, **search).value  # fmt: skip

                value = log.answer({"scenario": base, "overrides": overrides, **search}, run)
                if commodity == "food":
                    row["food"] = np.nan if value is None else value
                if value is None or value > low:  # this commodity needs more than the ones before
                    row["binding"] = commodity
                low = value
                if low is None:  # no rate up to the maximum: none for all three
                    break
            row["all three"] = np.nan if low is None else low
            print(f"sample {k - 1}, denial {denial:g}: food {row['food']:g}, all three "
                  f"{row['all three']:g} ({row['binding']})")  # fmt: skip
            rows.append(row)
    return pd.DataFrame(rows)


def all_three(table: pd.DataFrame) -> pd.Series:
    """The rate that keeps every commodity at need: the largest of the commodities' minimums,
    NaN where one of them has none up to the searched maximum."""
    return table[list(COMMODITIES)].max(axis=1, skipna=False)


def across_inputs(by_sample: pd.DataFrame, point: pd.DataFrame, unit: np.ndarray,
                  names: list[str]) -> pd.DataFrame:  # fmt: skip
    """Per denial and answer (food, all three): the point answer (40 replications), the answer
    at the written values with the sample search, and median, 5 % and 95 % over the samples,
    the samples without an answer up to 24/day and the input the answer moves with most."""
    rows = []
    for denial in SAMPLE_DENIALS:
        at = by_sample[by_sample["denial probability"] == denial].set_index("sample")
        written_point = point[(point["rules"] == SAMPLED_RULES)
                              & (point["denial probability"] == denial)]  # fmt: skip
        for answer in ("food", "all three"):
            samples = at.loc[at.index >= 0, answer].sort_index().to_numpy(dtype=float)
            median, q05, q95 = spread(samples)
            name, rho = leading_input(unit, names, samples)
            rows.append({"denial probability": denial, "answer": answer,
                         "point answer": float(written_point[answer].iloc[0]),
                         "written values": float(at.loc[-1, answer]), "median": median,
                         "5 %": q05, "95 %": q95,
                         "samples none up to 24": int((~np.isfinite(samples)).sum()),
                         "moves most with": name, "rank correlation": rho})  # fmt: skip
    return pd.DataFrame(rows)


def trucks(value: float) -> str:
    """A minimum as text: '5.5', or '> 24' where no rate up to 24/day met the target."""
    return "> 24" if not np.isfinite(value) else f"{value:g}"


def robustness_text(summary: pd.DataFrame, samples: int, step: float) -> list[str]:
    """Plain sentences: for each denial and answer, the range over samples and whether it is
    within the search's resolution (robust) or hangs on the assumptions."""
    lines = []
    for row in summary.to_dict("records"):
        what = "food" if row["answer"] == "food" else "food, fuel and medicine together"
        width = row["95 %"] - row["5 %"]
        head = (f"- **{what}, denial {row['denial probability']:g}:** {trucks(row['median'])} "
                f"trucks/day (median of {samples} samples; 5-95 % {trucks(row['5 %'])} to "
                f"{trucks(row['95 %'])}; {trucks(row['written values'])} at the written values "
                "with the same search).")  # fmt: skip
        if not np.isfinite(width):
            tail = (" In some samples no rate up to 24 a day meets the target: the answer hangs "
                    "on the assumptions.")  # fmt: skip
        elif width <= step + 1e-9:
            tail = (f" The range is within one step of the search ({step:g}): over these "
                    "samples, this answer does not hang on the uncertain inputs.")  # fmt: skip
        else:
            tail = f" The range spans {width:g} trucks a day: the answer hangs on the assumptions"
            tail += (f", most on `{row['moves most with']}` (rank correlation "
                     f"{row['rank correlation']:+.2f} over the samples)."
                     if row["moves most with"] else ".")  # fmt: skip
        lines.append(head + tail)
    return lines


def probability_plot(evaluations: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(10, 7), layout="constrained")
    axes = fig.subplots(len(RULES), len(COMMODITIES), sharey=True, sharex=True)
    for row, rules in zip(axes, RULES, strict=True):
        for ax, commodity in zip(row, COMMODITIES, strict=True):
            for i, denial in enumerate(DENIALS):
                e = evaluations[(evaluations["commodity"] == commodity)
                                & (evaluations["denial"] == denial) & (evaluations["rules"] == rules)]  # fmt: skip
                e = e.sort_values(PARAMETER)
                ax.plot(e[PARAMETER], e["probability"] * 100, "o-", color=f"C{i}", lw=1.2, ms=4,
                        label=f"denial {denial:g}")  # fmt: skip
                ax.fill_between(e[PARAMETER], e["ci_low"] * 100, e["ci_high"] * 100,
                                color=f"C{i}", alpha=0.12)  # fmt: skip
            ax.axhline(PROBABILITY * 100, color="0.3", ls=":", lw=1)
            ax.set_title(f"{commodity}, {rules}", fontsize=9)
            ax.grid(True, lw=0.4, alpha=0.6)
        row[0].set_ylabel("replications never short, %")
    for ax in axes[-1]:
        ax.set_xlabel("humanitarian trucks per day")
    axes[0][-1].legend(fontsize=8, frameon=False)
    fig.suptitle("Probability of meeting need on every day, by trucks per day tried in the search "
                 f"(95 % Wilson intervals; dotted: the {PROBABILITY:.0%} target)", fontsize=10)  # fmt: skip
    return fig


def main() -> None:
    args = arguments("minimum_capacity", __doc__.splitlines()[0], extra=search_options)
    reps = args.replications or (4 if args.quick else 40)
    step = args.step or (1.0 if args.quick else 0.25)
    base = ls.load_scenario(CONFIG)
    need_t = daily_need(base)
    mix = {c: round(need_t[c] / sum(need_t.values()), 4) for c in COMMODITIES}
    mix["food"] = round(1 - sum(v for c, v in mix.items() if c != "food"), 4)  # sums to 1
    scenario = ls.load_scenario(CONFIG, overrides=aid_overrides(mix))
    rows, evaluations = [], []
    for rules, rule_overrides in RULES.items():
        for denial in DENIALS:
            for commodity in COMMODITIES:
                answer = ls.minimum_parameter(
                    scenario, PARAMETER, metric=f"shortage_days:{commodity}", target=0.0,
                    better="lower", probability=PROBABILITY, low=0.0, high=24.0,
                    step=step, replications=reps, seed=1,
                    workers=args.workers,
                    overrides={"regimes.checkpoint.denial_probability": denial, **rule_overrides})  # fmt: skip
                rows.append({"rules": rules, "denial probability": denial, "commodity": commodity,
                             "minimum trucks/day": answer.value if answer.value is not None else float("nan")})  # fmt: skip
                evaluations.append(answer.evaluations.assign(commodity=commodity, denial=denial,
                                                             rules=rules))  # fmt: skip
                print(f"{rules}, denial {denial:g}, {commodity}: {answer}")
    table = pd.DataFrame(rows)
    all_evaluations = pd.concat(evaluations, ignore_index=True)
    all_evaluations.to_csv(args.out / "search_evaluations.csv", index=False)
    wide = table.pivot(index=["rules", "denial probability"], columns="commodity",
                       values="minimum trucks/day")  # fmt: skip
    wide = wide[list(COMMODITIES)].reset_index()
    wide["all three"] = all_three(wide)

    settings = search_settings(args.quick)
    for key, value in (("samples", args.samples), ("replications", args.sample_replications),
                       ("step", args.sample_step)):  # fmt: skip
        if value is not None:
            settings[key] = value
    sets = {**aid_overrides(mix), "regimes.checkpoint.denial_probability": 0.0,
            **RULES[SAMPLED_RULES]}  # fmt: skip
    inputs, dropped = free_inputs(scenario.uncertainty, sets)
    unit, points = latin_hypercube(inputs, int(settings["samples"]), SAMPLE_SEED)
    by_sample = minimum_by_sample(scenario, points, settings, args.workers,
                                  SearchLog(args.out / "sample_searches.jsonl"))  # fmt: skip
    per_sample = by_sample.merge(samples_table(points), on="sample", how="left")
    per_sample.to_csv(args.out / "minimum_by_sample.csv", index=False)
    summary = across_inputs(by_sample, wide, unit, list(inputs))

    report = Report(
        args, "minimum_capacity", "Minimum humanitarian trucks per day through a checkpoint"
    )
    report.text(
        "**Question.** Under checkpoint conditions for the whole period, how many humanitarian trucks "
        "a day keep each commodity at or above need on every day from 1 Dec 2022 to 30 Sep 2023, in at "
        f"least {PROBABILITY:.0%} of replications, if the checkpoint turns back 0 %, 10 % or 30 % of trucks?",
        "**What was run.** `configs/blockade_2023.toml` with the Lachin corridor under the historical "
        f"`checkpoint` regime from the first day ({checkpoint_text(base)}: assumptions). One "
        "humanitarian source sends 19 t trucks "
        "(Poisson) carrying food, fuel and medicine in proportion to daily need by weight "
        f"({', '.join(f'{c} {s:.2%}' for c, s in mix.items())}; the need on the first day: "
        f"{', '.join(f'{c} {need_t[c]:.1f} t' for c in COMMODITIES)}). All other sources are off, "
        f"and the gas and power links are left intact. The initial stocks ({stocks_text(base, need_t)}: "
        "assumptions) and local food production "
        f"({base.commodities['food'].production_per_day / need_t['food']:.0%} of need) are the "
        "historical scenario's. The search runs with the scenario's ration rules as calibrated "
        "(decisions by rule) and with the rules off. For each setting, denial rate and "
        f"commodity, the capacity search bisects the truck rate from 0 to 24 per day in steps of "
        f"{step:g}. It runs {reps} replications per trial value, with the "
        "same seeds at every value.",
    )
    report.text("## Answer", "Smallest trucks/day meeting the target (NaN: none up to 24/day). "
                "'All three' is the largest, the rate that keeps every commodity at need.")  # fmt: skip
    report.table(wide, "minimum_trucks_per_day.csv")
    report.figure(probability_plot(all_evaluations), "search_probability",
                  "Share of replications in which the commodity was never short, at each truck rate the "
                  "search tried, by denial probability.")  # fmt: skip
    report.text(
        f"**Reading it.** The whole daily need (about {sum(need_t.values()):.0f} t) fills about "
        f"{sum(need_t.values()) / 19:.1f} trucks. The cargo is mixed in proportion to need, so every "
        "commodity needs roughly that rate. Initial stocks and local food production lower the "
        "threshold at first. Denials raise it by about 1 / (1 - denial probability). Random "
        "arrival days add a margin for the 90 % target.",
        "**Decisions by rule.** " + rules_text(base, need_t) + " " + rules_effect(table),
    )
    report.text(
        "## Across what we don't know",
        f"The answers above are at the values the scenario writes for its assumptions. Its "
        f"`[uncertainty]` table gives {len(scenario.uncertainty)} of them a range (see "
        "[the historical scenario](../historical_scenario.md)). With the rules as calibrated and "
        f"denial {' and '.join(f'{d:g}' for d in SAMPLE_DENIALS)}, the search was run again at "
        f"{settings['samples']} samples of the {len(inputs)} inputs this experiment leaves free "
        f"(a Latin hypercube, root seed {SAMPLE_SEED}), and at the written values, each with "
        f"{settings['replications']} replications per trial value, a step of {settings['step']:g} "
        "and the same seeds in every sample. " + dropped_text(dropped),
        "'Point answer' is the table above; 'written values' is the same inputs searched as the "
        "samples were (compare the samples with it). '5 %' and '95 %' are over the samples; "
        "'moves most with' is the input with the largest rank correlation with the answer over "
        "the samples, a hint from few samples rather than a measure. The answer per sample is "
        "in `minimum_by_sample.csv`.",
    )
    report.table(summary, "minimum_over_samples.csv")
    report.text(
        "\n".join(robustness_text(summary, int(settings["samples"]), float(settings["step"])))
    )
    report.text(
        "## Caveats",
        "- A result holds for this cargo mix. Sending fuel and food in separate trucks changes the "
        "per-commodity answers, but not the total tonnage needed.\n"
        "- The ranges across the inputs are over the scenario's assumptions as its `[uncertainty]` "
        "table writes them, with fewer replications per trial value than the point answer: a range "
        "says how much the answer could move, not how likely each value is.\n"
        "- The inspection time, the number of lanes and the denial probabilities are assumptions; no "
        "per-truck figures are reported for the Lachin checkpoint ([standards:49]). "
        f"{lane_text(base, float(np.nanmax(wide[list(COMMODITIES)].to_numpy())))}\n"
        "- Medicine need is primary care (the kit norm, [standards:24]) plus chronic treatment and "
        "surgery and trauma, whose shares are ASSUMPTIONS (no sourced norm, [standards:29]).\n"
        "- 'At or above need on every day' is a strict target. A lower target (for example "
        "`share_met:food` >= 0.95) gives smaller numbers; rerun `ls.minimum_parameter` with another metric.",
    )
    report.write("python experiments/minimum_capacity.py" + (" --quick" if args.quick else "")
                 + "".join(f" --{name.replace('_', '-')} {getattr(args, name):g}"
                           for name in ("replications", "step", "samples", "sample_replications",
                                        "sample_step") if getattr(args, name) is not None))  # fmt: skip


if __name__ == "__main__":
    main()
