"""Figures of a sweep: heatmap, fan chart, shortage probability by date."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from lachin_sim.outputs.plots.common import DAYS_OF_SUPPLY_CAP, date_axis, mark_dates


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
    date_axis(ax)
    ax.grid(True, axis="y", lw=0.4, alpha=0.6)
    mark_dates(ax, marks or [], label=True)
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
    date_axis(ax)
    ax.grid(True, lw=0.4, alpha=0.6)
    if len(point_ids) <= 24:
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7, frameon=False)
    reps = sweep.spec.get("replications", "?")
    fig.suptitle(f"{commodity}: share of {reps} replications in which need was first unmet "
                 "on or before each date", fontsize=10)  # fmt: skip
    return fig


def save_sweep_plots(
    sweep, folder: str | Path, heatmap_metrics: list[str] = (), dpi: int = 130
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
