"""The Leningrad case (configs/leningrad_1941_42.toml): the config reproduces its inputs.

Each test checks the scenario against the rows of data/leningrad.csv it is configured from
(people, the 12 Sept inventory, the bread rations and their nominal food energy, the delivered
tonnages, the evacuation), or a bookkeeping identity of its runs. None compares a result with
what happened to the city afterwards. One run of the case takes well under a second; the slow
test (40 replications, about 30 s) checks the delivered totals within sampling error.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
import re

import numpy as np
import pandas as pd
import pytest
import uncertainty_checks
from conftest import REPO
from ledger_checks import assert_population_identity, assert_stock_ledger

import lachin_sim as ls
from lachin_sim.model.demand import build_lines
from lachin_sim.model.population import tick_starts
from lachin_sim.model.streams import spawn_seeds
from lachin_sim.studies.scenarios import load_scenario_set

CONFIG = REPO / "configs" / "leningrad_1941_42.toml"
SENSITIVITIES = REPO / "configs" / "scenarios" / "leningrad_sensitivities.toml"
CIVILIANS = ["workers", "office", "dependants", "children"]
FOODS = ["flour", "cereals", "meat", "fats", "sugar", "condensed_milk", "egg_powder_chocolate"]
BREAD_KCAL_PER_G = 2.61  # kcal per g of white bread, [standards:10]
FED = 1e7  # t: an initial stock that never runs out


def row(row_id: str) -> float:
    """The value of a row of data/leningrad.csv, as a number."""
    with (REPO / "data" / "leningrad.csv").open(encoding="utf-8", newline="") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    return float(rows[row_id]["value"])


@pytest.fixture(scope="module")
def scenario():
    return ls.load_scenario(CONFIG)


@pytest.fixture(scope="module")
def run(scenario):
    return ls.simulate(scenario)


@pytest.fixture(scope="module")
def fed():
    """The case with stocks that never run out: every ration is served in full."""
    overrides = {f"commodities.{c}.initial_stock": FED for c in FOODS}
    return ls.simulate(ls.load_scenario(CONFIG, overrides=overrides))


def day(scenario, date: dt.date) -> int:
    return (date - scenario.start).days


def draw(scenario, commodity: str, k: int) -> float:
    """t/day a commodity's lines draw in tick ``k`` at its dated caps, with the starting
    people (what the inventories' 'days' are measured in)."""
    starts = tick_starts(scenario)
    months = np.asarray((pd.Timestamp(scenario.start) + pd.to_timedelta(starts, unit="D")).month)
    lines = build_lines(scenario, starts, months)[list(scenario.commodities).index(commodity)]
    people = scenario.population.group_sizes()
    return sum(ln.per_person_day[k] * ln.cap[k] * people[ln.group_name] for ln in lines)


# --- the uncertain inputs: their options, derived from the rows like the written values -------
ROUTE_COLUMNS = (25228, 5182, 15265)  # t: the columns of [leningrad:food_tons_total], water/air/ice
ICE_NOVEMBER = [("1941-11-21", "ice_road_first_horse_convoy"), ("1941-11-22", None),
                *((f"1941-11-{d}", f"ice_road_food_tons@1941-11-{d}") for d in range(23, 31))]  # fmt: skip


def month_share(scenario, month: int, rate: float) -> float:
    """Expected open share of a day of ``month`` with weather closures at ``rate`` per open day
    (the config's monthly factors and closure lengths, ASSUMPTION 7)."""
    rc = scenario.corridors["ladoga"].random_closures
    mean = rc.duration_days.median * math.exp(rc.duration_days.sigma**2 / 2)
    return 1.0 / (1.0 + rate * rc.monthly_rate_factors[month - 1] * mean)


def open_days_between(scenario, first: dt.date, end: dt.date, rate: float) -> float:
    return sum(month_share(scenario, d.month, rate)
               for d in pd.date_range(first, end - dt.timedelta(days=1)).date)  # fmt: skip


def delivery_rates(scenario, rate: float, swapped: bool) -> dict[str, list[dict]]:
    """Each lake and air flow's rates for weather closures at ``rate`` (ASSUMPTION 7) and the
    route columns read as water / air / ice, or with air and ice ``swapped`` (ASSUMPTION 8):
    each known total over its period divided by its expected open days, as in the config."""
    d = dt.date
    water, air, ice = ROUTE_COLUMNS
    if swapped:
        air, ice = ice, air
    november = [(day, row(r) if r else 0.0) for day, r in ICE_NOVEMBER]
    december = ice - sum(t for _, t in november)
    months = [(d(1942, 1, 1), d(1942, 2, 1), row("ice_road_cargo_tons@1942-01-31")),
              (d(1942, 2, 1), d(1942, 3, 1), row("ice_road_cargo_tons@1942-02-28")),
              (d(1942, 3, 1), d(1942, 4, 1), row("ice_road_cargo_tons@1942-03-31"))]  # fmt: skip
    april = row("ice_road_cargo_total") - sum(ROUTE_COLUMNS[2:]) - sum(m[2] for m in months)
    months.append((d(1942, 4, 1), d(1942, 4, 25), april))
    nov_share = month_share(scenario, 11, rate)
    return {
        "convoys.water.rates": [{"date": d(1941, 9, 12), "per_day": round(
            water / open_days_between(scenario, d(1941, 9, 12), d(1941, 11, 16), rate), 2)}],
        "convoys.air.rates": [{"date": d(1941, 9, 8), "per_day": round(air / 115, 3)}],
        "convoys.ice_november.rates": [{"date": dt.date.fromisoformat(day),
                                        "per_day": round(t / nov_share, 2)} for day, t in november],
        "convoys.ice_december.rates": [{"date": d(1941, 12, 1), "per_day": round(
            december / open_days_between(scenario, d(1941, 12, 1), d(1942, 1, 1), rate), 2)}],
        "convoys.ice_1942.rates": [{"date": first, "per_day": round(
            t / open_days_between(scenario, first, end, rate), 2)} for first, end, t in months],
    }  # fmt: skip


def inventory_stocks(scenario, inventory: str) -> dict[str, int]:
    """The five stocks (t) of one inventory at the model's draw in ``scenario`` (its bread
    caps say how much flour a ration draws): 12 Sept, its days at the ration of 12 Sept plus
    4 days at that of 2 Sept; 6 Sept, its days less 2 at the ration of 2 Sept; 8-10 Sept (after
    the fire), its days at the ration of 2 Sept, with the 6 Sept sugar."""
    days = {"12 Sept": {"flour": "flour_grain_days", "cereals": "buckwheat_macaroni_days",
                        "meat": "meat_days@1941-09-12", "fats": "fat_days", "sugar": "sugar_candies_days"},
            "6 Sept": {"flour": "flour_days@1941-09-06", "cereals": "cereals_days@1941-09-06",
                       "meat": "meat_days@1941-09-06", "fats": "fats_days@1941-09-06", "sugar": "sugar_days"},
            "8-10 Sept": {"flour": "flour_days@1941-09-10", "cereals": "cereals_days@1941-09-10",
                          "meat": "meat_fish_days", "fats": "fats_days@1941-09-10", "sugar": "sugar_days"}}  # fmt: skip
    out = {}
    for commodity, days_row in days[inventory].items():
        if inventory == "12 Sept":
            tonnes = (row(days_row) * draw(scenario, commodity, day(scenario, dt.date(1941, 9, 12)))
                      + 4 * draw(scenario, commodity, 0))  # fmt: skip
        else:
            two = 2 if inventory == "6 Sept" or commodity == "sugar" else 0
            tonnes = (row(days_row) - two) * draw(scenario, commodity, 0)
        out[commodity] = round(tonnes)
    return out


# --- people ----------------------------------------------------------------------------------
def test_groups_add_up_to_the_people_inside_the_ring(scenario):
    """Civilians in the city and around it, split over four ration categories, plus the troops:
    the groups hold exactly the rows' 2,460,000 + 343,000 + 500,000 people."""
    sizes = scenario.population.group_sizes()
    civilians = row("civilians_in_city") + row("civilians_surrounding_towns")
    assert sum(sizes[g] for g in CIVILIANS) == civilians
    assert sizes["troops"] == row("troops_and_sailors")
    assert scenario.population.initial == civilians + row("troops_and_sailors")


def test_the_sum_over_groups_is_the_population_on_every_tick(run):
    """People by group (deaths, evacuation) add up to the population of every tick, and each
    group's people change only by what its table says left, arrived or died."""
    assert_population_identity(run)
    assert_stock_ledger(run)
    g = run.groups
    assert g["deaths"].sum() > 0 and g["left_in_vehicles"].sum() > 0  # both movements happen
    assert g.loc[g["group"] == "troops", "left_in_vehicles"].sum() == 0  # troops stay


# --- stocks ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("commodity", "days_row"), [
    ("flour", "flour_grain_days"), ("cereals", "buckwheat_macaroni_days"),
    ("meat", "meat_days@1941-09-12"), ("fats", "fat_days"), ("sugar", "sugar_candies_days"),
])  # fmt: skip
def test_initial_stocks_are_the_12_september_inventory_at_its_ration(scenario, commodity,
                                                                    days_row):  # fmt: skip
    """Each stock is the inventory's days at the ration of 12 Sept (the model's own draw on
    that day), plus the 4 days of 8-11 Sept at the ration of 2 Sept."""
    expected = row(days_row) * draw(scenario, commodity, day(scenario, dt.date(1941, 9, 12)))
    expected += 4 * draw(scenario, commodity, 0)
    assert scenario.commodities[commodity].initial_stock == pytest.approx(expected, abs=1.0)


@pytest.mark.parametrize(("name", "days_rows"), [
    ("stock_6_september", {"flour": "flour_days@1941-09-06", "cereals": "cereals_days@1941-09-06",
                           "meat": "meat_days@1941-09-06", "fats": "fats_days@1941-09-06",
                           "sugar": "sugar_days"}),
    ("stock_8_10_september", {"flour": "flour_days@1941-09-10", "cereals": "cereals_days@1941-09-10",
                              "meat": "meat_fish_days", "fats": "fats_days@1941-09-10",
                              "sugar": "sugar_days"}),
])  # fmt: skip
def test_the_other_inventories_are_converted_at_the_ration_of_2_september(scenario, name,
                                                                         days_rows):  # fmt: skip
    """The sensitivity sets hold the 6 Sept inventory (less its 2 days to 8 Sept) and the
    post-fire count, each at the draw of the ration then in force."""
    config, _ = load_scenario_set(SENSITIVITIES)
    overrides = config.scenarios[name].overrides
    for commodity, days_row in days_rows.items():
        days = row(days_row) - (2 if name == "stock_6_september" else 0)
        if name == "stock_8_10_september" and commodity == "sugar":
            days = row(days_row) - 2  # the 6 Sept sugar, taken to 8 Sept
        expected = days * draw(scenario, commodity, 0)
        assert overrides[f"commodities.{commodity}.initial_stock"] == pytest.approx(
            expected, abs=1.0
        )


# --- rations ---------------------------------------------------------------------------------
BREAD = {  # first day, the rows of its bread ration by group
    dt.date(1941, 9, 8): "1941-09-02", dt.date(1941, 9, 12): "1941-09-12",
    dt.date(1941, 10, 1): "1941-10-01", dt.date(1941, 11, 20): "1941-11-20",
    dt.date(1941, 12, 25): "1941-12-25", dt.date(1942, 1, 24): "1942-01-24",
}  # fmt: skip


def kcal_by_group(result, commodities: list[str]) -> pd.DataFrame:
    """kcal per person per day each group ate of ``commodities`` (date x group)."""
    uses = result.uses[result.uses["commodity"].isin(commodities)].copy()
    kcal = uses["commodity"].map({c: result.scenario.commodities[c].kcal_per_unit
                                  for c in commodities})  # fmt: skip
    uses["kcal"] = uses["consumed"] * kcal
    eaten = uses.groupby(["date", "group"])["kcal"].sum()
    people = result.groups.set_index(["date", "group"])["people"]
    return (eaten / people.loc[eaten.index]).unstack()


def test_each_groups_bread_ration_gives_its_bread_energy(fed):
    """With stocks that never run out, each civilian group eats, as flour, the energy of its
    dated bread ration: grams of the row x 2,610 kcal/kg, on every day of the ration."""
    kcal = kcal_by_group(fed, ["flour"])
    firsts = [*BREAD, fed.scenario.end]
    for first, after in itertools.pairwise(firsts):
        days = kcal.loc[pd.Timestamp(first) : pd.Timestamp(after) - pd.Timedelta(days=1)]
        if first == dt.date(1941, 10, 1):  # 13 Nov: the 150 g ration, checked below
            days = days.loc[: pd.Timestamp("1941-11-12")]
        for group in CIVILIANS:
            grams = row(f"bread_ration_{group}@{BREAD[first]}")
            np.testing.assert_allclose(days[group], grams * BREAD_KCAL_PER_G, rtol=1e-4,
                                       err_msg=f"{group} from {first}")  # fmt: skip
    cut = kcal.loc[pd.Timestamp("1941-11-13") : pd.Timestamp("1941-11-19")]
    for group in ("office", "dependants", "children"):
        np.testing.assert_allclose(cut[group], row("bread_ration_lowest_category")
                                   * BREAD_KCAL_PER_G, rtol=1e-4)  # fmt: skip


def test_the_ration_of_20_november_gives_its_nominal_food_energy(fed):
    """Bread, fats, meat, cereals and sugar of the 20 Nov ration give each group the nominal
    energy of the rows (workers 1,087, office 581, dependants 466, children 684 kcal)."""
    kcal = kcal_by_group(fed, ["flour", "cereals", "meat", "fats", "sugar"])
    period = kcal.loc[pd.Timestamp("1941-11-20") : pd.Timestamp("1941-12-24")]
    assert len(period) == 35
    for group in CIVILIANS:
        np.testing.assert_allclose(period[group], row(f"ration_kcal_{group}"), atol=0.5,
                                   err_msg=group)  # fmt: skip


def test_rations_are_served_while_flour_lasts(run):
    """In the case as configured, on every day the flour stock is not empty at the end of the
    day, each civilian group gets its bread ration in full; on days it is empty, less."""
    flour = run.stocks[run.stocks["commodity"] == "flour"].set_index("date")
    kcal = kcal_by_group(run, ["flour"])
    plenty = ls.load_scenario(CONFIG, overrides={"commodities.flour.initial_stock": FED})
    rationed = kcal_by_group(ls.simulate(plenty, seed=run.seed), ["flour"])
    lasts = flour["stock"] > 1e-6
    assert lasts.any() and (~lasts).any()
    for group in CIVILIANS:
        np.testing.assert_allclose(kcal.loc[lasts, group], rationed.loc[lasts, group], rtol=1e-9)
        assert (kcal.loc[~lasts, group] < rationed.loc[~lasts, group] + 1e-9).all()


def test_health_requirement_is_each_groups_food_need(run):
    """The health model keeps the weight of a group fed its need: its requirement on day 0 is
    the group's need factor x the 2,100 kcal of the full basket ([standards:1])."""
    h = run.health[run.health["date"] == run.health["date"].min()].set_index("group")
    for group, g in run.scenario.population.groups.items():
        factor = g.need_factors.get("flour", 1.0)
        assert h.loc[group, "requirement_kcal_per_person_day"] == pytest.approx(
            2100 * factor, rel=1e-4
        )


# --- deliveries and evacuation -----------------------------------------------------------------
def open_share(scenario, date: dt.date) -> float:
    """Expected share of a day the lake route is open under its random closures: closures at
    rate x month factor per open day, of mean length E[d]: 1 / (1 + rate x factor x E[d])."""
    rc = scenario.corridors["ladoga"].random_closures
    mean = rc.duration_days.median * math.exp(rc.duration_days.sigma**2 / 2)
    return 1.0 / (1.0 + rc.rate_per_day * rc.monthly_rate_factors[date.month - 1] * mean)


def expected(scenario, source: str, first: dt.date, end: dt.date, commodity: str | None = None
             ) -> float:  # fmt: skip
    """Expected tonnes (or people) a flow brings over [first, end): its step rate on each day
    x the day's expected open share (the air route has no closures) x its cargo share."""
    src = scenario.convoys[source]
    total, d = 0.0, first
    while d < end:
        rates = [r for r in src.rates if r.date <= d]
        live = rates and d < (src.active_until or scenario.end) and d >= (src.active_from or d)
        if live:
            share = open_share(scenario, d) if src.corridor == "ladoga" else 1.0
            total += rates[-1].per_day * share
        d += dt.timedelta(days=1)
    return total * (src.cargo.get(commodity, 0.0) if commodity else 1.0)


def test_the_configured_flows_bring_the_known_tonnages(scenario):
    """Rate x expected open share, summed over each period, is the delivered total of the
    rows: by route 8 Sept - 1 Jan, by commodity, day by day on the ice in November, by month
    in 1942, and 500,000 people evacuated."""
    s, d = scenario, dt.date
    assert expected(s, "water", d(1941, 9, 12), d(1941, 11, 16)) == pytest.approx(25228, rel=1e-4)
    assert expected(s, "air", d(1941, 9, 8), d(1942, 1, 1)) == pytest.approx(5182, rel=1e-4)
    ice = expected(s, "ice_november", d(1941, 11, 20), d(1941, 12, 1)) + expected(
        s, "ice_december", d(1941, 12, 1), d(1942, 1, 1)
    )
    assert ice == pytest.approx(15265, rel=1e-4)
    assert row("food_tons_total") == 25228 + 5182 + 15265  # the route columns of the row
    for date in pd.date_range("1941-11-23", "1941-11-30").date:
        got = expected(s, "ice_november", date, date + dt.timedelta(days=1))
        assert got == pytest.approx(row(f"ice_road_food_tons@{date}"), rel=1e-3)
    by_row = {"flour": "grain_flour_tons", "cereals": "cereals_tons", "meat": "meat_tons",
              "fats": "fats_cheese_tons", "condensed_milk": "condensed_milk_tons",
              "egg_powder_chocolate": "egg_powder_chocolate_tons"}  # fmt: skip
    for commodity, row_id in by_row.items():
        total = sum(expected(s, src, d(1941, 9, 8), d(1942, 1, 1), commodity)
                    for src in ("water", "air", "ice_november", "ice_december"))  # fmt: skip
        assert total == pytest.approx(row(row_id), rel=2e-4), commodity
    months = [(d(1942, 1, 1), d(1942, 2, 1), row("ice_road_cargo_tons@1942-01-31")),
              (d(1942, 2, 1), d(1942, 3, 1), row("ice_road_cargo_tons@1942-02-28")),
              (d(1942, 3, 1), d(1942, 4, 1), row("ice_road_cargo_tons@1942-03-31"))]  # fmt: skip
    april = row("ice_road_cargo_total") - 15265 - sum(m[2] for m in months)
    for first, end, tonnes in [*months, (d(1942, 4, 1), d(1942, 4, 25), april)]:
        assert expected(s, "ice_1942", first, end) == pytest.approx(tonnes, rel=1e-4)
    people = sum(expected(s, f"evacuation_{g}", d(1942, 1, 1), d(1942, 5, 1)) for g in CIVILIANS)
    assert people == pytest.approx(row("evacuated_early_1942"), rel=1e-4)


def open_days(run, regime: str) -> pd.Series:
    """Days (0..1) of each tick the lake corridor was in ``regime``, from the regimes table."""
    dates = pd.DatetimeIndex(run.stocks["date"].unique())
    out = pd.Series(0.0, index=dates)
    for r in run.regimes[(run.regimes["corridor"] == "ladoga") & (run.regimes["regime"] == regime)
                         ].itertuples():  # fmt: skip
        for t in dates[(dates + pd.Timedelta(days=1) > r.start) & (dates < r.end)]:
            overlap = min(t + pd.Timedelta(days=1), r.end) - max(t, r.start)
            out[t] += overlap / pd.Timedelta(days=1)
    return out


def test_each_flow_delivers_its_rate_for_the_time_the_route_was_open(run):
    """Tick by tick, a flow over the lake brings its rate x the time its regime held (random
    closures included): the deliveries are the configured schedule, exactly."""
    s, flows = run.scenario, run.flows
    regime = {"water": "water", "ice_november": "ice", "ice_december": "ice", "ice_1942": "ice"}
    for source, name in regime.items():
        src = s.convoys[source]
        got = flows[flows["source"] == source].set_index("date")["tonnes"]
        share = open_days(run, name).loc[got.index]
        rate = [next((r.per_day for r in reversed(src.rates) if r.date <= t.date()), 0.0)
                if t.date() < (src.active_until or s.end) else 0.0 for t in got.index]  # fmt: skip
        np.testing.assert_allclose(got.to_numpy(), np.asarray(rate) * share.to_numpy(),
                                   rtol=1e-9, atol=1e-9, err_msg=source)  # fmt: skip
    assert (run.regimes["cause"] == "random_closure").any()  # the check covers closures


def test_evacuation_needs_the_ice_road_open(run, scenario):
    """People leave only while the ice road is open (1 Jan - 24 Apr, and not during a random
    closure); with the road closed through February nobody leaves in February."""
    ice = open_days(run, "ice")
    flows = run.flows[run.flows["direction"] == "out"]
    left = flows.groupby("date")["people"].sum()
    assert (left[ice.loc[left.index] == 0] == 0).all()
    assert left.loc[: pd.Timestamp("1941-12-31")].sum() == 0
    assert left.loc[pd.Timestamp("1942-04-25") :].sum() == 0
    assert run.groups["left_in_vehicles"].sum() == pytest.approx(flows["people"].sum())
    timeline = [e.model_dump() for e in scenario.corridors["ladoga"].timeline]
    closed = [*timeline[:4], {"start": dt.date(1942, 2, 1), "regime": "closed"},
              {"start": dt.date(1942, 3, 1), "regime": "ice"}, timeline[4]]  # fmt: skip
    shut = ls.simulate(ls.load_scenario(CONFIG, overrides={"corridors.ladoga.timeline": closed}))
    out = shut.flows[shut.flows["direction"] == "out"].groupby("date")["people"].sum()
    assert out.loc[pd.Timestamp("1942-02-01") : pd.Timestamp("1942-02-28")].sum() == 0
    assert out.loc[pd.Timestamp("1942-03-01") :].sum() > 0


def test_every_sensitivity_set_validates():
    """The named override sets of the sensitivities file are valid scenarios; the ration-rule
    set has rules and no dated caps."""
    config, base = load_scenario_set(SENSITIVITIES)
    for name, named in config.scenarios.items():
        s = ls.load_scenario(base, overrides=named.overrides)
        assert s.name == "leningrad_1941_42", name
    rule = ls.load_scenario(base, overrides=config.scenarios["ration_rule"].overrides)
    assert not rule.rationing.caps and set(rule.rationing.rules) == set(FOODS[:5])


@pytest.mark.slow
def test_mean_deliveries_over_replications_are_the_known_totals(scenario):
    """Over 40 replications (random weather closures), the mean tonnage of each period is its
    known total within 3 standard errors (about 30 s)."""
    d = dt.date
    periods = {"water": (d(1941, 9, 12), d(1941, 11, 16), 25228),
               "ice_december": (d(1941, 12, 1), d(1942, 1, 1), 15265 - 851),
               "ice_1942": (d(1942, 1, 1), d(1942, 2, 1), row("ice_road_cargo_tons@1942-01-31"))}  # fmt: skip
    totals: dict[str, list[float]] = {k: [] for k in periods}
    for seed in spawn_seeds(0, 40):
        flows = ls.simulate(scenario, seed=seed).flows
        for source, (first, end, _) in periods.items():
            rows = flows[(flows["source"] == source) & (flows["date"] >= pd.Timestamp(first))
                         & (flows["date"] < pd.Timestamp(end))]  # fmt: skip
            totals[source].append(rows["tonnes"].sum())
    for source, (_, _, known) in periods.items():
        x = np.asarray(totals[source])
        assert x.std() > 0, source  # the closures do vary
        assert abs(x.mean() - known) < 3 * x.std(ddof=1) / math.sqrt(len(x)) + 1e-6 * known, source


# --- what we don't know: the [uncertainty] table -----------------------------------------------
DOCS = REPO / "docs" / "cases" / "leningrad_1941_42.md"
WEATHER = "corridors.ladoga.random_closures.rate_per_day"


def uncertain(scenario, path: str, option: int) -> dict[str, object]:
    """The overrides of one option of a choice input (its field and its linked fields)."""
    return dict(scenario.uncertainty[path].end_overrides(path)[option][1])


def at_option(scenario, path: str, option: int):
    """The case with one option of a choice input (the table dropped: no checks of its ends)."""
    return ls.load_scenario(CONFIG, overrides={**uncertain(scenario, path, option),
                                                "uncertainty": {}})  # fmt: skip


def test_the_uncertainty_table_validates(run_cli):
    """Every input names a field of the case and the case is valid at each end of every range
    (each option of every choice, with its linked fields)."""
    done = run_cli("validate", CONFIG)
    assert done.code == 0, done.err
    assert "31 uncertain inputs (valid at the ends of their ranges)" in done.out


def test_the_written_values_lie_inside_their_ranges(scenario):
    """Each number as written (a requirement: the group's food need, which the config leaves
    the health model to derive) lies in its input's range, and for each choice exactly one
    option with its linked values gives the scenario as written."""
    derived = {f"health.groups.{g}.requirement_kcal_per_person_day":
               2100 * scenario.population.groups[g].need_factors.get("flour", 1.0)
               for g in scenario.population.groups}  # fmt: skip
    assert uncertainty_checks.written_problems(CONFIG, derived) == []


def test_every_assumption_has_an_uncertain_input_or_a_reason(scenario):
    """The page's table maps each numbered assumption (1-23) and each disagreement of the
    sources to the inputs that vary it, or says why none does; every input is on it, and an
    input's note cites only assumptions it is mapped to."""
    text = DOCS.read_text(encoding="utf-8")
    numbered = text.split("## The assumptions")[1].split("\n## ")[0]
    labels = set(re.findall(r"^(\d+)\. \*\*", numbered, flags=re.MULTILINE))
    assert len(labels) == 23
    mapping = uncertainty_checks.page_mapping(text)
    assert uncertainty_checks.mapping_problems(scenario, labels, mapping) == []
    assert {k for k in mapping if k.startswith("D")} >= {"D1", "D2", "D3", "D4"}


@pytest.mark.parametrize("option", range(6))
def test_each_delivery_option_keeps_the_known_totals(scenario, option):
    """Options 0-2 read the route columns as water / air / ice, 3-5 with air and ice swapped,
    each with no weather closures, the written ones and twice as many: the linked rates are the
    config's arithmetic, and in expectation every flow still brings its known total."""
    rate, swapped = (0.0, 0.05, 0.1)[option % 3], option >= 3
    assert uncertain(scenario, WEATHER, option) == {WEATHER: rate,
                                                    **delivery_rates(scenario, rate, swapped)}  # fmt: skip
    s, d = at_option(scenario, WEATHER, option), dt.date
    water, air, ice = ROUTE_COLUMNS
    if swapped:
        air, ice = ice, air
    assert expected(s, "water", d(1941, 9, 12), d(1941, 11, 16)) == pytest.approx(water, rel=1e-4)
    assert expected(s, "air", d(1941, 9, 8), d(1942, 1, 1)) == pytest.approx(air, rel=1e-4)
    got = (expected(s, "ice_november", d(1941, 11, 20), d(1941, 12, 1))
           + expected(s, "ice_december", d(1941, 12, 1), d(1942, 1, 1)))  # fmt: skip
    assert got == pytest.approx(ice, rel=1e-4)
    for date in pd.date_range("1941-11-23", "1941-11-30").date:
        one = expected(s, "ice_november", date, date + dt.timedelta(days=1))
        assert one == pytest.approx(row(f"ice_road_food_tons@{date}"), rel=1e-3)
    cargo = expected(s, "ice_1942", d(1942, 1, 1), d(1942, 4, 25))
    assert cargo == pytest.approx(row("ice_road_cargo_total") - 15265, rel=1e-4)


def test_the_stock_options_are_the_three_inventories_at_two_conversions(scenario):
    """The flour-stock input: the 12 Sept, 6 Sept and post-fire inventories converted at the
    model's draw, with bread as flour by energy (0-2, the written caps) or at the October ratio
    (3-5, every bread cap but the two that are inputs of their own scaled by 0.91575 / 0.74571)."""
    path = "commodities.flour.initial_stock"
    october = at_option(scenario, path, 3)
    ratio = (row("flour_daily_limit_total@1941-10-31") / row("bread_baked_per_day")) / 0.74571
    for option, inventory in enumerate(["12 Sept", "6 Sept", "8-10 Sept"] * 2):
        o = uncertain(scenario, path, option)
        converted = inventory_stocks(scenario if option < 3 else october, inventory)
        for commodity, tonnes in converted.items():
            assert o[f"commodities.{commodity}.initial_stock"] == pytest.approx(tonnes, abs=1.0)
        for k in (k for k in range(28) if k != 12):
            cap = o[f"rationing.caps.{k}.amount_per_person_day"]
            written = scenario.rationing.caps[k].amount_per_person_day
            assert cap == pytest.approx(written * (ratio if option >= 3 else 1.0), rel=2e-4), k


def test_the_other_linked_inputs_keep_their_totals(scenario):
    """Category shares keep the 2,803,000 civilians, the rest in the written 17 : 29 : 20;
    both evacuation options send 4,647.1 people a day; every basket option is 2,100 kcal."""
    shares = "population.groups.workers.initial"
    for k, workers in enumerate((0.25, 0.34, 0.45)):
        o = uncertain(scenario, shares, k)
        people = {g: o[f"population.groups.{g}.initial"] for g in CIVILIANS}
        assert sum(people.values()) == row("civilians_in_city") + row("civilians_surrounding_towns")
        assert people["workers"] / 2803000 == pytest.approx(workers, abs=1e-6)
        assert people["office"] / people["children"] == pytest.approx(17 / 20, rel=1e-5)
        assert people["dependants"] / people["children"] == pytest.approx(29 / 20, rel=1e-5)
    evacuation = "convoys.evacuation_workers.rates.0.per_day"
    for k in range(2):
        o = uncertain(scenario, evacuation, k)
        assert sum(o[f"convoys.evacuation_{g}.rates.0.per_day"] for g in CIVILIANS) == (
            pytest.approx(4647.1, abs=0.02))  # fmt: skip
    basket = "commodities.condensed_milk.need_per_person_day"
    for k in range(3):
        s = at_option(scenario, basket, k)
        kcal = sum(s.commodities[c].need_per_person_day * s.commodities[c].kcal_per_unit
                   for c in FOODS)  # fmt: skip
        assert kcal == pytest.approx(2100, abs=0.05), k
