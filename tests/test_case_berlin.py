"""The Berlin Airlift case, ``configs/berlin_airlift_1948_49.toml``: its facts, the numbers derived
from them, and what a run reproduces of them.

The config is built from data/berlin.csv only (see docs/cases/berlin_airlift_1948_49.md). These
tests recompute each derived number from the rows, check that the airlift schedule delivers the
recorded tonnage (exactly for each tick's open time, and in expectation over the periods with a
known total), that each group's ration gives the recorded food energy, that the groups add up to
the population on every tick and that people flown out leave only while the route is open. No
test compares the model with what happened to the city (stocks, power, health, deaths).
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
import tomllib

import numpy as np
import pandas as pd
import pytest
import uncertainty_checks
from conftest import REPO
from ledger_checks import assert_consumption_bounds, assert_population_identity, assert_stock_ledger
from test_data import cited_segments, config_units, numbers_in

import lachin_sim as ls
from lachin_sim.model.schedules import source_curve

CONFIG = REPO / "configs" / "berlin_airlift_1948_49.toml"
SENSITIVITIES = REPO / "configs" / "scenarios" / "berlin_sensitivities.toml"
DOCS = REPO / "docs" / "cases" / "berlin_airlift_1948_49.md"
FOOD_ROWS = {  # commodity -> the row of the US food plan it comes from
    "flour_wheat": "food_flour_and_wheat_tons_per_day",
    "cereal": "food_cereal_tons_per_day",
    "fat": "food_fat_tons_per_day",
    "meat_fish": "food_meat_and_fish_tons_per_day",
    "dehydrated_potatoes": "food_dehydrated_potatoes_tons_per_day",
    "sugar": "food_sugar_tons_per_day",
    "coffee": "food_coffee_tons_per_day",
    "powdered_milk": "food_powdered_milk_tons_per_day",
    "whole_milk_children": "food_whole_milk_children_tons_per_day",
    "fresh_yeast": "food_fresh_yeast_tons_per_day",
    "dehydrated_vegetables": "food_dehydrated_vegetables_tons_per_day",
    "salt": "food_salt_tons_per_day",
    "cheese": "food_cheese_tons_per_day",
}
AIRLIFT = ("airlift_food", "airlift_coal_and_fuel")
SHORT_TON = 0.907185  # t per short ton


def rows() -> dict[str, dict[str, str]]:
    with (REPO / "data" / "berlin.csv").open(encoding="utf-8", newline="") as f:
        return {row["id"]: row for row in csv.DictReader(f)}


def value(row_id: str) -> float:
    """The number of a berlin row (a bound such as '>8000' gives its bound)."""
    return float(rows()[row_id]["value"].lstrip("<>"))


def sensitivity_overrides(name: str) -> dict:
    with SENSITIVITIES.open("rb") as f:
        return tomllib.load(f)["scenarios"][name].get("overrides", {})


def scenario(name: str = "replay", extra: dict | None = None) -> ls.Scenario:
    return ls.load_scenario(CONFIG, overrides={**sensitivity_overrides(name), **(extra or {})})


@pytest.fixture(scope="module")
def base() -> ls.Scenario:
    return ls.load_scenario(CONFIG)


@pytest.fixture(scope="module")
def run(base) -> ls.Result:
    """One run of the case (about half a second)."""
    return ls.simulate(base)


def basket_kcal(s: ls.Scenario) -> float:
    """Food energy of the residents' full need, kcal/person/day (the rationed items only)."""
    return sum(s.commodities[c].need_per_person_day * (s.commodities[c].kcal_per_unit or 0.0)
               for c in FOOD_ROWS)  # fmt: skip


def day(s: ls.Scenario, date: str) -> float:
    return s.day_of(dt.date.fromisoformat(date))


# ---- the uncertain inputs: their options, derived from the rows like the written values -------
FOG_MEAN_DAYS = 0.5  # mean length of a seasonal fog closure (A12), as in the config


def food_stocks(s: ls.Scenario, days: float, share: float) -> dict[str, float]:
    """Each rationed item's stock (t, to 0.1 t) for ``days`` of the residents' consumption at
    ``share`` of their need plus the garrison's 37 days at full need (A2, A5)."""
    garrison = value("food_days_garrison") * value("allied_garrison_berlin")
    residents = value("west_berlin_population@1948-08-31")
    return {c: round(value(r) * (days * share + garrison / residents), 1)
            for c, r in FOOD_ROWS.items()}  # fmt: skip


def _date(day: int) -> dt.date:
    return dt.date(1948, 6, 24) + dt.timedelta(days=day)


def airlift_schedule(fog_rate: float, unit: float) -> dict[str, object]:
    """The airlift's three rate lists and the 3 Nov closure for seasonal fog at ``fog_rate``
    closures a flying day (A12) and every row times ``unit`` (1, metric tonnes; 0.907185, short
    tons, A13): the config's arithmetic (docs, derived numbers) with these two numbers."""
    open_factor = 1 + fog_rate * FOG_MEAN_DAYS  # flying time lost to seasonal fog, Nov-Feb
    nov = (value("daily_average_first_winter_month") * 28 * open_factor + value("fog_loss")) / 28
    jan = value("monthly_tonnage") * open_factor / 31
    first = 2 * value("tons_first_five_days") / 5 - value("airlift_first_organized_day")
    total = [("1948-06-26", value("airlift_first_organized_day")), ("1948-07-01", first),
             ("1948-07-17", value("daily_tonnage_milestone")),
             ("1948-07-31", value("daily_tonnage_end_july")),
             ("1948-08-31", value("daily_tonnage_end_august")), ("1948-11-01", nov),
             ("1948-11-29", nov), ("1949-01-01", jan), ("1949-02-01", jan),
             ("1949-05-12", value("late_average_daily")), ("1949-08-01", value("late_average_daily")),
             ("1949-09-30", 0.0)]  # fmt: skip
    total = [(dt.date.fromisoformat(d), rate * unit) for d, rate in total]

    def at(date: dt.date) -> float:  # the whole lift's rate, linear between its dates
        for (d0, r0), (d1, r1) in itertools.pairwise(total):
            if d0 <= date <= d1:
                return r0 + (r1 - r0) * (date - d0).days / (d1 - d0).days
        raise ValueError(date)

    plan = value("food_tons_per_day")
    days = range((total[0][0] - _date(0)).days, (total[-1][0] - _date(0)).days + 1)
    up = next(d for d in days if at(_date(d)) >= plan)  # the first day the lift passes the plan
    down = max(d for d in days if at(_date(d)) >= plan)  # the last
    dates = sorted({d for d, _ in total} | {_date(up - 1), _date(up), _date(down), _date(down + 1)})
    food = [(d, min(at(d), plan)) for d in dates]
    rest = [(d, at(d) - f) for d, f in food]
    lists = {"airlift_food": food, "airlift_coal_and_fuel": rest, "airlift_total": total}
    hours = value("fog_loss") / nov * 24  # the 3 Nov closure: as long as 1,500 t takes
    end = dt.datetime(1948, 11, 3, 8) + dt.timedelta(minutes=round(hours * 60))
    out: dict[str, object] = {f"convoys.{name}.rates": [{"date": d, "per_day": round(r, 2)}
                                                        for d, r in rates]
                              for name, rates in lists.items()}  # fmt: skip
    out["corridors.air.events.0.end"] = end
    out["corridors.air.random_closures.rate_per_day"] = fog_rate
    return out


# ---- the facts --------------------------------------------------------------------------------
def test_berlin_ids_name_their_quantity_and_values_are_copied_forms():
    """An id is the fact's quantity, made unique by ``@date_end`` and, where two rows share
    that date, ``/source``; a value is empty, a number, a range a-b or a bound <x / >x."""
    source = REPO / "data" / "berlin.csv"
    assert source.exists()
    seen = {}
    for row_id, row in rows().items():
        name, _, suffix = row_id.partition("@")
        assert re.fullmatch(r"[a-z0-9_]+", name), row_id
        if suffix:
            date, _, tag = suffix.partition("/")
            assert date == row["date_end"], f"{row_id}: suffix is not date_end"
            assert tag == "" or re.fullmatch(r"[a-z0-9]+", tag), row_id
        assert re.fullmatch(r"|[<>]?\d+(\.\d+)?(-\d+(\.\d+)?)?", row["value"]), row_id
        seen.setdefault(name, []).append(row_id)
    for ids in seen.values():  # a quantity that repeats carries its date on every row
        assert len(ids) == 1 or all("@" in i for i in ids), ids


@pytest.mark.parametrize("path", [CONFIG, SENSITIVITIES], ids=lambda p: p.name)
def test_numbers_quoted_next_to_berlin_citations_are_the_rows(path):
    """Where a comment or note states numbers beside a [berlin:ID] citation, every number of
    that row's value is among them (the strict rule data/lachin.csv follows)."""
    problems = []
    for unit in config_units(path):
        for group, text in cited_segments(unit):
            stated = numbers_in(text)
            if not stated:
                continue
            for stem, row_id in group:
                if stem != "berlin" or not rows()[row_id]["value"]:
                    continue
                wanted = numbers_in(rows()[row_id]["value"].lstrip("<>").replace("-", " "))
                if not wanted <= stated:
                    problems.append(
                        f"[berlin:{row_id}] = {rows()[row_id]['value']}: {' '.join(text.split())}"
                    )
    assert not problems, "\n".join(problems)


# ---- the derived inputs ------------------------------------------------------------------------
def test_the_need_of_a_resident_is_the_us_food_plan(base):
    """Each item's need per person times the 2,225,000 residents is the plan's tonnage; the
    items add up to the plan's 1,534 t/day."""
    residents = value("west_berlin_population@1948-08-31")
    assert base.population.groups["residents"].initial == residents
    assert base.population.groups["garrison"].initial == value("allied_garrison_berlin")
    assert sum(value(r) for r in FOOD_ROWS.values()) == value("food_tons_per_day")
    for c, r in FOOD_ROWS.items():
        assert base.commodities[c].need_per_person_day * residents == pytest.approx(
            value(r), rel=1e-6
        )
    assert basket_kcal(base) == pytest.approx(2413.82, abs=0.01)  # quoted in the config and docs


def test_initial_stocks_are_the_chosen_days_of_consumption(base):
    """Food: 35 days of the residents' consumption at the 1,800 kcal ration plus 37 days of the
    garrison's at full need; coal: 45 days of the June draw; liquid fuel: 10 weeks of its need."""
    share = value("average_ration_kcal") / basket_kcal(base)
    garrison = value("allied_garrison_berlin") / value("west_berlin_population@1948-08-31")
    for c, r in FOOD_ROWS.items():
        days = value("food_days@1948-06-24/tusa") * share + value("food_days_garrison") * garrison
        expected = value(r) * days
        assert base.commodities[c].initial_stock == pytest.approx(expected, abs=0.051), c  # 0.1 t
    coal = base.commodities["coal"]
    plants = base.generators["west_sector_plants"]
    june = (plants.capacity_per_day * plants.fuel_per_unit
            + coal.uses["households_and_industry"].need_per_person_day * value("west_berlin_population@1948-08-31"))  # fmt: skip
    assert coal.uses["institutions"].monthly_need_factors[5] == 0  # no institution heating in June
    assert coal.initial_stock == pytest.approx(value("coal_days@1948-06-24/tusa") * june, rel=1e-5)
    fuel = base.commodities["liquid_fuel"]
    assert fuel.initial_stock == pytest.approx(
        7 * value("petrol_weeks_rationed") * fuel.uses["transport"].need_per_day
    )


def test_coal_uses_and_the_power_plants_add_up_to_the_plan(base):
    """Summer: plants + other coal + liquid fuel = 3,475 t/day; winter: plants + institutions +
    other coal + liquid fuel + food = 7,500 t/day; the plants make 16 % of pre-blockade use."""
    coal = base.commodities["coal"]
    residents = value("west_berlin_population@1948-08-31")
    plants = base.generators["west_sector_plants"]
    burn = plants.capacity_per_day * plants.fuel_per_unit
    other = coal.uses["households_and_industry"]
    fuel = base.commodities["liquid_fuel"].uses["transport"].need_per_day
    summer = burn + other.need_per_person_day * residents + fuel
    assert summer == pytest.approx(value("coal_and_gasoline_tons_per_day"), abs=0.5)
    january = (burn + coal.uses["institutions"].need_per_day * coal.uses["institutions"].monthly_need_factors[0]
               + other.need_per_person_day * residents * other.monthly_need_factors[0] + fuel)  # fmt: skip
    winter = value("total_tons_per_day_winter") - value("food_tons_per_day")
    assert january == pytest.approx(winter, abs=0.5)
    assert coal.uses["institutions"].need_per_day == value("winter_minimum_coal_tons_per_day")
    people = base.population.initial
    assert plants.capacity_per_day == pytest.approx(
        value("west_sector_generation_share") / 100 * people
    )
    assert base.commodities["electricity"].need_per_person_day == 1.0
    assert plants.priority < coal.uses["institutions"].priority < other.priority


def test_the_airlift_carries_food_first_and_the_rest_at_the_lifts_shares(base):
    """At every time the food flow and the coal-and-fuel flow add up to the whole lift
    (`airlift_total`); food is the total up to the plan's 1,534 t/day; food items travel in the
    plan's proportions, the rest at coal 65 : liquid fuel 3.5 : other 3.5."""
    curves = {n: source_curve(base.convoys[n], base) for n in (*AIRLIFT, "airlift_total")}
    plan = value("food_tons_per_day")
    for t in np.linspace(0.0, base.days, 4001):
        food = curves["airlift_food"].cumulative(t + 1e-3) - curves["airlift_food"].cumulative(t)
        rest = curves["airlift_coal_and_fuel"].cumulative(t + 1e-3) - curves[
            "airlift_coal_and_fuel"
        ].cumulative(t)
        total = curves["airlift_total"].cumulative(t + 1e-3) - curves["airlift_total"].cumulative(t)
        assert food + rest == pytest.approx(total, abs=0.02e-3), t
        assert food <= plan * 1e-3 + 1e-9 and rest >= -1e-12
        assert food >= min(total, plan * 1e-3) - 50e-3, t  # within a day of the crossing
    assert curves["airlift_food"].total + curves["airlift_coal_and_fuel"].total == pytest.approx(
        curves["airlift_total"].total, rel=1e-6)  # fmt: skip
    cargo = base.convoys["airlift_food"].cargo
    for c, r in FOOD_ROWS.items():
        assert cargo[c] == pytest.approx(value(r) / plan, abs=1e-7)
    rest = base.convoys["airlift_coal_and_fuel"].cargo
    assert rest["coal"] == pytest.approx(value("coal_share_total") / 72, abs=1e-7)
    assert rest["liquid_fuel"] == rest["other_goods"] == pytest.approx(3.5 / 72, abs=1e-7)


def expected_delivery(s: ls.Scenario, first: str, last: str) -> float:
    """Expected airlift tonnes over the days first..last (inclusive): the flying-day rate
    integrated over the time no dated fog closes the route, times the share of time the
    seasonal fog leaves open (1 / (1 + rate x mean duration)) in its months."""
    curves = [source_curve(s.convoys[n], s) for n in AIRLIFT]
    fog = s.corridors["air"].random_closures
    t0, t1 = day(s, first), day(s, last) + 1
    cuts = sorted((s.day_of(e.start), s.day_of(e.end)) for e in s.corridors["air"].events)
    total, t = 0.0, t0
    for a, b in [*cuts, (t1, t1)]:
        a, b = max(a, t0), min(b, t1)
        if a > t:
            total += sum(c.cumulative(min(a, t1)) - c.cumulative(t) for c in curves)
        t = max(t, b)
        if t >= t1:
            break
    month = dt.date.fromisoformat(first).month
    factor = fog.monthly_rate_factors[month - 1] if fog.monthly_rate_factors else 1.0
    return total / (1.0 + fog.rate_per_day * factor * fog.duration_days.mean)


@pytest.mark.parametrize("name, scale", [("replay", 1.0), ("fog_none", 1.0), ("fog_twice", 1.0),
                                         ("short_tons", SHORT_TON)])  # fmt: skip
def test_the_schedule_reproduces_the_recorded_tonnage(name, scale):
    """In the base and in the sensitivities that change fog or units, the expected delivery of
    1-28 Nov 1948 and of January 1949 is the row's, the first five days bring 1,274 t, the
    summer milestones are the rates of their dates and the lift averages 8,000 t/day from
    12 May to 29 July 1949 (rows times 0.907185 in short tons)."""
    s = scenario(name)
    nov = value("daily_average_first_winter_month") * 28
    assert expected_delivery(s, "1948-11-01", "1948-11-28") == pytest.approx(nov * scale, rel=2e-5)
    assert expected_delivery(s, "1949-01-01", "1949-01-31") == pytest.approx(
        value("monthly_tonnage") * scale, rel=2e-5
    )
    assert expected_delivery(s, "1948-06-26", "1948-06-30") == pytest.approx(
        value("tons_first_five_days") * scale, rel=1e-4
    )
    curves = [source_curve(s.convoys[n], s) for n in AIRLIFT]

    def rate(date: str) -> float:
        t = day(s, date)
        return sum(c.cumulative(t + 1e-6) - c.cumulative(t) for c in curves) / 1e-6

    assert rate("1948-06-26") == pytest.approx(
        value("airlift_first_organized_day") * scale, rel=1e-3
    )
    assert rate("1948-07-17") == pytest.approx(value("daily_tonnage_milestone") * scale, rel=1e-3)
    assert rate("1948-07-31") == pytest.approx(value("daily_tonnage_end_july") * scale, rel=1e-3)
    assert rate("1948-08-31") == pytest.approx(value("daily_tonnage_end_august") * scale, rel=1e-3)
    late = expected_delivery(s, "1949-05-12", "1949-07-29") / 79
    assert late == pytest.approx(value("late_average_daily") * scale, rel=1e-6)
    assert rate("1949-09-30") == 0.0


def open_intervals(result: ls.Result, corridor: str = "air") -> list[tuple[float, float]]:
    """(start, end) in days of the intervals during which nothing barred the airlift."""
    r = result.regimes[(result.regimes["corridor"] == corridor) & (result.regimes["regime"] == "open")
                       & (result.regimes["barred"] == "")]  # fmt: skip
    start = pd.Timestamp(result.scenario.start)
    days = lambda col: ((r[col] - start) / pd.Timedelta(days=1)).to_numpy()  # noqa: E731
    return list(zip(days("start"), days("end"), strict=True))


def test_each_tick_delivers_the_schedule_over_its_open_time(run):
    """Every tick, each airlift flow delivers exactly the integral of its rate over the part of
    the tick the air route was open (no fog, no dated closure), and nothing while it was shut."""
    s = run.scenario
    spans = open_intervals(run)
    assert any(b - a < 1 for a, b in spans)  # fog did close the route for parts of some days
    for name in AIRLIFT:
        curve = source_curve(s.convoys[name], s)
        flows = run.flows[run.flows["source"] == name]["tonnes"].to_numpy()
        expected = np.zeros(s.days)
        for a, b in spans:
            for k in range(int(a), min(int(np.ceil(b)), s.days)):
                lo, hi = max(a, k), min(b, k + 1)
                if hi > lo:
                    expected[k] += curve.cumulative(hi) - curve.cumulative(lo)
        np.testing.assert_allclose(flows, expected, rtol=1e-9, atol=1e-6, err_msg=name)
    closed = run.flows[(run.flows["date"] >= "1948-11-29") & (run.flows["date"] < "1948-12-01")]
    assert closed["tonnes"].sum() == 0


@pytest.mark.slow
def test_periods_with_a_known_total_get_it_within_sampling_error(base):
    """Over 40 replications (about 20 s) the mean delivery of 1-28 Nov 1948 and of January 1949
    is the row's within three standard errors: fog moves tonnage in time, not the totals."""
    nov, jan = [], []
    for seed in range(40):
        f = ls.simulate(base, seed=seed).flows
        daily = f[f["source"].isin(AIRLIFT)].groupby("date")["tonnes"].sum()
        nov.append(daily["1948-11-01":"1948-11-28"].sum())
        jan.append(daily["1949-01-01":"1949-01-31"].sum())
    for got, row in (
        (nov, value("daily_average_first_winter_month") * 28),
        (jan, value("monthly_tonnage")),
    ):
        got = np.asarray(got)
        assert got.std() > 0  # the fog is random
        assert abs(got.mean() - row) < 3 * got.std(ddof=1) / np.sqrt(len(got)), (got.mean(), row)


# ---- what a run gives -----------------------------------------------------------------------
def test_the_case_runs_and_its_ledgers_close(run):
    """The run covers every day, keeps every stock's ledger and never consumes more than the
    ration allows or the stock holds."""
    assert len(run.stocks) == len(run.scenario.commodities) * run.scenario.days
    assert_stock_ledger(run)
    assert_consumption_bounds(run)
    assert set(run.health["group"]) == {"residents", "garrison", "all"}


def rationed_kcal(result: ls.Result, group: str) -> pd.Series:
    """Food energy per person per day a group got from the rationed items (all but the
    garden produce)."""
    u = result.uses[(result.uses["group"] == group) & result.uses["commodity"].isin(FOOD_ROWS)]
    kcal = u["commodity"].map(
        {c: result.scenario.commodities[c].kcal_per_unit or 0.0 for c in FOOD_ROWS}
    )
    energy = (u["consumed"] * kcal).groupby(u["date"]).sum()
    people = result.groups[result.groups["group"] == group].set_index("date")["people"]
    return energy / people.loc[energy.index]


def stock_limited(result: ls.Result) -> pd.Series:
    """Dates on which some rationed item could not give what its ration allowed."""
    u = result.uses[result.uses["commodity"].isin(FOOD_ROWS)]
    short = (u["consumed"] < u["allowed"] * (1 - 1e-9) - 1e-12).groupby(u["date"]).any()
    return short


@pytest.mark.parametrize("name, dated", [
    ("replay", [("1948-06-24", "average_ration_kcal"), ("1948-10-15", "average_ration_kcal_after_increase")]),
    ("ration_1880_from_jan_1949", [("1948-06-24", "average_ration_kcal"),
                                   ("1948-10-15", "average_ration_kcal_after_increase"),
                                   ("1949-01-19", "ration_kcal_after_increase")]),
])  # fmt: skip
def test_each_groups_ration_gives_the_recorded_food_energy(name, dated, run):
    """While stocks last, the residents' rationed items give exactly the dated average ration
    (1,800 kcal, 2,040 from 15 Oct 1948; 1,880 from 19 Jan 1949 in the conflicting-row variant)
    and the garden produce comes on top; the garrison eats the basket at full need."""
    result = run if name == "replay" else ls.simulate(scenario(name))
    residents = rationed_kcal(result, "residents")
    limited = stock_limited(result)
    assert not limited.all()
    dates = [pd.Timestamp(d) for d, _ in dated] + [pd.Timestamp(result.scenario.end)]
    for (start, row), end in zip(dated, dates[1:], strict=True):
        part = residents[(residents.index >= pd.Timestamp(start)) & (residents.index < end)]
        part = part[~limited.loc[part.index]]
        assert len(part) > 20, (start, row)
        np.testing.assert_allclose(part.to_numpy(), value(row), rtol=1e-5, err_msg=row)
    garden = result.groups.set_index(["date", "group"])["kcal_per_person_day"]
    total = garden.xs("residents", level="group")
    assert (total.loc[residents.index] - residents).min() > 0  # garden produce on top
    garrison = rationed_kcal(result, "garrison")
    np.testing.assert_allclose(
        garrison[~limited.loc[garrison.index]], basket_kcal(result.scenario), rtol=1e-9
    )


def test_the_groups_add_up_to_the_population_on_every_tick(run):
    """People change only by deaths here; by group and tick the identity holds and the groups
    sum to the population the stocks see."""
    assert run.groups["deaths"].sum() > 0
    assert_population_identity(run)
    total = run.groups.groupby("date")["people"].sum()
    assert total.iloc[0] == run.scenario.population.initial
    np.testing.assert_allclose(total.to_numpy()[1:], total.to_numpy()[:-1]
                               - run.groups.groupby("date")["deaths"].sum().to_numpy()[:-1], rtol=1e-12)  # fmt: skip


def test_people_flown_out_leave_only_while_the_route_is_open():
    """An evacuation flow over the air route (500 residents a day, a what-if: no row gives
    one) takes people out in proportion to each day's open time: nobody on the two days fog
    halted the lift, nobody in a seasonal fog, and the groups still add up."""
    evacuation = {"operator": "airlift", "corridor": "air", "direction": "out", "schedule": "flow",
                  "rate_unit": "people", "passengers": 30.0, "group": "residents",
                  "rates": [{"date": dt.date(1948, 6, 24), "per_day": 500.0}]}  # fmt: skip
    result = ls.simulate(scenario(extra={"convoys.evacuation": evacuation}))
    out = result.flows[result.flows["source"] == "evacuation"].set_index("date")["people"]
    spans = open_intervals(result)
    open_time = np.zeros(result.scenario.days)
    for a, b in spans:
        for k in range(int(a), min(int(np.ceil(b)), result.scenario.days)):
            open_time[k] += max(min(b, k + 1) - max(a, k), 0.0)
    np.testing.assert_allclose(out.to_numpy(), 500.0 * open_time, rtol=1e-9, atol=1e-9)
    assert out["1948-11-29":"1948-11-30"].sum() == 0 and (open_time == 0).sum() >= 2
    assert (open_time < 1).sum() > 2 and out.sum() > 0
    g = result.groups
    assert g.loc[g["group"] == "garrison", "left_in_vehicles"].sum() == 0
    assert g["left_in_vehicles"].sum() == pytest.approx(out.sum())
    assert_population_identity(result)


def test_the_ration_rule_uses_only_what_was_known_on_24_june():
    """The by-rule variant drops the replayed caps; each item's stretch rule makes stock and
    inflow last the Town Hall's 35 days, never above the 1,800 kcal ration in force on 24 June.
    It cuts the ration while deliveries are small and never serves more than that ceiling."""
    s = scenario("ration_by_rule")
    assert s.rationing.caps == []
    ceiling = value("average_ration_kcal") / basket_kcal(s)
    for c in FOOD_ROWS:
        rule = s.rationing.rules[c].stretch
        assert rule.horizon_days == value("food_days@1948-06-24/tusa")
        assert rule.ceiling == pytest.approx(ceiling, rel=1e-6) and rule.floor == 0.0
    result = ls.simulate(s)
    food = result.stocks[result.stocks["commodity"].isin(FOOD_ROWS)]
    assert (food["ration"] <= ceiling * (1 + 1e-6)).all()
    first = result.decisions.sort_values("effective").groupby("commodity").first()
    assert (first["ration"] < ceiling).all()
    assert (first["effective"] < pd.Timestamp("1948-08-01")).all()
    kcal = rationed_kcal(result, "residents")
    assert kcal.max() <= value("average_ration_kcal") * (1 + 1e-6)


def test_the_health_model_follows_each_groups_food(run):
    """The garrison eats its need and keeps its weight; the residents eat less than their
    requirement under the 1,800 kcal ration and lose weight in those months."""
    h = run.health.set_index(["group", "date"])
    garrison = h.loc["garrison"]
    np.testing.assert_allclose(garrison["share_of_requirement"], 1.0, rtol=1e-9)
    np.testing.assert_allclose(garrison["mean_weight_loss_share"], 0.0, atol=1e-9)
    residents = h.loc["residents"]
    requirement = residents["requirement_kcal_per_person_day"].iloc[0]
    assert requirement == pytest.approx(2100)  # [health:A1]
    summer = residents.loc[:"1948-10-14"]
    assert (summer["share_of_requirement"] < 1).all()
    assert summer["mean_weight_loss_share"].iloc[-1] > summer["mean_weight_loss_share"].iloc[0]


def test_every_sensitivity_loads_and_every_assumption_is_documented(run_cli):
    """The scenarios file validates; each assumption label (A1, A2, ...) that the config or the
    scenarios file uses is a numbered assumption of the case's docs page."""
    done = run_cli("validate", SENSITIVITIES)
    assert done.code == 0, done.err
    labels = set()
    for path in (CONFIG, SENSITIVITIES):
        labels |= set(re.findall(r"\bA(\d+)\b", path.read_text(encoding="utf-8")))
    assert len(labels) >= 15
    text = DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| A(\d+) \|", text, flags=re.MULTILINE))
    assert labels <= documented, sorted(labels - documented, key=int)


def test_the_run_figures_draw_rations_given_as_an_amount_per_person(make_raw):
    """Dated caps given as ``amount_per_person_day`` (as this case's) have no single share of
    need: the depletion figure marks them once per note and draws no level line for them
    (it used to fail formatting the missing share)."""
    from lachin_sim.config import validate_scenario
    from lachin_sim.outputs.plots import depletion
    from lachin_sim.outputs.plots.run import run_marks

    start = dt.date(2023, 1, 1)
    raw = make_raw()
    raw["rationing"] = {"caps": [
        {"commodity": c, "start": start + dt.timedelta(days=3), "amount_per_person_day": 0.0001,
         "note": "ration card"} for c in ("food", "fuel")
    ] + [{"commodity": "food", "start": start + dt.timedelta(days=6), "ration": 0.5}]}  # fmt: skip
    s = validate_scenario(raw)
    labels = [label for _, label in run_marks(s)]
    assert sum("ration card" in label for label in labels) == 1
    assert any("food ration 50%" in label for label in labels)
    depletion(ls.simulate(s))  # draws without error


# ---- what we don't know: the [uncertainty] table ---------------------------------------------
def uncertain(s: ls.Scenario, path: str, option: int) -> dict[str, object]:
    """The overrides of one option of a choice input (its field and its linked fields)."""
    return dict(s.uncertainty[path].end_overrides(path)[option][1])


def test_the_uncertainty_table_validates(run_cli):
    """Every input names a field of the case and the case is valid at each end of every range
    (each option of every choice, with its linked fields)."""
    done = run_cli("validate", CONFIG)
    assert done.code == 0, done.err
    assert "18 uncertain inputs (valid at the ends of their ranges)" in done.out


def test_the_written_values_lie_inside_their_ranges():
    """Each number as written lies in its input's range, and for each choice exactly one option
    (with its linked values) gives the scenario as written."""
    assert uncertainty_checks.written_problems(CONFIG) == []


def test_every_assumption_has_an_uncertain_input_or_a_reason(base):
    """The page's table maps each numbered assumption (A1-A23) and each disagreement of the
    sources to the inputs that vary it, or says why none does; every input is on it, and an
    input's note cites only assumptions it is mapped to."""
    text = DOCS.read_text(encoding="utf-8")
    labels = {f"A{n}" for n in re.findall(r"^\| A(\d+) \|", text.split("## The assumptions")[1]
                                             .split("\n## ")[0], flags=re.MULTILINE)}  # fmt: skip
    assert len(labels) == 23
    mapping = uncertainty_checks.page_mapping(text)
    assert uncertainty_checks.mapping_problems(base, labels, mapping) == []
    assert {k for k in mapping if k.startswith("D")} >= {"D1", "D2", "D3", "D4", "D5", "D6", "D7"}


def test_the_stock_options_are_the_sources_days():
    """The food-stock input's options are 27, 30, 35 (written) and 36 days of the residents'
    consumption at the 1,800 kcal ration, and 35 days at full need (A2), each item in the
    plan's proportions; the coal options are 10, 35 and 45 days of the June draw; the liquid
    fuel stock is 10 weeks of each need."""
    s = ls.load_scenario(CONFIG)
    share = value("average_ration_kcal") / basket_kcal(s)
    readings = [(value("food_days_population"), share), (value("food_days@1948-06-25"), share),
                (value("food_days@1948-06-24/tusa"), share),
                (value("food_days@1948-06-24/dibacco"), share),
                (value("food_days@1948-06-24/tusa"), 1.0)]  # fmt: skip
    path = "commodities.flour_wheat.initial_stock"
    for k, (days, part) in enumerate(readings):
        want = {f"commodities.{c}.initial_stock": t for c, t in food_stocks(s, days, part).items()}
        assert uncertain(s, path, k) == want, k
    june = 1000 + s.commodities["coal"].uses["households_and_industry"].need_per_person_day * value(
        "west_berlin_population@1948-08-31")  # fmt: skip
    coal = s.uncertainty["commodities.coal.initial_stock"].options
    half = 7 * value("petrol_weeks_rationed") / 2  # days: half of the 10 weeks
    assert coal == pytest.approx([value("power_plant_coal_days") * june, half * june,
                                  value("coal_days@1948-06-24/tusa") * june], rel=1e-6)  # fmt: skip
    fuel = "commodities.liquid_fuel.uses.transport.need_per_day"
    for k, need in enumerate(s.uncertainty[fuel].options):
        stock = uncertain(s, fuel, k)["commodities.liquid_fuel.initial_stock"]
        assert stock == 7 * value("petrol_weeks_rationed") * need


FOG_PATH = "corridors.air.random_closures.rate_per_day"


@pytest.mark.parametrize("option", range(6))
def test_each_airlift_option_is_the_schedule_recomputed_for_its_fog_and_unit(option):
    """Options 0-2 (metric tonnes) and 3-5 (short tons) with no fog, the written fog and twice
    as much: their linked schedules are the config's arithmetic for that fog rate and unit, and
    the expected delivery of November and January is the rows' (in that unit)."""
    s = ls.load_scenario(CONFIG)
    unit = 1.0 if option < 3 else SHORT_TON
    fog = (0.0, 0.1, 0.2)[option % 3]
    overrides = uncertain(s, FOG_PATH, option)
    assert overrides == airlift_schedule(fog, unit)
    t = ls.load_scenario(CONFIG, overrides={**overrides, "uncertainty": {}})
    nov = value("daily_average_first_winter_month") * 28
    assert expected_delivery(t, "1948-11-01", "1948-11-28") == pytest.approx(nov * unit, rel=2e-5)
    jan = expected_delivery(t, "1949-01-01", "1949-01-31")
    assert jan == pytest.approx(value("monthly_tonnage") * unit, rel=2e-5)


def test_the_disagreements_are_the_rows():
    """Population, garden produce, surface imports and the ration after January are choices
    among the rows' figures; the 1,880 kcal option replaces the 2,040 kcal caps from 19 Jan 1949."""
    s = ls.load_scenario(CONFIG)
    u = s.uncertainty
    assert u["population.groups.residents.initial"].options == [
        value("west_berlin_population@1948-08-31"), value("west_berlin_population@1948-06-24"),
        value("west_berlin_population@1949-05-12")]  # fmt: skip
    assert u["convoys.surface_imports.rates.0.per_day"].options == [
        value("pre_blockade_imports_per_day@1948-06-23/aberdeen"),
        value("pre_blockade_imports_per_day@1948-06-23/blog")]  # fmt: skip
    garden = "commodities.local_produce.production_per_day"
    for k, row_id in enumerate(("food_self_sufficiency_share@1949-05-12/blog",
                                "food_self_sufficiency_share@1949-05-12/dibacco")):  # fmt: skip
        o = uncertain(s, garden, k)
        per_person = (
            value(row_id) / 100 * basket_kcal(s) / s.commodities["local_produce"].kcal_per_unit
        )
        assert o["commodities.local_produce.uses.gardens.need_per_person_day"] == pytest.approx(
            per_person, rel=1e-3)  # fmt: skip
        assert o[garden] == pytest.approx(per_person * value("west_berlin_population@1948-08-31"),
                                          rel=1e-3)  # fmt: skip
    assert u["rationing.caps"].options[1] == sensitivity_overrides("ration_1880_from_jan_1949")[
        "rationing.caps"]  # fmt: skip
