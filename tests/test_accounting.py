"""Stock accounting over random valid scenarios: ledgers balance, bounds hold, trucks reconcile.

The scenarios come from ``scenario_strategies.scenario_dicts``; each property is checked on
every commodity and every tick of every generated run.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from ledger_checks import (
    assert_consumption_bounds,
    assert_crossings,
    assert_need,
    assert_population_identity,
    assert_reservoir_ledger,
    assert_stock_ledger,
    assert_truck_records,
    assert_use_ledger,
    link_fed,
    truck_tonnes_delivered,
)
from scenario_strategies import scenario_dicts

import lachin_sim as ls
from lachin_sim.config.validation import validate_scenario

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(raw: dict):
    return ls.simulate(validate_scenario(raw, source="<hypothesis>"))


def check_ledgers(raw: dict) -> None:
    result = run(raw)
    assert_stock_ledger(result)
    assert_reservoir_ledger(result)
    assert_use_ledger(result)
    assert_population_identity(result)


def check_bounds(raw: dict) -> None:
    result = run(raw)
    assert_consumption_bounds(result)
    assert_need(result)


def check_deliveries(raw: dict) -> None:
    result = run(raw)
    in_stocks = result.stocks.groupby("commodity")["delivered"].sum()
    by_trucks = truck_tonnes_delivered(result)
    for name in sorted(set(result.scenario.commodities) - link_fed(result)):
        assert in_stocks[name] == pytest.approx(by_trucks[name], rel=1e-9, abs=1e-9), name
    assert_truck_records(result)
    assert_crossings(result)
    assert_deliveries_in_their_tick(result)


def assert_deliveries_in_their_tick(result) -> None:
    """Each truck's delivered cargo is in the row of the tick whose half-open interval
    [k x tick_days, (k + 1) x tick_days) contains its arrival time."""
    s, convoys = result.scenario, result.convoys
    delivered = convoys[convoys["outcome"] == "delivered"]
    arrived_days = (delivered["arrived"] - np.datetime64(s.start, "ns")) / np.timedelta64(1, "D")
    tick = np.floor(arrived_days.to_numpy() / s.tick_days).astype(int)
    assert (tick < len(result.stocks) // len(s.commodities)).all(), "a delivery after the end"
    flows = result.flows
    flow_tick = ((flows["date"] - np.datetime64(s.start, "ns")) / np.timedelta64(1, "D")
                 / s.tick_days).round().astype(int).to_numpy()  # fmt: skip
    for name in sorted(set(s.commodities) - link_fed(result)):
        rows = result.stocks[result.stocks["commodity"] == name].sort_values("date")
        expected = np.zeros(len(rows))
        if f"{name}_t" in delivered:
            cargo = delivered[f"{name}_t"].to_numpy()
            if f"{name}_confiscated_t" in delivered:
                cargo = cargo - delivered[f"{name}_confiscated_t"].to_numpy()
            np.add.at(expected, tick, cargo)
        if f"{name}_t" in flows:
            np.add.at(expected, flow_tick, flows[f"{name}_t"].to_numpy())
        np.testing.assert_allclose(rows["delivered"].to_numpy(), expected, rtol=1e-9, atol=1e-9,
                                   err_msg=f"{name}: deliveries credited to the wrong tick")  # fmt: skip


@FAST
@given(raw=scenario_dicts())
def test_stock_and_reservoir_ledgers_balance(raw):
    """Mass balance: what was there plus what came in equals what went out plus what is left."""
    check_ledgers(raw)


@FAST
@given(raw=scenario_dicts())
def test_consumption_stays_within_stock_and_ration(raw):
    """No negative stock; consumption within stock and ration x need; need = per person x people."""
    check_bounds(raw)


@FAST
@given(raw=scenario_dicts())
def test_deliveries_reconcile_with_the_convoy_log(raw):
    """Tonnes delivered into stock equal the cargo of trucks logged as delivered."""
    check_deliveries(raw)


@pytest.mark.slow
@SLOW
@given(raw=scenario_dicts())
def test_all_accounting_properties_many_examples(raw):
    """Ledgers, bounds and truck reconciliation hold over many more random scenarios."""
    check_ledgers(raw)
    check_bounds(raw)
    check_deliveries(raw)


def test_need_follows_monthly_factors_population_and_half_day_ticks(make_scenario):
    """Need per tick = need per person-day x month factor x people present x tick length."""
    factors = [1.0 + m / 10 for m in range(12)]
    s = make_scenario(
        start=dt.date(2023, 1, 25),
        end=dt.date(2023, 2, 10),
        tick_days=0.5,
        population={
            "initial": 2000,
            "outflows": [
                {"start": dt.date(2023, 1, 28), "end": dt.date(2023, 2, 2), "people": 500}
            ],
        },
        commodities={
            "food": {
                "unit": "t",
                "initial_stock": 100.0,
                "need_per_person_day": 0.002,
                "monthly_need_factors": factors,
            }
        },
        convoys={},
    )
    result = ls.simulate(s)
    rows = result.stocks.sort_values("date")
    assert len(rows) == 2 * s.days
    month = rows["date"].dt.month.to_numpy()
    assert set(month) == {1, 2}
    people = rows["population"].to_numpy()
    assert people[0] == 2000 and people[-1] == 1500
    assert (np.diff(people) <= 0).all()
    expected = 0.002 * np.asarray(factors)[month - 1] * people * 0.5
    np.testing.assert_allclose(rows["need"].to_numpy(), expected, rtol=1e-12)


def test_generators_burn_fuel_recorded_as_converted(make_scenario):
    """Fuel burned by generators is the 'converted' flow, and equals fuel_burned in energy."""
    s = make_scenario(
        commodities={
            "fuel": {"unit": "t", "initial_stock": 50.0, "need_per_person_day": 0.0},
            "electricity": {"unit": "kWh", "need_per_person_day": 2.0, "storage_capacity": 0},
        },
        generators={"backup": {"capacity_per_day": 1500.0, "fuel_per_unit": 0.001}},
        convoys={},
    )
    result = ls.simulate(s)
    assert_stock_ledger(result)
    fuel = result.stocks[result.stocks["commodity"] == "fuel"]
    power = result.stocks[result.stocks["commodity"] == "electricity"]
    burned = result.energy.loc[result.energy["source"] == "backup", "fuel_burned"].to_numpy()
    np.testing.assert_allclose(fuel["converted"].to_numpy(), burned)
    # 2,000 kWh needed a day, 1,500 produced: 1.5 t of fuel a day, the power need 75 % met
    np.testing.assert_allclose(burned, 1.5)
    np.testing.assert_allclose(power["consumed"] / power["need"], 0.75)


def test_spoilage_and_shelf_life_remove_idle_stock(make_scenario):
    """Unused stock decays by the daily spoilage rate and is gone once its shelf life has passed."""
    s = make_scenario(
        commodities={
            "grain": {
                "unit": "t",
                "initial_stock": 64.0,
                "need_per_person_day": 0.0,
                "spoilage_per_day": 0.5,
            },
            "milk": {
                "unit": "t",
                "initial_stock": 30.0,
                "need_per_person_day": 0.0,
                "shelf_life_days": 6.0,
            },
        },
        convoys={},
    )
    result = ls.simulate(s)
    grain = result.stocks[result.stocks["commodity"] == "grain"]["stock"].to_numpy()
    np.testing.assert_allclose(grain, 64.0 * 0.5 ** np.arange(1, len(grain) + 1))
    milk = result.stocks[result.stocks["commodity"] == "milk"]["stock"].to_numpy()
    assert (np.diff(milk) <= 0).all() and milk[0] < 30.0
    assert milk[5:].max() == 0.0  # the tick closing on day 6 expires the last batch


def test_storage_capacity_caps_stock_and_counts_the_excess_as_spoiled(make_scenario):
    """A storage cap keeps the stock at or below it; what does not fit is recorded as spoiled."""
    s = make_scenario(
        commodities={
            "food": {
                "unit": "t",
                "initial_stock": 5.0,
                "need_per_person_day": 0.001,
                "production_per_day": 4.0,
                "storage_capacity": 8.0,
            }
        },
        convoys={},
    )
    result = ls.simulate(s)
    assert_stock_ledger(result)
    rows = result.stocks
    assert rows["stock"].max() == pytest.approx(8.0)
    # 5 + 4 - 1 = 8 fits on day one; afterwards 8 + 4 - 1 = 11, so 3 t a day are lost
    np.testing.assert_allclose(rows["spoiled"].to_numpy()[1:], 3.0)


def test_hydro_draws_the_reservoir_down_to_dead_volume_and_spills_overflow(make_scenario):
    """Hydro output is capped by capacity and by water above dead volume; a full reservoir spills."""
    s = make_scenario(
        commodities={
            "electricity": {"unit": "kWh", "need_per_person_day": 1.0, "storage_capacity": 0}
        },
        hydro={
            "dam": {
                "capacity_per_day": 800.0,
                "output_per_m3": 2.0,
                "reservoir_max_m3": 5000.0,
                "reservoir_initial_m3": 1900.0,
                "dead_volume_m3": 1000.0,
            },
            "weir": {
                "capacity_per_day": 0.0,
                "output_per_m3": 1.0,
                "reservoir_max_m3": 100.0,
                "reservoir_initial_m3": 100.0,
                "inflow_m3_per_day": 500.0,
            },
        },
        convoys={},
    )
    result = ls.simulate(s)
    assert_stock_ledger(result)
    assert_reservoir_ledger(result)
    dam = result.energy[result.energy["source"] == "dam"]
    # 900 m3 above dead volume make 1,800 kWh: 800 + 800 + 200, then nothing
    np.testing.assert_allclose(dam["output"].to_numpy()[:4], [800.0, 800.0, 200.0, 0.0])
    assert dam["reservoir_m3"].min() == pytest.approx(1000.0)
    weir = result.energy[result.energy["source"] == "weir"]
    np.testing.assert_allclose(weir["spilled_m3"].to_numpy(), 500.0)
    np.testing.assert_allclose(weir["reservoir_m3"].to_numpy(), 100.0)
