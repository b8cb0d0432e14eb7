"""Rationing: dated caps and days-of-supply thresholds lower the share of need served; the lowest
ration wins, and need itself is never lowered."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import lachin_sim as ls

START = dt.date(2023, 1, 1)


def rows_of(result, commodity: str):
    stocks = result.stocks
    return stocks[stocks["commodity"] == commodity].sort_values("date")


def test_thresholds_lower_the_ration_as_days_of_supply_fall(make_scenario):
    """Below 5 days of supply the ration is 0.5, below 2 days 0.25 (days measured before use)."""
    s = make_scenario(
        commodities={"food": {"unit": "t", "initial_stock": 8.0, "need_per_person_day": 0.001}},
        rationing={
            "rules": {
                "food": {
                    "thresholds": [
                        {"below_days_of_supply": 5.0, "ration": 0.5},
                        {"below_days_of_supply": 2.0, "ration": 0.25},
                    ]
                }
            }
        },
        convoys={},
    )
    rows = rows_of(ls.simulate(s), "food")
    # the documented rule, stepped by hand: need 1 t/day, stock 8 t, no resupply
    level, rations = 8.0, []
    for _ in range(s.days):
        ration = 0.25 if level < 2 else 0.5 if level < 5 else 1.0
        rations.append(ration)
        level -= min(level, ration * 1.0)
    np.testing.assert_allclose(rows["ration"].to_numpy(), rations)
    np.testing.assert_allclose(rows["consumed"].to_numpy(), np.asarray(rations) * 1.0, atol=1e-12)
    assert {1.0, 0.5, 0.25} <= set(rations)
    np.testing.assert_allclose(rows["need"].to_numpy(), 1.0)  # need is never lowered


def test_dated_caps_apply_over_their_interval_and_the_lowest_wins(make_scenario):
    """A cap holds over [start, end); where two caps overlap the lower ration applies."""
    s = make_scenario(
        commodities={
            "food": {"unit": "t", "initial_stock": 100.0, "need_per_person_day": 0.001},
            "fuel": {"unit": "t", "initial_stock": 100.0, "need_per_person_day": 0.001},
        },
        rationing={
            "caps": [
                {
                    "commodity": "fuel",
                    "start": dt.date(2023, 1, 3),
                    "end": dt.date(2023, 1, 8),
                    "ration": 0.6,
                },
                {"commodity": "fuel", "start": dt.date(2023, 1, 6), "ration": 0.3},
            ]
        },
        convoys={},
    )
    result = ls.simulate(s)
    rows = rows_of(result, "fuel")
    expected = [1.0] * 2 + [0.6] * 3 + [0.3] * 9
    np.testing.assert_allclose(rows["ration"].to_numpy(), expected)
    np.testing.assert_allclose(rows["consumed"] / rows["need"], expected)
    food = rows_of(result, "food")
    assert (food["ration"] == 1.0).all()  # caps apply to their commodity only


def test_a_rationed_tick_counts_as_short(make_scenario):
    """Rationing with stock left is still a shortage: share met below 1, unmet need recorded."""
    s = make_scenario(
        commodities={"food": {"unit": "t", "initial_stock": 100.0, "need_per_person_day": 0.001}},
        rationing={"caps": [{"commodity": "food", "start": dt.date(2023, 1, 5), "ration": 0.8}]},
        convoys={},
    )
    result = ls.simulate(s)
    assert result.summary["days_to_first_shortage:food"] == 4.0
    assert result.summary["shortage_days:food"] == 10.0
    assert result.shortages["severity"].tolist() == ["stress"]
    assert result.summary["unmet:food"] == pytest.approx(10 * 0.2)


def test_days_of_supply_is_stock_over_daily_need_and_undefined_without_storage(make_scenario):
    """days_of_supply = stock / full need per day; NaN for a non-storable commodity or no need."""
    s = make_scenario(
        tick_days=0.5,
        commodities={
            "food": {"unit": "t", "initial_stock": 10.0, "need_per_person_day": 0.001},
            "spare": {"unit": "t", "initial_stock": 3.0, "need_per_person_day": 0.0},
            "gas": {
                "unit": "m3",
                "need_per_person_day": 1.0,
                "storage_capacity": 0,
                "production_per_day": 2000.0,
            },
        },
        convoys={},
    )
    result = ls.simulate(s)
    food = rows_of(result, "food")
    np.testing.assert_allclose(food["days_of_supply"], food["stock"] / 1.0)
    assert rows_of(result, "spare")["days_of_supply"].isna().all()
    assert rows_of(result, "gas")["days_of_supply"].isna().all()
