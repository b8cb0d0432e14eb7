"""Shared helpers of the figures: colours, dates, regime shading, marks.

No pyplot global state: figures are built with ``matplotlib.figure.Figure``.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.patches import Patch

REGIME_COLOURS = {
    "open": "#e8f5e9",
    "roadblock": "#fff3cd",
    "checkpoint": "#ffe0b2",
    "closed": "#f8d7da",
}
SEVERITY_COLOURS = {"stress": "#f4c542", "severe": "#e8743b", "extreme": "#a4161a"}
FALLBACK = ["#d0d7e1", "#e3d5ff", "#d5f0f0", "#f0e0d0", "#e0e0e0"]
DAYS_OF_SUPPLY_CAP = 120  # days; the depletion axis stops here so short stocks stay readable


def regime_colour(name: str, others: dict[str, str]) -> str:
    if name in REGIME_COLOURS:
        return REGIME_COLOURS[name]
    return others.setdefault(name, FALLBACK[len(others) % len(FALLBACK)])


def needed_commodities(result) -> list[str]:
    """Commodities with a need (others, like 'other_goods', have nothing to fall short of)."""
    need = result.stocks.groupby("commodity", sort=False)["need"].sum()
    return [c for c in need.index if need[c] > 0]


def shade_regimes(ax, regimes: pd.DataFrame, corridor: str, others: dict) -> None:
    for row in regimes[regimes["corridor"] == corridor].itertuples():
        ax.axvspan(row.start, row.end, color=regime_colour(row.regime, others), zorder=0, lw=0)


def key_dates(result) -> list[tuple[pd.Timestamp, str]]:
    """Regime changes on the main corridor and the config's own key dates."""
    s = result.scenario
    main = next(iter(s.corridors))
    marks = [(pd.Timestamp(e.start), e.regime) for e in s.corridors[main].timeline[1:]]
    marks.extend((pd.Timestamp(k.date), k.label) for k in s.key_dates)
    return sorted(marks, key=lambda m: m[0])


def mark_dates(ax, marks, label: bool) -> None:
    for date, text in marks:
        ax.axvline(date, color="0.35", lw=0.7, ls=":", zorder=1)
        if label:
            ax.annotate(text, (date, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -3),
                        textcoords="offset points", rotation=90, fontsize=7, va="top",
                        ha="left", color="0.2")  # fmt: skip


def link_strip(ax, result) -> None:
    """One lane per energy link: red where cut, orange where reduced."""
    s = result.scenario
    names = list(s.links)
    end = pd.Timestamp(s.end)
    for lane, name in enumerate(names):
        for o in s.links[name].outages:
            t0 = pd.Timestamp(o.start)
            t1 = pd.Timestamp(o.end) if o.end is not None else end
            colour = "#c62828" if o.capacity_factor == 0 else "#ef9a3a"
            ax.axvspan(t0, t1, ymin=1 - (lane + 0.85) / len(names), ymax=1 - (lane + 0.15) / len(names),
                       color=colour, lw=0)  # fmt: skip
    ax.set_yticks([(len(names) - lane - 0.5) / len(names) for lane in range(len(names))], names)
    ax.set_ylim(0, 1)
    ax.tick_params(axis="y", length=0, labelsize=8)
    ax.set_facecolor("#eef4ea")
    ax.legend(handles=[Patch(color="#c62828", label="cut"), Patch(color="#ef9a3a", label="reduced"),
                       Patch(color="#eef4ea", label="flowing")],
              loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7, frameon=False)  # fmt: skip


def date_axis(ax) -> None:
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def regime_legend(regimes: pd.DataFrame, corridor: str, others: dict) -> list[Patch]:
    names = list(dict.fromkeys(regimes.loc[regimes["corridor"] == corridor, "regime"]))
    return [Patch(color=regime_colour(n, others), label=f"regime: {n}") for n in names]
