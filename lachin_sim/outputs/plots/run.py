"""Figures of one run: the depletion plot and the shortage timeline.

>>> import lachin_sim as ls
>>> result = ls.simulate(ls.load_scenario("configs/blockade_2023.toml"))
>>> fig = ls.plot.depletion(result)
>>> fig.savefig("/tmp/depletion.png")
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from lachin_sim.outputs.plots.common import (
    DAYS_OF_SUPPLY_CAP,
    FALLBACK,
    SEVERITY_COLOURS,
    date_axis,
    key_dates,
    link_strip,
    mark_dates,
    needed_commodities,
    regime_legend,
    shade_regimes,
)  # fmt: skip


def depletion(result, max_days: float = DAYS_OF_SUPPLY_CAP) -> Figure:
    """Days of supply of each storable commodity (top), share of need met (middle) and the
    state of the energy links (bottom), with the main corridor's regimes shaded and regime
    changes and key dates marked."""
    stocks, s = result.stocks, result.scenario
    commodities = needed_commodities(result)
    main = next(iter(s.corridors))
    others: dict[str, str] = {}
    has_links = bool(s.links)
    fig = Figure(figsize=(11, 8.5 if has_links else 7.5), layout="constrained")
    ratios = [3, 2, 0.25 + 0.22 * len(s.links)] if has_links else [3, 2]
    axes = fig.subplots(len(ratios), 1, sharex=True, height_ratios=ratios)
    ax_dos, ax_met = axes[0], axes[1]
    marks = key_dates(result)
    colours = {c: f"C{i}" for i, c in enumerate(commodities)}
    for c in commodities:
        df = stocks[stocks["commodity"] == c]
        if s.commodities[c].storage_capacity != 0:
            unit = s.commodities[c].unit
            ax_dos.plot(df["date"], df["days_of_supply"].clip(upper=max_days), color=colours[c],
                        lw=1.6, label=f"{c} (stock in {unit})")  # fmt: skip
        met = df["share_met"].rolling(7, min_periods=1).mean() * 100
        ax_met.plot(df["date"], met, color=colours[c], lw=1.3, label=c)
    for ax in (ax_dos, ax_met):
        shade_regimes(ax, result.regimes, main, others)
        mark_dates(ax, marks, label=ax is ax_dos)
        ax.grid(True, axis="y", lw=0.4, alpha=0.6)
    ax_dos.set_ylim(0, max_days * 1.05)
    ax_dos.set_ylabel(
        f"days of supply at full need\n(stock / daily need; axis capped at {max_days:g})"
    )
    ax_met.set_ylim(0, 105)
    ax_met.set_ylabel("share of need met, %\n(7-day mean)")
    ax_met.axhline(100, color="0.3", lw=0.6)
    handles, _ = ax_dos.get_legend_handles_labels()
    handles += regime_legend(result.regimes, main, others)
    ax_dos.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8,
                  frameon=False)  # fmt: skip
    ax_met.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
    if has_links:
        link_strip(axes[2], result)
        axes[2].set_ylabel("energy\nlinks", fontsize=8)
    date_axis(axes[-1])
    axes[-1].set_xlabel("date")
    axes[-1].set_xlim(pd.Timestamp(s.start), pd.Timestamp(s.end))
    fig.suptitle(f"{s.name}: stock depletion ({s.population.initial:,} people at the start; "
                 f"seed {result.seed})\nshaded: regime on the {main} corridor; dotted lines: "
                 "regime changes and key dates", fontsize=10)  # fmt: skip
    return fig


def shortage_timeline(result) -> Figure:
    """One lane per commodity; each shortage episode a bar coloured by severity band."""
    s, episodes = result.scenario, result.shortages
    commodities = needed_commodities(result)
    bands = sorted(s.severity_bands, key=lambda b: b.min_share_met, reverse=True)
    colours = {b.name: SEVERITY_COLOURS.get(b.name, FALLBACK[i % len(FALLBACK)])
               for i, b in enumerate(bands)}  # fmt: skip
    fig = Figure(figsize=(11, 0.6 * len(commodities) + 2.2), layout="constrained")
    ax = fig.subplots()
    start, end = pd.Timestamp(s.start), pd.Timestamp(s.end)
    for lane, c in enumerate(commodities):
        mine = episodes[episodes["commodity"] == c]
        spans = [(mdates.date2num(r.start), mdates.date2num(r.end) - mdates.date2num(r.start))
                 for r in mine.itertuples()]  # fmt: skip
        ax.broken_barh(spans, (lane - 0.35, 0.7),
                       facecolors=[colours[v] for v in mine["severity"]], edgecolor="none")  # fmt: skip
        if not spans:
            ax.text(start + (end - start) / 2, lane, "no shortage", ha="center", va="center",
                    fontsize=8, color="0.4")  # fmt: skip
    ax.set_yticks(range(len(commodities)), commodities)
    ax.set_ylim(len(commodities) - 0.5, -0.5)
    ax.set_xlim(start, end)
    date_axis(ax)
    ax.grid(True, axis="x", lw=0.4, alpha=0.6)
    ax.set_xlabel("date")
    labels = []
    for i, b in enumerate(bands):
        upper = "100 %" if i == 0 else f"{bands[i - 1].min_share_met:.0%}"
        labels.append(Patch(color=colours[b.name],
                            label=f"{b.name}: worst share of need met {b.min_share_met:.0%} to <{upper}"))  # fmt: skip
    ax.legend(handles=labels, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=len(bands),
              fontsize=8, frameon=False)  # fmt: skip
    fig.suptitle(f"{s.name}: shortage episodes (seed {result.seed})\n"
                 "a bar covers every day on which less than the full need was met", fontsize=10)  # fmt: skip
    return fig


def save_standard_plots(result, folder: str | Path, dpi: int = 130) -> list[Path]:
    """Write depletion.png and shortage_timeline.png into ``folder``; returns their paths."""
    folder = Path(folder)
    paths = []
    for name, build in (("depletion", depletion), ("shortage_timeline", shortage_timeline)):
        path = folder / f"{name}.png"
        build(result).savefig(path, dpi=dpi)
        paths.append(path)
    return paths
