"""Plots a reader understands without the code. Each function returns a matplotlib Figure.

No pyplot global state: figures are built with ``matplotlib.figure.Figure`` and saved with
``fig.savefig``. This module is imported only when plotting is asked for, so the CLI and the
simulator start without matplotlib.

>>> import lachin_sim as ls
>>> result = ls.simulate(ls.load_scenario("configs/blockade_2023.toml"))
>>> fig = ls.plot.depletion(result)
>>> fig.savefig("depletion.png")
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
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


def _regime_colour(name: str, others: dict[str, str]) -> str:
    if name in REGIME_COLOURS:
        return REGIME_COLOURS[name]
    return others.setdefault(name, FALLBACK[len(others) % len(FALLBACK)])


def _needed(result) -> list[str]:
    """Commodities with a need (others, like 'other_goods', have nothing to fall short of)."""
    need = result.stocks.groupby("commodity", sort=False)["need"].sum()
    return [c for c in need.index if need[c] > 0]


def _shade_regimes(ax, regimes: pd.DataFrame, corridor: str, others: dict) -> None:
    for row in regimes[regimes["corridor"] == corridor].itertuples():
        ax.axvspan(
            row.start, row.end, color=_regime_colour(str(row.regime), others), zorder=0, lw=0
        )


def _key_dates(result) -> list[tuple[pd.Timestamp, str]]:
    """Regime changes on the main corridor and the config's own key dates."""
    s = result.scenario
    main = next(iter(s.corridors))
    marks = [(pd.Timestamp(e.start), e.regime) for e in s.corridors[main].timeline[1:]]
    marks.extend((pd.Timestamp(k.date), k.label) for k in s.key_dates)
    return sorted(marks, key=lambda m: m[0])


def _mark_dates(ax, marks, label: bool) -> None:
    for date, text in marks:
        ax.axvline(date, color="0.35", lw=0.7, ls=":", zorder=1)
        if label:
            ax.annotate(text, (date, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -3),
                        textcoords="offset points", rotation=90, fontsize=7, va="top",
                        ha="left", color="0.2")  # fmt: skip


def _link_strip(ax, result) -> None:
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


def _date_axis(ax) -> None:
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _regime_legend(regimes: pd.DataFrame, corridor: str, others: dict) -> list[Patch]:
    names = list(dict.fromkeys(regimes.loc[regimes["corridor"] == corridor, "regime"]))
    return [Patch(color=_regime_colour(n, others), label=f"regime: {n}") for n in names]


def depletion(result, max_days: float = DAYS_OF_SUPPLY_CAP) -> Figure:
    """Days of supply of each storable commodity (top), share of need met (middle) and the
    state of the energy links (bottom), with the main corridor's regimes shaded and regime
    changes and key dates marked."""
    stocks, s = result.stocks, result.scenario
    commodities = _needed(result)
    main = next(iter(s.corridors))
    others: dict[str, str] = {}
    has_links = bool(s.links)
    fig = Figure(figsize=(11, 8.5 if has_links else 7.5), layout="constrained")
    ratios = [3, 2, 0.25 + 0.22 * len(s.links)] if has_links else [3, 2]
    axes = fig.subplots(len(ratios), 1, sharex=True, height_ratios=ratios)
    ax_dos, ax_met = axes[0], axes[1]
    marks = _key_dates(result)
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
        _shade_regimes(ax, result.regimes, main, others)
        _mark_dates(ax, marks, label=ax is ax_dos)
        ax.grid(True, axis="y", lw=0.4, alpha=0.6)
    ax_dos.set_ylim(0, max_days * 1.05)
    ax_dos.set_ylabel(
        f"days of supply at full need\n(stock / daily need; axis capped at {max_days:g})"
    )
    ax_met.set_ylim(0, 105)
    ax_met.set_ylabel("share of need met, %\n(7-day mean)")
    ax_met.axhline(100, color="0.3", lw=0.6)
    handles, _ = ax_dos.get_legend_handles_labels()
    handles += _regime_legend(result.regimes, main, others)
    ax_dos.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8,
                  frameon=False)  # fmt: skip
    ax_met.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
    if has_links:
        _link_strip(axes[2], result)
        axes[2].set_ylabel("energy\nlinks", fontsize=8)
    _date_axis(axes[-1])
    axes[-1].set_xlabel("date")
    axes[-1].set_xlim(pd.Timestamp(s.start), pd.Timestamp(s.end))
    fig.suptitle(f"{s.name}: stock depletion ({s.population.initial:,} people at the start; "
                 f"seed {result.seed})\nshaded: regime on the {main} corridor; dotted lines: "
                 "regime changes and key dates", fontsize=10)  # fmt: skip
    return fig


def shortage_timeline(result) -> Figure:
    """One lane per commodity; each shortage episode a bar coloured by severity band."""
    s, episodes = result.scenario, result.shortages
    commodities = _needed(result)
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
            ax.text(mdates.date2num(start + (end - start) / 2), lane, "no shortage", ha="center",
                    va="center", fontsize=8, color="0.4")  # fmt: skip
    ax.set_yticks(range(len(commodities)), commodities)
    ax.set_ylim(len(commodities) - 0.5, -0.5)
    ax.set_xlim(mdates.date2num(start), mdates.date2num(end))
    _date_axis(ax)
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


# ---------------------------------------------------------------------------------------------
# Sweep plots.
# ---------------------------------------------------------------------------------------------
def heatmap(sweep, metric: str, x: str | None = None, y: str | None = None,
            stat: str = "median") -> Figure:  # fmt: skip
    """``stat`` over replications of a summary ``metric`` on a grid of two swept parameters."""
    params = sweep.parameters
    if x is None or y is None:
        if len(params) < 2:
            raise ValueError(f"a heatmap needs two swept parameters; this sweep has {params}")
        x, y = params[0], params[1]
    table = sweep.by_point(metric, stat).pivot_table(
        index=y, columns=x, values=metric, aggfunc="mean"
    )
    fig = Figure(figsize=(1.2 * len(table.columns) + 4, 0.55 * len(table.index) + 2.8),
                 layout="constrained")  # fmt: skip
    ax = fig.subplots()
    image = ax.imshow(table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(table.columns)), [f"{v:g}" for v in table.columns])
    ax.set_yticks(range(len(table.index)), [f"{v:g}" for v in table.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    for (i, j), value in np.ndenumerate(table.to_numpy(dtype=float)):
        if np.isfinite(value):
            ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=8,
                    color="white" if value < np.nanmean(table.to_numpy(dtype=float)) else "black")  # fmt: skip
    reps = sweep.spec.get("replications", "?")
    fig.colorbar(image, ax=ax, label=f"{metric} ({stat} of {reps} replications)")
    fig.suptitle(f"{metric}: {stat} over {reps} replications per cell", fontsize=10)
    return fig


def scenario_marks(
    scenario, links: bool = True, min_outage_days: float = 7
) -> list[tuple[pd.Timestamp, str]]:
    """Dated marks for a scenario: regime changes on its first corridor, the start of each
    energy-link outage lasting ``min_outage_days`` or more (with ``links``), its key dates."""
    main = next(iter(scenario.corridors))
    marks = [
        (pd.Timestamp(e.start), f"{main}: {e.regime}")
        for e in scenario.corridors[main].timeline[1:]
    ]
    if links:
        for name, link in scenario.links.items():
            for o in link.outages:
                if ((o.end or scenario.end) - o.start).days < min_outage_days:
                    continue
                verb = "cut" if o.capacity_factor == 0 else "reduced"
                marks.append((pd.Timestamp(o.start), f"{name} {verb}"))
    marks.extend((pd.Timestamp(k.date), k.label) for k in scenario.key_dates)
    return sorted(marks, key=lambda m: m[0])


def fan_chart(sweep, point_id: int = 0, series: str = "days_of_supply",
              commodities: list[str] | None = None,
              marks: list[tuple[pd.Timestamp, str]] | None = None) -> Figure:  # fmt: skip
    """Median and 5-95 % / 25-75 % bands over replications of one point's daily series;
    ``marks`` (date, label) are drawn as dotted lines (see :func:`scenario_marks`)."""
    bands = sweep.bands[(sweep.bands["point_id"] == point_id) & (sweep.bands["series"] == series)]
    names = commodities or list(dict.fromkeys(bands["commodity"]))
    if series == "days_of_supply":
        names = [c for c in names if bands.loc[bands["commodity"] == c, "q50"].notna().any()]
    fig = Figure(figsize=(11, 5), layout="constrained")
    ax = fig.subplots()
    scale = 100 if series == "share_met" else 1
    for i, c in enumerate(names):
        b = bands[bands["commodity"] == c]
        ax.fill_between(
            b["date"], b["q05"] * scale, b["q95"] * scale, color=f"C{i}", alpha=0.15, lw=0
        )
        ax.fill_between(
            b["date"], b["q25"] * scale, b["q75"] * scale, color=f"C{i}", alpha=0.3, lw=0
        )
        ax.plot(b["date"], b["q50"] * scale, color=f"C{i}", lw=1.6, label=f"{c} (median)")
    label = {"days_of_supply": "days of supply at full need", "share_met": "share of need met, %"}
    ax.set_ylabel(label.get(series, series))
    if series == "days_of_supply":
        ax.set_ylim(
            0, min(DAYS_OF_SUPPLY_CAP, float(np.nanmax(bands["q95"].to_numpy())) * 1.1 or 1)
        )
    _date_axis(ax)
    ax.grid(True, axis="y", lw=0.4, alpha=0.6)
    _mark_dates(ax, marks or [], label=True)
    handles, _ = ax.get_legend_handles_labels()
    handles += [
        Patch(color="0.5", alpha=0.3, label="25-75 %"),
        Patch(color="0.5", alpha=0.15, label="5-95 %"),
    ]
    ax.legend(
        handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False
    )
    row = sweep.design[sweep.design["point_id"] == point_id].drop(columns="point_id")
    params = ", ".join(f"{k} = {v:g}" if isinstance(v, (int, float)) else f"{k} = {v}"
                       for k, v in (row.iloc[0].items() if len(row) else []))  # fmt: skip
    reps = sweep.spec.get("replications", "?")
    name = sweep.spec.get("base", {}).get("name", "scenario")
    where = (
        f"point {point_id}: {params}"
        if params
        else f"{name} (dotted lines: regime changes, long energy cuts, key dates)"
    )
    fig.suptitle(f"{label.get(series, series)}: median and bands over {reps} replications\n{where}",
                 fontsize=10)  # fmt: skip
    return fig


def _point_styles(sweep, point_ids: list[int]) -> dict[int, dict]:
    """Colour by the first swept parameter (ordered colormap), line style by the second."""
    import matplotlib as mpl

    design = sweep.design.set_index("point_id")
    params = [c for c in design.columns]
    styles: dict[int, dict] = {}
    cmap = mpl.colormaps["viridis"]
    first = sorted(design[params[0]].unique()) if params else []
    second = sorted(design[params[1]].unique()) if len(params) > 1 else []
    dashes = ["-", "--", ":", "-."]
    for i, p in enumerate(point_ids):
        colour: str | tuple[float, float, float, float]
        if params:
            row = design.loc[p]
            k = first.index(row[params[0]])
            colour = cmap(k / max(len(first) - 1, 1) * 0.9)
            style = dashes[second.index(row[params[1]]) % len(dashes)] if second else "-"
            label = ", ".join(f"{c.split('.')[-1]}={row[c]:g}" for c in params)
        else:
            colour, style, label = f"C{i % 10}", "-", f"point {p}"
        styles[p] = {"color": colour, "ls": style, "label": label}
    return styles


def shortage_probability(sweep, commodity: str, points: list[int] | None = None) -> Figure:
    """Probability that ``commodity`` has run short by each date, one line per point
    (colour: first swept parameter; line style: second)."""
    runs = sweep.runs[sweep.runs["status"] == "ok"]
    start = pd.Timestamp(sweep.spec["start"])
    days = np.arange(int(sweep.spec["n_dates"]) * float(sweep.spec.get("tick_days", 1)) + 1)
    fig = Figure(figsize=(10.5, 5), layout="constrained")
    ax = fig.subplots()
    point_ids = points if points is not None else list(sweep.design["point_id"])
    styles = _point_styles(sweep, point_ids)
    for p in point_ids:
        first = runs.loc[runs["point_id"] == p, f"days_to_first_shortage:{commodity}"].to_numpy(
            float
        )
        if not len(first):
            continue
        prob = [(first <= d).mean() * 100 for d in days]  # NaN (never short) counts as not short
        ax.step(start + pd.to_timedelta(days, unit="D"), prob, where="post", lw=1.4, **styles[p])
    ax.set_ylim(-2, 102)
    ax.set_ylabel(f"probability {commodity} has run short, %")
    _date_axis(ax)
    ax.grid(True, lw=0.4, alpha=0.6)
    if len(point_ids) <= 24:
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7, frameon=False)
    reps = sweep.spec.get("replications", "?")
    fig.suptitle(f"{commodity}: share of {reps} replications in which need was first unmet "
                 "on or before each date", fontsize=10)  # fmt: skip
    return fig


def save_sweep_plots(
    sweep, folder: str | Path, heatmap_metrics: Sequence[str] = (), dpi: int = 130
) -> list[Path]:
    """Standard sweep figures: heatmaps (two-parameter designs), fan charts of the first and last
    points, and shortage probability by date for each commodity."""
    folder = Path(folder)
    written: list[Path] = []

    def save(fig: Figure, name: str) -> None:
        path = folder / f"{name}.png"
        fig.savefig(path, dpi=dpi)
        written.append(path)

    if len(sweep.parameters) >= 2 and sweep.spec.get("design", {}).get("kind") == "grid":
        for metric in heatmap_metrics:
            save(heatmap(sweep, metric), f"heatmap_{metric.replace(':', '_')}")
    points = list(sweep.design["point_id"])
    for p in dict.fromkeys([points[0], points[-1]]):
        save(fan_chart(sweep, p), f"fan_days_of_supply_point{p}")
        save(fan_chart(sweep, p, series="share_met"), f"fan_share_met_point{p}")
    for commodity in sweep.spec.get("commodities", []):
        save(shortage_probability(sweep, commodity), f"shortage_probability_{commodity}")
    return written


def scenario_overlay(comparison, series: str = "days_of_supply") -> Figure:
    """One panel per commodity: each named scenario's median (line) and 5-95 % band over
    replications of ``series`` ("days_of_supply" or "share_met")."""
    bands = comparison.bands
    bands = bands[bands["series"] == series]
    commodities = [c for c in comparison.sweep.spec["commodities"]
                   if bands.loc[bands["commodity"] == c, "q50"].notna().any()]  # fmt: skip
    cols = 2
    rows = max(1, -(-len(commodities) // cols))
    fig = Figure(figsize=(12, 3.1 * rows + 1.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, squeeze=False)).ravel()
    scale = 100 if series == "share_met" else 1
    styles = ["-", "--", "-.", ":"]
    for ax, c in zip(axes, commodities, strict=False):
        for i, name in enumerate(comparison.names):
            b = bands[(bands["commodity"] == c) & (bands["scenario"] == name)]
            first = i == 0  # the reference scenario: black, thick, drawn on top
            colour = "black" if first else f"C{i - 1}"
            ax.fill_between(
                b["date"], b["q05"] * scale, b["q95"] * scale, color=colour, alpha=0.12, lw=0
            )
            ax.plot(
                b["date"], b["q50"] * scale, color=colour, lw=2.4 if first else 1.4,
                ls="-" if first else styles[i % len(styles)], zorder=5 if first else 3,
                label=name,
            )  # fmt: skip
        ax.set_title(c, fontsize=9)
        ax.grid(True, axis="y", lw=0.4, alpha=0.6)
        if series == "days_of_supply":
            top = float(np.nanmax(bands.loc[bands["commodity"] == c, "q95"].to_numpy()))
            ax.set_ylim(0, min(DAYS_OF_SUPPLY_CAP, top * 1.1 if top > 0 else 1))
        else:
            ax.set_ylim(0, 105)
        _date_axis(ax)
    for ax in axes[len(commodities) :]:
        ax.set_visible(False)
    label = {"days_of_supply": "days of supply at full need", "share_met": "share of need met, %"}[
        series
    ]
    fig.supylabel(label)
    handles, _ = axes[0].get_legend_handles_labels()
    handles.append(Patch(color="0.5", alpha=0.15, label="5-95 % over replications"))
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=min(4, len(handles)),
        fontsize=8,
        frameon=False,
    )
    reps = comparison.sweep.spec.get("replications", "?")
    fig.suptitle(f"{label} by scenario: median (line) and 5-95 % band over {reps} replications "
                 "(same seeds in every scenario)", fontsize=10)  # fmt: skip
    return fig
