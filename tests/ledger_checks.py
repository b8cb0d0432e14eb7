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


def expected_need(result) -> dict[str, np.ndarray]:
    """need_per_person_day x monthly factor (month of the tick start) x population x tick_days."""
    s = result.scenario
    out = {}
    for name, rows in per_commodity(result).items():
        c = s.commodities[name]
        months = pd.DatetimeIndex(rows["date"]).month.to_numpy()
        factor = (
            np.asarray(c.monthly_need_factors)[months - 1]
            if c.monthly_need_factors is not None
            else 1.0
        )
        out[name] = c.need_per_person_day * factor * rows["population"].to_numpy() * s.tick_days
    return out


def expected_population(result) -> np.ndarray:
    """Initial population minus each outflow spread evenly over [start, end), at tick starts."""
    s = result.scenario
    starts = np.arange(int(np.ceil(s.days / s.tick_days - 1e-9))) * s.tick_days
    people = np.full(len(starts), float(s.population.initial))
    for o in s.population.outflows:
        t0 = (o.start - s.start).days
        t1 = (o.end - s.start).days if o.end is not None else t0 + 1
        people -= o.people * np.clip((starts - t0) / (t1 - t0), 0, 1)
    return people


def assert_need(result) -> None:
    """The need column follows the population table and the commodity's need per person."""
    pop = expected_population(result)
    for name, need in expected_need(result).items():
        rows = per_commodity(result)[name]
        np.testing.assert_allclose(
            rows["population"].to_numpy(), pop, rtol=REL, atol=1e-9, err_msg=f"{name}: population"
        )
        np.testing.assert_allclose(
            rows["need"].to_numpy(), need, rtol=REL, atol=1e-12, err_msg=f"{name}: need"
        )


def link_fed(result) -> set[str]:
    return {link.commodity for link in result.scenario.links.values()}


def truck_tonnes_delivered(result) -> pd.Series:
    """Tonnes of each commodity on the trucks with outcome 'delivered'."""
    convoys = result.convoys
    delivered = convoys[convoys["outcome"] == "delivered"]
    return pd.Series(
        {
            name: float(delivered[f"{name}_t"].sum()) if f"{name}_t" in delivered else 0.0
            for name in result.scenario.commodities
        }
    )


def assert_truck_records(result) -> None:
    """Each truck's times are in order, its outcome is known, and no truck passed a checkpoint
    while the regime in force there barred its operator."""
    s, c = result.scenario, result.convoys
    assert set(c["outcome"]) <= {"delivered", "denied", "confiscated", "pending"}
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
    assert (c.loc[delivered, "reason"] == "passed").all()
    assert c.loc[~delivered, "arrived"].isna().all()
    assert (c.loc[c["outcome"] == "confiscated", "reason"] == "inspection").all()
    for row in c[c["cleared"].notna()].itertuples():
        regimes = result.regimes[
            (result.regimes["corridor"] == row.corridor)
            & (result.regimes["start"] <= row.cleared)
            & (result.regimes["end"] >= row.cleared)
        ]
        # at a switch instant both neighbouring regimes count as "in force"
        assert any(row.operator in s.regimes[r].allowed_operators for r in regimes["regime"]), (
            f"truck {row.truck_id} ({row.operator}) cleared at {row.cleared} "
            f"under {list(regimes['regime'])}"
        )
