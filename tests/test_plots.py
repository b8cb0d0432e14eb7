"""Figures a reader understands without the code: what each one must show, checked on the
figure's own artists (texts, images, meshes, lines), not on pixels."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import subprocess
import sys

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from matplotlib.backends.backend_agg import FigureCanvasAgg

import lachin_sim as ls
from lachin_sim.outputs.metrics import ration_limited
from lachin_sim.outputs.plots.common import OKABE_ITO
from lachin_sim.studies.sweep import SweepResult

D0 = dt.date(2023, 1, 1)


@pytest.fixture(scope="module")
def blockade(configs_dir):
    scenario = ls.load_scenario(configs_dir / "blockade_2023.toml",
                                overrides=["regimes.checkpoint.denial_probability=0.3"])  # fmt: skip
    return ls.simulate(scenario, seed=1)


@pytest.fixture
def rationed(make_scenario):
    """Food: 5 t for a need of 1 t/day and no trucks; a ration of 50 % for 4 days, then 25 % for
    2 days; then full rations until the stock is gone. Daily share met: 0.5 x4, 0.25 x2, 1, 1,
    0.5, then 0."""
    s = make_scenario(
        commodities={"food": {"unit": "t", "initial_stock": 5.0, "need_per_person_day": 0.001}},
        convoys={},
        rationing={"caps": [
            {"commodity": "food", "start": D0, "end": D0 + dt.timedelta(days=4), "ration": 0.5},
            {"commodity": "food", "start": D0 + dt.timedelta(days=4),
             "end": D0 + dt.timedelta(days=6), "ration": 0.25},
        ]},
    )  # fmt: skip
    return ls.simulate(s, seed=1)


def drawn(fig):
    FigureCanvasAgg(fig).draw()
    return fig


def by_gid(fig, gid: str):
    return [a for ax in fig.axes for a in ax.get_children() if a.get_gid() == gid]


# --- the shortage timeline ---------------------------------------------------------------------
def test_timeline_colours_each_day_by_its_own_share_met(rationed):
    """The food lane holds each day's share met (masked where full need was met), not the
    episode's worst day: 50 % and 25 % days of one episode get different colours."""
    fig = ls.plot.shortage_timeline(rationed)
    (mesh,) = by_gid(fig, "share:food")
    values = np.ma.ravel(mesh.get_array())
    share = rationed.stocks.loc[rationed.stocks["commodity"] == "food", "share_met"].to_numpy()
    np.testing.assert_allclose(values.filled(np.nan)[:6], [0.5] * 4 + [0.25] * 2)
    assert values.mask[6] and values.mask[7], "full-need days are not coloured"
    short = share < 1 - 1e-9
    np.testing.assert_allclose(values.compressed(), share[short])
    assert mesh.norm.vmin == 0 and mesh.norm.vmax == 1


def test_ration_limited_days_are_the_days_the_ration_bound_held(rationed):
    """A day is ration-limited when consumption reached ration x need < need while stock was
    left: the six capped days, not the days the stock was empty."""
    food = rationed.stocks[rationed.stocks["commodity"] == "food"]
    limited = ration_limited(food).to_numpy()
    assert limited.tolist() == [True] * 6 + [False] * (len(food) - 6)


def test_timeline_marks_the_ration_limited_days(rationed):
    """The thin mark under the food lane covers exactly the ration-limited days."""
    fig = ls.plot.shortage_timeline(rationed)
    (bars,) = by_gid(fig, "ration:food")
    (span,) = [path.get_extents() for path in bars.get_paths()]
    assert span.x0 == pytest.approx(mdates.date2num(pd.Timestamp(D0)))
    assert span.width == pytest.approx(6.0)  # days


def test_timeline_legend_explains_the_colours_and_marks(blockade):
    """The colour bar carries the severity bands; the legend says what white and the mark mean."""
    fig = ls.plot.shortage_timeline(blockade)
    texts = {t.get_text() for ax in fig.axes for t in ax.texts}
    assert {"stress", "severe", "extreme"} <= texts
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("ration-limited" in label for label in labels)
    assert any("full need met" in label for label in labels)


# --- the depletion plot --------------------------------------------------------------------------
def overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def mark_label_boxes(fig):
    fig = drawn(fig)
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in by_gid(fig, "mark-label")]


def test_depletion_mark_labels_never_overprint(blockade):
    """No two labels of dated events overlap in the historical scenario's depletion plot."""
    boxes = mark_label_boxes(ls.plot.depletion(blockade))
    assert len(boxes) >= 10
    assert not [(a, b) for a, b in itertools.combinations(boxes, 2) if overlaps(a, b)]


def test_crowded_key_dates_get_rows_of_their_own(make_scenario):
    """Six key dates on consecutive days with long labels still do not overprint."""
    s = make_scenario(key_dates=[{"date": D0 + dt.timedelta(days=i),
                                  "label": f"a rather long label for event number {i}"}
                                 for i in range(1, 7)])  # fmt: skip
    boxes = mark_label_boxes(ls.plot.depletion(ls.simulate(s, seed=1)))
    assert len(boxes) == 6
    assert not [(a, b) for a, b in itertools.combinations(boxes, 2) if overlaps(a, b)]


def test_rations_per_person_by_group_are_marked_once_per_date(make_scenario):
    """Dated caps by amount per person and group (bread grams, as in the Leningrad case) have
    no single share of need: the depletion plot marks each date once, naming the commodities,
    and draws the ration in force (a share of need, from the stocks table) as one dashed line
    per rationed commodity (it used to fail formatting a missing share)."""
    day = D0 + dt.timedelta(days=3)
    caps = [{"commodity": c, "start": day, "amount_per_person_day": 0.0003}
            for c in ("food", "fuel")] + [{"commodity": "food", "start": day, "ration": 0.5,
                                          "end": D0 + dt.timedelta(days=6)}]  # fmt: skip
    result = ls.simulate(make_scenario(rationing={"caps": caps}), seed=1)
    fig = drawn(ls.plot.depletion(result))
    labels = [t.get_text().strip() for t in by_gid(fig, "mark-label")]
    assert labels.count("4 Jan: food, fuel rations per person") == 1
    assert "4 Jan: food ration 50%" in labels
    rationed = result.stocks.groupby("commodity")["ration"].min() < 0.999
    dashed = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert rationed.sum() >= 1
    assert len(dashed) == rationed.sum()


def test_depletion_axis_shows_the_year_of_its_first_month(blockade):
    """The first tick (December 2022) carries its year, and so does the first of 2023."""
    fig = drawn(ls.plot.depletion(blockade))
    labels = [t.get_text() for t in fig.axes[-1].get_xticklabels() if t.get_text()]
    assert labels[0] == "Dec\n2022"
    assert "Jan\n2023" in labels


def test_depletion_legend_speaks_of_days_and_announces_capped_lines(blockade):
    """No 'stock in t' on an axis in days; medicine, above the cap for most of the period,
    says so with its peak; the exodus and the ration decisions are marked."""
    fig = ls.plot.depletion(blockade)
    labels = [t.get_text() for ax in fig.axes if ax.get_legend()
              for t in ax.get_legend().get_texts()]  # fmt: skip
    assert not [label for label in labels if "stock in" in label]
    medicine = next(label for label in labels if label.startswith("medicine ("))
    assert "above 120 d" in medicine and "peak" in medicine
    marks = [t.get_text() for t in by_gid(drawn(fig), "mark-label")]
    assert any("exodus" in m and "people" in m for m in marks)
    first = blockade.decisions[blockade.decisions["commodity"] == "food"].iloc[0]
    assert any(f"food ration {first.ration:.0%} (rule)" in m for m in marks)
    assert any("ration decided" in label for label in labels)
    recorded = ls.simulate(
        ls.load_scenario(REPO / "configs" / "blockade_2023_recorded.toml"), seed=1
    )
    fig = ls.plot.depletion(recorded)
    marks = [t.get_text() for t in by_gid(drawn(fig), "mark-label")]
    assert any("food ration 47%" in m for m in marks)  # a dated cap


def test_overrides_are_recorded_in_metadata_and_figure_headers(run_cli, configs_dir, tmp_path):
    """`run --set` lists the override in metadata.json and in both figures' headers."""
    out = tmp_path / "r"
    done = run_cli("run", configs_dir / "baseline_open.toml", "--out", out,
                   "--set", "convoys.commercial.trucks_per_day=3")  # fmt: skip
    assert done.code == 0, done.err
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["overrides"] == ["convoys.commercial.trucks_per_day=3"]
    assert meta["source"].endswith("baseline_open.toml")
    result = ls.load_result(out)
    for build in (ls.plot.depletion, ls.plot.shortage_timeline):
        assert "convoys.commercial.trucks_per_day=3" in build(result)._suptitle.get_text()
    assert result.scenario.digest() == meta["config_sha256"]  # provenance is not config


def test_provenance_changes_neither_digest_nor_dict(configs_dir):
    """The same config read with and without a no-op override: same digest, same dict."""
    a = ls.load_scenario(configs_dir / "baseline_open.toml")
    b = ls.load_scenario(configs_dir / "baseline_open.toml", overrides=[f"seed={a.seed}"])
    assert b.provenance["overrides"] == [f"seed={a.seed}"]
    assert a.digest() == b.digest() and a.to_dict() == b.to_dict() and a == b


# --- sweeps and comparisons ----------------------------------------------------------------------
def sweep_of(values: dict[int, list[float]], metric: str, n_dates: int = 40) -> SweepResult:
    """A hand-made two-parameter grid sweep: ``metric`` per run, points keyed 0..3."""
    grid = [(a, b) for a in (1.0, 2.0) for b in (0.0, 0.5)]
    design = pd.DataFrame({"point_id": range(4), "x": [g[0] for g in grid],
                           "y": [g[1] for g in grid]})  # fmt: skip
    rows = [{"run_id": p * 10 + r, "point_id": p, "replication": r, "seed": r, "x": grid[p][0],
             "y": grid[p][1], "status": "ok", "error": "", metric: v,
             "days_to_first_shortage:food": np.nan}
            for p, vs in values.items() for r, v in enumerate(vs)]  # fmt: skip
    spec = {"parameters": ["x", "y"], "replications": len(values[0]), "design": {"kind": "grid"},
            "n_dates": n_dates, "tick_days": 1.0, "start": "2023-01-01", "commodities": ["food"]}  # fmt: skip
    return SweepResult(runs=pd.DataFrame(rows), bands=pd.DataFrame(), design=design, spec=spec)


def test_share_heatmap_colour_scale_is_the_whole_0_to_1_range():
    """Fuel shares of 0.149-0.153 are coloured on 0-1, so noise does not look like an effect."""
    sweep = sweep_of({p: [0.149 + 0.001 * p] * 3 for p in range(4)}, "share_met:fuel")
    image = ls.plot.heatmap(sweep, "share_met:fuel").axes[0].images[0]
    assert (image.norm.vmin, image.norm.vmax) == (0.0, 1.0)


def test_identical_points_are_drawn_once_and_the_figure_says_so():
    """Four points that never fall short give one probability line, and the title says so."""
    sweep = sweep_of({p: [1.0] * 5 for p in range(4)}, "share_met:food")
    fig = ls.plot.shortage_probability(sweep, "food")
    assert len(fig.axes[0].get_lines()) == 1
    assert "all 4 points give the same curve" in fig._suptitle.get_text()


def test_identical_replications_are_one_line_in_the_fan_chart(tmp_path):
    """A scenario without randomness: every replication is the same, so the fan chart draws one
    line per commodity, no bands, and says 'all 3 replications identical'."""
    from sweep_helpers import sweep_scenario

    deterministic = sweep_scenario({"convoys.aid.schedule": "regular",
                                    "regimes.checkpoint.denial_probability": 0.0})  # fmt: skip
    result = ls.sweep(deterministic, replications=3, executor="serial", progress=False)
    fig = ls.plot.fan_chart(result, series="share_met")
    ax = fig.axes[0]
    assert not ax.collections, "bands drawn for identical replications"
    assert "all 3 replications identical" in fig._suptitle.get_text()
    assert ax.get_ylim() == (0, 105)


def test_identical_scenarios_are_drawn_once_in_the_overlay(tmp_path, make_raw):
    """A scenario identical to the base is not drawn over it: the panel says 'same as base'."""
    import tomllib

    from sweep_helpers import SCENARIO_TOML, write_sweep_files

    folder = tmp_path / "s"
    write_sweep_files(folder, "")
    (folder / "set.toml").write_text(
        'base = "tiny_scenario.toml"\nreplications = 2\n[scenarios.base]\n[scenarios.again]\n'
    )
    assert tomllib.loads(SCENARIO_TOML)
    comparison = ls.compare(folder / "set.toml", executor="serial", progress=False)
    fig = comparison.plot("share_met")
    notes = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any("again: same as base" in n for n in notes)
    assert all(len(ax.get_lines()) == 1 for ax in fig.axes if ax.get_visible())


def test_colours_are_colour_blind_safe(blockade):
    """Commodity lines take the Okabe-Ito palette; scales take perceptually uniform colormaps."""
    import matplotlib.colors as mcolors

    fig = ls.plot.depletion(blockade)
    colours = {mcolors.to_hex(line.get_color()).upper() for line in fig.axes[2].get_lines()
               if line.get_label() and not line.get_label().startswith("_")}  # fmt: skip
    assert colours and colours <= {c.upper() for c in OKABE_ITO}
    assert ls.plot.shortage_timeline(blockade).axes[0].collections[0].cmap.name.startswith("magma")
    sweep = sweep_of({p: [0.5] * 3 for p in range(4)}, "share_met:food")
    assert ls.plot.heatmap(sweep, "share_met:food").axes[0].images[0].cmap.name == "cividis"


def test_plots_are_a_package_and_stay_out_of_the_core():
    """ls.plot.<name> reaches every figure family; simulating imports no matplotlib."""
    for name in ("depletion", "shortage_timeline", "heatmap", "fan_chart", "shortage_probability",
                 "scenario_overlay", "response"):  # fmt: skip
        assert callable(getattr(ls.plot, name)), name
    code = ("import sys, lachin_sim as ls; "
            "ls.simulate(ls.load_scenario('configs/baseline_open.toml')); "
            "print('matplotlib' in sys.modules)")  # fmt: skip
    from conftest import REPO

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.stdout.strip() == "False", done.stderr


def test_fan_chart_says_where_a_median_runs_above_the_axis():
    """A median above the 120-day axis is drawn dotted at the top and its legend entry says on
    how many days and its peak, instead of vanishing off the axis."""
    dates = pd.date_range("2023-01-01", periods=10, freq="D")
    values = np.array([50, 80, 110, 130, 200, 400, 400, 400, 90, 60], dtype=float)
    bands = pd.DataFrame({"point_id": 0, "series": "days_of_supply", "commodity": "medicine",
                          "date": dates, **{q: values for q in ("q05", "q25", "q50", "q75", "q95")}})  # fmt: skip
    sweep = SweepResult(runs=pd.DataFrame(), bands=bands, design=pd.DataFrame({"point_id": [0]}),
                        spec={"replications": 3, "tick_days": 1.0})  # fmt: skip
    fig = ls.plot.fan_chart(sweep)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("above 120 d" in label and "on 5 days" in label and "peak 400 d" in label
               for label in labels)  # fmt: skip
    assert any(line.get_linestyle() == ":" for line in fig.axes[0].get_lines())
