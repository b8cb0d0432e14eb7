"""Times to an event over many runs: a run that never fell short is censored (short, if ever,
after the horizon), never dropped. One rule (lachin_sim.outputs.censoring) everywhere such a
metric is aggregated: SweepResult.by_point, the heatmap, the comparison table and its text."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lachin_sim.cli import format_comparison
from lachin_sim.outputs.censoring import censored_stats, event_days, is_time_to_event
from lachin_sim.studies.scenarios import comparison_table
from lachin_sim.studies.sweep import SweepResult

FIRST = "days_to_first_shortage:food"
HORIZON_DAYS = 304  # n_dates x tick_days of the hand-made sweeps below


def hand_made_sweep(first_short: dict[tuple[float, float], list[float]]) -> SweepResult:
    """A finished two-parameter grid sweep whose runs have the given days to first shortage
    (NaN = never short), keyed by (trucks, denial)."""
    points = list(first_short)
    design = pd.DataFrame({"point_id": range(len(points)), "trucks": [p[0] for p in points],
                           "denial": [p[1] for p in points]})  # fmt: skip
    rows = []
    for pid, key in enumerate(points):
        for rep, day in enumerate(first_short[key]):
            rows.append({"run_id": len(rows), "point_id": pid, "replication": rep, "seed": rep,
                         "trucks": key[0], "denial": key[1], "status": "ok", "error": "",
                         FIRST: day, "share_met:food": 0.9})  # fmt: skip
    spec = {"parameters": ["trucks", "denial"], "replications": len(first_short[points[0]]),
            "design": {"kind": "grid"}, "n_dates": HORIZON_DAYS, "tick_days": 1.0,
            "start": "2022-12-01", "commodities": ["food"]}  # fmt: skip
    bands = pd.DataFrame(columns=["point_id", "series", "commodity", "date"])
    return SweepResult(runs=pd.DataFrame(rows), bands=bands, design=design, spec=spec)


NEVER = float("nan")


@pytest.fixture
def nineteen_never() -> SweepResult:
    """Point (1, 0): 19 of 20 runs never short, one short on day 299; point (2, 0): never short
    at all; the other two points short on days 10..29."""
    return hand_made_sweep({
        (1.0, 0.0): [NEVER] * 19 + [299.0],
        (2.0, 0.0): [NEVER] * 20,
        (1.0, 0.5): [float(d) for d in range(10, 30)],
        (2.0, 0.5): [float(d) for d in range(10, 30)],
    })  # fmt: skip


def test_by_point_counts_never_short_runs_at_or_after_the_horizon(nineteen_never):
    """The point where 19 of 20 runs were never short has a censored median (inf, i.e. not
    before the horizon), not 299; a point never short at all keeps its row; each row counts
    the runs that did go short."""
    table = nineteen_never.by_point(FIRST).set_index(["trucks", "denial"])
    assert math.isinf(table.loc[(1.0, 0.0), FIRST])
    assert table.loc[(1.0, 0.0), "runs_reached"] == 1
    assert table.loc[(1.0, 0.0), "runs"] == 20
    assert math.isinf(table.loc[(2.0, 0.0), FIRST])
    assert table.loc[(2.0, 0.0), "runs_reached"] == 0
    assert table.loc[(1.0, 0.5), FIRST] == 19.0  # order statistic: the 10th of 10..29
    assert nineteen_never.horizon_days == HORIZON_DAYS


def test_by_point_refuses_a_mean_of_a_censored_metric(nineteen_never):
    """A mean over runs some of which never reached the event is undefined: refused, saying why."""
    with pytest.raises(ValueError, match="time to an event"):
        nineteen_never.by_point(FIRST, "mean")
    assert nineteen_never.by_point("share_met:food", "mean")[
        "share_met:food"
    ].to_numpy() == pytest.approx(0.9)


def test_heatmap_keeps_the_never_short_column_and_labels_it(nineteen_never):
    """Every cell of the heatmap is coloured (a never-short cell at the horizon, not blank), and
    its text says '>=304' and how many runs went short."""
    from lachin_sim.outputs.plots import heatmap

    fig = heatmap(nineteen_never, FIRST)
    image = fig.axes[0].images[0]
    cells = np.ma.masked_invalid(image.get_array())
    assert cells.count() == 4, "a cell vanished"
    assert cells.max() == HORIZON_DAYS
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert ">=304\n1/20 short" in texts
    assert ">=304\n0/20 short" in texts
    assert "19\n20/20 short" in texts
    assert image.norm.vmin == 0 and image.norm.vmax == HORIZON_DAYS


def test_comparison_table_and_its_text_follow_the_same_rule():
    """The comparison table's median is inf where most runs were never short, and the printed
    comparison shows it as '>=horizon' with the count of runs short."""
    runs = pd.DataFrame({
        "scenario": ["a"] * 4, "status": ["ok"] * 4,
        FIRST: [10.0, NEVER, NEVER, NEVER],
        "shortage_days:food": [1.0, 0.0, 0.0, 0.0],
        "share_met:food": [0.9, 1.0, 1.0, 1.0],
    })  # fmt: skip
    table = comparison_table(runs, ["food"])
    by = table.set_index("metric")
    assert math.isinf(by.loc["days_to_first_shortage", "median"])
    text = format_comparison(table, horizon=HORIZON_DAYS)
    assert ">=304" in text and "1/4 short" in text


@given(st.lists(st.one_of(st.floats(0, 300), st.just(NEVER)), min_size=1, max_size=40))
def test_censored_quantiles_never_fall_below_those_of_the_runs_that_went_short(values):
    """Counting never-short runs as after the horizon can only raise an order statistic; the
    median is censored (inf) exactly when at least half the runs never went short."""
    stats = censored_stats(values, horizon=HORIZON_DAYS)
    finite = [v for v in values if not math.isnan(v)]
    assert stats.reached == len(finite) and stats.runs == len(values)
    if finite:
        assert stats.median >= np.quantile(finite, 0.5, method="inverted_cdf")
    assert math.isinf(stats.median) == (len(values) - len(finite) >= (len(values) + 1) / 2)
    assert np.isinf(event_days(values)).sum() == len(values) - len(finite)


def test_the_time_to_event_metrics_are_the_summary_milestones():
    """Every days_to_* metric of a run's summary is treated as a time to an event."""
    from lachin_sim.outputs.metrics import COMMODITY_METRICS

    days = [m for m in COMMODITY_METRICS if m.startswith("days_to_")]
    assert days and all(is_time_to_event(f"{m}:food") for m in days)
    assert not is_time_to_event("shortage_days:food")


def test_by_point_takes_a_quantile_of_an_ordinary_metric():
    """``by_point(metric, q)`` with a number is that quantile over replications, as it is for a
    time to an event (it raised before: pandas' agg does not take a number)."""
    sweep = hand_made_sweep({(1.0, 0.0): [10.0] * 4, (2.0, 0.0): [11.0] * 4})
    sweep.runs["share_met:food"] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
    table = sweep.by_point("share_met:food", 0.5).set_index("trucks")
    assert table.loc[1.0, "share_met:food"] == pytest.approx(0.25)
    assert table.loc[2.0, "share_met:food"] == pytest.approx(0.65)
    assert (
        sweep.by_point("share_met:food", 1.0).set_index("trucks").loc[2.0, "share_met:food"] == 0.8
    )
