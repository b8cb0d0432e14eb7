"""Pure functions computed from result tables: shortage episodes, severity, headline metrics.

A commodity is *short* in a tick when less than its full need was consumed (share met < 1),
whether because the stock ran out or because rationing held consumption back. Consecutive short
ticks form an *episode*; its severity is the first band (ordered by ``min_share_met``, highest
first) whose minimum the episode's worst share met reaches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lachin_sim.config.schema import Scenario

SHORT_TOLERANCE = 1e-9  # share met below 1 - this counts as short (float noise is not a shortage)
RATION_TOLERANCE = 1e-6  # relative: consumption this close to ration x need is "at the ration"
MILESTONES = (0.75, 0.5)  # shares of need whose first crossing is reported (days_to_share_below_*)

SHARE_METRICS = ("share_met", "min_share_met")  # summary metrics that are shares in [0, 1]

SHORTAGE_COLUMNS = [
    "commodity", "start", "end", "days", "worst_share_met", "mean_share_met", "unmet",
    "severity", "ongoing",
]  # fmt: skip


def share_met(stocks: pd.DataFrame) -> pd.Series:
    """Consumed / need per row; 1 where nothing was needed."""
    need = stocks["need"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(need > 0, stocks["consumed"].to_numpy() / need, 1.0)
    return pd.Series(share, index=stocks.index, name="share_met")


def ration_limited(stocks: pd.DataFrame) -> pd.Series:
    """True on the ticks where a ration decision, not an empty stock, caused the shortfall.

    The tick consumes ``min(stock, ration x need)``; when the ration is below full need and
    consumption reached ``ration x need`` (within ``RATION_TOLERANCE``), the ration bound was the
    binding one: stock (or supply, for a commodity that is not stored) was there for it.
    """
    need = stocks["need"].to_numpy(dtype=float)
    ration = stocks["ration"].to_numpy(dtype=float)
    consumed = stocks["consumed"].to_numpy(dtype=float)
    limited = (
        (need > 0)
        & (ration < 1 - SHORT_TOLERANCE)
        & (consumed >= ration * need * (1 - RATION_TOLERANCE))
        & (consumed < need * (1 - SHORT_TOLERANCE))
    )
    return pd.Series(limited, index=stocks.index, name="ration_limited")


def severity_of(worst_share: float, bands: list) -> str:
    """Name of the first band (highest minimum first) that ``worst_share`` reaches."""
    for band in sorted(bands, key=lambda b: b.min_share_met, reverse=True):
        if worst_share >= band.min_share_met:
            return band.name
    return bands[-1].name


def by_commodity(stocks: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
    """(commodity, row positions in date order) for each commodity, in order of appearance."""
    codes, names = pd.factorize(stocks["commodity"].to_numpy())  # in order of appearance
    order = np.argsort(stocks["date"].to_numpy(), kind="stable")
    codes = codes[order]
    grouped = order[np.argsort(codes, kind="stable")]  # by commodity, each in date order
    counts = np.bincount(codes, minlength=len(names)).tolist()
    ends = np.cumsum(counts, dtype=np.int64).tolist()
    return [
        (str(n), grouped[e - c : e]) for n, c, e in zip(names.tolist(), counts, ends, strict=True)
    ]


def shortage_episodes(stocks: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """One row per run of consecutive short ticks per commodity.

    ``start`` is the first short tick, ``end`` the first tick after the episode (exclusive,
    or the scenario end), ``days`` its length in days, ``unmet`` the total unmet need over it.
    """
    rows = []
    step = np.timedelta64(int(scenario.tick_days * 86400e9), "ns")
    all_share, all_unmet = stocks["share_met"].to_numpy(), stocks["unmet"].to_numpy()
    all_dates = stocks["date"].to_numpy()
    for commodity, pos in by_commodity(stocks):
        share = all_share[pos]
        short = share < 1 - SHORT_TOLERANCE
        if not short.any():
            continue
        edges = np.diff(np.concatenate([[0], short.astype(np.int8), [0]]))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        dates, unmet = all_dates[pos], all_unmet[pos]
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            worst = float(share[a:b].min())
            rows.append((
                commodity, dates[a], dates[b - 1] + step, (b - a) * scenario.tick_days, worst,
                float(share[a:b].mean()), float(unmet[a:b].sum()),
                severity_of(worst, scenario.severity_bands), b == len(share),
            ))  # fmt: skip
    out = pd.DataFrame(rows, columns=SHORTAGE_COLUMNS)
    return out.astype({"start": "datetime64[ns]", "end": "datetime64[ns]", "days": float,
                       "ongoing": bool})  # fmt: skip


COMMODITY_METRICS = (
    "days_to_first_shortage", *(f"days_to_share_below_{round(m * 100)}pct" for m in MILESTONES),
    "shortage_days", "share_met", "min_share_met", "unmet", "final_days_of_supply",
)  # fmt: skip
OPERATOR_METRICS = (
    "trucks_sent", "trucks_delivered", "trucks_denied", "trucks_confiscated", "trucks_pending",
    "trucks_withheld", "delivered_t",
)  # fmt: skip


@dataclass
class TruckCounts:
    """What became of one operator's vehicles: counts, and tonnes that reached the stocks."""

    sent: int = 0
    delivered: int = 0
    denied: int = 0
    confiscated: int = 0
    exited: int = 0  # outbound vehicles that left
    delivered_t: float = 0.0  # payload of delivered vehicles less what was seized from them

    @property
    def pending(self) -> int:
        """Still on the road or at the checkpoint when the run ended."""
        return self.sent - self.delivered - self.denied - self.confiscated - self.exited


def truck_counts(convoys: pd.DataFrame) -> dict[str, TruckCounts]:
    """:class:`TruckCounts` per operator from a convoy log (one row per vehicle)."""
    operator = convoys["operator"].to_numpy()
    outcome = convoys["outcome"].to_numpy()
    payload = convoys["payload_t"].to_numpy(dtype=float)
    seized = convoys["confiscated_t"].to_numpy(dtype=float) if "confiscated_t" in convoys else None
    out = {}
    for op in pd.unique(operator):
        mine = operator == op
        delivered = mine & (outcome == "delivered")
        tonnes = float(payload[delivered].sum())
        if seized is not None:
            tonnes -= float(seized[delivered].sum())
        out[str(op)] = TruckCounts(
            sent=int(mine.sum()), delivered=int(delivered.sum()),
            denied=int((mine & (outcome == "denied")).sum()),
            confiscated=int((mine & (outcome == "confiscated")).sum()),
            exited=int((mine & (outcome == "exited")).sum()), delivered_t=tonnes,
        )  # fmt: skip
    return out


def metric_names(scenario: Scenario, dates: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Names of the summary metrics a run of ``scenario`` reports, known before running; with
    ``dates`` (ISO), also the food energy on those dates that a study adds
    (``food_kcal_per_person_day@DATE:<group>``, :mod:`lachin_sim.outputs.outcomes`)."""
    names = []
    for name, c in scenario.commodities.items():
        if c.has_need:
            names += [f"{m}:{name}" for m in COMMODITY_METRICS]
            if c.kcal_per_unit is not None:
                names.append(f"kcal_per_person_day:{name}")
    for op in sorted({s.operator for s in scenario.convoys.values()}):
        names += [f"{m}:{op}" for m in OPERATOR_METRICS]
    from lachin_sim.outputs.outcomes import outcome_metric_names

    names += outcome_metric_names(scenario)
    if scenario.health is not None:
        from lachin_sim.model.health import health_metric_names

        names += health_metric_names(scenario.group_names)
    from lachin_sim.outputs.outcomes import dated_metric_names

    return names + dated_metric_names(scenario, dates)


def summarize(
    stocks: pd.DataFrame,
    convoys: pd.DataFrame | Mapping[str, TruckCounts],
    scenario: Scenario,
    withheld: dict[str, int] | None = None,
    flows: pd.DataFrame | None = None,
) -> pd.Series:
    """Headline metrics, one value each, named ``metric:commodity`` or ``metric:operator``.

    Per commodity with a need: days_to_first_shortage (days from the start to the first short
    tick; NaN if never short), days_to_share_below_75pct and days_to_share_below_50pct (first
    tick below that share of need; NaN if never), shortage_days, share_met (total consumed / total need),
    min_share_met, unmet (commodity unit), final_days_of_supply, and kcal_per_person_day (mean
    over the run, where the commodity has an energy density).
    Per operator: trucks_sent, trucks_delivered, trucks_denied, trucks_confiscated,
    trucks_pending, trucks_withheld (never sent: the corridor was closed to them), delivered_t
    (tonnes that reached the stocks, by vehicle and by flow). ``convoys``: the convoy log, or
    its :class:`TruckCounts` per operator (a run that did not keep the log).
    """
    out: dict[str, float] = {}
    start = np.datetime64(scenario.start, "ns")
    day_td = np.timedelta64(86400, "s")
    cols = {c: stocks[c].to_numpy() for c in ("date", "share_met", "need", "consumed", "unmet",
                                               "days_of_supply")}  # fmt: skip
    kcal = stocks["kcal_per_person_day"].to_numpy() if "kcal_per_person_day" in stocks else None
    for commodity, pos in by_commodity(stocks):
        need = cols["need"][pos]
        if not need.any():
            continue  # nothing needed (e.g. other goods): no shortage metrics
        share = cols["share_met"][pos]
        short = share < 1 - SHORT_TOLERANCE
        first = (cols["date"][pos][short.argmax()] - start) / day_td if short.any() else np.nan
        out[f"days_to_first_shortage:{commodity}"] = float(first)
        for level in MILESTONES:  # first day below 75 % and 50 % of need
            below = share < level - SHORT_TOLERANCE
            day = (cols["date"][pos][below.argmax()] - start) / day_td if below.any() else np.nan
            out[f"days_to_share_below_{round(level * 100)}pct:{commodity}"] = float(day)
        out[f"shortage_days:{commodity}"] = float(short.sum() * scenario.tick_days)
        out[f"share_met:{commodity}"] = float(cols["consumed"][pos].sum() / need.sum())
        out[f"min_share_met:{commodity}"] = float(share.min())
        out[f"unmet:{commodity}"] = float(cols["unmet"][pos].sum())
        out[f"final_days_of_supply:{commodity}"] = float(cols["days_of_supply"][pos][-1])
        if kcal is not None and not np.isnan(kcal[pos]).all():
            out[f"kcal_per_person_day:{commodity}"] = float(np.nanmean(kcal[pos]))
    withheld_by_operator: dict[str, float] = {}
    for source, count in (withheld or {}).items():
        op = scenario.convoys[source].operator
        withheld_by_operator[op] = withheld_by_operator.get(op, 0) + count
    counts = truck_counts(convoys) if isinstance(convoys, pd.DataFrame) else convoys
    for op in sorted({s.operator for s in scenario.convoys.values()}):
        mine = counts.get(op, TruckCounts())
        out[f"trucks_sent:{op}"] = float(mine.sent)
        out[f"trucks_delivered:{op}"] = float(mine.delivered)
        out[f"trucks_denied:{op}"] = float(mine.denied)
        out[f"trucks_confiscated:{op}"] = float(mine.confiscated)
        out[f"trucks_pending:{op}"] = float(mine.pending)
        out[f"trucks_withheld:{op}"] = float(withheld_by_operator.get(op, 0))
        delivered_t = mine.delivered_t
        if flows is not None and len(flows):
            of_op = flows["source"].map(lambda s: scenario.convoys[s].operator) == op
            delivered_t += float(flows.loc[of_op & (flows["direction"] == "in"), "tonnes"].sum())
        out[f"delivered_t:{op}"] = delivered_t
    return pd.Series(out, name="value", dtype=float)
