"""The health model inside a run: it takes each group's food energy from the stock model,
its deaths leave the population (so need falls), and with it off nothing changes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from ledger_checks import assert_population_identity

import lachin_sim as ls
from lachin_sim.config import validate_scenario
from lachin_sim.outputs.results import TABLES

START = dt.date(2023, 1, 1)


def _raw(make_raw, stock: float, health: dict | None):
    raw = make_raw(end=START + dt.timedelta(days=90), convoys={})
    raw["population"] = {"groups": {"adults": {"initial": 800}, "children": {"initial": 200,
                                                                            "need_factors": {"food": 0.7}}}}  # fmt: skip
    raw["commodities"] = {"food": {"unit": "t", "initial_stock": stock,
                                   "need_per_person_day": 0.000555, "kcal_per_unit": 3783784}}  # fmt: skip
    if health is not None:
        raw["health"] = health
    return raw


def test_with_the_health_model_off_nothing_else_changes(make_raw):
    """A run without a [health] table has no health table; with one that kills nobody (fed to
    need, no background deaths) every other table is identical to the run without it."""
    fed = 1000.0  # t: more than 90 days of need
    off = ls.simulate(validate_scenario(_raw(make_raw, fed, None)))
    assert off.health.empty and "excess_deaths:all" not in off.summary
    silent = {
        "default": {"background_cdr_per_10k_day": 0.0},
        "groups": {"children": {"child": True}},
    }
    on = ls.simulate(validate_scenario(_raw(make_raw, fed, silent)))
    assert len(on.health) and on.summary["excess_deaths:all"] == 0
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(off, name), getattr(on, name), obj=name)


def test_deaths_leave_the_population_and_need_falls(make_raw):
    """Starved from day 0 (a small stock), people die; the groups table loses them, the health
    table's deaths are the groups table's deaths, and food need falls with the people."""
    result = ls.simulate(validate_scenario(_raw(make_raw, 5.0, {"bands": 10})))
    g, h = result.groups, result.health
    assert g["deaths"].sum() > 0
    assert_population_identity(result)
    for group in ("adults", "children"):
        deaths_groups = g.loc[g["group"] == group, "deaths"].to_numpy()
        rows = h[h["group"] == group]
        np.testing.assert_allclose(deaths_groups, rows["background_deaths"] + rows["excess_deaths"],
                                   rtol=1e-9, atol=1e-12)  # fmt: skip
    need = result.stocks.loc[result.stocks["commodity"] == "food", "need"].to_numpy()
    assert need[-1] < need[0]
    assert result.summary["excess_deaths:all"] == pytest.approx(
        h.loc[h["group"] == "all", "excess_deaths"].sum()
    )


def test_the_health_model_sees_each_groups_own_food_energy(make_raw):
    """With a dated cap on the adults only, the health table's intake of adults is the cap's
    food energy and the children eat their full (smaller) need."""
    raw = _raw(make_raw, 1000.0, {"bands": 5})
    raw["rationing"] = {"caps": [{"commodity": "food", "start": START, "groups": ["adults"],
                                  "ration": 0.5}]}  # fmt: skip
    result = ls.simulate(validate_scenario(raw))
    h = result.health.set_index(["date", "group"])["kcal_per_person_day"]
    day = pd.Timestamp(START)
    assert h[(day, "adults")] == pytest.approx(0.5 * 0.000555 * 3783784)
    assert h[(day, "children")] == pytest.approx(0.7 * 0.000555 * 3783784)
