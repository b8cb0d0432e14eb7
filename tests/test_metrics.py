"""Shortage episodes, severity and the summary are consistent with the stock table.

``metrics.shortage_episodes`` and ``metrics.summarize`` are pure functions of a stock table, so
they are checked on hand-made tables (any share-met sequence, any severity bands) and on tables
from random simulated runs.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_strategies import scenario_dicts

import lachin_sim as ls
from lachin_sim.config.validation import validate_scenario
from lachin_sim.outputs import metrics

START = dt.date(2023, 1, 1)
TOL = metrics.SHORT_TOLERANCE


def expected_band(worst: float, bands) -> str:
    """The band with the highest minimum that the worst share met reaches."""
    reached = [b for b in bands if worst >= b.min_share_met]
    return max(reached, key=lambda b: b.min_share_met).name


def check_episodes(stocks: pd.DataFrame, scenario) -> None:
    """Every property linking the episodes and the summary to the stock table."""
    episodes = metrics.shortage_episodes(stocks, scenario)
    no_trucks = pd.DataFrame({"operator": [], "outcome": [], "payload_t": []})
    summary = metrics.summarize(stocks, no_trucks, scenario)
    tick = pd.Timedelta(days=scenario.tick_days)
    start = pd.Timestamp(scenario.start)
    for name in scenario.commodities:
        rows = stocks[stocks["commodity"] == name].sort_values("date")
        short = (rows["share_met"] < 1 - TOL).to_numpy()
        mine = episodes[episodes["commodity"] == name].sort_values("start")
        # the episodes cover exactly the short ticks
        covered = np.zeros(len(rows), bool)
        dates = rows["date"].to_numpy()
        for ep in mine.itertuples():
            inside = (dates >= np.datetime64(ep.start)) & (dates < np.datetime64(ep.end))
            assert short[inside].all(), "an episode contains a tick that is not short"
            assert not (covered & inside).any(), "episodes overlap"
            covered |= inside
            assert ep.days == pytest.approx(inside.sum() * scenario.tick_days)
            assert ep.end - ep.start == inside.sum() * tick
            share = rows["share_met"].to_numpy()[inside]
            assert ep.worst_share_met == share.min()
            assert ep.mean_share_met == pytest.approx(share.mean())
            assert ep.unmet == pytest.approx(rows["unmet"].to_numpy()[inside].sum())
            assert ep.severity == expected_band(ep.worst_share_met, scenario.severity_bands)
            assert ep.ongoing == bool(inside[-1])
        np.testing.assert_array_equal(covered, short)
        # consecutive episodes are separated by at least one tick that is not short
        gaps = mine["start"].to_numpy()[1:] - mine["end"].to_numpy()[:-1]
        assert (gaps >= np.timedelta64(tick)).all()
        if not rows["need"].to_numpy().any():
            assert f"shortage_days:{name}" not in summary
            continue
        assert summary[f"shortage_days:{name}"] == pytest.approx(mine["days"].sum())
        first = summary[f"days_to_first_shortage:{name}"]
        if mine.empty:
            assert np.isnan(first)
        else:
            assert first == (mine["start"].iloc[0] - start) / pd.Timedelta(days=1)
        assert summary[f"min_share_met:{name}"] == rows["share_met"].min()
        assert summary[f"share_met:{name}"] == pytest.approx(
            rows["consumed"].sum() / rows["need"].sum()
        )
        assert summary[f"unmet:{name}"] == pytest.approx(rows["unmet"].sum())


def stock_table(shares: dict[str, list[float]], tick_days: float) -> pd.DataFrame:
    """A stock table with the given share met per tick (need 2 a tick, consumed = share x 2)."""
    frames = []
    for name, share in shares.items():
        n = len(share)
        need = np.full(n, 2.0)
        consumed = need * np.asarray(share)
        frames.append(
            pd.DataFrame(
                {
                    "date": pd.Timestamp(START)
                    + pd.to_timedelta(np.arange(n) * tick_days, unit="D"),
                    "commodity": name,
                    "population": 100.0,
                    "stock": 0.0,
                    "need": need,
                    "consumed": consumed,
                    "unmet": need - consumed,
                    "days_of_supply": 0.0,
                }
            )
        )
    stocks = pd.concat(frames, ignore_index=True)
    stocks["share_met"] = metrics.share_met(stocks)
    return stocks


share_values = st.one_of(st.just(1.0), st.just(0.0), st.floats(0, 1), st.floats(0.999, 1))
band_names = ["mild", "stress", "severe", "extreme", "famine"]


@st.composite
def bands(draw):
    """Severity bands with distinct minimums, one of them 0 (as validation requires)."""
    mins = draw(st.lists(st.floats(0.01, 0.99), unique=True, max_size=4))
    names = draw(st.permutations(band_names))
    return [{"name": n, "min_share_met": m} for n, m in zip(names, [0.0, *mins], strict=False)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shares=st.lists(share_values, min_size=1, max_size=30),
    other=st.lists(share_values, min_size=1, max_size=30),
    tick_days=st.sampled_from([1.0, 0.5, 2.0]),
    severity=bands(),
)
def test_episodes_and_summary_match_a_hand_made_stock_table(
    make_scenario, shares, other, tick_days, severity
):
    """Episodes cover exactly the short ticks, split at non-short ticks, with the right stats."""
    n = max(len(shares), len(other))
    while (n * tick_days) % 1:  # tick_days must divide the scenario: pad with full supply
        n += 1
    shares = shares + [1.0] * (n - len(shares))
    other = other + [1.0] * (n - len(other))
    scenario = make_scenario(
        end=START + dt.timedelta(days=int(n * tick_days)),
        tick_days=tick_days,
        commodities={
            "food": {"unit": "t", "need_per_person_day": 0.01},
            "fuel": {"unit": "t", "need_per_person_day": 0.01},
        },
        severity_bands=severity,
        convoys={},
    )
    check_episodes(stock_table({"food": shares, "fuel": other}, tick_days), scenario)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=scenario_dicts())
def test_episodes_and_summary_match_simulated_stock_tables(raw):
    """The result's own shortage table and summary agree with its stock table."""
    result = ls.simulate(validate_scenario(raw))
    check_episodes(result.stocks, result.scenario)
    pd.testing.assert_frame_equal(
        result.shortages, metrics.shortage_episodes(result.stocks, result.scenario)
    )


def test_two_episodes_split_by_one_good_tick(make_scenario):
    """1, 0.8, 0.4, 1, 0.6, 1 gives two episodes: [day 1, day 3) severe, [day 4, day 5) stress."""
    scenario = make_scenario(end=START + dt.timedelta(days=6), convoys={})
    stocks = stock_table({"food": [1, 0.8, 0.4, 1, 0.6, 1], "fuel": [1] * 6}, 1.0)
    ep = metrics.shortage_episodes(stocks, scenario)
    assert ep["commodity"].tolist() == ["food", "food"]
    assert ep["start"].tolist() == [pd.Timestamp("2023-01-02"), pd.Timestamp("2023-01-05")]
    assert ep["end"].tolist() == [pd.Timestamp("2023-01-04"), pd.Timestamp("2023-01-06")]
    assert ep["days"].tolist() == [2.0, 1.0]
    assert ep["worst_share_met"].tolist() == pytest.approx([0.4, 0.6])
    assert ep["severity"].tolist() == ["extreme", "severe"]  # default bands: 0.75, 0.5, 0
    assert ep["ongoing"].tolist() == [False, False]


def test_share_met_is_one_where_nothing_is_needed():
    """A tick with no need counts as fully met, never as short."""
    stocks = pd.DataFrame({"need": [0.0, 2.0], "consumed": [0.0, 1.0]})
    assert metrics.share_met(stocks).tolist() == [1.0, 0.5]


@pytest.mark.parametrize(
    ("worst", "band"),
    [
        (0.9, "stress"),
        (0.75, "stress"),
        (0.7499, "severe"),
        (0.5, "severe"),
        (0.2, "extreme"),
        (0.0, "extreme"),
    ],
)
def test_severity_bands_boundaries(make_scenario, worst, band):
    """A band's minimum belongs to it: 0.75 is stress, just below is severe."""
    assert metrics.severity_of(worst, make_scenario().severity_bands) == band


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["food", "fuel", "medicine", "gas"]),
                               st.integers(0, 6)), max_size=40))  # fmt: skip
def test_by_commodity_lists_each_commoditys_rows_in_date_order(rows):
    """Each commodity in order of first appearance, with the positions of exactly its rows,
    in date order (rows of one date in table order), as a filter per commodity gives."""
    from lachin_sim.outputs.metrics import by_commodity

    stocks = pd.DataFrame(rows, columns=["commodity", "date"])
    got = by_commodity(stocks)
    assert [name for name, _ in got] == list(dict.fromkeys(stocks["commodity"]))
    for name, positions in got:
        mine = stocks.index[stocks["commodity"] == name].to_numpy()
        want = mine[np.argsort(stocks["date"].to_numpy()[mine], kind="stable")]
        assert positions.tolist() == want.tolist()
