"""Figures of an uncertainty study: which inputs drive which conclusion, how much of the spread
is the inputs' and how much the schedules', and the bands over all runs.

- :func:`sensitivity_bars`: per headline metric, the inputs ranked by their total Sobol' index
  (first-order beside it) or their Morris ``mu_star``, each with its interval;
- :func:`variance_split`: per headline metric, the share of its variance due to the uncertain
  inputs and the share due to schedule randomness;
- :func:`uncertainty_bands`: median and 5-95 % / 25-75 % bands of a daily series over all runs.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from lachin_sim.outputs.plots.common import DAYS_OF_SUPPLY_CAP, OKABE_ITO, colour_of, date_axis

TOP_INPUTS = 10  # inputs shown per metric (the highest ranked)
INDEX_LABELS = {
    "ST": "total Sobol' index ST (with interactions)",
    "S1": "first-order Sobol' index S1 (alone)",
    "mu_star": "Morris μ* (mean |change| across the input's range)",
}
METRIC_LABELS = {
    "days_to_first_shortage": "days to first shortage of {}",
    "share_met": "share of {} need met",
    "food_kcal_per_person_day": "food kcal/person/day, {}",
    "excess_deaths": "excess deaths, {}",
}


def metric_label(metric: str) -> str:
    """A metric name in words: ``days_to_first_shortage:food`` -> 'days to first shortage of
    food'; a dated metric keeps its date."""
    name, _, what = metric.partition(":")
    base, _, date = name.partition("@")
    label = METRIC_LABELS.get(base, base.replace("_", " ") + " ({})").format(what)
    return f"{label} on {date}" if date else label


def wrap_path(path: str, width: int = 36) -> str:
    """A dotted path on lines of at most ``width`` characters (where the parts allow), broken
    after a dot."""
    parts = path.split(".")
    lines = [parts[0]]
    for part in parts[1:]:
        if len(lines[-1]) + 1 + len(part) > width:
            lines[-1] += "."
            lines.append(part)
        else:
            lines[-1] += "." + part
    return "\n".join(lines)


def _varying(result) -> list[str]:
    """Headline metrics that have indices (an output that never varies has none)."""
    s = result.sensitivity
    return [m for m in result.metrics if s.loc[s["metric"] == m, "value"].notna().any()]


def sensitivity_bars(result, metrics: list[str] | None = None, top: int = TOP_INPUTS) -> Figure:
    """Ranked horizontal bars, one panel per metric: Sobol' ST (dark) and S1 (light) or Morris
    mu_star, with their intervals as whiskers; the inputs in each panel ranked by ST or mu_star."""
    method = result.spec.get("method")
    metrics = metrics or _varying(result)
    lead, other = ("ST", "S1") if method == "sobol" else ("mu_star", None)
    n = max(len(metrics), 1)
    cols = 2 if n > 1 else 1
    rows_n = int(np.ceil(n / cols))
    shown = min(top, len(result.inputs)) or 1
    fig = Figure(figsize=(6.2 * cols, 0.9 + rows_n * (0.35 * shown + 0.9)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows_n, cols, squeeze=False)).ravel()
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    if not metrics:
        axes[0].set_visible(True)
        axes[0].text(0.5, 0.5, "no headline metric varied: no indices", ha="center")
        axes[0].set_axis_off()
    for ax, metric in zip(axes, metrics, strict=False):
        table = result.sensitivity[result.sensitivity["metric"] == metric]
        ranked = (table[table["index"] == lead].dropna(subset=["value"])
                  .sort_values("value", ascending=False).head(top))  # fmt: skip
        names = ranked["input"].tolist()
        y = np.arange(len(names))[::-1]
        height = 0.38 if other else 0.6
        offset = height / 2 if other else 0.0
        _bars(ax, ranked, y + offset, height, OKABE_ITO[0])
        if other:
            second = table[table["index"] == other].set_index("input").loc[names].reset_index()
            _bars(ax, second, y - offset, height, OKABE_ITO[4])
        ax.set_yticks(y, [wrap_path(n) for n in names], fontsize=7)
        ax.axvline(0, color="0.3", lw=0.6)
        ax.set_title(metric_label(metric), fontsize=9)
        ax.set_xlabel("Sobol' index: share of the outcome's variance" if other
                      else INDEX_LABELS[lead], fontsize=8)  # fmt: skip
        ax.grid(True, axis="x", lw=0.4, alpha=0.6)
        if method == "sobol":
            ax.set_xlim(min(-0.05, float(np.nanmin(table["low"])) - 0.02),
                        max(1.0, float(np.nanmax(table["high"])) + 0.02))  # fmt: skip
    handles = [Patch(color=OKABE_ITO[0], label=INDEX_LABELS[lead])]
    if other:
        handles.append(Patch(color=OKABE_ITO[4], label=INDEX_LABELS[other]))
    spec = result.spec
    level = f"{spec.get('conf_level', 0.95):.0%}"
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8, frameon=False,
               title=f"whiskers: {level} bootstrap intervals")  # fmt: skip
    what = ("Sobol' indices: the share of each outcome's variance an input explains"
            if method == "sobol" else "Morris screening: how far each outcome moves with each input")  # fmt: skip
    fig.suptitle(f"Which uncertain inputs drive which outcome ({spec.get('scenario')})\n{what}; "
                 f"{spec.get('samples')} samples x {spec.get('replications')} replications "
                 f"(outcome: mean over replications)", fontsize=10)  # fmt: skip
    return fig


def _bars(ax, rows, y, height: float, colour: str) -> None:
    values = rows["value"].to_numpy(dtype=float)
    low, high = rows["low"].to_numpy(dtype=float), rows["high"].to_numpy(dtype=float)
    err = np.vstack([np.clip(values - low, 0, None), np.clip(high - values, 0, None)])
    err = np.where(np.isnan(err), 0.0, err)
    ax.barh(y, values, height=height, color=colour, xerr=err,
            error_kw={"elinewidth": 0.9, "capsize": 2, "ecolor": "0.15"})  # fmt: skip


def variance_split(result) -> Figure:
    """Stacked bars: per headline metric, the share of its variance over all runs due to the
    uncertain inputs and due to schedule randomness (law of total variance)."""
    table = result.variance.dropna(subset=["share_input"])
    fig = Figure(figsize=(9, 0.9 + 0.38 * max(len(table), 1)), layout="constrained")
    ax = fig.subplots()
    labels = [metric_label(m) for m in table["metric"]]
    y = np.arange(len(table))[::-1]
    inputs = table["share_input"].to_numpy(dtype=float) * 100
    ax.barh(y, inputs, color=OKABE_ITO[0], label="uncertain inputs")
    ax.barh(y, 100 - inputs, left=inputs, color=OKABE_ITO[1],
            label="schedule randomness (replications)")  # fmt: skip
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of the variance over all runs, %")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=8,
               frameon=False)  # fmt: skip
    if not len(table):
        ax.text(50, 0, "no split: it needs replications >= 2 and an outcome that varies",
                ha="center", va="center")  # fmt: skip
    spec = result.spec
    fig.suptitle(f"What the spread of each outcome comes from ({spec.get('scenario')}, "
                 f"{len(result.samples)} samples x {spec.get('replications')} replications)",
                 fontsize=10)  # fmt: skip
    return fig


def uncertainty_bands(result, series: str = "share_met") -> Figure:
    """Median and 5-95 % / 25-75 % bands of a daily series over all runs (inputs and
    schedules together), one colour per commodity."""
    bands = result.bands[result.bands["series"] == series]
    names = list(dict.fromkeys(bands["commodity"]))
    if series == "days_of_supply":
        names = [c for c in names if bands.loc[bands["commodity"] == c, "q50"].notna().any()]
    fig = Figure(figsize=(11, 5), layout="constrained")
    ax = fig.subplots()
    scale = 100 if series == "share_met" else 1
    for i, c in enumerate(names):
        b = bands[bands["commodity"] == c]
        ax.fill_between(b["date"], b["q05"] * scale, b["q95"] * scale, color=colour_of(i),
                        alpha=0.15, lw=0)  # fmt: skip
        ax.fill_between(b["date"], b["q25"] * scale, b["q75"] * scale, color=colour_of(i),
                        alpha=0.3, lw=0)  # fmt: skip
        ax.plot(b["date"], np.minimum(b["q50"] * scale, DAYS_OF_SUPPLY_CAP * 1.02)
                if series == "days_of_supply" else b["q50"] * scale, color=colour_of(i), lw=1.6,
                label=f"{c} (median)")  # fmt: skip
    if series == "days_of_supply":
        ax.set_ylim(0, DAYS_OF_SUPPLY_CAP * 1.02)
        ax.set_ylabel(f"days of supply at full need (axis cut at {DAYS_OF_SUPPLY_CAP})")
    else:
        ax.set_ylim(0, 105)
        ax.set_ylabel("share of need met, %")
    date_axis(ax)
    ax.grid(True, axis="y", lw=0.4, alpha=0.6)
    handles, _ = ax.get_legend_handles_labels()
    handles += [Patch(color="0.5", alpha=0.3, label="25-75 %"),
                Patch(color="0.5", alpha=0.15, label="5-95 %")]  # fmt: skip
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8,
              frameon=False)  # fmt: skip
    spec = result.spec
    fig.suptitle(f"{'Share of need met' if series == 'share_met' else 'Days of supply'} over "
                 f"{spec.get('band_runs')} runs: uncertain inputs and schedule randomness together "
                 f"({spec.get('scenario')}, {len(result.inputs)} uncertain inputs)", fontsize=10)  # fmt: skip
    return fig
