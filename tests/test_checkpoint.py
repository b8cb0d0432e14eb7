"""The checkpoint: who may pass, holding and turning back, denial, confiscation, regime changes
mid-run, and the daily truck capacity."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from ledger_checks import assert_stock_ledger, assert_truck_records, truck_tonnes_delivered

import lachin_sim as ls

START = dt.date(2023, 1, 1)
ALL = ["commercial", "humanitarian", "peacekeeper"]


def day(n: float) -> pd.Timestamp:
    return pd.Timestamp(START) + pd.Timedelta(days=n)


def near(a: pd.Timestamp, b: pd.Timestamp) -> bool:
    """Equal up to float noise in simulation time (days held as floats)."""
    return abs(a - b) < pd.Timedelta(milliseconds=1)


def source(operator: str, **fields) -> dict:
    return {
        "operator": operator,
        "corridor": "road",
        "schedule": "poisson",
        "trucks_per_day": 3.0,
        "payload_t": 2.0,
        "cargo": {"food": 1.0},
        **fields,
    }


def road(*timeline: tuple[int, str], **fields) -> dict:
    entries = [{"start": START + dt.timedelta(days=d), "regime": r} for d, r in timeline]
    return {"road": {"timeline": entries, **fields}}


# --- barred operators -----------------------------------------------------------------------


@pytest.mark.parametrize("blocked_trucks", ["hold", "turn_back"])
def test_roadblock_lets_through_only_allowed_operators(make_scenario, blocked_trucks):
    """Trucks of an operator the regime bars are held or turned back, never delivered."""
    s = make_scenario(
        regimes={
            "roadblock": {"allowed_operators": ["humanitarian"], "blocked_trucks": blocked_trucks}
        },
        corridors=road((0, "roadblock")),
        convoys={
            "icrc": source("humanitarian"),
            "trade": source("commercial", dispatch_when_blocked=True),
        },
    )
    result = ls.simulate(s)
    c = result.convoys
    icrc, trade = c[c["operator"] == "humanitarian"], c[c["operator"] == "commercial"]
    assert len(trade) > 20 and (icrc["outcome"] == "delivered").sum() > 20
    assert (trade["outcome"] != "delivered").all()
    assert trade["cleared"].isna().all()
    if blocked_trucks == "hold":
        assert (trade["outcome"] == "pending").all()
        assert (trade["reason"] == "held_at_checkpoint").all()
    else:
        assert (trade["outcome"] == "denied").all()
        assert (trade["reason"] == "corridor_closed").all()
    delivered = result.stocks["delivered"].sum()
    assert delivered == pytest.approx(icrc.loc[icrc["outcome"] == "delivered", "food_t"].sum())
    assert_truck_records(result)


def test_barred_operator_is_withheld_at_the_source(make_scenario):
    """Without dispatch_when_blocked a barred operator's convoys are not sent but counted withheld."""
    departures = [{"date": START + dt.timedelta(days=d), "trucks": 2} for d in (1, 4, 9)]
    s = make_scenario(
        regimes={"roadblock": {"allowed_operators": ["humanitarian"]}},
        corridors=road((0, "roadblock")),
        convoys={"trade": source("commercial", schedule="dated", departures=departures)},
    )
    result = ls.simulate(s)
    assert result.convoys.empty
    assert result.summary["trucks_withheld:commercial"] == 6
    assert result.summary["trucks_sent:commercial"] == 0


# --- decisions at inspection -----------------------------------------------------------------


def inspected(**regime) -> dict:
    return {
        "check": {
            "allowed_operators": ALL,
            "inspection_lanes": 2,
            "inspection_time_h": {"dist": "exponential", "mean": 1.0},
            **regime,
        }
    }


def test_denial_probability_one_delivers_nothing(make_scenario):
    """Every inspected truck is turned back when the denial probability is 1."""
    s = make_scenario(
        regimes=inspected(denial_probability=1.0),
        corridors=road((0, "check")),
        convoys={"icrc": source("humanitarian")},
    )
    result = ls.simulate(s)
    c = result.convoys
    done = c[c["inspected"].notna()]
    assert len(done) > 20
    assert (done["outcome"] == "denied").all() and (done["reason"] == "inspection").all()
    assert (c["outcome"] != "delivered").all()
    assert result.stocks["delivered"].sum() == 0


def test_confiscation_probability_one_confiscates_every_inspected_truck(make_scenario):
    """Every inspected truck has its cargo confiscated when the confiscation probability is 1."""
    s = make_scenario(
        regimes=inspected(confiscation_probability=1.0),
        corridors=road((0, "check")),
        convoys={"icrc": source("humanitarian")},
    )
    result = ls.simulate(s)
    c = result.convoys
    done = c[c["inspected"].notna()]
    assert len(done) > 20
    assert (done["outcome"] == "confiscated").all()
    assert result.stocks["delivered"].sum() == 0
    assert result.summary["trucks_confiscated:humanitarian"] == len(done)


def test_denial_share_matches_the_probability(make_scenario):
    """With denial probability p the share of decided trucks denied is near p (binomial bound)."""
    p = 0.3
    s = make_scenario(
        end=START + dt.timedelta(days=200),
        regimes=inspected(denial_probability=p),
        corridors=road((0, "check")),
        convoys={"icrc": source("humanitarian")},
    )
    c = ls.simulate(s).convoys
    decided = c[c["outcome"].isin(["delivered", "denied"])]
    n = len(decided)
    share = (decided["outcome"] == "denied").mean()
    assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / n)


# --- regime changes mid-run ------------------------------------------------------------------

CLOSE, REOPEN = 5, 9


def closure_scenario(make_scenario, blocked_trucks: str, **corridor):
    return make_scenario(
        regimes={
            "open": {"allowed_operators": ALL},
            "closed": {"allowed_operators": [], "blocked_trucks": blocked_trucks},
        },
        corridors=road(
            (0, "open"),
            (CLOSE, "closed"),
            (REOPEN, "open"),
            travel_to_checkpoint_h={"dist": "uniform", "low": 0, "high": 36},
            **corridor,
        ),
        convoys={"icrc": source("humanitarian", trucks_per_day=4.0)},
    )


def test_closure_holds_trucks_on_the_road_until_it_reopens(make_scenario):
    """Trucks sent before a closure and reaching the checkpoint during it wait and pass on reopening."""
    result = ls.simulate(closure_scenario(make_scenario, "hold"))
    c = result.convoys
    during = c[(c["reached_checkpoint"] >= day(CLOSE)) & (c["reached_checkpoint"] < day(REOPEN))]
    assert len(during) > 0
    assert (during["cleared"] == day(REOPEN)).all()
    assert (during["outcome"] == "delivered").all()
    cleared = c["cleared"].dropna()
    assert not ((cleared >= day(CLOSE)) & (cleared < day(REOPEN))).any()
    arrived = c["arrived"].dropna()
    assert not ((arrived >= day(CLOSE)) & (arrived < day(REOPEN))).any()
    assert result.summary["trucks_withheld:humanitarian"] > 0  # due while closed: not sent
    food = result.stocks[result.stocks["commodity"] == "food"]
    closed_ticks = (food["date"] >= day(CLOSE)) & (food["date"] < day(REOPEN - 1))
    assert (food.loc[closed_ticks, "delivered"] == 0).all()
    assert_stock_ledger(result)
    assert_truck_records(result)


def test_closure_turns_back_trucks_reaching_it(make_scenario):
    """With turn_back, trucks reaching a closed checkpoint are denied as 'corridor_closed'."""
    result = ls.simulate(closure_scenario(make_scenario, "turn_back"))
    c = result.convoys
    during = c[(c["reached_checkpoint"] >= day(CLOSE)) & (c["reached_checkpoint"] < day(REOPEN))]
    assert len(during) > 0
    assert (during["outcome"] == "denied").all()
    assert (during["reason"] == "corridor_closed").all()
    assert during["cleared"].isna().all()
    before = c[c["reached_checkpoint"] < day(CLOSE)]
    assert (before["outcome"] == "delivered").all()
    assert_truck_records(result)


def test_closure_during_inspection_holds_the_inspected_truck(make_scenario):
    """A truck whose inspection ends after a closure began is held until the corridor reopens."""
    s = make_scenario(
        regimes={
            "open": {"allowed_operators": ALL, "inspection_lanes": 1, "inspection_time_h": 3.0},
            "closed": {"allowed_operators": []},
        },
        corridors=road(
            (0, "open"), (CLOSE, "closed"), (REOPEN, "open"), travel_to_checkpoint_h=22.0
        ),
        convoys={
            "icrc": source(
                "humanitarian",
                schedule="dated",
                departures=[{"date": START + dt.timedelta(days=CLOSE - 1), "trucks": 1}],
            )
        },
    )
    truck = ls.simulate(s).convoys.iloc[0]
    assert near(truck["reached_checkpoint"], day(CLOSE) - pd.Timedelta(hours=2))
    assert near(truck["inspected"], day(CLOSE) + pd.Timedelta(hours=1))
    assert truck["cleared"] == day(REOPEN)
    assert truck["outcome"] == "delivered"


def test_run_where_every_truck_is_still_pending_completes(make_scenario):
    """A run whose trucks are all still held at the checkpoint at the end gives a convoy log."""
    s = make_scenario(
        regimes={"closed": {"allowed_operators": []}},
        corridors=road((0, "closed")),
        convoys={
            "icrc": source(
                "humanitarian",
                schedule="dated",
                dispatch_when_blocked=True,
                departures=[{"date": START + dt.timedelta(days=2), "trucks": 2}],
            )
        },
    )
    c = ls.simulate(s).convoys
    assert len(c) == 2
    assert (c["outcome"] == "pending").all() and (c["reason"] == "held_at_checkpoint").all()


# --- daily capacity --------------------------------------------------------------------------


def capacity_scenario(make_scenario, **regime):
    return make_scenario(
        end=START + dt.timedelta(days=30),
        regimes={"check": {"allowed_operators": ALL, "capacity_trucks_per_day": 4, **regime}},
        corridors=road((0, "check")),
        convoys={"trade": source("commercial", trucks_per_day=6.0)},
    )


def cleared_per_day(convoys: pd.DataFrame) -> pd.Series:
    return convoys["cleared"].dropna().dt.floor("D").value_counts()


def test_daily_capacity_limits_trucks_through_the_checkpoint(make_scenario):
    """No more than capacity_trucks_per_day trucks clear the checkpoint on any day; the rest wait."""
    result = ls.simulate(capacity_scenario(make_scenario))
    per_day = cleared_per_day(result.convoys)
    assert per_day.max() == 4
    assert (per_day == 4).sum() > 20  # demand above capacity: the limit binds nearly every day
    waited = result.convoys["checkpoint_h"] > 0
    assert waited.any()
    late = result.convoys[waited]
    assert (late["cleared"] == late["cleared"].dt.floor("D")).all()  # they pass at a midnight


def test_daily_capacity_limits_clearances_with_inspection_lanes(make_scenario):
    """The daily capacity bounds the trucks clearing each day even when inspections take time."""
    result = ls.simulate(
        capacity_scenario(
            make_scenario,
            inspection_lanes=2,
            inspection_time_h={"dist": "exponential", "mean": 8.0},
        ),
        seed=1,
    )
    assert cleared_per_day(result.convoys).max() <= 4


def test_delivered_tonnes_reconcile_under_capacity_and_inspection(make_scenario):
    """Stock deliveries equal the delivered trucks' cargo with capacity, lanes and denial in play."""
    result = ls.simulate(
        capacity_scenario(
            make_scenario,
            inspection_lanes=1,
            denial_probability=0.2,
            inspection_time_h={"dist": "uniform", "low": 1, "high": 5},
        )
    )
    by_trucks = truck_tonnes_delivered(result)
    in_stocks = result.stocks.groupby("commodity")["delivered"].sum()
    assert by_trucks["food"] > 0
    assert in_stocks["food"] == pytest.approx(by_trucks["food"], rel=1e-12)


def test_truck_arriving_at_the_horizon_is_delivered_only_if_in_the_stock_table(make_scenario):
    """A truck is logged delivered exactly when its cargo is in the stocks table, even when it
    unloads the moment the last tick closes (then it is past the period: pending)."""
    s = make_scenario(
        corridors=road((0, "open"), travel_to_checkpoint_h=12.0, travel_from_checkpoint_h=12.0),
        convoys={
            "icrc": source(
                "humanitarian",
                schedule="dated",
                departures=[{"date": dt.date(2023, 1, 14), "trucks": 1}],
            )
        },
    )
    result = ls.simulate(s)
    truck = result.convoys.iloc[0]
    in_stocks = result.stocks["delivered"].sum()
    if truck["outcome"] == "delivered":
        assert in_stocks == pytest.approx(truck["food_t"])
    else:
        assert truck["outcome"] == "pending"
        assert in_stocks == 0


def test_random_closures_close_the_expected_share_of_time(make_scenario):
    """Closures at rate r per open day lasting d days close about r d / (1 + r d) of the time,
    and no truck clears while one holds."""
    rate, length = 0.1, 2.0
    s = make_scenario(
        end=START + dt.timedelta(days=2000),
        regimes={"open": {"allowed_operators": ALL}, "closed": {"allowed_operators": []}},
        corridors=road(
            (0, "open"), random_closures={"rate_per_day": rate, "duration_days": length}
        ),
        convoys={"icrc": source("humanitarian", trucks_per_day=1.0)},
    )
    result = ls.simulate(s)
    regimes = result.regimes
    closures = regimes[regimes["cause"] == "random_closure"]
    assert (closures["regime"] == "closed").all()
    assert np.allclose(closures["days"].iloc[:-1], length)
    share = closures["days"].sum() / s.days
    expected = rate * length / (1 + rate * length)
    # about 2000 / 12 = 167 open/closed cycles; the open spells (exponential, mean 10 days)
    # give the share a standard error near 0.013
    assert abs(share - expected) < 0.05
    cleared = result.convoys["cleared"].dropna()
    for row in closures.itertuples():
        assert not ((cleared > row.start) & (cleared < row.end)).any()
