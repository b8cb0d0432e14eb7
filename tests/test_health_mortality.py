"""Mortality (model/health/mortality.py and its use in HealthModel.step): the Clingendael curve
as health.md derives it (H4-H8), monotone in the deficit, only the background rate without a
deficit, deaths never more than the people present."""

from __future__ import annotations

import numpy as np
import pytest

from lachin_sim.config.health import HealthConfig, Mortality
from lachin_sim.model.health.energy_balance import resting_metabolic_rate
from lachin_sim.model.health.model import HealthModel
from lachin_sim.model.health.mortality import (
    adult_hazard_per_day,
    death_shares,
    lethal_share,
    wasting_hazard_ratio,
)

CHILDREN = {"groups": {"children": {"child": True, "background_cdr_per_10k_day": 0.05}}}


def run(config: HealthConfig, groups, people, need, share: float, days: int) -> HealthModel:
    """Feed every group ``share`` of its need for ``days`` daily ticks."""
    hm = HealthModel(config, groups, np.asarray(people, float), 1.0, np.asarray(need, float))
    for k in range(days):
        hm.step(k, share * np.asarray(need, float), hm.people)
    return hm


def test_clingendael_curve_matches_health_md():
    """Rows H4-H6 (derived from H1-H2, code parameters): 0.51, 2.72 and 18.8 deaths per
    10,000 per day at BMI 17, 16, 15; row H8: the monthly probability reaches its cap below
    BMI 13.6; nothing above BMI 18.5 (H3). The notebook's parameters (0.00023, 1.36) give
    less at BMI 16 and more at BMI 14."""
    m = Mortality()
    per_10k = adult_hazard_per_day(np.array([17.0, 16.0, 15.0]), m) * 1e4
    np.testing.assert_allclose(per_10k, [0.51, 2.72, 18.8], rtol=0.01)
    capped = -np.log1p(-m.max_monthly_excess_probability) / 30.4
    assert adult_hazard_per_day(np.array([13.5]), m)[0] == pytest.approx(capped)
    assert adult_hazard_per_day(np.array([13.7]), m)[0] < capped
    assert adult_hazard_per_day(np.array([18.5, 25.0]), m).tolist() == [0.0, 0.0]
    notebook = Mortality(excess_scale_per_month=0.00023, excess_exponent=1.36)
    assert adult_hazard_per_day(np.array([16.0]), notebook) < adult_hazard_per_day(
        np.array([16.0]), m
    )
    assert adult_hazard_per_day(np.array([14.0]), notebook) > adult_hazard_per_day(
        np.array([14.0]), m
    )


def test_hazards_are_monotone():
    """A lower BMI never lowers the adult hazard; a lower WHZ never lowers the child hazard
    ratio (1, 1.52, 2.63, 11.63 by category, rows I5, I7, I8); a lower BMI never lowers the
    share past the survival limit (G5, G6)."""
    m = Mortality()
    bmi = np.linspace(8, 30, 500)
    assert np.all(np.diff(adult_hazard_per_day(bmi, m)) <= 0)
    whz = np.linspace(-6, 2, 500)
    hr = wasting_hazard_ratio(whz, m)
    assert np.all(np.diff(hr) <= 0)
    assert sorted(set(hr.tolist())) == [1.0, 1.52, 2.63, 11.63]
    share = lethal_share(bmi, 13.0, 0.087)
    assert np.all(np.diff(share) <= 0)
    assert share[0] > 0.99 and lethal_share(np.array([13.0]), 13.0, 0.087)[0] == pytest.approx(0.5)


def test_death_shares_never_exceed_the_people():
    """Background and excess shares are each in [0, 1] and together at most 1, whatever the
    hazards and tick; reaching the survival limit kills everyone left."""
    rng = np.random.default_rng(3)
    bg, ex, lim = rng.random(1000) * 5, rng.random(1000) * 50, rng.random(1000)
    for days in (0.25, 1.0, 7.0):
        q_bg, q_ex = death_shares(bg, ex, lim, days)
        assert np.all((q_bg >= 0) & (q_ex >= 0) & (q_bg + q_ex <= 1 + 1e-15))
    q_bg, q_ex = death_shares(bg, ex, np.ones(1000), 1.0)
    np.testing.assert_allclose(q_bg + q_ex, 1.0)


def test_zero_deficit_gives_only_the_background_rate():
    """A year at full requirement: no excess deaths, and each tick's deaths are exactly the
    background rate (0.27 per 10,000 per day, standards row 57; children 0.05 here)."""
    hm = run(HealthConfig.model_validate(CHILDREN), ["adults", "children"], [9000, 3000],
             [2300, 1500], share=1.0, days=365)  # fmt: skip
    h = hm.tables(np.datetime64("2023-01-01") + np.arange(365))["health"]
    assert h["excess_deaths"].abs().max() < 1e-9
    for group, rate in (("adults", 0.27), ("children", 0.05)):
        rows = h[h["group"] == group]
        expected = rows["people"] * -np.expm1(-rate * 1e-4)
        np.testing.assert_allclose(rows["background_deaths"], expected, rtol=1e-12)
    assert not h["famine_cdr"].any() and not h["emergency_cdr"].any()


def test_mortality_is_monotone_in_the_deficit():
    """Half a year at 100 %, 90 %, ..., 0 % of the requirement: cumulative excess deaths (adults
    and children) never fall as the deficit grows, and rise from the first real deficit."""
    config = HealthConfig.model_validate(CHILDREN)
    totals = []
    for share in np.linspace(1.0, 0.0, 11):
        hm = run(config, ["adults", "children"], [9000, 3000], [2300, 1500], share, days=180)
        h = hm.tables(np.datetime64("2023-01-01") + np.arange(180))["health"]
        totals.append(h.groupby("group")["excess_deaths"].sum())
    for group in ("adults", "children", "all"):
        series = np.array([t[group] for t in totals])
        assert np.all(np.diff(series) >= -1e-9), (group, series)
        assert series[-1] > series[2] > series[0] + 1.0


@pytest.mark.parametrize("tick_days", [1.0, 7.0])
def test_starvation_kills_at_most_everyone(tick_days):
    """No food and a high background rate: deaths per tick never exceed the people present,
    nobody is left negative, and in the end everyone has died."""
    config = HealthConfig.model_validate(
        {"default": {"background_cdr_per_10k_day": 50.0}, **CHILDREN}
    )
    hm = HealthModel(config, ["adults", "children"], np.array([900.0, 300.0]), tick_days,
                     np.array([2300.0, 1500.0]))  # fmt: skip
    for k in range(int(728 / tick_days)):
        present = hm.people.copy()
        deaths = hm.step(k, np.zeros(2), present)
        assert np.all(deaths.total <= present + 1e-9) and np.all(hm.people >= 0)
        assert np.all(deaths.background >= 0) and np.all(deaths.excess >= 0)
    assert hm.people.sum() < 1e-6


@pytest.mark.parametrize(("male", "height", "model_days", "tolerance"),
                         [(True, 1.75, 95, 0.15), (False, 1.62, 144, 0.30)])  # fmt: skip
def test_median_survival_without_food(male, height, model_days, tolerance):
    """The whole chain without food (energy balance, Clingendael hazard, survival limit): half
    of a group of 70 kg, 30-year-old adults is dead after about the 95 days (men, row H17) and
    144 days (women, H16) of Speakman's body-fat model. Women outlive men, as there. The model's
    women live longer than Speakman's (169-181 days at 1.62-1.65 m): hence the wider tolerance."""
    sex = "male" if male else "female"
    config = HealthConfig.model_validate({"bands": 1, "default": {
        "male_share": 1.0 if male else 0.0, "age_years": 30,
        sex: {"height_m": height, "bmi_bands": [70 / height**2]}}})  # fmt: skip
    requirement = 1.5 * resting_metabolic_rate(70, height, 30, male)
    hm = HealthModel(config, ["all"], np.array([1000.0]), 1.0, np.array([requirement]))
    day = 0
    while hm.people[0] > 500 and day < 1000:
        hm.step(day, np.array([0.0]), hm.people)
        day += 1
    assert day == pytest.approx(model_days, rel=tolerance)


def test_the_survival_limit_kills_each_share_once():
    """Only the survival limit acts here (no background, a negligible Clingendael curve): men
    starved to about BMI 13 then fed again lose the share whose limit lay above the lowest BMI
    they reached, Phi((13 - BMI_min) / (0.087 x 13)), once; refed, nobody else dies of it."""
    config = HealthConfig.model_validate({"bands": 1, "mortality": {"excess_scale_per_month": 1e-12},
        "default": {"male_share": 1.0, "background_cdr_per_10k_day": 0.0,
                    "male": {"bmi_bands": [20.0]}}})  # fmt: skip
    hm = HealthModel(config, ["all"], np.array([1000.0]), 1.0, np.array([2400.0]))
    day, lowest = 0, 20.0
    while hm.bodies.bmi[0] > 13.0:
        hm.step(day, np.array([0.0]), hm.people)
        lowest, day = min(lowest, float(hm.bodies.bmi[0])), day + 1
    dead_when_refed = 1000.0 - hm.people[0]
    expected = float(lethal_share(np.array([lowest]), 13.0, 0.087)[0]) * 1000.0
    assert dead_when_refed == pytest.approx(expected, rel=1e-5)
    assert 400 < dead_when_refed < 600  # about half: the mean limit was reached
    for k in range(day, day + 60):
        hm.step(k, np.array([2400.0]), hm.people)
    assert 1000.0 - hm.people[0] == pytest.approx(dead_when_refed, rel=1e-7)
