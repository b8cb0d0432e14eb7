"""Shared helpers of the figures: colour-blind-safe colours, date axes, regime shading, dated
marks laid out so that their labels never overprint, and the provenance line of a figure.

Colours: categories (commodities, scenarios) take the Okabe-Ito palette (Okabe & Ito 2008,
"Color Universal Design"), distinguishable with the common colour-vision deficiencies; a
quantity on a scale takes a perceptually uniform colormap (``cividis``, ``magma``, ``viridis``),
which stays ordered in lightness for every reader and in greyscale.

No pyplot global state: figures are built with ``matplotlib.figure.Figure``.
"""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter

# Okabe-Ito, black first dropped: blue, orange, bluish green, reddish purple, sky blue,
# vermillion, yellow, then black.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
SEQUENTIAL = "cividis"  # one quantity on a scale (heatmaps, ordered parameter values)
SHARE_SCALE = "magma"  # share of need met per day: dark = little, light = nearly all
# Regime shading, light to dark as the corridor closes (order survives colour blindness).
REGIME_COLOURS = {
    "open": "#f1f4f8",
    "roadblock": "#fcecc4",
    "checkpoint": "#f5cd9a",
    "closed": "#cfc5dd",
}
FALLBACK = ["#dde8e2", "#e9dcea", "#d8e6f3", "#eee5d3", "#e0e0e0"]
LINK_COLOURS = {"cut": OKABE_ITO[5], "reduced": OKABE_ITO[1], "flowing": "#eef2f6"}
DAYS_OF_SUPPLY_CAP = 120  # days; the depletion axis stops here so short stocks stay readable
MARK_FONT_PT = 7.0  # size of the labels of dated marks


def colour_of(i: int) -> str:
    """The ``i``-th categorical colour (Okabe-Ito, cycling)."""
    return OKABE_ITO[i % len(OKABE_ITO)]


def capped_line(ax, dates, values: np.ndarray, cap: float, name: str, tick_days: float = 1.0,
                **style) -> str:  # fmt: skip
    """Plot ``values`` solid below ``cap`` and dotted along the top edge above it; returns the
    legend label, which says when the line is above the cap and its peak (days)."""
    values = np.asarray(values, dtype=float)
    above = values > cap
    ax.plot(dates, np.where(above, np.nan, values), **style)
    if not above.any():
        return name
    near = above | np.roll(above, 1) | np.roll(above, -1)  # join the dotted part to the solid
    ax.plot(dates, np.where(near, np.minimum(values, cap), np.nan), **{**style, "ls": ":"})
    return (
        f"{name} (dotted: above {cap:g} d\non {above.sum() * tick_days:g} days; "
        f"peak {np.nanmax(values):,.0f} d)"
    )


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
        ax.axvspan(row.start, row.end, color=regime_colour(str(row.regime), others), zorder=0, lw=0)


def regime_legend(regimes: pd.DataFrame, corridor: str, others: dict) -> list[Patch]:
    names = list(dict.fromkeys(regimes.loc[regimes["corridor"] == corridor, "regime"]))
    return [Patch(color=regime_colour(n, others), label=f"regime: {n}") for n in names]


def mark_dates(ax, marks, label: bool) -> None:
    """Dotted vertical lines at the marks' dates; with ``label``, their labels inside the axes
    (use :func:`event_strip` where labels might crowd)."""
    for date, text in marks:
        ax.axvline(date, color="0.35", lw=0.7, ls=":", zorder=1)
        if label:
            ax.annotate(text, (date, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -3),
                        textcoords="offset points", rotation=90, fontsize=MARK_FONT_PT,
                        va="top", ha="left", color="0.2")  # fmt: skip


def event_strip(ax, marks: list[tuple[pd.Timestamp, str]]) -> int:
    """Label dated ``marks`` in the axes ``ax`` (a strip above the panels), in as many rows as
    it takes for no two labels to overlap; returns the number of rows.

    Each label starts at its date, or ends at it when it would run past the axis' right end.
    The figure is laid out once first, so that label widths are measured, not guessed."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = ax.get_figure()
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    fig.draw_without_rendering()  # settle the layout: the axis width is now known
    renderer = canvas.get_renderer()
    x0, x1 = ax.get_xlim()
    days_per_px = (x1 - x0) / max(ax.get_window_extent(renderer).width, 1.0)
    gap = 6 * days_per_px  # about 6 px between labels on one row
    rows: list[list[tuple[float, float]]] = []
    placed = []
    for date, text in sorted(marks, key=lambda m: m[0]):
        x = mdates.date2num(date)
        label = ax.text(x, 0, f" {text} ", va="center", fontsize=MARK_FONT_PT, color="0.15",
                        gid="mark-label")  # fmt: skip
        width = label.get_window_extent(renderer).width * days_per_px
        ha = "left" if x + width <= x1 else "right"
        lo, hi = (x, x + width) if ha == "left" else (x - width, x)
        label.set_ha(ha)
        row = next((r for r, taken in enumerate(rows)
                    if all(hi + gap < a or lo > b + gap for a, b in taken)), len(rows))  # fmt: skip
        if row == len(rows):
            rows.append([])
        rows[row].append((lo, hi))
        placed.append((x, label, row))
    n_rows = max(len(rows), 1)
    for x, label, row in placed:
        y = n_rows - row - 0.5
        label.set_y(y)
        ax.plot([x, x], [y - 0.5, y + 0.1], color="0.35", lw=0.7)
    ax.set_ylim(0, n_rows)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", length=0)
    return n_rows


class DateLabels(Formatter):
    """Month (or day) names, with the year under the first tick and wherever it changes, so the
    first months of a period that starts in December never lack their year."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return mdates.num2date(x).strftime("%d %b %Y")

    def format_ticks(self, values) -> list[str]:
        dates = [mdates.num2date(v) for v in values]
        monthly = all(d.day == 1 for d in dates)
        labels, year = [], None
        for d in dates:
            text = d.strftime("%b") if monthly else f"{d.day} {d.strftime('%b')}"
            if d.year != year:
                text += f"\n{d.year}"
                year = d.year
            labels.append(text)
        return labels


def date_axis(ax) -> None:
    """Month ticks (day ticks on short periods) labelled with :class:`DateLabels`."""
    lo, hi = ax.get_xlim()
    span = hi - lo
    locator: mdates.DateLocator
    if span >= 75:
        locator = mdates.MonthLocator(interval=max(1, round(span / 30.4 / 12)))
    else:
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(DateLabels())


def link_strip(ax, result) -> None:
    """One lane per energy link: vermillion where cut, orange where reduced."""
    s = result.scenario
    names = list(s.links)
    end = pd.Timestamp(s.end)
    for lane, name in enumerate(names):
        for o in s.links[name].outages:
            t0 = pd.Timestamp(o.start)
            t1 = pd.Timestamp(o.end) if o.end is not None else end
            colour = LINK_COLOURS["cut" if o.capacity_factor == 0 else "reduced"]
            ax.axvspan(t0, t1, ymin=1 - (lane + 0.85) / len(names), ymax=1 - (lane + 0.15) / len(names),
                       color=colour, lw=0)  # fmt: skip
    ax.set_yticks([(len(names) - lane - 0.5) / len(names) for lane in range(len(names))], names)
    ax.set_ylim(0, 1)
    ax.tick_params(axis="y", length=0, labelsize=8)
    ax.set_facecolor(LINK_COLOURS["flowing"])
    ax.legend(handles=[Patch(color=LINK_COLOURS[k], label=k) for k in LINK_COLOURS],
              loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7, frameon=False)  # fmt: skip


def provenance_line(scenario, seed: int | None = None, width: int = 150) -> str:
    """'source configs/x.toml; overrides: a=1, b=2; seed 7' for a figure's header (wrapped)."""
    prov = getattr(scenario, "provenance", {}) or {}
    parts = []
    if prov.get("source"):
        parts.append(f"config {prov['source']}")
    overrides = prov.get("overrides") or []
    parts.append("overrides: " + ", ".join(overrides) if overrides else "no overrides")
    if seed is not None:
        parts.append(f"seed {seed}")
    return wrap("; ".join(parts), width)


def wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def identical(arrays: list[np.ndarray]) -> bool:
    """True when every array holds the same values (NaN equal to NaN)."""
    return all(np.array_equal(arrays[0], a, equal_nan=True) for a in arrays[1:])


def iso(date: dt.date | pd.Timestamp) -> str:
    return pd.Timestamp(date).strftime("%d %b %Y").lstrip("0")
