"""Depletion without resupply: a closed corridor delivers nothing, and a stock runs out on the
day arithmetic predicts."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from ledger_checks import assert_stock_ledger

import lachin_sim as ls
from lachin_sim.outputs.metrics import SHORT_TOLERANCE

START = dt.date(2023, 1, 1)


def closed_road(blocked_trucks: str) -> dict:
    return {"closed": {"allowed_operators": [], "blocked_trucks": blocked_trucks}}


@pytest.mark.parametrize(
    ("blocked_trucks", "dispatch_when_blocked"),
    [("hold", False), ("hold", True), ("turn_back", True)],
)
def test_closed_corridor_delivers_nothing(make_scenario, blocked_trucks, dispatch_when_blocked):
    """With the only corridor closed for the whole run, no truck delivers and no stock grows."""
    s = make_scenario(
        regimes=closed_road(blocked_trucks),
        corridors={"road": {"timeline": [{"start": START, "regime": "closed"}]}},
        convoys={
            "aid": {
                "operator": "humanitarian",
                "corridor": "road",
                "schedule": "poisson",
                "trucks_per_day": 4.0,
                "payload_t": 2.0,
                "cargo": {"food": 0.7, "fuel": 0.3},
                "dispatch_when_blocked": dispatch_when_blocked,
            },
        },
    )
    result = ls.simulate(s)
    assert_stock_ledger(result)
    assert result.stocks["delivered"].sum() == 0
    assert (result.convoys["outcome"] != "delivered").all()
    assert result.summary["trucks_delivered:humanitarian"] == 0
    if dispatch_when_blocked:
        sent = result.convoys
        assert len(sent) > 20
        expected = {"hold": "pending", "turn_back": "denied"}[blocked_trucks]
        assert (sent["outcome"] == expected).all()
    else:
        assert result.convoys.empty
        assert result.summary["trucks_withheld:humanitarian"] > 20
    food = result.stocks[result.stocks["commodity"] == "food"]["stock"].to_numpy()
    assert (np.diff(food) <= 0).all()


def first_short_tick(stock: float, need_per_tick: float) -> int:
    """Ticks fully served before the stock falls short: floor(S / (n x P x tick))."""
    return math.floor(stock / need_per_tick)


@settings(max_examples=40, deadline=None)
@given(
    stock=st.floats(0, 500),
    need=st.floats(1e-4, 0.01),
    people=st.integers(1, 5000),
    tick_days=st.sampled_from([1.0, 0.5, 0.25]),
)
def test_stock_runs_out_on_the_predicted_day(make_scenario, stock, need, people, tick_days):
    """No trucks, no production: the first short day is floor(S / (n x P x tick)) ticks in."""
    per_tick = need * people * tick_days
    ratio = stock / per_tick
    # exactly-integer ratios sit on the float boundary of 'short' (share met within 1e-9 of 1)
    assume(min(ratio % 1, 1 - ratio % 1) > 1e-6)
    days = 60
    assume(ratio < days / tick_days - 1)
    s = make_scenario(
        end=START + dt.timedelta(days=days),
        tick_days=tick_days,
        population={"initial": people},
        commodities={"food": {"unit": "t", "initial_stock": stock, "need_per_person_day": need}},
        convoys={},
    )
    result = ls.simulate(s)
    predicted_day = first_short_tick(stock, per_tick) * tick_days
    assert result.summary["days_to_first_shortage:food"] == pytest.approx(predicted_day)
    share = result.stocks["share_met"].to_numpy()
    k = first_short_tick(stock, per_tick)
    assert (share[:k] >= 1 - SHORT_TOLERANCE).all()
    assert share[k] < 1 - SHORT_TOLERANCE
    assert (share[k + 1 :] == 0).all()
    assert result.shortages["start"].iloc[0] == np.datetime64(START) + np.timedelta64(
        round(predicted_day * 24), "h"
    )


def test_stock_that_lasts_the_whole_run_never_falls_short(make_scenario):
    """A stock larger than the whole run's need gives no shortage and NaN days to shortage."""
    s = make_scenario(
        commodities={"food": {"unit": "t", "initial_stock": 14.5, "need_per_person_day": 0.001}},
        convoys={},
    )
    result = ls.simulate(s)
    assert math.isnan(result.summary["days_to_first_shortage:food"])
    assert result.summary["shortage_days:food"] == 0
    assert result.shortages.empty
