"""A regime change at an instant applies to everything that happens at that instant."""

from __future__ import annotations

import datetime as dt

import lachin_sim as ls

OPS = ["commercial", "humanitarian", "peacekeeper"]


def _raw(make_raw, blocked: str) -> dict:
    """The tiny road is open, closed from 3 Jan, open again from 8 Jan; one dated truck leaves
    at midnight of 8 Jan, the very instant of the reopening. (The reopening is scheduled on 3
    Jan, after the departure was scheduled, so plain event order would put the departure first.)"""
    raw = make_raw()
    raw["regimes"] = {"open": {"allowed_operators": OPS},
                      "closed": {"allowed_operators": [], "blocked_trucks": blocked}}  # fmt: skip
    raw["corridors"]["road"]["timeline"] = [
        {"start": dt.date(2023, 1, 1), "regime": "open"},
        {"start": dt.date(2023, 1, 3), "regime": "closed"},
        {"start": dt.date(2023, 1, 8), "regime": "open"},
    ]
    raw["convoys"]["aid"] = {"operator": "humanitarian", "corridor": "road", "schedule": "dated",
                             "payload_t": 2.0, "cargo": {"food": 1.0},
                             "departures": [{"date": dt.date(2023, 1, 8), "trucks": 1}]}  # fmt: skip
    return raw


def test_departure_at_the_instant_the_corridor_opens_is_sent(make_raw):
    """A convoy due at the instant the corridor opens is sent, not withheld."""
    from lachin_sim.config.validation import validate_scenario

    result = ls.simulate(validate_scenario(_raw(make_raw, "hold")))
    assert result.summary["trucks_withheld:humanitarian"] == 0
    assert list(result.convoys["outcome"]) == ["delivered"]


def test_arrival_at_the_instant_the_corridor_opens_is_not_turned_back(make_raw):
    """A truck reaching a turn-back checkpoint at the instant it opens passes."""
    from lachin_sim.config.validation import validate_scenario

    raw = _raw(make_raw, "turn_back")
    raw["convoys"]["aid"]["dispatch_when_blocked"] = True
    raw["convoys"]["aid"]["departures"] = [{"date": dt.date(2023, 1, 2), "trucks": 1}]
    raw["corridors"]["road"]["travel_to_checkpoint_h"] = 144.0  # reaches it at midnight of 8 Jan
    result = ls.simulate(validate_scenario(raw))
    assert list(result.convoys["outcome"]) == ["delivered"]


def _boundary_raw(make_raw, departure: dt.date) -> dict:
    """One dated truck with no travel time: it arrives at the very midnight it leaves."""
    raw = make_raw()
    raw["convoys"]["aid"] = {"operator": "humanitarian", "corridor": "road", "schedule": "dated",
                             "payload_t": 2.0, "cargo": {"food": 1.0},
                             "departures": [{"date": departure, "trucks": 2}]}  # fmt: skip
    return raw


def test_arrival_on_a_tick_boundary_belongs_to_the_tick_it_starts(make_raw):
    """Ticks are half-open: cargo arriving at midnight of 6 Jan is in the 6 Jan row, not in the
    row of 5 Jan (whose tick is settled at that same instant)."""
    from lachin_sim.config.validation import validate_scenario

    result = ls.simulate(validate_scenario(_boundary_raw(make_raw, dt.date(2023, 1, 6))))
    food = result.stocks[result.stocks["commodity"] == "food"].set_index("date")
    assert food.loc["2023-01-06", "delivered"] == 4.0
    assert food["delivered"].drop(index=["2023-01-06"]).sum() == 0.0


def test_arrival_at_the_scenario_end_stays_pending(make_raw):
    """A truck arriving exactly at the (exclusive) scenario end is not delivered: it is pending
    and its cargo is in no row."""
    from lachin_sim.config.validation import validate_scenario

    raw = _boundary_raw(make_raw, dt.date(2023, 1, 14))
    raw["corridors"]["road"]["travel_to_checkpoint_h"] = 24.0  # leaves 14 Jan, arrives 15 Jan 00:00
    result = ls.simulate(validate_scenario(raw))
    assert list(result.convoys["outcome"]) == ["pending", "pending"]
    assert result.stocks["delivered"].sum() == 0.0
