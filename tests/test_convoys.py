"""Convoy sources: departure schedules, convoy grouping, active windows, and the truck counts
of the summary."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

import lachin_sim as ls

START = dt.date(2023, 1, 1)


def days_since_start(times: pd.Series) -> np.ndarray:
    return ((times - pd.Timestamp(START)) / pd.Timedelta(days=1)).to_numpy()


def one_source(make_scenario, days: int = 14, **fields):
    src = {
        "operator": "humanitarian",
        "corridor": "road",
        "payload_t": 2.0,
        "cargo": {"food": 1.0},
        **fields,
    }
    return make_scenario(end=START + dt.timedelta(days=days), convoys={"aid": src})


def test_regular_schedule_centres_one_convoy_in_each_interval(make_scenario):
    """'regular' without jitter sends floor(days x rate) convoys at (i + 0.5) / rate."""
    s = one_source(make_scenario, schedule="regular", trucks_per_day=2.5)
    t = days_since_start(ls.simulate(s).convoys["departed"])
    n = math.floor(14 * 2.5)
    np.testing.assert_allclose(t, (np.arange(n) + 0.5) / 2.5, atol=1e-9)


def test_regular_jitter_stays_within_its_bound(make_scenario):
    """'regular' with jitter moves each departure by at most jitter_h, within the scenario."""
    s = one_source(make_scenario, schedule="regular", trucks_per_day=1.0, jitter_h=6.0)
    t = np.sort(days_since_start(ls.simulate(s).convoys["departed"]))
    shift = t - (np.arange(len(t)) + 0.5)
    assert len(t) == 14
    assert (np.abs(shift) <= 0.25 + 1e-9).all()
    assert np.abs(shift).max() > 0  # jitter is applied


def test_dated_departures_split_tonnes_over_trucks(make_scenario):
    """'dated' sends each entry's trucks on its date; tonnes, when given, are split evenly."""
    s = one_source(
        make_scenario,
        schedule="dated",
        departures=[
            {"date": dt.date(2023, 1, 3), "trucks": 4, "tonnes": 50.0},
            {"date": dt.date(2023, 1, 8), "trucks": 2},
        ],
    )
    c = ls.simulate(s).convoys
    assert len(c) == 6
    first, second = (
        c[c["convoy_id"] == c["convoy_id"].min()],
        c[c["convoy_id"] != c["convoy_id"].min()],
    )
    assert (first["departed"] == pd.Timestamp("2023-01-03")).all()
    assert (first["payload_t"] == 12.5).all()
    assert (second["departed"] == pd.Timestamp("2023-01-08")).all()
    assert (second["payload_t"] == 2.0).all()


def test_dated_jitter_delays_within_the_day_window(make_scenario):
    """'dated' with jitter leaves between midnight of its date and jitter_h hours later."""
    departures = [{"date": START + dt.timedelta(days=d), "trucks": 1} for d in range(12)]
    s = one_source(make_scenario, schedule="dated", jitter_h=10.0, departures=departures)
    t = np.sort(days_since_start(ls.simulate(s).convoys["departed"]))
    delay_h = (t - np.arange(12)) * 24
    assert ((delay_h >= 0) & (delay_h < 10)).all()
    assert delay_h.max() > 0


def test_trucks_of_a_convoy_travel_together(make_scenario):
    """convoy_size trucks share a convoy id, a departure and the arrival at the checkpoint."""
    s = make_scenario(
        corridors={
            "road": {
                "travel_to_checkpoint_h": {"dist": "uniform", "low": 1, "high": 9},
                "timeline": [{"start": START, "regime": "open"}],
            }
        },
        convoys={
            "aid": {
                "operator": "humanitarian",
                "corridor": "road",
                "payload_t": 2.0,
                "trucks_per_day": 6.0,
                "convoy_size": 3,
                "cargo": {"food": 1.0},
            }
        },
    )
    c = ls.simulate(s).convoys
    sizes = c.groupby("convoy_id").size()
    assert len(sizes) > 5 and (sizes == 3).all()
    for col in ("departed", "reached_checkpoint"):
        assert (c.groupby("convoy_id")[col].nunique() == 1).all()


def test_active_window_bounds_departures(make_scenario):
    """A poisson source sends only within [active_from, active_until)."""
    s = one_source(
        make_scenario,
        days=30,
        trucks_per_day=5.0,
        active_from=dt.date(2023, 1, 10),
        active_until=dt.date(2023, 1, 20),
    )
    t = days_since_start(ls.simulate(s).convoys["departed"])
    assert len(t) > 10
    assert (t >= 9).all() and (t < 19).all()


def test_disabled_source_sends_nothing(make_scenario):
    """A source with enabled = false sends no truck and withholds none."""
    s = one_source(make_scenario, trucks_per_day=5.0, enabled=False)
    result = ls.simulate(s)
    assert result.convoys.empty
    assert result.summary["trucks_sent:humanitarian"] == 0
    assert result.summary["trucks_withheld:humanitarian"] == 0


def test_poisson_source_sends_about_rate_times_days(make_scenario):
    """A poisson source's truck count is within 4 standard deviations of rate x days."""
    s = one_source(make_scenario, days=200, trucks_per_day=3.0)
    n = len(ls.simulate(s).convoys)
    assert abs(n - 600) < 4 * math.sqrt(600)


def test_summary_truck_counts_add_up(configs_dir):
    """Per operator: sent = delivered + denied + confiscated + pending; delivered_t sums payloads."""
    result = ls.simulate(ls.load_scenario(configs_dir / "blockade_2023.toml"))
    summary, c = result.summary, result.convoys
    for op in sorted({src.operator for src in result.scenario.convoys.values()}):
        parts = sum(
            summary[f"trucks_{k}:{op}"] for k in ("delivered", "denied", "confiscated", "pending")
        )
        assert summary[f"trucks_sent:{op}"] == parts == (c["operator"] == op).sum()
        mine = c[(c["operator"] == op) & (c["outcome"] == "delivered")]
        assert summary[f"delivered_t:{op}"] == pytest.approx(mine["payload_t"].sum())
