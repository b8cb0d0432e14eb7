"""Figures of one run: the depletion plot and the shortage timeline.

>>> import lachin_sim as ls
>>> result = ls.simulate(ls.load_scenario("configs/blockade_2023.toml"))
>>> fig = ls.plot.depletion(result)
>>> fig.savefig("/tmp/depletion.png")
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from lachin_sim.outputs.metrics import SHORT_TOLERANCE, ration_limited
from lachin_sim.outputs.plots.common import (
    DAYS_OF_SUPPLY_CAP,
    OKABE_ITO,
    SHARE_SCALE,
    capped_line,
    colour_of,
    date_axis,
    event_strip,
    iso,
    link_strip,
    mark_dates,
    needed_commodities,
    provenance_line,
    regime_legend,
    shade_regimes,
)  # fmt: skip

FIGURE_WIDTH_IN = 11.0
RATION_MARK = OKABE_ITO[0]  # blue: apart from every colour of the share scale
OUTFLOW_MARK_SHARE = 0.01  # population outflows of at least this share of people are marked


def run_marks(scenario, decisions: pd.DataFrame | None = None) -> list[tuple[pd.Timestamp, str]]:
    """Dated events of a run, labelled: regime changes on the first corridor, dated ration
    caps, the ration changes a rule decided (the run's ``decisions`` table), population outflows
    of at least ``OUTFLOW_MARK_SHARE`` of the people (consecutive outflows with one note counted
    together, e.g. the exodus), and the config's key dates."""
    s = scenario
    main = next(iter(s.corridors))
    marks = [(pd.Timestamp(e.start), f"{_short(e.start)}: {main} {e.regime}")
             for e in s.corridors[main].timeline[1:]]  # fmt: skip
    by_group: dict[dt.date, list[str]] = {}  # caps by amount per person: one mark per date
    for cap in s.rationing.caps:
        if cap.amount_per_person_day is not None:
            if cap.note:  # one mark per note (several items may share one decision)
                mark = (pd.Timestamp(cap.start), f"{_short(cap.start)}: {cap.note}")
                marks += [] if mark in marks else [mark]
            else:
                names = by_group.setdefault(cap.start, [])
                names += [] if cap.commodity in names else [cap.commodity]
            continue
        who = f" ({', '.join(cap.groups)})" if cap.groups else ""
        marks.append((pd.Timestamp(cap.start),
                      f"{_short(cap.start)}: {cap.commodity} ration {cap.ration:.0%}{who}"))  # fmt: skip
    for day, names in by_group.items():
        marks.append((pd.Timestamp(day), f"{_short(day)}: {', '.join(names)} rations per person"))
    if decisions is not None:
        for effective, commodity, ration in zip(decisions["effective"], decisions["commodity"],
                                                decisions["ration"], strict=True):  # fmt: skip
            marks.append((pd.Timestamp(effective),
                          f"{_short(effective)}: {commodity} ration {ration:.0%} (rule)"))  # fmt: skip
    for start, end, people, note in outflow_groups(s):
        if people >= OUTFLOW_MARK_SHARE * s.population.initial:
            marks.append((pd.Timestamp(start),
                          f"{_short(start)}-{_short(end)}: {note or 'outflow'}, {people:,.0f} people"))  # fmt: skip
    marks.extend((pd.Timestamp(k.date), f"{_short(k.date)}: {k.label}") for k in s.key_dates)
    return sorted(marks, key=lambda m: m[0])


def outflow_groups(scenario) -> list[tuple[dt.date, dt.date, float, str]]:
    """(first day, last day, people, note) of runs of consecutive outflows sharing one note."""
    groups: list[list] = []  # [start, exclusive end, people, note]
    for o in sorted(scenario.population.outflows, key=lambda o: o.start):
        end = o.end or o.start + dt.timedelta(days=1)
        if groups and groups[-1][3] == o.note and o.start <= groups[-1][1]:
            groups[-1][1] = max(groups[-1][1], end)
            groups[-1][2] += o.people
        else:
            groups.append([o.start, end, o.people, o.note])
    return [(a, b - dt.timedelta(days=1), p, n) for a, b, p, n in groups]


def _short(date) -> str:
    return pd.Timestamp(date).strftime("%d %b").lstrip("0")


def depletion(result, max_days: float = DAYS_OF_SUPPLY_CAP) -> Figure:
    """Days of supply of each storable commodity (top), share of need met with the dated ration
    caps (middle) and the state of the energy links (bottom), under a strip of the run's dated
    events (regime changes, ration decisions, the exodus, key dates); the main corridor's
    regimes shaded. Days of supply above ``max_days`` are drawn dotted along the top edge and
    their peak is given in the legend."""
    stocks, s = result.stocks, result.scenario
    commodities = needed_commodities(result)
    main = next(iter(s.corridors))
    start, end = pd.Timestamp(s.start), pd.Timestamp(s.end)
    others: dict[str, str] = {}
    marks = run_marks(s, getattr(result, "decisions", None))
    links_h = 0.25 + 0.22 * len(s.links) if s.links else 0
    ratios = [0.5, 3, 2] + ([links_h] if s.links else [])  # the strip is resized below
    fig = Figure(figsize=(FIGURE_WIDTH_IN, 7.6 + links_h * 0.9), layout="constrained")
    axes = fig.subplots(len(ratios), 1, sharex=True, height_ratios=ratios)
    ax_events, ax_dos, ax_met = axes[0], axes[1], axes[2]
    colours = {c: colour_of(i) for i, c in enumerate(commodities)}
    dos_handles = []
    for c in commodities:
        df = stocks[stocks["commodity"] == c]
        dates = df["date"].to_numpy()
        if s.commodities[c].storage_capacity != 0:
            dos = df["days_of_supply"].to_numpy(dtype=float)
            label = capped_line(ax_dos, dates, dos, max_days, c, tick_days=s.tick_days,
                                color=colours[c], lw=1.6)  # fmt: skip
            dos_handles.append(Line2D([], [], color=colours[c], lw=1.6, label=label))
        met = df["share_met"].rolling(7, min_periods=1).mean() * 100
        ax_met.plot(dates, met, color=colours[c], lw=1.3, label=c)
    rationed = []
    for c in commodities:  # the ration decided (by rule or by a dated cap), where below need
        df = stocks[stocks["commodity"] == c]
        if (df["ration"] < 1 - SHORT_TOLERANCE).any():
            rationed.append(c)
            ax_met.step(df["date"], df["ration"] * 100, where="post", color=colours[c],
                        ls="--", lw=1.0)  # fmt: skip
    for ax in axes[1:]:
        mark_dates(ax, marks, label=False)
    for ax in (ax_dos, ax_met):
        shade_regimes(ax, result.regimes, main, others)
        ax.grid(True, axis="y", lw=0.4, alpha=0.6)
    ax_dos.set_ylim(0, max_days * 1.05)
    ax_dos.set_ylabel(
        f"days of supply at full need\n(stock / daily need; axis stops at {max_days:g})"
    )
    ax_met.set_ylim(0, 105)
    ax_met.set_ylabel("share of need met, %\n(7-day mean)")
    ax_met.axhline(100, color="0.3", lw=0.6)
    legend = {"loc": "center left", "bbox_to_anchor": (1.0, 0.5), "fontsize": 8, "frameon": False}
    ax_dos.legend(handles=dos_handles + regime_legend(result.regimes, main, others), **legend)
    met_handles, _ = ax_met.get_legend_handles_labels()
    if rationed:
        met_handles.append(Line2D([], [], color="0.3", ls="--", lw=1.0,
                                  label="ration decided (rule or dated cap)"))  # fmt: skip
    ax_met.legend(handles=met_handles, **legend)
    if s.links:
        link_strip(axes[3], result)
        axes[3].set_ylabel("energy\nlinks", fontsize=8)
    axes[-1].set_xlim(start, end)
    date_axis(axes[-1])
    axes[-1].set_xlabel("date")
    ax_events.set_ylabel("events", fontsize=8)
    fig.suptitle(f"{s.name}: stock depletion, {s.population.initial:,} people at the start "
                 f"({iso(start)} to {iso(end - pd.Timedelta(days=1))})\n"
                 f"{provenance_line(s, result.seed)}\nshaded: regime on the {main} corridor; "
                 "dotted lines: the dated events labelled at the top", fontsize=9)  # fmt: skip
    n_rows = event_strip(ax_events, marks)  # last: it measures the laid-out figure
    ratios[0] = 0.17 * n_rows
    ax_events.get_subplotspec().get_gridspec().set_height_ratios(ratios)
    fig.set_figheight(fig.get_figheight() + 0.17 * n_rows)
    return fig


def shortage_timeline(result) -> Figure:
    """One lane per commodity, coloured day by day by the share of need met that day (white:
    full need met), with the severity bands on the colour bar; under each lane a thin black
    mark on the days when a ration decision, not an empty stock, held consumption below need."""
    s, stocks = result.scenario, result.stocks
    commodities = needed_commodities(result)
    bands = sorted(s.severity_bands, key=lambda b: b.min_share_met)
    fig = Figure(figsize=(FIGURE_WIDTH_IN, 0.62 * len(commodities) + 3.0), layout="constrained")
    ax = fig.subplots()
    start, end = pd.Timestamp(s.start), pd.Timestamp(s.end)
    cmap = share_colormap()
    limited = ration_limited(stocks)
    mesh = None
    for lane, c in enumerate(commodities):
        mine = stocks["commodity"] == c
        df = stocks[mine]
        edges = mdates.date2num(
            np.append(df["date"].to_numpy(), np.datetime64(end, "ns")).astype("datetime64[ns]")
        )
        share = df["share_met"].to_numpy(dtype=float)
        short = share < 1 - SHORT_TOLERANCE
        values = np.ma.masked_where(~short, share)
        mesh = ax.pcolormesh(edges, [lane - 0.38, lane + 0.22], values[None, :], cmap=cmap,
                             vmin=0, vmax=1, shading="flat")  # fmt: skip
        mesh.set_gid(f"share:{c}")
        days = limited[mine].to_numpy()
        runs = _runs(days)
        ration_bars = ax.broken_barh([(edges[a], edges[b] - edges[a]) for a, b in runs],
                                     (lane + 0.27, 0.1), facecolors=RATION_MARK)  # fmt: skip
        ration_bars.set_gid(f"ration:{c}")
        ax.add_patch(Rectangle((edges[0], lane - 0.38), edges[-1] - edges[0], 0.6, fill=False,
                               edgecolor="0.75", lw=0.5))  # fmt: skip
        if not short.any():
            ax.text(mdates.date2num(start + (end - start) / 2), lane - 0.08, "full need met every day",
                    ha="center", va="center", fontsize=8, color="0.4")  # fmt: skip
    ax.set_yticks(range(len(commodities)), commodities)
    ax.set_ylim(len(commodities) - 0.5, -0.5)
    ax.set_xlim(mdates.date2num(start), mdates.date2num(end))
    date_axis(ax)
    ax.grid(True, axis="x", lw=0.4, alpha=0.6)
    ax.set_xlabel("date")
    if mesh is not None:
        edges_b = [b.min_share_met for b in bands] + [1.0]
        bar = fig.colorbar(mesh, ax=ax, orientation="horizontal", location="bottom",
                           fraction=0.08, aspect=60, pad=0.02, ticks=edges_b)  # fmt: skip
        bar.ax.set_xticklabels([f"{v:.0%}" for v in edges_b], fontsize=8)
        bar.set_label("share of need met that day (white: full need met); severity bands above",
                      fontsize=8)  # fmt: skip
        for boundary in edges_b[1:-1]:
            bar.ax.axvline(boundary, color="white", lw=1.2)
        for lo, hi, band in zip(edges_b[:-1], edges_b[1:], bands, strict=True):
            bar.ax.text((lo + hi) / 2, 1.25, band.name, ha="center", va="bottom", fontsize=8,
                        transform=bar.ax.get_xaxis_transform())  # fmt: skip
    ax.legend(handles=[Patch(facecolor="white", edgecolor="0.6", label="full need met"),
                       Patch(color=RATION_MARK, label="ration-limited day (thin mark): a ration "
                             "decision, not an empty stock, held consumption below need")],
              loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, fontsize=8, frameon=False)  # fmt: skip
    fig.suptitle(f"{s.name}: share of need met, day by day\n{provenance_line(s, result.seed)}",
                 fontsize=9)  # fmt: skip
    return fig


def share_colormap():
    """``SHARE_SCALE`` without its lightest tenth, so that a day at 99 % of need is not taken
    for white (a day with the full need met)."""
    from matplotlib.colors import ListedColormap

    base = mpl.colormaps[SHARE_SCALE]
    cmap = ListedColormap(base(np.linspace(0.0, 0.9, 256)), name=f"{SHARE_SCALE}_to_90pct")
    return cmap.with_extremes(bad="white")


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index pairs of the runs of True in ``flags``."""
    edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(),
                    strict=True))  # fmt: skip


def save_standard_plots(result, folder: str | Path, dpi: int = 130) -> list[Path]:
    """Write depletion.png and shortage_timeline.png into ``folder`` (and, with the health
    model on, health_bmi.png and health_deaths.png); returns their paths."""
    from lachin_sim.outputs.plots.health import bmi_distribution, deaths_per_day

    folder = Path(folder)
    paths = []
    figures = [("depletion", lambda: depletion(result)),
               ("shortage_timeline", lambda: shortage_timeline(result))]  # fmt: skip
    health = getattr(result, "health", None)
    if health is not None and len(health):
        figures += [("health_bmi", lambda: bmi_distribution(health)),
                    ("health_deaths", lambda: deaths_per_day(health))]  # fmt: skip
    for name, build in figures:
        path = folder / f"{name}.png"
        build().savefig(path, dpi=dpi)
        paths.append(path)
    return paths
