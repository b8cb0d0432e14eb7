"""Health figures: the BMI (or wasting) distribution over time, and deaths per day.

Each function takes either one run's ``health`` table (``HealthModel.tables()["health"]``) or
the quantiles of its series over replications (``lachin_sim.model.health.health_quantiles``:
columns ``series, group, date, q05 .. q95``), and returns a matplotlib ``Figure`` (no pyplot).
Colours are the Okabe-Ito palette, readable with colour-blindness.

>>> import numpy as np
>>> from lachin_sim.config.health import HealthConfig
>>> from lachin_sim.model.health import HealthModel
>>> hm = HealthModel(HealthConfig(), ["all"], np.array([1000.0]), 1.0, np.array([2100.0]))
>>> for k in range(60):
...     _ = hm.step(k, np.array([900.0]), hm.people)
>>> table = hm.tables(np.datetime64("2023-01-01") + np.arange(60))["health"]
>>> bmi_distribution(table).savefig("bmi.png"); deaths_per_day(table).savefig("deaths.png")
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from lachin_sim.config.health import AGGREGATE, BMI_CUTOFFS, WHZ_GAM, WHZ_SAM
from lachin_sim.outputs.plots.common import OKABE_ITO, date_axis

BMI_LABELS = {cut: f"{cut:g} {name}" for cut, name in zip(
    BMI_CUTOFFS, ("underweight", "moderate", "severe", "fatal (men)"), strict=True)}  # fmt: skip
FAMINE_CDR = 2.0  # deaths per 10,000 per day, IPC Famine [health:K1]


def _is_quantiles(data: pd.DataFrame) -> bool:
    return {"series", "q05", "q50", "q95"} <= set(data.columns)


def _groups(data: pd.DataFrame, groups: list[str] | None) -> list[str]:
    names = list(dict.fromkeys(data["group"]))
    if groups is not None:
        return [g for g in groups if g in names]
    return [g for g in names if g != AGGREGATE] or names


def _series(data: pd.DataFrame, group: str, name: str) -> pd.DataFrame:
    """(date, low, mid, high) of a series: 5 / 50 / 95 % over runs, or one run's values."""
    if _is_quantiles(data):
        rows = data[(data["group"] == group) & (data["series"] == name)]
        return pd.DataFrame({"date": rows["date"], "low": rows["q05"], "mid": rows["q50"],
                             "high": rows["q95"]})  # fmt: skip
    rows = data[data["group"] == group]
    return pd.DataFrame({"date": rows["date"], "low": rows[name], "mid": rows[name],
                         "high": rows[name]})  # fmt: skip


def bmi_distribution(data: pd.DataFrame, groups: list[str] | None = None) -> Figure:
    """One panel per group: adults' BMI, children's weight-for-height z-score, over time.

    One run: the median (line) and 5-95 % (band) of the people alive, across the bands.
    Replications: the median over runs of the population median (line) and its 5-95 % over runs
    (band); dashed lines are the medians over runs of the 5th and 95th population percentiles.
    The BMI cut-offs (18.5, 17, 16, 13) and WHZ -2 / -3 are drawn.
    """
    many = _is_quantiles(data)
    names = _groups(data, groups)
    fig = Figure(figsize=(11, 2.6 * len(names) + 1.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(names), 1, sharex=True, squeeze=False)).ravel()
    for i, (ax, group) in enumerate(zip(axes, names, strict=True)):
        mid_name = "bmi_p50"
        child = _series(data, group, mid_name)["mid"].isna().all()
        kind = "whz" if child else "bmi"
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        if many:
            s = _series(data, group, f"{kind}_p50")
            ax.fill_between(s["date"], s["low"], s["high"], color=colour, alpha=0.25, lw=0)
            ax.plot(s["date"], s["mid"], color=colour, lw=1.8, label="median (population median)")
            for tail in ("p05", "p95"):
                t = _series(data, group, f"{kind}_{tail}")
                if len(t) and t["mid"].notna().any():
                    ax.plot(t["date"], t["mid"], color=colour, lw=1.0, ls="--")
        else:
            lo, mid, hi = (
                _series(data, group, f"{kind}_{p}")["mid"] for p in ("p05", "p50", "p95")
            )
            dates = data.loc[data["group"] == group, "date"]
            ax.fill_between(dates, lo, hi, color=colour, alpha=0.25, lw=0)
            ax.plot(dates, mid, color=colour, lw=1.8, label="median")
        cuts = ((WHZ_GAM, "-2 GAM"), (WHZ_SAM, "-3 SAM")) if child else tuple(BMI_LABELS.items())
        for value, label in cuts:
            ax.axhline(value, color="0.35", lw=0.7, ls=":")
            ax.annotate(label, (1.0, value), xycoords=("axes fraction", "data"), xytext=(3, 0),
                        textcoords="offset points", fontsize=7, va="center", color="0.25")  # fmt: skip
        ax.set_ylabel(f"{group}\n{'weight-for-height z' if child else 'BMI, kg/m²'}")
        ax.grid(True, axis="y", lw=0.4, alpha=0.6)
        date_axis(ax)
    band = "5-95 % over runs" if many else "5-95 % of people"
    handles = [Patch(color="0.5", alpha=0.35, label=band)]
    fig.legend(handles=handles, loc="outside lower center", fontsize=8, frameon=False)
    what = ("median over runs of each population median; dashed: medians of its 5th and 95th "
            "percentiles" if many else "median and 5-95 % of the people alive, over the bands")  # fmt: skip
    fig.suptitle(f"Body mass index (adults) and weight-for-height (children): {what}\n"
                 "dotted: BMI 18.5 / 17 / 16 / 13 and WHZ -2 / -3 cut-offs", fontsize=10)  # fmt: skip
    return fig


def deaths_per_day(data: pd.DataFrame, groups: list[str] | None = None,
                   emergency_cdr: float | None = None) -> Figure:  # fmt: skip
    """Crude death rate (deaths per 10,000 people per day) per group with the IPC famine line
    (top), and cumulative excess deaths (bottom). One run: lines; replications: median and
    5-95 % over runs. ``emergency_cdr``: the Sphere emergency rate to draw (default for one run:
    2 x the baseline rate of all groups)."""
    many = _is_quantiles(data)
    names = list(dict.fromkeys(data["group"])) if groups is None else groups
    if emergency_cdr is None and not many and "baseline_cdr_per_10k_day" in data:
        total = AGGREGATE if AGGREGATE in set(data["group"]) else names[0]
        emergency_cdr = 2 * float(
            data.loc[data["group"] == total, "baseline_cdr_per_10k_day"].iloc[0]
        )  # Sphere: 2 x baseline [health:K9]
    fig = Figure(figsize=(11, 6.5), layout="constrained")
    ax_cdr, ax_cum = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    for i, group in enumerate(names):
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        total = group == AGGREGATE
        style = {"color": "black" if total else colour, "lw": 2.2 if total else 1.4}
        for ax, name in ((ax_cdr, "cdr_per_10k_day"), (ax_cum, "cumulative_excess_deaths")):
            s = _series(data, group, name)
            if many:
                ax.fill_between(s["date"], s["low"], s["high"], color=style["color"], alpha=0.15,
                                lw=0)  # fmt: skip
            ax.plot(s["date"], s["mid"], label=group, **style)
    ax_cdr.axhline(FAMINE_CDR, color="#a4161a", lw=1.2, ls="--")
    ax_cdr.annotate("IPC famine: 2 / 10,000 / day", (0.0, FAMINE_CDR),
                    xycoords=("axes fraction", "data"), xytext=(4, 3), textcoords="offset points",
                    fontsize=8, color="#a4161a")  # fmt: skip
    if emergency_cdr is not None:
        ax_cdr.axhline(emergency_cdr, color="0.3", lw=1.0, ls=":")
        ax_cdr.annotate(f"Sphere emergency: {emergency_cdr:.2g} / 10,000 / day (2 x baseline)",
                        (1.0, emergency_cdr), xycoords=("axes fraction", "data"),
                        xytext=(-4, 3), textcoords="offset points", fontsize=8, color="0.3",
                        ha="right")  # fmt: skip
    ax_cdr.set_ylabel("deaths per 10,000 people per day\n(crude death rate)")
    ax_cdr.set_ylim(bottom=0)
    ax_cum.set_ylabel("cumulative excess deaths\n(people)")
    ax_cum.set_ylim(bottom=0)
    for ax in (ax_cdr, ax_cum):
        ax.grid(True, axis="y", lw=0.4, alpha=0.6)
        date_axis(ax)
    handles, _ = ax_cdr.get_legend_handles_labels()
    if many:
        handles.append(Patch(color="0.5", alpha=0.15, label="5-95 % over runs"))
    ax_cdr.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8,
                  frameon=False)  # fmt: skip
    what = "median and 5-95 % over runs" if many else "one run (expected values)"
    fig.suptitle(f"Deaths per day and excess deaths: {what}", fontsize=10)
    return fig
