"""Figures of the decisions one run made: the ration of each commodity the policies decided
(by rule or dated cap) against the share of need actually met, the uses' shares, and the hours
of supply of commodities that cannot be stored (scheduled power cuts).

>>> import lachin_sim as ls
>>> result = ls.simulate(ls.load_scenario("configs/blockade_2023.toml"), seed=1)
>>> ls.plot.rations(result).savefig("rations.png")
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from lachin_sim.outputs.metrics import SHORT_TOLERANCE
from lachin_sim.outputs.plots.common import (
    OKABE_ITO,
    colour_of,
    date_axis,
    needed_commodities,
    provenance_line,
    shade_regimes,
)


def rations(result) -> Figure:
    """One panel per storable commodity whose ration was ever below need: the decided ration
    (dashed step, with each change by rule marked and its rule named) and the share of need met
    (solid, 7-day mean); and one panel of hours of supply a day for commodities that cannot be
    stored (electricity, gas)."""
    s, stocks = result.scenario, result.stocks
    main = next(iter(s.corridors))
    names = needed_commodities(result)
    rationed = [c for c in names if s.commodities[c].storage_capacity != 0
                and (stocks.loc[stocks["commodity"] == c, "ration"] < 1 - SHORT_TOLERANCE).any()]  # fmt: skip
    flows = [c for c in names if s.commodities[c].storage_capacity == 0]
    n = len(rationed) + (1 if flows else 0)
    fig = Figure(figsize=(11, 2.3 * max(n, 1) + 1.2), layout="constrained")
    axes = fig.subplots(max(n, 1), 1, sharex=True, squeeze=False)[:, 0]
    decisions = getattr(result, "decisions", pd.DataFrame())
    others: dict = {}
    for ax, c in zip(axes, rationed, strict=False):
        df = stocks[stocks["commodity"] == c]
        colour = colour_of(names.index(c))
        ax.step(df["date"], df["ration"] * 100, where="post", color=colour, ls="--", lw=1.3,
                label="ration decided")  # fmt: skip
        met = df["share_met"].rolling(7, min_periods=1).mean() * 100
        ax.plot(df["date"], met, color=colour, lw=1.6, label="share of need met (7-day mean)")
        if len(decisions):
            mine = decisions[decisions["commodity"] == c]
            ax.scatter(mine["effective"], mine["ration"] * 100, color="black", s=14, zorder=3,
                       label="change by rule (its effective date)")  # fmt: skip
        caps = df.loc[
            df["ration_rule"].ne("") & ~df["ration_rule"].isin(["threshold", "stretch"]), "date"
        ]
        if len(caps):
            ax.scatter(caps.iloc[[0]], [df.loc[caps.index[0], "ration"] * 100], marker="s",
                       color="0.3", s=16, zorder=3, label="dated cap begins")  # fmt: skip
        shade_regimes(ax, result.regimes, main, others)
        ax.set_ylim(0, 105)
        ax.set_ylabel(f"{c}\n% of need")
        ax.grid(True, axis="y", lw=0.4, alpha=0.6)
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
    if flows:
        ax = axes[len(rationed)]
        for i, c in enumerate(flows):
            df = stocks[stocks["commodity"] == c]
            ax.plot(df["date"], df["hours_of_supply"].rolling(7, min_periods=1).mean(),
                    color=OKABE_ITO[(i + 3) % len(OKABE_ITO)], lw=1.6, label=c)  # fmt: skip
        shade_regimes(ax, result.regimes, main, others)
        ax.set_ylim(0, 25)
        ax.set_yticks([0, 6, 12, 18, 24])
        ax.set_ylabel("hours of supply\na day (7-day mean)")
        ax.grid(True, axis="y", lw=0.4, alpha=0.6)
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
    date_axis(axes[-1])
    axes[-1].set_xlim(pd.Timestamp(s.start), pd.Timestamp(s.end))
    fig.suptitle(f"{s.name}: rations decided and need met; shading: regime on the {main} corridor\n"
                 + provenance_line(s, result.seed), fontsize=9)  # fmt: skip
    return fig
