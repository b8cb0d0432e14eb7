"""HealthModel as the lead's daily tick will call it: the population identity per group and
tick, the food each group eats, deterministic tables, the all-groups total, the metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lachin_sim.config.health import HealthConfig
from lachin_sim.model.health import (
    HealthModel,
    excess_deaths_by_month,
    health_metric_names,
    health_metrics,
    health_quantiles,
)

GROUPS = ["adults", "children"]
NEED = np.array([2300.0, 1500.0])  # kcal/person/day
START = np.datetime64("2023-01-01")


def config(**changes) -> HealthConfig:
    raw = {"output_bands": True, "groups": {"children": {"child": True,
                                                          "background_cdr_per_10k_day": 0.05}}}  # fmt: skip
    raw.update(changes)
    return HealthConfig.model_validate(raw)


def ration(k: int) -> float:
    """Share of need eaten on day k: fed, then a hard siege, then a partial relief."""
    return 1.0 if k < 20 else 0.35 if k < 200 else 0.7


def simulate(cfg: HealthConfig, days: int = 260, outflow_day: int | None = 100, tick_days=1.0):
    """Drive the model as the tick will: people present = last tick's minus deaths minus
    an outflow (an evacuation of 5 % of each group on ``outflow_day``)."""
    hm = HealthModel(cfg, GROUPS, np.array([9000.0, 3000.0]), tick_days, NEED)
    people, returned = hm.people.copy(), []
    for k in range(days):
        if k == outflow_day:
            people = people * 0.95
        deaths = hm.step(k, ration(k) * NEED, people)
        returned.append(deaths)
        people = people - deaths.background - deaths.excess
    return hm, hm.tables(START + np.arange(days) * int(tick_days)), returned


@pytest.fixture(scope="module")
def run():
    return simulate(config())


def test_population_identity_every_tick_by_group(run):
    """initial - cumulative deaths - cumulative outflow = people present, per group and tick
    (the model's side of initial - outflows - deaths = present), and the returned deaths are
    the table's."""
    hm, tables, returned = run
    h = tables["health"]
    for i, group in enumerate(GROUPS):
        rows = h[h["group"] == group].reset_index(drop=True)
        before = rows["cumulative_deaths"].shift(fill_value=0.0)
        outflow = rows["outflow"].cumsum()
        np.testing.assert_allclose(hm.initial_people[i] - before - outflow, rows["people"],
                                   rtol=1e-12)  # fmt: skip
        np.testing.assert_allclose(rows["background_deaths"], [d.background[i] for d in returned])
        np.testing.assert_allclose(rows["excess_deaths"], [d.excess[i] for d in returned])
        left_before_outflow = rows.loc[99, "people"] - rows.loc[99, "deaths"]
        assert rows["outflow"].sum() == pytest.approx(0.05 * left_before_outflow, rel=1e-9)
    last = h[h["group"] != "all"].groupby("group").tail(1)
    np.testing.assert_allclose(hm.people, (last["people"] - last["deaths"]).to_numpy())


def test_each_group_eats_exactly_its_food(run):
    """The table's mean intake per person is what the group was given, every tick."""
    _, tables, _ = run
    h = tables["health"]
    for i, group in enumerate(GROUPS):
        rows = h[h["group"] == group]
        expected = [ration(k) * NEED[i] for k in range(len(rows))]
        np.testing.assert_allclose(rows["kcal_per_person_day"], expected, rtol=1e-12)


def test_all_row_totals_the_groups(run):
    """The 'all' row: people and deaths are the sums of the groups; its crude death rate is
    deaths / people / day; BMI statistics come from the adults, wasting from the children."""
    _, tables, _ = run
    h = tables["health"].set_index(["date", "group"])
    total = h.xs("all", level="group")
    parts = h.drop(index="all", level="group").groupby(level="date")
    for col in ("people", "deaths", "excess_deaths", "background_deaths", "outflow"):
        np.testing.assert_allclose(total[col], parts[col].sum(), rtol=1e-12)
    np.testing.assert_allclose(total["cdr_per_10k_day"], total["deaths"] / total["people"] * 1e4)
    np.testing.assert_allclose(total["mean_bmi"], h.xs("adults", level="group")["mean_bmi"])
    np.testing.assert_allclose(total["share_gam"], h.xs("children", level="group")["share_gam"])


def test_bands_table_adds_up_to_the_health_table(run):
    """health_bands (date x group x sex x band) sums to the health table's people and deaths."""
    _, tables, _ = run
    bands, h = tables["health_bands"], tables["health"]
    assert len(bands) == 260 * 2 * 2 * 100
    sums = bands.groupby(["date", "group"], sort=False)[["people", "excess_deaths"]].sum()
    mine = h[h["group"] != "all"].set_index(["date", "group"])[["people", "excess_deaths"]]
    pd.testing.assert_frame_equal(sums.sort_index(), mine.sort_index(), rtol=1e-12)
    assert "health_bands" not in simulate(config(output_bands=False), days=5)[1]


def test_same_inputs_same_tables(run):
    """Deterministic: a second identical run gives identical tables (no random draws)."""
    _, tables, _ = run
    _, again, _ = simulate(config())
    for name in ("health", "health_bands"):
        pd.testing.assert_frame_equal(tables[name], again[name], check_exact=True)


def test_hunger_moves_every_indicator_the_right_way(run):
    """Under the siege BMI falls, thinness and wasting rise, crude death rate passes the IPC
    famine threshold; at the start children's GAM is Armenia's 4.2 % (row I21) to band
    resolution, and adults' share below BMI 18.5 about 4 % (rows F5, F1-F2)."""
    _, tables, _ = run
    h = tables["health"]
    adults, children = h[h["group"] == "adults"], h[h["group"] == "children"]
    first, worst = adults.iloc[0], adults.iloc[199]
    assert worst["mean_bmi"] < first["mean_bmi"] - 3
    assert worst["share_bmi_below_16"] > first["share_bmi_below_16"] + 0.1
    assert first["share_bmi_below_18_5"] == pytest.approx(0.04, abs=0.011)
    assert children.iloc[0]["share_gam"] == pytest.approx(0.042, abs=0.011)
    assert children.iloc[199]["share_gam"] > 0.3
    assert adults["famine_cdr"].any() and not adults.iloc[:20]["famine_cdr"].any()
    assert adults["mean_bmi"].isna().sum() == 0 and children["mean_bmi"].isna().all()


def test_deaths_leave_the_bands_so_need_falls():
    """Deaths come out of the bands: the requirement still present (people x requirement)
    falls with them, so the same food is a larger share next tick."""
    hm = HealthModel(config(), GROUPS, np.array([9000.0, 3000.0]), 1.0, NEED)
    for k in range(150):
        hm.step(k, 0.3 * NEED, hm.people)
    need_left = np.bincount(hm.group_of, hm.cell_people * hm.requirement)
    assert np.all(need_left < np.array([9000.0, 3000.0]) * NEED)
    assert np.all(hm.people < [9000.0, 3000.0])


def test_contract_errors():
    """Ticks must come in order; without a need (or a requirement in the config) the model
    refuses to guess; people in a group whose bands are all dead is refused."""
    hm = HealthModel(config(), GROUPS, np.array([10.0, 10.0]), 1.0, NEED)
    with pytest.raises(ValueError, match="out of order"):
        hm.step(1, NEED, hm.people)
    with pytest.raises(ValueError, match="need_kcal_per_person_day"):
        HealthModel(config(), GROUPS, np.array([10.0, 10.0]), 1.0)
    own = config(default={"requirement_kcal_per_person_day": 2100.0},
                 groups={"children": {"child": True}})  # fmt: skip
    assert HealthModel(
        own, GROUPS, np.array([10.0, 10.0]), 1.0
    ).requirement.mean() == pytest.approx(2100.0, rel=1e-12)
    empty = HealthModel(config(), GROUPS, np.array([0.0, 10.0]), 1.0, NEED)
    with pytest.raises(ValueError, match="all dead"):
        empty.step(0, NEED, np.array([5.0, 10.0]))


def test_requirement_split_keeps_the_group_need():
    """Within an adult group the need is split by resting metabolic rate (men and heavier
    bands need more) but its mean over the people is the group's need."""
    hm = HealthModel(config(), GROUPS, np.array([9000.0, 3000.0]), 1.0, NEED)
    adults = hm.group_of == 0
    mean = np.average(hm.requirement[adults], weights=hm.cell_people[adults])
    assert mean == pytest.approx(NEED[0], rel=1e-12)
    men, women = adults & (hm.sex_of == 0), adults & (hm.sex_of == 1)
    assert hm.requirement[men].mean() > hm.requirement[women].mean()
    assert np.all(np.diff(hm.requirement[men]) > 0)


def test_metrics(run):
    """Metric names are known before running; totals match the table; NaN where a metric does
    not apply (BMI of children) or the event never happens (famine while fed)."""
    _, tables, _ = run
    h = tables["health"]
    m = health_metrics(h)
    assert list(m) == health_metric_names(GROUPS)
    assert m["excess_deaths:all"] == pytest.approx(
        h.loc[h["group"] == "all", "excess_deaths"].sum()
    )
    assert 20 <= m["days_to_famine_cdr:adults"] < 200
    assert np.isnan(m["mean_bmi_end:children"]) and np.isfinite(m["mean_bmi_end:adults"])
    assert np.isnan(m["share_gam_end:adults"]) and m["share_gam_end:children"] > 0
    assert m["famine_cdr_days:adults"] == h.loc[h["group"] == "adults", "famine_cdr"].sum()
    fed = health_metrics(simulate(config(), days=20, outflow_day=None)[1]["health"])
    assert np.isnan(fed["days_to_famine_cdr:all"]) and fed["excess_deaths:all"] < 1e-9
    monthly = excess_deaths_by_month(h)
    last = monthly[monthly["group"] == "all"].iloc[-1]
    assert last["cumulative_excess_deaths"] == pytest.approx(m["excess_deaths:all"])


def test_quantiles_over_runs():
    """health_quantiles: per series, group and date, q05 <= q50 <= q95 over the runs; runs
    with other dates are refused."""
    tables = [simulate(config(), days=60, outflow_day=None)[1]["health"]]
    worse = config(access={"strategy": "lognormal"})
    tables.append(simulate(worse, days=60, outflow_day=None)[1]["health"])
    q = health_quantiles(tables, series=["mean_bmi", "deaths"])
    assert set(q["series"]) == {"mean_bmi", "deaths"} and len(q) == 2 * 60 * 3
    valid = q.dropna(subset=["q50"])
    assert np.all(valid["q05"] <= valid["q50"]) and np.all(valid["q50"] <= valid["q95"])
    with pytest.raises(ValueError, match="other groups or dates"):
        health_quantiles([tables[0], tables[1].iloc[:-3]])
