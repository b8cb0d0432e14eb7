"""Figures of a scenario comparison: the overlay of each scenario's median and band."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from lachin_sim.outputs.plots.common import (
    DAYS_OF_SUPPLY_CAP,
    colour_of,
    date_axis,
    identical,
    wrap,
)


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

    def style(i: int) -> dict:  # the reference scenario: black, thick, drawn on top
        if i == 0:
            return {"color": "black", "lw": 2.4, "ls": "-", "zorder": 5}
        return {"color": colour_of(i - 1), "lw": 1.4, "ls": styles[i % len(styles)], "zorder": 3}

    for ax, c in zip(axes, commodities, strict=False):
        drawn: list[tuple[str, list[np.ndarray]]] = []
        same: dict[str, list[str]] = {}
        for i, name in enumerate(comparison.names):
            b = bands[(bands["commodity"] == c) & (bands["scenario"] == name)]
            curve = [b[q].to_numpy(dtype=float) for q in ("q05", "q50", "q95")]
            twin = next((n for n, other in drawn
                         if all(identical([o, q]) for o, q in zip(other, curve, strict=True))),
                        None)  # fmt: skip
            if twin is not None:  # the same line as one drawn already: say so, draw it once
                same.setdefault(twin, []).append(name)
                continue
            drawn.append((name, curve))
            ax.fill_between(b["date"], b["q05"] * scale, b["q95"] * scale,
                            color=style(i)["color"], alpha=0.12, lw=0)  # fmt: skip
            ax.plot(b["date"], b["q50"] * scale, label=name, **style(i))
        if same:
            note = "; ".join(f"{', '.join(v)}: same as {k}" for k, v in same.items())
            ax.text(0.01, 0.02, wrap(f"drawn once: {note}", 70), transform=ax.transAxes,
                    fontsize=7, color="0.25", va="bottom")  # fmt: skip
        ax.set_title(c, fontsize=9)
        ax.grid(True, axis="y", lw=0.4, alpha=0.6)
        if series == "days_of_supply":
            top = float(np.nanmax(bands.loc[bands["commodity"] == c, "q95"].to_numpy()))
            ax.set_ylim(0, min(DAYS_OF_SUPPLY_CAP, top * 1.1 if top > 0 else 1))
        else:
            ax.set_ylim(0, 105)
        date_axis(ax)
    for ax in axes[len(commodities) :]:
        ax.set_visible(False)
    label = {"days_of_supply": "days of supply at full need", "share_met": "share of need met, %"}[
        series
    ]
    fig.supylabel(label)
    handles: list[Line2D | Patch] = [Line2D([], [], label=name, **style(i))
                                     for i, name in enumerate(comparison.names)]  # fmt: skip
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
