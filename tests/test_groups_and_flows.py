"""Population groups, vehicles that carry people, flows, crossings and checkpoint behaviour."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import lachin_sim as ls
from lachin_sim.config import validate_scenario

START = dt.date(2023, 1, 1)
OPS = ["commercial", "humanitarian", "peacekeeper"]
KCAL = 3_500_000.0  # kcal per tonne, a round number for the arithmetic below


def _raw(make_raw, **changes):
    raw = make_raw(end=START + dt.timedelta(days=40))
    raw["regimes"] = {"open": {"allowed_operators": OPS}, "closed": {"allowed_operators": []}}
    raw["corridors"]["road"]["timeline"] = [
        {"start": START, "regime": "open"},
        {"start": START + dt.timedelta(days=10), "regime": "closed"},
        {"start": START + dt.timedelta(days=20), "regime": "open"},
    ]
    raw.update(changes)
    return raw


def test_group_rations_give_the_configured_food_energy(make_raw):
    """Workers get 0.25 kg and dependants 0.125 kg of bread a day from day 5 (dated caps by
    group): their food energy is 0.25 x 3,500 and 0.125 x 3,500 kcal a day while stock lasts."""
    raw = _raw(make_raw, convoys={})
    raw["population"] = {"groups": {"workers": {"initial": 600}, "dependants": {"initial": 400}}}
    raw["commodities"] = {
        "bread": {
            "unit": "t",
            "initial_stock": 500.0,
            "need_per_person_day": 0.0005,
            "kcal_per_unit": KCAL,
        }
    }
    raw["rationing"] = {"caps": [
        {"commodity": "bread", "start": START + dt.timedelta(days=5), "groups": ["workers"],
         "amount_per_person_day": 0.00025, "note": "workers 250 g"},
        {"commodity": "bread", "start": START + dt.timedelta(days=5), "groups": ["dependants"],
         "amount_per_person_day": 0.000125, "note": "dependants 125 g"},
    ]}  # fmt: skip
    result = ls.simulate(validate_scenario(raw))
    g = result.groups.set_index(["date", "group"])["kcal_per_person_day"]
    later = result.groups["date"] >= np.datetime64(START + dt.timedelta(days=5))
    for name, kg in (("workers", 0.25), ("dependants", 0.125)):
        rows = result.groups[later & (result.groups["group"] == name)]
        np.testing.assert_allclose(rows["kcal_per_person_day"], kg / 1000 * KCAL, rtol=1e-9)
    assert g[(np.datetime64(START, "ns"), "workers")] == pytest.approx(0.5 / 1000 * KCAL)
    rules = set(result.stocks.loc[result.stocks["date"] >= np.datetime64(START + dt.timedelta(days=5)),
                                  "ration_rule"])  # fmt: skip
    assert rules == {"dependants 125 g; workers 250 g"}


def test_evacuations_stop_while_the_route_is_closed(make_raw):
    """Ambulances (1 a day, 4 people each) and an evacuation flow (30 people a day) leave only
    while the road is open: nobody leaves on days 10-19, and the groups always sum to the
    population."""
    raw = _raw(make_raw)
    raw["population"] = {"groups": {"adults": {"initial": 800}, "children": {"initial": 200}}}
    raw["convoys"] = {
        "ambulances": {"operator": "humanitarian", "corridor": "road", "direction": "out",
                       "schedule": "regular", "trucks_per_day": 1.0, "passengers": 4,
                       "group": "adults", "dispatch_when_blocked": True},
        "evacuation": {"operator": "humanitarian", "corridor": "road", "direction": "out",
                       "schedule": "flow", "rates": [{"date": START, "per_day": 30.0}],
                       "rate_unit": "people", "passengers": 30.0},
    }  # fmt: skip
    result = ls.simulate(validate_scenario(raw))
    g = result.groups
    closed = (g["date"] >= np.datetime64(START + dt.timedelta(days=10))) & (
        g["date"] < np.datetime64(START + dt.timedelta(days=20))
    )
    assert (g.loc[closed, "left_in_vehicles"] == 0).all()
    assert g.loc[~closed, "left_in_vehicles"].sum() > 0
    exits = result.crossings[result.crossings["direction"] == "out"]
    in_closure = (exits["date"] >= np.datetime64(START + dt.timedelta(days=10))) & (
        exits["date"] < np.datetime64(START + dt.timedelta(days=20))
    )
    assert exits.loc[in_closure, "people"].sum() == 0
    left = g["left_in_vehicles"].sum()
    assert left == pytest.approx(exits["people"].sum())
    total = g.groupby("date")["people"].sum().to_numpy()
    np.testing.assert_allclose(total, result.stocks.drop_duplicates("date")["population"])
    assert total[-1] == pytest.approx(1000 - left)


def test_a_flow_delivers_its_ramp_while_open(make_raw):
    """A flow ramping from 10 to 40 t/day between day 0 and day 30 (linear), then 40: over an
    always-open road it delivers exactly the ramp's integral, 750 t by day 30 and 40 t a day
    after; with the road closed on days 10-19, it delivers the integral over open days only."""
    flow = {"operator": "humanitarian", "corridor": "road", "schedule": "flow", "payload_t": 10,
            "cargo": {"food": 1.0}, "rate_unit": "tonnes", "rate_interpolation": "linear",
            "rates": [{"date": START, "per_day": 10.0},
                      {"date": START + dt.timedelta(days=30), "per_day": 40.0}]}  # fmt: skip
    raw = _raw(make_raw, convoys={"lift": flow})
    open_raw = {**raw, "corridors": {"road": {**raw["corridors"]["road"],
                                              "timeline": [{"start": START, "regime": "open"}]}}}  # fmt: skip
    always = ls.simulate(validate_scenario(open_raw)).flows
    assert always["food_t"].iloc[:30].sum() == pytest.approx(750.0)
    np.testing.assert_allclose(always["food_t"].iloc[30:], 40.0)
    np.testing.assert_allclose(always["vehicles"], always["tonnes"] / 10)
    closed = ls.simulate(validate_scenario(raw)).flows
    day = np.arange(40)
    ramp = np.where(day < 30, 10 + 30 * (day + 0.5) / 30, 40.0)  # mean rate over each day
    ramp[10:20] = 0.0
    np.testing.assert_allclose(closed["food_t"].to_numpy(), ramp, rtol=1e-9)


def test_crossings_count_each_vehicle_once_each_way(make_raw):
    """Trucks that deliver and return empty cross twice (in, then out); a truck turned back by
    a closed checkpoint never crosses."""
    raw = _raw(make_raw)
    raw["regimes"]["closed"]["blocked_trucks"] = "turn_back"
    raw["convoys"] = {"aid": {"operator": "humanitarian", "corridor": "road", "schedule": "regular",
                              "trucks_per_day": 2.0, "payload_t": 1.0, "cargo": {"food": 1.0},
                              "returns": True, "turnaround_h": 6.0,
                              "dispatch_when_blocked": True}}  # fmt: skip
    result = ls.simulate(validate_scenario(raw))
    c, x = result.convoys, result.crossings
    delivered = (c["outcome"] == "delivered").sum()
    turned = (c["reason"] == "corridor_closed").sum()
    assert turned > 0 and delivered > 0
    assert (c["outcome"] != "pending").all()
    assert x.loc[x["direction"] == "in", "vehicles"].sum() == delivered
    assert x.loc[x["direction"] == "out", "vehicles"].sum() == c["exit_cleared"].notna().sum()
    assert c.loc[c["reason"] == "corridor_closed", "exit_cleared"].isna().all()


def test_cargo_rules_deny_one_commodity_and_seize_part_of_another(make_raw):
    """At the checkpoint, trucks carrying fuel are turned back; a quarter of every food load
    is seized: food delivered is 0.75 of what food-only trucks carried, and no fuel arrives."""
    raw = _raw(make_raw)
    raw["regimes"]["open"]["cargo_rules"] = {"fuel": {"denial_probability": 1.0},
                                             "food": {"confiscated_share": 0.25}}  # fmt: skip
    raw["convoys"] = {
        "food": {"operator": "humanitarian", "corridor": "road", "trucks_per_day": 2.0,
                 "payload_t": 1.0, "cargo": {"food": 1.0}},
        "tankers": {"operator": "humanitarian", "corridor": "road", "trucks_per_day": 1.0,
                    "payload_t": 1.0, "cargo": {"fuel": 1.0}},
    }  # fmt: skip
    result = ls.simulate(validate_scenario(raw))
    c = result.convoys
    tankers = c[c["source"] == "tankers"]
    assert set(tankers["outcome"]) <= {"denied", "pending"}
    assert (tankers.loc[tankers["outcome"] == "denied", "reason"] == "cargo_rule").all()
    food = result.stocks[result.stocks["commodity"] == "food"]["delivered"].sum()
    carried = c.loc[(c["source"] == "food") & (c["outcome"] == "delivered"), "food_t"].sum()
    assert food == pytest.approx(0.75 * carried)
    assert result.stocks[result.stocks["commodity"] == "fuel"]["delivered"].sum() == 0


def test_a_dated_capacity_and_a_dated_hold_shape_the_daily_crossings(make_raw):
    """From day 25 at most 3 vehicles a day clear; during a hold of the humanitarian operator
    on days 2-4 none of its vehicles clear, though the regime lets them pass."""
    raw = _raw(make_raw)
    raw["corridors"]["road"]["capacity"] = [{"start": START + dt.timedelta(days=25),
                                             "trucks_per_day": 3}]  # fmt: skip
    raw["corridors"]["road"]["events"] = [{"start": START + dt.timedelta(days=2),
                                           "end": START + dt.timedelta(days=5),
                                           "operators": ["humanitarian"]}]  # fmt: skip
    raw["convoys"] = {"aid": {"operator": "humanitarian", "corridor": "road", "trucks_per_day": 8.0,
                              "payload_t": 1.0, "cargo": {"food": 1.0},
                              "dispatch_when_blocked": True}}  # fmt: skip
    result = ls.simulate(validate_scenario(raw))
    cleared = result.convoys["cleared"].dropna().dt.floor("D").value_counts()
    late = cleared[cleared.index >= np.datetime64(START + dt.timedelta(days=25))]
    assert late.max() <= 3 and late.min() == 3
    hold = cleared[(cleared.index >= np.datetime64(START + dt.timedelta(days=2)))
                   & (cleared.index < np.datetime64(START + dt.timedelta(days=5)))]  # fmt: skip
    assert hold.sum() == 0
    barred = result.regimes[result.regimes["barred"] != ""]
    assert list(barred["barred"]) == ["humanitarian"]


def test_returning_vehicles_take_their_passengers_out(make_raw):
    """Ambulances enter empty and leave with 3 patients each (return_passengers): every
    return crossing takes 3 people of the adults group out, none leave while the road is
    closed, and the population falls by exactly what left."""
    raw = _raw(make_raw)
    raw["population"] = {"groups": {"adults": {"initial": 500}, "children": {"initial": 100}}}
    raw["convoys"] = {"icrc": {"operator": "humanitarian", "corridor": "road", "schedule": "regular",
                               "trucks_per_day": 1.0, "payload_t": 0.0, "returns": True,
                               "return_passengers": 3.0, "group": "adults",
                               "turnaround_h": 4.0}}  # fmt: skip
    result = ls.simulate(validate_scenario(raw))
    out = result.crossings[result.crossings["direction"] == "out"]
    np.testing.assert_allclose(out["people"], 3.0 * out["vehicles"])
    g = result.groups
    assert g.loc[g["group"] == "children", "left_in_vehicles"].sum() == 0
    assert g["left_in_vehicles"].sum() == pytest.approx(out["people"].sum())
    closed = (out["date"] >= np.datetime64(START + dt.timedelta(days=10))) & (
        out["date"] < np.datetime64(START + dt.timedelta(days=20))
    )
    assert out.loc[closed, "people"].sum() == 0
