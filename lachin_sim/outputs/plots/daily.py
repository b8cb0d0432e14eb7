"""Daily series of one run for a reader: food energy eaten per person (by group) and hours of
supply a day of the commodities that cannot be stored (electricity, gas).

>>> import lachin_sim as ls
>>> result = ls.simulate(ls.load_scenario("configs/blockade_2023.toml"))
>>> food_energy(result).savefig("food_energy.png")
>>> hours_of_supply(result).savefig("hours_of_supply.png")
"""

from __future__ import annotations

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure

from lachin_sim.outputs.plots.common import colour_of, date_axis, provenance_line

FIGURE_SIZE_IN = (9.0, 3.6)  # width, height: readable on a phone screen and on A4


def full_need_kcal(result) -> pd.DataFrame:
    """Food energy at full need, kcal per person per day, per date and group: the need of every
    food commodity (``uses`` table, by group) times its energy density, over the group's
    people (``groups`` table). Columns ``date, group, full_need_kcal``."""
    s = result.scenario
    density = {name: c.kcal_per_unit for name, c in s.commodities.items() if c.kcal_per_unit}
    uses = result.uses[result.uses["commodity"].isin(density)]
    kcal = (
        (uses["need"] * uses["commodity"].map(density)).groupby([uses["date"], uses["group"]]).sum()
    )
    people = result.groups.set_index(["date", "group"])["people"]
    joined = pd.DataFrame({"kcal": kcal}).join(people, how="inner")
    joined = joined[joined["people"] > 0]
    out = (joined["kcal"] / (joined["people"] * s.tick_days)).rename("full_need_kcal")
    return out.reset_index()


def food_energy(result) -> Figure:
    """Food energy eaten per person per day (``groups`` table), one line per population group,
    with each group's energy at full need dashed in the same colour."""
    groups = result.groups
    need = full_need_kcal(result)
    fig = Figure(figsize=FIGURE_SIZE_IN, layout="constrained")
    ax = fig.subplots()
    for i, group in enumerate(dict.fromkeys(groups["group"])):
        rows = groups[groups["group"] == group]
        colour = colour_of(i)
        ax.plot(rows["date"], rows["kcal_per_person_day"], color=colour, lw=1.6, label=group)
        full = need[need["group"] == group]
        ax.plot(
            full["date"],
            full["full_need_kcal"],
            color=colour,
            lw=1.0,
            ls="--",
            label=f"{group}: full need",
        )
    ax.set_ylim(bottom=0)
    return _finish(
        fig,
        ax,
        result,
        "kcal per person per day",
        "food energy eaten per person per day (solid) and at full need (dashed)",
    )


def non_storable(result) -> list[str]:
    """Commodities with a need that cannot be stored (``storage_capacity = 0``), in config order."""
    return [
        n for n, c in result.scenario.commodities.items() if c.has_need and c.storage_capacity == 0
    ]


def hours_of_supply(result) -> Figure:
    """Hours of supply a day (24 x share of need met, ``stocks`` table) of each commodity that
    cannot be stored, one line each."""
    stocks = result.stocks
    fig = Figure(figsize=FIGURE_SIZE_IN, layout="constrained")
    ax = fig.subplots()
    for i, name in enumerate(non_storable(result)):
        rows = stocks[stocks["commodity"] == name]
        ax.plot(rows["date"], rows["hours_of_supply"], color=colour_of(i), lw=1.6, label=name)
    ax.set_ylim(0, 24.5)
    ax.set_yticks([0, 6, 12, 18, 24])
    return _finish(
        fig, ax, result, "hours of supply a day", "hours of supply a day (24 x share of need met)"
    )


def _finish(fig: Figure, ax, result, ylabel: str, title: str) -> Figure:
    """The parts both daily figures share: the period as x range, the y label, a light grid, the
    date axis, the legend on the right and a title with the run's provenance."""
    s = result.scenario
    ax.set_xlim(float(mdates.date2num(s.start)), float(mdates.date2num(s.end)))
    ax.set_ylabel(ylabel)
    ax.grid(True, axis="y", lw=0.4, alpha=0.6)
    date_axis(ax)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
    fig.suptitle(f"{s.name}: {title}\n{provenance_line(s, result.seed, width=110)}", fontsize=9)
    return fig
