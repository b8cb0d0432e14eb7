"""Cross-field rules added after review: each refuses a config that would silently misbehave."""

from __future__ import annotations

import datetime as dt

import pytest

from lachin_sim.config.validation import validate_scenario
from lachin_sim.errors import ConfigError


def refused(raw: dict, path: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        validate_scenario(raw)
    assert any(p.path == path for p in info.value.problems), info.value
    return info.value


def test_tick_must_divide_the_period(make_raw):
    """A tick that does not divide the scenario length is refused (it would run past the end)."""
    refused(make_raw(tick_days=4.0), "tick_days")  # 14 days / 4
    validate_scenario(make_raw(tick_days=2.0))  # 14 days / 2: fine


def test_ration_cap_must_end_after_it_starts(make_raw):
    """A dated ration cap whose end is not after its start is refused (it would never apply)."""
    cap = {
        "commodity": "food",
        "start": dt.date(2023, 1, 5),
        "end": dt.date(2023, 1, 5),
        "ration": 0.5,
    }
    refused(make_raw(rationing={"caps": [cap]}), "rationing.caps.0.end")


def test_source_activity_window_must_be_ordered_and_not_on_dated_sources(make_raw):
    """active_until before active_from, or an activity window on a dated source, is refused."""
    raw = make_raw()
    raw["convoys"]["aid"] |= {
        "active_from": dt.date(2023, 1, 8),
        "active_until": dt.date(2023, 1, 4),
    }
    refused(raw, "convoys.aid.active_until")
    raw = make_raw()
    raw["convoys"]["aid"] = {
        "operator": "humanitarian", "corridor": "road", "schedule": "dated", "payload_t": 2.0,
        "cargo": {"food": 1.0}, "departures": [{"date": dt.date(2023, 1, 3), "trucks": 1}],
        "active_from": dt.date(2023, 1, 2),
    }  # fmt: skip
    refused(raw, "convoys.aid.active_from")
