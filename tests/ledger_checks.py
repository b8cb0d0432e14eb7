"""Invariants every run must satisfy, as assertion helpers shared by several test files.

Each helper takes a :class:`~lachin_sim.outputs.results.Result` and raises AssertionError naming the
commodity (or source, or truck) and the tick where an invariant breaks.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

REL = 1e-9  # relative float tolerance of the ledgers


def per_commodity(result) -> dict[str, pd.DataFrame]:
    """Stock rows of each commodity in date order."""
    stocks = result.stocks
    return {
        name: stocks[stocks["commodity"] == name].sort_values("date", kind="stable")
        for name in result.scenario.commodities
    }


def _close(lhs: np.ndarray, rhs: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return np.abs(lhs - rhs) <= REL * np.maximum(scale, 1.0)


def assert_stock_ledger(result) -> None:
    """previous stock + delivered + produced = consumed + converted + spoiled + stock, per tick."""
    for name, rows in per_commodity(result).items():
        stock = rows["stock"].to_numpy()
        previous = np.concatenate([[result.scenario.commodities[name].initial_stock], stock[:-1]])
        inflow = previous + rows["delivered"].to_numpy() + rows["produced"].to_numpy()
        outflow = (
            rows["consumed"].to_numpy()
            + rows["converted"].to_numpy()
            + rows["spoiled"].to_numpy()
            + stock
        )
        ok = _close(inflow, outflow, np.maximum(np.abs(inflow), np.abs(outflow)))
        if not ok.all():
            k = int(np.argmin(ok))
            raise AssertionError(
                f"{name}: ledger broken at tick {k} ({rows['date'].iloc[k]}): "
                f"in {inflow[k]!r} != out {outflow[k]!r}"
            )
        for col in ("delivered", "produced", "consumed", "converted", "spoiled", "need"):
            assert (rows[col].to_numpy() >= 0).all(), f"{name}: negative {col}"


def assert_reservoir_ledger(result) -> None:
    """initial + cumulative inflow = cumulative released + cumulative spilled + reservoir_m3."""
    energy = result.energy
    for name, plant in result.scenario.hydro.items():
        rows = energy[energy["source"] == name]
        assert len(rows) == len(per_commodity(result)[plant.commodity]), f"{name}: one row a tick"
        lhs = plant.reservoir_initial_m3 + rows["inflow_m3"].cumsum().to_numpy()
        rhs = (rows["released_m3"].cumsum() + rows["spilled_m3"].cumsum()).to_numpy() + rows[
            "reservoir_m3"
        ].to_numpy()
        assert _close(lhs, rhs, lhs).all(), f"{name}: reservoir ledger broken"
        assert (rows["reservoir_m3"] <= plant.reservoir_max_m3 * (1 + REL)).all()
        assert (rows["released_m3"] >= 0).all() and (rows["spilled_m3"] >= 0).all()


def assert_consumption_bounds(result) -> None:
    """No negative stock; consumption within what is in stock and within the ration of need."""
    for name, rows in per_commodity(result).items():
        stock = rows["stock"].to_numpy()
        consumed, need = rows["consumed"].to_numpy(), rows["need"].to_numpy()
        ration = rows["ration"].to_numpy()
        previous = np.concatenate([[result.scenario.commodities[name].initial_stock], stock[:-1]])
        available = (
            previous
            + rows["delivered"].to_numpy()
            + rows["produced"].to_numpy()
            - rows["converted"].to_numpy()
        )
        assert (stock >= 0).all(), f"{name}: negative stock"
        assert (consumed <= available + REL * np.maximum(np.abs(available), 1)).all(), (
            f"{name}: consumed more than was in stock"
        )
        assert ((ration >= 0) & (ration <= 1)).all(), f"{name}: ration outside [0, 1]"
        assert (consumed <= ration * need + REL * np.maximum(need, 1)).all(), (
            f"{name}: consumed more than the ration of need"
        )
        np.testing.assert_array_equal(rows["unmet"].to_numpy(), need - consumed)
        cap = result.scenario.commodities[name].storage_capacity
        if cap is not None:
            assert (stock <= cap * (1 + REL) + REL).all(), f"{name}: stock above storage capacity"


def expected_line_need(result) -> pd.DataFrame:
    """The uses table's need recomputed from the config: per person x group factor x monthly
    factor (of the use, else the commodity) x people of the group x tick_days, or per day x
    monthly factor x tick_days for a fixed need."""
    s = result.scenario
    uses = result.uses[result.uses["kind"] == "use"].copy()
    people = result.groups.set_index(["date", "group"])["people"]
    months = pd.DatetimeIndex(uses["date"]).month.to_numpy()
    expected = np.zeros(len(uses))
    for pos, (row, month) in enumerate(zip(uses.itertuples(), months, strict=True)):
        c = s.commodities[row.commodity]
        use = c.uses.get(row.use) if c.uses else None
        factors = (use.monthly_need_factors if use is not None and use.monthly_need_factors
                   is not None else c.monthly_need_factors)  # fmt: skip
        factor = factors[month - 1] if factors is not None else 1.0
        if row.group == "":
            expected[pos] = use.need_per_day * factor * s.tick_days
        else:
            per_person = use.need_per_person_day if use is not None else c.need_per_person_day
            g = s.population.groups.get(row.group)
            group_factor = g.need_factors.get(row.commodity, 1.0) if g is not None else 1.0
            expected[pos] = (
                per_person * group_factor * factor * people[(row.date, row.group)] * s.tick_days
            )
    uses["expected_need"] = expected
    return uses


def assert_need(result) -> None:
    """Each demand line's need follows the config and the people of its group; a commodity's
    need is the sum of its lines."""
    uses = expected_line_need(result)
    np.testing.assert_allclose(uses["need"], uses["expected_need"], rtol=REL, atol=1e-12,
                               err_msg="line need")  # fmt: skip
    by_commodity = uses.groupby(["date", "commodity"])["need"].sum()
    stocks = result.stocks.set_index(["date", "commodity"])["need"]
    np.testing.assert_allclose(stocks.loc[by_commodity.index], by_commodity, rtol=REL, atol=1e-9,
                               err_msg="commodity need = sum of its lines")  # fmt: skip


def assert_use_ledger(result) -> None:
    """Per commodity and tick: consumed = sum over its use lines, converted = sum over its
    conversion lines; each line within its cap and its need; never negative."""
    uses = result.uses
    assert (uses["consumed"] >= -1e-12).all()
    assert (uses["consumed"] <= uses["allowed"] + REL * np.maximum(uses["allowed"], 1)).all()
    assert (uses["allowed"] <= uses["need"] + REL * np.maximum(uses["need"], 1)).all()
    stocks = result.stocks.set_index(["date", "commodity"])
    for kind, column in (("use", "consumed"), ("conversion", "converted")):
        sums = uses[uses["kind"] == kind].groupby(["date", "commodity"])["consumed"].sum()
        expected = stocks[column].copy() * 0.0
        expected.loc[sums.index] = sums
        np.testing.assert_allclose(stocks[column], expected, rtol=1e-9, atol=1e-9,
                                   err_msg=f"{column} = sum of {kind} lines")  # fmt: skip


def assert_population_identity(result) -> None:
    """By group and tick: next people = people - outflow - left in vehicles + arrived - deaths
    (never negative), the groups sum to the stock table's population, and nobody leaves who was
    not there."""
    g = result.groups
    for name, rows in g.groupby("group", sort=False):
        people = rows["people"].to_numpy()
        moved = (rows["outflow"] + rows["left_in_vehicles"] - rows["arrived_in_vehicles"]
                 + rows["deaths"]).to_numpy()  # fmt: skip
        np.testing.assert_allclose(people[1:], np.maximum(people[:-1] - moved[:-1], 0.0),
                                   rtol=1e-9, atol=1e-9, err_msg=f"group {name}")  # fmt: skip
        assert (people >= 0).all()
        assert (rows["outflow"] + rows["left_in_vehicles"] <= rows["people"] + 1e-9).all()
    total = g.groupby("date")["people"].sum()
    pop = result.stocks.drop_duplicates("date").set_index("date")["population"]
    np.testing.assert_allclose(pop.loc[total.index], total, rtol=1e-12, err_msg="groups sum")


def link_fed(result) -> set[str]:
    return {link.commodity for link in result.scenario.links.values()}


def truck_tonnes_delivered(result) -> pd.Series:
    """Tonnes of each commodity that reached the stocks by vehicle or flow: the cargo of
    vehicles with outcome 'delivered' less what a cargo rule seized, plus flows."""
    convoys, flows = result.convoys, result.flows
    delivered = convoys[convoys["outcome"] == "delivered"]
    out = {}
    for name in result.scenario.commodities:
        amount = float(delivered[f"{name}_t"].sum()) if f"{name}_t" in delivered else 0.0
        if f"{name}_confiscated_t" in delivered:
            amount -= float(delivered[f"{name}_confiscated_t"].sum())
        if f"{name}_t" in flows:
            amount += float(flows[f"{name}_t"].sum())
        out[name] = amount
    return pd.Series(out)


def assert_crossings(result) -> None:
    """Every vehicle that crossed is counted once each way: inbound vehicles that passed the
    checkpoint (delivered, or pending on the far side), outbound ones that exited, empty
    returns; flows add what their table says."""
    c, crossings, flows = result.convoys, result.crossings, result.flows
    end = np.datetime64(result.scenario.end, "ns")  # crossings at or after the end are outside
    by_way = crossings.groupby("direction")["vehicles"].sum()
    passed_in = ((c["direction"] == "in") & (c["cleared"] < end)
                 & ~c["outcome"].isin(["denied", "confiscated"])).sum()  # fmt: skip
    flow_in = flows.loc[flows["direction"] == "in", "vehicles"].sum() if len(flows) else 0.0
    flow_out = flows.loc[flows["direction"] == "out", "vehicles"].sum() if len(flows) else 0.0
    assert by_way.get("in", 0.0) == pytest_approx(passed_in + flow_in), "inbound crossings"
    exits = (c["outcome"] == "exited").sum() + (
        (c["exit_cleared"] < end) & (c["direction"] == "in")
    ).sum()
    assert by_way.get("out", 0.0) == pytest_approx(exits + flow_out), "outbound crossings"


def pytest_approx(value: float):
    import pytest

    return pytest.approx(value, rel=1e-9, abs=1e-9)


def assert_truck_records(result) -> None:
    """Each truck's times are in order, its outcome is known, and no truck passed a checkpoint
    while the regime in force there barred its operator."""
    s, c = result.scenario, result.convoys
    assert set(c["outcome"]) <= {"delivered", "denied", "confiscated", "pending", "exited"}
    times = [
        "departed",
        "reached_checkpoint",
        "inspection_start",
        "inspected",
        "cleared",
        "arrived",
    ]
    for a, b in itertools.pairwise(times):
        both = c[a].notna() & c[b].notna()
        assert (c.loc[both, a] <= c.loc[both, b]).all(), f"{a} after {b}"
    delivered = c["outcome"] == "delivered"
    assert c.loc[delivered, "arrived"].notna().all()
    assert (c.loc[delivered | (c["outcome"] == "exited"), "reason"] == "passed").all()
    assert c.loc[~delivered, "arrived"].isna().all()
    assert c.loc[c["direction"] == "out", "arrived"].isna().all()
    assert (c.loc[c["outcome"] == "confiscated", "reason"] == "inspection").all()
    end = np.datetime64(s.end, "ns")  # a clearance at the end instant is outside the period
    for row in c[c["cleared"].notna() & (c["cleared"] < end)].itertuples():
        regimes = result.regimes[
            (result.regimes["corridor"] == row.corridor)
            & (result.regimes["start"] <= row.cleared)
            & (result.regimes["end"] >= row.cleared)
        ]
        # at a switch instant both neighbouring intervals count as "in force"
        assert any(
            row.operator in s.regimes[r].allowed_operators and row.operator not in barred.split(", ")
            for r, barred in zip(regimes["regime"], regimes["barred"], strict=True)
        ), (f"truck {row.truck_id} ({row.operator}) cleared at {row.cleared} "
            f"under {list(regimes['regime'])}, barred {list(regimes['barred'])}")  # fmt: skip
