"""Figures of a sweep: heatmap, response, fan chart, shortage probability by date.

Honest scales: a share (``share_met``, ``min_share_met``) is coloured on 0-1 and a probability
drawn on 0-100 %, so noise never looks like an effect; a time to an event (days to first
shortage) follows :mod:`lachin_sim.outputs.censoring` (runs never short count as after the
horizon, shown as ">=N", with the count of runs that did go short). Lines that are all the same
are drawn once, with a note saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from lachin_sim.outputs.censoring import event_days, is_time_to_event, show_day
from lachin_sim.outputs.metrics import SHARE_METRICS
from lachin_sim.outputs.plots.common import (
    DAYS_OF_SUPPLY_CAP,
    SEQUENTIAL,
    capped_line,
    colour_of,
    date_axis,
    identical,
    mark_dates,
)  # fmt: skip

SERIES_LABELS = {
    "days_of_supply": "days of supply at full need",
    "share_met": "share of need met, %",
}


def is_share(metric: str) -> bool:
    """True for metrics that are shares of need in [0, 1] (``share_met:food``, ...)."""
    return metric.split(":", 1)[0] in SHARE_METRICS


def metric_scale(sweep, metric: str, values: np.ndarray) -> tuple[float, float]:
    """Colour or axis range of a metric: 0-1 for shares, 0-horizon for times to an event, the
    data range otherwise."""
    if is_share(metric):
        return 0.0, 1.0
    if is_time_to_event(metric):
        return 0.0, sweep.horizon_days
    finite = values[np.isfinite(values)]
    if not len(finite):
        return 0.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def heatmap(sweep, metric: str, x: str | None = None, y: str | None = None,
            stat: str = "median") -> Figure:  # fmt: skip
    """``stat`` over replications of a summary ``metric`` on a grid of two swept parameters.

    Shares are coloured on 0-1. For a time to an event, a cell whose median run never reached
    it shows ">=N" (N: the horizon in days) and is coloured at N; every such cell also shows how
    many of its runs reached the event ("3/20"). Cells without a finished run are hatched."""
    params = sweep.parameters
    if x is None or y is None:
        if len(params) < 2:
            raise ValueError(f"a heatmap needs two swept parameters; this sweep has {params}")
        x, y = params[0], params[1]
    by = sweep.by_point(metric, stat)
    xs, ys = sorted(sweep.design[x].unique()), sorted(sweep.design[y].unique())
    table = by.pivot_table(index=y, columns=x, values=metric, aggfunc="first", dropna=False)
    table = table.reindex(index=ys, columns=xs)  # a point with no finished run keeps its cell
    values = table.to_numpy(dtype=float)
    censored = is_time_to_event(metric)
    horizon = sweep.horizon_days
    shown = np.where(np.isinf(values), horizon, values) if censored else values
    vmin, vmax = metric_scale(sweep, metric, shown)
    fig = Figure(figsize=(1.25 * len(xs) + 4.2, 0.62 * len(ys) + 2.9), layout="constrained")
    ax = fig.subplots()
    cmap = mpl.colormaps[SEQUENTIAL]
    image = ax.imshow(np.ma.masked_invalid(shown), origin="lower", aspect="auto", cmap=cmap,
                      vmin=vmin, vmax=vmax)  # fmt: skip
    ax.set_facecolor("white")
    ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs])
    ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    reached = by.pivot_table(index=y, columns=x, values="runs_reached", aggfunc="first",
                             dropna=False).reindex(index=ys, columns=xs) if censored else None  # fmt: skip
    runs = by.pivot_table(index=y, columns=x, values="runs", aggfunc="first",
                          dropna=False).reindex(index=ys, columns=xs) if censored else None  # fmt: skip
    for (i, j), value in np.ndenumerate(values):
        if np.isnan(value):
            ax.add_patch(mpl.patches.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="//",
                                               edgecolor="0.6", lw=0))  # fmt: skip
            ax.text(j, i, "no runs", ha="center", va="center", fontsize=7, color="0.3")
            continue
        if reached is not None and runs is not None:  # censored
            text = show_day(value, horizon, prefix="")
            text += f"\n{int(reached.iloc[i, j])}/{int(runs.iloc[i, j])} short"
        else:
            text = f"{value:.3g}"
        level = (shown[i, j] - vmin) / (vmax - vmin) if vmax > vmin else 0.5
        ax.text(j, i, text, ha="center", va="center", fontsize=8,
                color="white" if level < 0.55 else "black")  # fmt: skip
    reps = sweep.spec.get("replications", "?")
    label = f"{metric} ({stat} of {reps} replications)"
    if censored:
        label += f";\nruns never short count as after day {horizon:g} (>= {horizon:g})"
    fig.colorbar(image, ax=ax, label=label)
    title = f"{metric}: {stat} over {reps} replications per cell"
    if censored:
        title += "\ncell text: day (>=N: not before the end) and runs that went short"
    elif is_share(metric):
        title += " (colour scale: the whole 0-1 range)"
    fig.suptitle(title, fontsize=10)
    return fig


def response(sweep, metric: str, parameter: str | None = None) -> Figure:
    """Median and 5-95 % over replications of ``metric`` at each design point, against one
    swept ``parameter`` (default: the first). Times to an event follow the censoring rule:
    a point whose median run never reached the event is drawn at the horizon, hollow."""
    parameter = parameter or (sweep.parameters[0] if sweep.parameters else None)
    if parameter is None:
        raise ValueError("a response plot needs a swept parameter; this sweep has none")
    censored = is_time_to_event(metric)
    design = sweep.design
    if censored:  # order statistics, never-short runs as inf
        mid, lo, hi = (sweep.by_point(metric, q)[metric].to_numpy(dtype=float)
                       for q in (0.5, 0.05, 0.95))  # fmt: skip
    else:
        ok = sweep.runs[sweep.runs["status"] == "ok"].groupby("point_id")[metric]
        mid, lo, hi = (design["point_id"].map(ok.quantile(q)).to_numpy(dtype=float)
                       for q in (0.5, 0.05, 0.95))  # fmt: skip
    horizon = sweep.horizon_days
    never = np.isinf(mid)
    xv = design[parameter].to_numpy(dtype=float)
    order = np.argsort(xv, kind="stable")
    xv, never = xv[order], never[order]
    m, a, b = (np.where(np.isinf(v), horizon, v)[order] for v in (mid, lo, hi))
    fig = Figure(figsize=(9, 4.8), layout="constrained")
    ax = fig.subplots()
    colour = colour_of(0)
    ax.vlines(xv, a, b, color=colour, alpha=0.35, lw=3, label="5-95 % over replications")
    ax.plot(xv[~never], m[~never], "o", color=colour, label="median")
    if never.any():
        ax.plot(xv[never], m[never], "o", mfc="white", color=colour,
                label=f"median not short before day {horizon:g}")  # fmt: skip
    if len(sweep.parameters) == 1:
        ax.plot(xv, m, color=colour, lw=1)
    vmin, vmax = metric_scale(sweep, metric, np.concatenate([a, b]))
    if is_share(metric) or censored:
        ax.set_ylim(vmin - 0.03 * (vmax - vmin), vmax + 0.03 * (vmax - vmin))
    ax.set_xlabel(parameter)
    ax.set_ylabel(metric)
    ax.grid(True, lw=0.4, alpha=0.6)
    ax.legend(fontsize=8, frameon=False)
    reps = sweep.spec.get("replications", "?")
    other = [p for p in sweep.parameters if p != parameter]
    note = (
        f"; one dot per design point (other parameters vary: {', '.join(other)})" if other else ""
    )
    fig.suptitle(f"{metric} against {parameter}: median and 5-95 % over {reps} replications{note}",
                 fontsize=9)  # fmt: skip
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
    ``marks`` (date, label) are drawn as dotted lines (see :func:`scenario_marks`). A commodity
    whose replications are all identical is drawn as one line, labelled so."""
    bands = sweep.bands[(sweep.bands["point_id"] == point_id) & (sweep.bands["series"] == series)]
    names = commodities or list(dict.fromkeys(bands["commodity"]))
    if series == "days_of_supply":
        names = [c for c in names if bands.loc[bands["commodity"] == c, "q50"].notna().any()]
    fig = Figure(figsize=(11, 5), layout="constrained")
    ax = fig.subplots()
    scale = 100 if series == "share_met" else 1
    n_band = sweep.spec.get("band_replications", sweep.spec.get("replications", "?"))
    all_same = []
    for i, c in enumerate(names):
        b = bands[bands["commodity"] == c]
        same = identical([b[q].to_numpy(dtype=float) for q in ("q05", "q25", "q50", "q75", "q95")])
        label = f"{c} (all {n_band} replications identical)" if same else f"{c} (median)"
        if same:
            all_same.append(c)
        else:
            ax.fill_between(b["date"], b["q05"] * scale, b["q95"] * scale, color=colour_of(i),
                            alpha=0.15, lw=0)  # fmt: skip
            ax.fill_between(b["date"], b["q25"] * scale, b["q75"] * scale, color=colour_of(i),
                            alpha=0.3, lw=0)  # fmt: skip
        if series == "days_of_supply":  # a median above the axis' cap: dotted at the top, said
            first = len(ax.lines)
            label = capped_line(ax, b["date"], b["q50"].to_numpy(dtype=float), DAYS_OF_SUPPLY_CAP,
                                label, tick_days=float(sweep.spec.get("tick_days", 1.0)),
                                color=colour_of(i), lw=1.6)  # fmt: skip
            ax.lines[first].set_label(label)  # the solid part carries the legend entry
        else:
            ax.plot(b["date"], b["q50"] * scale, color=colour_of(i), lw=1.6, label=label)
    ax.set_ylabel(SERIES_LABELS.get(series, series))
    if series == "days_of_supply":
        top = float(np.nanmax(bands["q95"].to_numpy())) if len(bands) else 1.0
        ax.set_ylim(0, min(DAYS_OF_SUPPLY_CAP, top * 1.1 if top > 0 else 1) * 1.02)
    else:
        ax.set_ylim(0, 105)  # a share: the whole range
    date_axis(ax)
    ax.grid(True, axis="y", lw=0.4, alpha=0.6)
    mark_dates(ax, marks or [], label=True)
    handles, _ = ax.get_legend_handles_labels()
    if len(all_same) < len(names):
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
    name = sweep.spec.get("base", {}).get("name", "scenario")
    where = (
        f"point {point_id}: {params}"
        if params
        else f"{name} (dotted lines: regime changes, long energy cuts, key dates)"
    )
    what = "median and bands" if len(all_same) < len(names) else "one line"
    note = (
        f"; all {n_band} replications identical" if all_same and len(all_same) == len(names) else ""
    )
    fig.suptitle(f"{SERIES_LABELS.get(series, series)}: {what} over {n_band} replications{note}\n"
                 f"{where}", fontsize=10)  # fmt: skip
    return fig


def _point_styles(sweep, point_ids: list[int]) -> dict[int, dict]:
    """Colour by the first swept parameter (ordered colormap), line style by the second."""
    design = sweep.design.set_index("point_id")
    params = list(design.columns)
    styles: dict[int, dict] = {}
    cmap = mpl.colormaps["viridis"]
    first = sorted(design[params[0]].unique()) if params else []
    second = sorted(design[params[1]].unique()) if len(params) > 1 else []
    dashes = ["-", "--", ":", "-."]
    for i, p in enumerate(point_ids):
        colour: str | tuple[float, ...]
        if params:
            row = design.loc[p]
            k = first.index(row[params[0]])
            colour = cmap(k / max(len(first) - 1, 1) * 0.9)
            style = dashes[second.index(row[params[1]]) % len(dashes)] if second else "-"
            label = ", ".join(f"{c.split('.')[-1]}={row[c]:g}" for c in params)
        else:
            colour, style, label = colour_of(i), "-", f"point {p}"
        styles[p] = {"color": colour, "ls": style, "label": label}
    return styles


def same_groups(curves: dict[int, np.ndarray]) -> list[list[int]]:
    """Keys grouped by identical curves, in first-seen order."""
    groups: list[list[int]] = []
    for key, curve in curves.items():
        for g in groups:
            if np.array_equal(curves[g[0]], curve, equal_nan=True):
                g.append(key)
                break
        else:
            groups.append([key])
    return groups


def shortage_probability(sweep, commodity: str, points: list[int] | None = None) -> Figure:
    """Probability that ``commodity`` has run short by each date, one line per point
    (colour: first swept parameter; line style: second). Points with the same curve are drawn
    once, their line labelled with how many points it stands for."""
    runs = sweep.runs[sweep.runs["status"] == "ok"]
    start = pd.Timestamp(sweep.spec["start"])
    days = np.arange(int(sweep.spec["n_dates"]) * float(sweep.spec.get("tick_days", 1)) + 1)
    fig = Figure(figsize=(10.5, 5), layout="constrained")
    ax = fig.subplots()
    point_ids = points if points is not None else list(sweep.design["point_id"])
    styles = _point_styles(sweep, point_ids)
    curves = {}
    for p in point_ids:
        # never short = after the horizon (inf): short by no date (outputs/censoring.py)
        first = event_days(runs.loc[runs["point_id"] == p, f"days_to_first_shortage:{commodity}"])
        if len(first):
            curves[p] = np.array([(first <= d).mean() * 100 for d in days])
    groups = same_groups(curves)
    for group in groups:
        style = dict(styles[group[0]])
        if len(group) > 1:
            style["label"] = f"{style['label']} and {len(group) - 1} more points (same curve)"
        ax.step(start + pd.to_timedelta(days, unit="D"), curves[group[0]], where="post", lw=1.4,
                **style)  # fmt: skip
    ax.set_ylim(-2, 102)
    ax.set_ylabel(f"probability {commodity} has run short, %")
    date_axis(ax)
    ax.grid(True, lw=0.4, alpha=0.6)
    if len(groups) <= 24:
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7, frameon=False)
    reps = sweep.spec.get("replications", "?")
    note = ""
    if len(curves) > 1 and len(groups) == 1:
        note = f"\nall {len(curves)} points give the same curve: drawn once"
    elif len(groups) < len(curves):
        note = f"\n{len(curves)} points, {len(groups)} distinct curves (points with the same curve drawn once)"
    fig.suptitle(f"{commodity}: share of {reps} replications in which need was first unmet "
                 f"on or before each date{note}", fontsize=10)  # fmt: skip
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


def default_figure(sweep, metric: str | None = None) -> Figure:
    """The figure a user most likely wants of a sweep: a heatmap of ``metric`` for a grid over
    two or more parameters, its response to the parameter for one, and the fan chart of share of
    need met when only replications were run. ``metric`` defaults to the share of need met of
    the first commodity."""
    commodities = sweep.spec.get("commodities", [])
    metric = metric or (f"share_met:{commodities[0]}" if commodities else None)
    if not sweep.parameters or metric is None:
        return fan_chart(sweep, series="share_met")
    if len(sweep.parameters) >= 2 and sweep.spec.get("design", {}).get("kind") == "grid":
        return heatmap(sweep, metric)
    return response(sweep, metric)
