"""Decisions that follow from the situation: ration rules, decision behaviour, priorities among
uses, reservoir release rules, and the signs of their responses."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lachin_sim as ls
from lachin_sim.config.policies import DecisionBehaviour
from lachin_sim.config.policies import StretchRule as StretchConfig
from lachin_sim.model.policies.allocation import allocate
from lachin_sim.model.policies.rationing import DecidedRation, StretchRule, ThresholdRule

START = dt.date(2023, 1, 1)
OPS = ["commercial", "humanitarian", "peacekeeper"]


def rows(result, commodity: str, table: str = "stocks"):
    df = getattr(result, table)
    return df[df["commodity"] == commodity].sort_values("date", kind="stable")


# ---- the stretch rule ---------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(
    stock=st.floats(0, 1e6),
    draw=st.floats(0, 1e4),
    inflow=st.floats(0, 1e4),
    horizon=st.floats(0.5, 400),
    floor=st.floats(0, 1),
    width=st.floats(0, 1),
)
def test_stretch_ration_stays_between_floor_and_ceiling(stock, draw, inflow, horizon, floor, width):
    """Whatever the state, the stretch rule proposes a share in [floor, ceiling]."""
    ceiling = min(floor + width, 1.0)
    rule = StretchRule(StretchConfig(horizon_days=horizon, floor=floor, ceiling=ceiling))
    share = rule.propose(stock, draw, inflow, t=0.0)
    assert floor - 1e-12 <= share <= ceiling + 1e-12


def test_stretch_rule_makes_the_stock_last_to_its_horizon(make_scenario):
    """No resupply, need 1 t/day, 12 t in stock, stretched until day 30: the stock is served
    over the horizon and runs out within one tick of it, not before."""
    until = START + dt.timedelta(days=30)
    s = make_scenario(
        end=START + dt.timedelta(days=40),
        commodities={"food": {"unit": "t", "initial_stock": 12.0, "need_per_person_day": 0.001}},
        convoys={},
        rationing={"rules": {"food": {"stretch": {"until": until, "inflow_window_days": 0}}}},
    )
    food = rows(ls.simulate(s), "food")
    stock = food["stock"].to_numpy()
    first_empty = int(np.argmax(stock <= 1e-9))
    assert stock[first_empty] <= 1e-9
    assert abs(first_empty - 29) <= 1, first_empty  # the tick starting on day 29 is the last
    assert (food["ration"].to_numpy()[:29] < 1).all()
    assert set(food["ration_rule"].iloc[:29]) == {"stretch"}
    np.testing.assert_allclose(food["consumed"].sum(), 12.0)


# ---- decision behaviour -------------------------------------------------------------------------
def test_decisions_come_in_steps_at_most_every_k_days_after_their_delay(make_scenario):
    """A falling stock under a stretch rule: rations change only in multiples of 0.05, at
    least 10 days apart, each taking effect 4 days after the state that called for it."""
    s = make_scenario(
        end=START + dt.timedelta(days=120),
        commodities={"food": {"unit": "t", "initial_stock": 60.0, "need_per_person_day": 0.001}},
        convoys={"aid": {"operator": "humanitarian", "corridor": "road", "schedule": "regular",
                         "trucks_per_day": 0.25, "payload_t": 1.0, "cargo": {"food": 1.0}}},
        rationing={"rules": {"food": {
            "stretch": {"horizon_days": 45, "inflow_window_days": 14, "floor": 0.1},
            "decisions": {"step": 0.05, "min_days_between_changes": 10, "delay_days": 4},
        }}},
    )  # fmt: skip
    result = ls.simulate(s)
    food, decisions = rows(result, "food"), result.decisions
    assert len(decisions) >= 3, decisions
    rations = food["ration"].to_numpy()
    steps = rations / 0.05
    assert np.allclose(steps, np.round(steps), atol=1e-9) or np.isclose(rations, 0.1).any()
    effective = decisions["effective"].sort_values()
    assert (effective.diff().dropna() >= dt.timedelta(days=10)).all()
    assert ((decisions["effective"] - decisions["decided"]) == dt.timedelta(days=4)).all()
    changes = np.flatnonzero(np.diff(rations) != 0) + 1  # ticks where the ration changed
    starts = food["date"].to_numpy()[changes]
    np.testing.assert_array_equal(starts, decisions["effective"].to_numpy())


def test_a_decision_takes_effect_exactly_after_its_delay():
    """The first tick whose state calls for a cut is the decision; the cut holds from
    `delay` ticks later, not earlier; nothing changes while it is pending."""
    rule = DecidedRation([ThresholdRule([(5.0, 0.5)])], DecisionBehaviour(delay_days=3), 1.0)
    stocks = [9, 8, 7, 6, 4.9, 4.5, 4.0, 3.0, 2.0]  # falls below 5 days at tick 4
    got = [rule.ration(k, float(k), s, 1.0, 0.0)[0] for k, s in enumerate(stocks)]
    assert got == [1, 1, 1, 1, 1, 1, 1, 0.5, 0.5]
    assert rule.changes == [(7, 4, 0.5, "threshold")]


def test_hysteresis_keeps_a_ration_from_rising_on_a_small_gain():
    """After a cut to 0.5, a rule offering 0.55 or 0.6 does not raise it (hysteresis 0.15);
    0.7 does."""
    from lachin_sim.config.policies import StretchRule as Cfg

    rule = DecidedRation(
        [StretchRule(Cfg(horizon_days=1))], DecisionBehaviour(hysteresis=0.15), 1.0
    )
    offers = [0.5, 0.55, 0.6, 0.64, 0.7, 0.7]
    got = [rule.ration(k, float(k), share, 1.0, 0.0)[0] for k, share in enumerate(offers)]
    assert got == [0.5, 0.5, 0.5, 0.5, 0.7, 0.7]


# ---- priorities ---------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.floats(0, 100), st.floats(0, 1), st.integers(0, 3), st.floats(0.1, 5)),
        min_size=1,
        max_size=8,
    ),
    budget=st.floats(0, 400),
)
def test_allocation_serves_priorities_in_order(data, budget):
    """A lower-priority line never gets a unit while a higher-priority line is short of its
    target; nobody gets above its target; the total is min(budget, sum of targets)."""
    need = [d[0] for d in data]
    target = [d[0] * d[1] for d in data]
    priority = [d[2] for d in data]
    weight = [d[3] for d in data]
    given_ = allocate(budget, need, target, priority, weight)
    assert math.isclose(sum(given_), min(budget, sum(target)), rel_tol=1e-9, abs_tol=1e-9)
    for i, g in enumerate(given_):
        assert -1e-12 <= g <= target[i] + 1e-9
    for i in range(len(data)):
        short = given_[i] < target[i] - 1e-9
        for j in range(len(data)):
            if short and priority[j] > priority[i]:
                assert given_[j] <= 1e-9, (i, j, given_)


def _fuel_uses_scenario(make_scenario, trucks: float):
    return make_scenario(
        end=START + dt.timedelta(days=30),
        commodities={
            "food": {"unit": "t", "initial_stock": 100.0, "need_per_person_day": 0.001},
            "fuel": {"unit": "t", "initial_stock": 3.0, "uses": {
                "hospital": {"need_per_day": 0.1, "priority": 1},
                "transport": {"need_per_person_day": 0.0001, "priority": 2,
                              "outcome": "buses run", "outcome_min_share": 0.5},
                "households": {"need_per_person_day": 0.0003, "priority": 3},
            }},
        },
        convoys={"aid": {"operator": "humanitarian", "corridor": "road", "trucks_per_day": trucks,
                         "payload_t": 0.3, "cargo": {"fuel": 1.0}}},
    )  # fmt: skip


def test_shortage_cuts_the_lowest_priority_first(make_scenario):
    """Fuel for a hospital (1), transport (2) and households (3): in every tick where a use
    got less than its need, every use of lower priority got nothing."""
    result = ls.simulate(_fuel_uses_scenario(make_scenario, trucks=1.0))
    uses = result.uses[result.uses["commodity"] == "fuel"]
    assert (uses["consumed"] < uses["need"] - 1e-9).any()  # the scenario does run short
    for _, tick in uses.groupby("date"):
        short = tick[tick["consumed"] < tick["allowed"] - 1e-9]
        if len(short):
            lower = tick[tick["priority"] > short["priority"].min()]
            assert (lower["consumed"] <= 1e-12).all(), tick
    transport = uses[uses["use"] == "transport"]
    np.testing.assert_array_equal(transport["outcome_holds"].to_numpy(dtype=bool),
                                  (transport["share_met"] >= 0.5).to_numpy())  # fmt: skip


# ---- reservoir release and power cuts -----------------------------------------------------------
def _hydro_scenario(make_scenario, **release):
    return make_scenario(
        end=START + dt.timedelta(days=60),
        commodities={"food": {"unit": "t", "initial_stock": 100.0, "need_per_person_day": 0.001},
                     "electricity": {"unit": "kWh", "need_per_person_day": 5.0,
                                     "storage_capacity": 0}},
        hydro={"dam": {"commodity": "electricity", "capacity_per_day": 10000,
                       "output_per_m3": 0.2, "reservoir_initial_m3": 150000,
                       "reservoir_max_m3": 200000, "dead_volume_m3": 50000,
                       "inflow_m3_per_day": 500, "release": release or None}},
        convoys={},
    )  # fmt: skip


@pytest.mark.parametrize(
    "release",
    [
        {},
        {"reserve_m3": 20000},
        {"horizon_days": 30},
        {"until": dt.date(2023, 5, 1), "reserve_m3": 10000},
    ],
)
def test_reservoir_never_goes_below_dead_volume_and_reserve(make_scenario, release):
    """Whatever the rule, the reservoir never falls below dead volume + reserve; hours of
    supply are 24 x the share of electricity need met."""
    result = ls.simulate(_hydro_scenario(make_scenario, **release))
    hydro = result.energy[result.energy["source"] == "dam"]
    floor = 50000 + release.get("reserve_m3", 0.0)
    assert (hydro["reservoir_m3"] >= floor - 1e-6).all()
    elec = rows(result, "electricity")
    np.testing.assert_allclose(elec["hours_of_supply"], 24 * elec["share_met"])
    assert rows(result, "food")["hours_of_supply"].isna().all()  # storable: not reported


def test_a_release_rule_spreads_the_water_instead_of_running_dry(make_scenario):
    """Without a rule the plant runs at full demand and the reservoir empties; spreading the
    usable water over 60 days keeps some supply on every day of the run."""
    greedy = ls.simulate(_hydro_scenario(make_scenario))
    spread = ls.simulate(_hydro_scenario(make_scenario, horizon_days=60))
    g, sp = rows(greedy, "electricity"), rows(spread, "electricity")
    assert (g["hours_of_supply"].to_numpy()[-5:] < sp["hours_of_supply"].to_numpy()[-5:]).all()
    assert sp["hours_of_supply"].min() > 0
    assert sp["hours_of_supply"].max() < 24  # cuts are scheduled from the first day


# ---- signs of responses -------------------------------------------------------------------------
def _stretch_supply(make_scenario, trucks: float):
    return make_scenario(
        end=START + dt.timedelta(days=60),
        commodities={"food": {"unit": "t", "initial_stock": 20.0, "need_per_person_day": 0.001}},
        convoys={"aid": {"operator": "humanitarian", "corridor": "road", "schedule": "regular",
                         "trucks_per_day": trucks, "payload_t": 0.5, "cargo": {"food": 1.0}}},
        rationing={"rules": {"food": {"stretch": {"until": START + dt.timedelta(days=75),
                                                  "inflow_window_days": 0, "floor": 0.2}}}},
    )  # fmt: skip


@pytest.mark.parametrize("more", [0.5, 1.0, 3.0])
def test_more_trucks_never_lower_the_ration(make_scenario, more):
    """With a stretch rule that expects no inflow and no announced steps, more trucks (a
    regular schedule, so every earlier delivery is still made) give a ration at least as high
    on every day. (Threshold steps, announced steps and a trailing inflow expectation are
    feedbacks that can make a ration path non-monotone; docs/policies.md explains.)"""
    base = rows(ls.simulate(_stretch_supply(make_scenario, 0.5)), "food")
    richer = rows(ls.simulate(_stretch_supply(make_scenario, 0.5 + more)), "food")
    assert (richer["ration"].to_numpy() >= base["ration"].to_numpy() - 1e-12).all()
    assert richer["ration"].sum() > base["ration"].sum()


def test_a_restored_power_line_never_lowers_electricity_supply(make_scenario):
    """A power line cut from day 10 against one never cut: electricity consumed is at least as
    high on every day with the line restored."""

    def scenario(outages):
        s = _hydro_scenario(make_scenario, horizon_days=30)
        raw = s.to_dict()
        raw["links"] = {"line": {"commodity": "electricity", "capacity_per_day": 3000,
                                 "outages": outages}}  # fmt: skip
        return ls.config.validate_scenario(raw)

    cut = rows(ls.simulate(scenario([{"start": dt.date(2023, 1, 11)}])), "electricity")
    restored = rows(ls.simulate(scenario([])), "electricity")
    assert (restored["consumed"].to_numpy() >= cut["consumed"].to_numpy() - 1e-9).all()
    assert restored["consumed"].sum() > cut["consumed"].sum()


@pytest.mark.parametrize("blocked", ["hold", "turn_back"])
def test_a_checkpoint_hold_never_raises_deliveries(make_scenario, make_raw, blocked):
    """Deterministic travel and no denials: a dated hold of the humanitarian trucks never
    raises cumulative deliveries at any tick, and lowers them over the hold."""

    def run(events):
        raw = make_raw(end=START + dt.timedelta(days=30))
        raw["corridors"]["road"].update(travel_to_checkpoint_h=2.0, travel_from_checkpoint_h=3.0,
                                        events=events)  # fmt: skip
        return rows(ls.simulate(ls.config.validate_scenario(raw)), "food")

    hold = [{"start": dt.datetime(2023, 1, 5, 6), "end": dt.datetime(2023, 1, 9, 20),
             "operators": ["humanitarian"], "blocked_trucks": blocked}]  # fmt: skip
    free, held = run([]), run(hold)
    cum_free, cum_held = (
        free["delivered"].cumsum().to_numpy(),
        held["delivered"].cumsum().to_numpy(),
    )
    assert (cum_held <= cum_free + 1e-9).all()
    assert cum_held[8] < cum_free[8]


def test_a_triggered_stretch_rule_waits_for_low_stocks(make_scenario):
    """With trigger_days_of_supply = 10, the stretch rule leaves the ration at full need while
    the stock lasts 10 days or more and engages the first tick it does not; switched off
    (enabled = false) it never does."""

    def scenario(enabled: bool):
        return make_scenario(
            end=START + dt.timedelta(days=30),
            commodities={"food": {"unit": "t", "initial_stock": 20.0, "need_per_person_day": 0.001}},
            convoys={},
            rationing={"rules": {"food": {"enabled": enabled, "stretch": {
                "horizon_days": 40, "inflow_window_days": 0, "trigger_days_of_supply": 10}}}},
        )  # fmt: skip

    food = rows(ls.simulate(scenario(True)), "food")
    days = (food["stock"] + food["consumed"]).to_numpy()  # stock before use, in days (need 1/day)
    engaged = food["ration"].to_numpy() < 1
    first = int(np.argmax(engaged))
    assert (days[:first] >= 10).all() and days[first] < 10 + 1e-9
    off = rows(ls.simulate(scenario(False)), "food")
    assert (off["ration"] == 1).all() and (off["ration_rule"] == "").all()
