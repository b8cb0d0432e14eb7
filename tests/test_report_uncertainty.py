"""The report of an uncertainty study, and a run's report that takes the assumptions that matter
most from one (``--sensitivity``). The page builds, loads nothing from outside, has alt text on
every figure and headings in order; its headlines and variance split are the study's tables;
its ranking is the order of ``sensitivity.csv`` with its numbers; a Monte Carlo page gives rank
correlations equal to scipy's over ``runs.csv``; ``--sensitivity`` refuses anything but a
finished study of the run's own scenario, and warns when the scenario's values differ.

The studies are of the tiny scenario (14 days, ~10 ms a run; see ``report_helpers``): Sobol'
with 8 base samples, Morris with 4 trajectories, Monte Carlo with 16 draws, 2 replications
each, and a Monte Carlo study of the health run's scenario (deaths, and a choice of names).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import shutil
from html import unescape

import numpy as np
import pandas as pd
import pytest
import tomli_w
from report_helpers import (
    AID,
    DATE,
    FOOD_STOCK,
    STUDY_INPUTS,
    external_references,
    health_study_raw,
    parse_date,
    parse_pct,
    parse_range,
    read_page,
    study_raw,
    uncertainty_folder,
)
from scipy import stats

import lachin_sim as ls
from lachin_sim.config.validation import validate_scenario
from lachin_sim.outputs.censoring import is_time_to_event
from lachin_sim.outputs.folders import prepare_output_dir
from lachin_sim.outputs.report import REPORT_FILE, write_report
from lachin_sim.outputs.report.assumptions import TOP_INPUTS

KINDS = ["sobol", "morris", "mc", "health_mc"]
SECTIONS = ["in-short", "spread", "assumptions", "inputs", "figures", "leaves-out", "provenance"]


@pytest.fixture(scope="module")
def studies(tmp_path_factory, make_raw):
    """A study folder of each method (and one of the health scenario), with its report."""
    root = tmp_path_factory.mktemp("uncertainty_report")
    tiny = validate_scenario(study_raw(make_raw), "<study>")
    health = validate_scenario(health_study_raw(make_raw), "<health study>")
    made = {m: uncertainty_folder(tiny, root / m, m) for m in ("sobol", "morris", "mc")}
    made["health_mc"] = uncertainty_folder(health, root / "health_mc", "mc", samples=8)
    return {k: (f, write_report(f).read_text(encoding="utf-8")) for k, f in made.items()}


@pytest.fixture(scope="module")
def run_of_study(tmp_path_factory, make_raw):
    """One run of the studies' scenario, saved (no report yet)."""
    folder = tmp_path_factory.mktemp("run_of_study") / "run"
    return ls.simulate(validate_scenario(study_raw(make_raw), "<study>")).save(folder)


def _table(page, metric: str) -> dict:
    return next(t for t in page.tables if t["attrs"].get("data-metric") == metric)


def _numbers(text: str) -> list[float]:
    """The numbers in a cell, with true minus signs read as negatives."""
    return [float(n) for n in re.findall(r"[+−-]?\d+(?:\.\d+)?", text.replace("−", "-"))]


# --------------------------------------------------------------------------------------------
# The page builds, self-contained and accessible
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_the_page_of_a_study_builds(studies, kind):
    """A whole page with the generator marker, one h1, a headline per commodity with a need,
    the sections in order, and figures (the sensitivity bars too for Morris and Sobol')."""
    folder, html = studies[kind]
    page = read_page(html)
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert '<meta name="generator" content="lachin-sim report ' in html
    assert [level for level, _ in page.headings].count(1) == 1
    study = ls.load_uncertainty(folder)
    commodities = study.spec["commodities"]
    assert sorted(a["data-commodity"] for a, _ in page.headlines) == sorted(commodities)
    positions = [html.index(f'<section id="{s}">') for s in SECTIONS]
    assert positions == sorted(positions)
    assert len(page.images) == (1 if study.spec["method"] == "mc" else 2)
    assert (folder / REPORT_FILE).is_file()


@pytest.mark.parametrize("kind", KINDS)
def test_the_page_of_a_study_loads_nothing_from_outside(studies, kind):
    _, html = studies[kind]
    assert external_references(html) == []
    assert "<script" not in html.lower()


@pytest.mark.parametrize("kind", KINDS)
def test_every_figure_of_a_study_has_alt_text(studies, kind):
    """Alt text of a sentence or more on every image, and every image a PNG inside the page."""
    for img in read_page(studies[kind][1]).images:
        assert len((img.get("alt") or "").split()) >= 8, img.get("alt")
        assert img["src"].startswith("data:image/png;base64,")


@pytest.mark.parametrize("kind", KINDS)
def test_the_headings_of_a_study_go_down_one_level_at_a_time(studies, kind):
    headings = read_page(studies[kind][1]).headings
    levels = [level for level, text in headings if text]
    assert levels[0] == 1 and len(levels) == len(headings)
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels))


@pytest.mark.parametrize("kind", KINDS)
def test_every_table_of_a_study_has_a_caption_and_headers(studies, kind):
    _, html = studies[kind]
    page = read_page(html)
    assert html.count("<caption") == len(page.tables) == html.count("<table")
    assert html.count('<th scope="col"') == len(re.findall(r"<th[ >]", html))
    for table in page.tables:
        assert table["caption"].strip() and table["head"]
        assert all(len(row) == len(table["head"]) for row in table["rows"])


# --------------------------------------------------------------------------------------------
# The numbers are the study's tables'
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["sobol", "mc", "health_mc"])
def test_the_headlines_of_a_study_are_its_variance_table(studies, kind):
    """Each commodity's date first short is the median of days_to_first_shortage in
    variance.csv (censored: never-short runs after the end), with its 5-95 % range and its
    count of runs short; the share of need met is the median over runs.csv (order
    statistics, as every report gives it)."""
    folder, html = studies[kind]
    study = ls.load_uncertainty(folder)
    start = dt.date.fromisoformat(study.spec["start"])
    rows = study.variance.set_index("metric")
    ok = study.runs[study.runs["status"] == "ok"]
    sentences = {a["data-commodity"]: t for a, t in read_page(html).headlines}
    dated = 0
    for c in study.spec["commodities"]:
        text, row = sentences[c], rows.loc[f"days_to_first_shortage:{c}"]
        reached, runs = int(row["runs_reached"]), int(row["runs"])

        def day(q, row=row):
            return start + dt.timedelta(days=int(row[q]))

        if reached == 0:
            assert "never short in any of the" in text
        elif np.isinf(row["median"]):
            assert f"{reached} of {runs} runs" in text
            if np.isfinite(row["q05"]):
                assert parse_date(re.search(rf"5\s*% of runs by ({DATE})", text).group(1)) == day(
                    "q05"
                )
        else:
            first = parse_date(re.search(rf"falls short (?:on|by) ({DATE})", text).group(1))
            assert first == day("median")
            if np.isfinite(row["q95"]):
                interval = re.search(r"90\s*% of runs: ([^)]*)\)", text).group(1)
                assert parse_range(interval, first.year) == (day("q05"), day("q95"))
            if reached < runs:
                assert (f"short in {reached} of {runs} runs" in text
                        or f"{runs - reached} of {runs} runs are not short" in text)  # fmt: skip
            dated += 1
        share = np.quantile(ok[f"share_met:{c}"], 0.5, method="inverted_cdf")
        if reached:
            shown = re.search(r"([\d.]+\s*%) of (?:its )?need", text).group(1)
            assert parse_pct(shown) == pytest.approx(share, abs=0.005)
    assert dated >= 1  # the date branch was checked, not only the censored ones


def test_the_deaths_of_a_health_study_are_its_runs(studies):
    """Excess deaths: the median and 90 % range over runs of excess_deaths:all."""
    folder, html = studies["health_mc"]
    study = ls.load_uncertainty(folder)
    deaths = study.runs.loc[study.runs["status"] == "ok", "excess_deaths:all"]
    low, median, high = np.quantile(deaths, [0.05, 0.5, 0.95], method="inverted_cdf")
    text = " ".join(unescape(html).split())
    shown = re.search(r'class="deaths">([\d,]+)</span> people die in excess', text).group(1)
    assert float(shown.replace(",", "")) == pytest.approx(median, abs=0.5)
    interval = re.search(r"90\s*% of runs: ([\d,]+)–([\d,]+)\)", text[text.index("die in") :])
    assert [float(g.replace(",", "")) for g in interval.groups()] == pytest.approx(
        [low, high], abs=0.5
    )
    assert "The health model" in html  # its limits, in what the model leaves out


@pytest.mark.parametrize("kind", ["sobol", "mc"])
def test_the_spread_table_is_the_variance_split(studies, kind):
    """One row per headline metric, in the order of variance.csv: the shares of its variance
    from the inputs and from chance (share_input, share_schedule)."""
    folder, html = studies[kind]
    variance = ls.load_uncertainty(folder).variance
    table = next(t for t in read_page(html).tables if "law of total variance" in t["caption"])
    assert len(table["rows"]) == len(variance)
    for row, want in zip(table["rows"], variance.to_dict("records"), strict=True):
        if np.isnan(want["share_input"]):
            assert row[1] == row[2] == "–"
            continue
        assert parse_pct(row[1]) == pytest.approx(want["share_input"], abs=0.005)
        assert parse_pct(row[2]) == pytest.approx(want["share_schedule"], abs=0.005)


@pytest.mark.parametrize("kind", ["sobol", "morris"])
def test_the_ranking_is_the_order_of_sensitivity_csv(studies, kind):
    """For each headline metric with indices, the table lists the first inputs of
    sensitivity.csv ranked by ST (Sobol') or mu_star (Morris), in that order, with the values
    and intervals of the table and each input's note from the config; a metric without
    indices has no table."""
    folder, html = studies[kind]
    study = ls.load_uncertainty(folder)
    page = read_page(html)
    lead = {"sobol": "ST", "morris": "mu_star"}[kind]
    checked = 0
    for metric in study.metrics:
        want = study.ranking(metric, lead).dropna(subset=["value"]).head(TOP_INPUTS)
        if not len(want):
            assert not [t for t in page.tables if t["attrs"].get("data-metric") == metric]
            continue
        table = _table(page, metric)
        assert len(table["rows"]) == len(want)
        for row, (_, w) in zip(table["rows"], want.iterrows(), strict=True):
            assert w["input"] in row[1]
            assert row[-1] == STUDY_INPUTS[w["input"]]["note"]
            value, low, high = _numbers(row[3])
            if kind == "sobol":
                assert (value, low, high) == (
                    round(w["value"], 2),
                    round(w["low"], 2),
                    round(w["high"], 2),
                )
            else:  # mu* in the outcome's unit: days, or points of need met
                scale = 100 if metric.startswith("share_met") else 1
                for shown, exact in ((value, w["value"]), (low, w["low"]), (high, w["high"])):
                    assert shown == pytest.approx(exact * scale, abs=0.051)
        checked += 1
    assert checked >= 2


def test_float_rounding_is_not_ranked(studies):
    """An outcome whose runs differ by float rounding only (a share of need of 1.0 in some runs
    and 0.9999999999999998 in others: a commodity never short) gets no ranking, though SALib
    gave it indices of that noise, and counts as the same in every run in the spread table."""
    from lachin_sim.outputs.report.assumptions import ROUNDING_ONLY, load_study
    from lachin_sim.outputs.report.uncertainty import uncertainty_result_context

    study, base = load_study(studies["sobol"][0])
    metric = "share_met:food"
    assert study.ranking(metric)["value"].notna().any()  # the study's table has indices for it
    noise = np.where(np.arange(len(study.runs)) % 2, 1.0, 1.0 - 2.2e-16)
    study.runs[metric] = noise
    row = study.variance["metric"] == metric
    study.variance.loc[row, ["mean", "variance_total"]] = [noise.mean(), noise.var(ddof=1)]
    context = uncertainty_result_context(study, base)
    (facts,) = [m for m in context["sensitivity"]["metrics"] if m["metric"]["metric"] == metric]
    assert facts["inputs"] == [] and facts["missing"] == ROUNDING_ONLY
    (spread,) = [r for r in context["spread"] if r["metric"]["metric"] == metric]
    assert spread["why"] == "same" and not spread["split"]


def test_the_range_of_each_input_is_given_in_words(studies):
    """The inputs table gives each input's range with its unit, read from the field's name or
    the commodity, and its note."""
    page = read_page(studies["sobol"][1])
    table = next(t for t in page.tables if t["caption"].startswith("The uncertain inputs"))
    cells = {next(p for p in STUDY_INPUTS if p in row[0]): row for row in table["rows"]}
    assert sorted(cells) == sorted(STUDY_INPUTS)
    assert cells[FOOD_STOCK][1] == "2–8 t, most likely 4"
    assert cells[FOOD_STOCK][0].startswith("initial stock of food")
    assert cells[AID][1] == "0.05–0.5 trucks a day, any value equally likely"
    for path, row in cells.items():
        assert row[2] == STUDY_INPUTS[path]["note"]


def _rank_correlations(study) -> dict[tuple[str, str], float]:
    """Spearman's rho of each numeric input with each headline metric over the ok runs (a time
    to an event never reached at the horizon), from runs.csv and samples.csv."""
    runs = study.runs[study.runs["status"] == "ok"].merge(study.samples, on="sample")
    horizon = study.spec["horizon_days"]
    out = {}
    for metric in study.metrics:
        y = runs[metric].astype(float)
        if is_time_to_event(metric):
            y = y.fillna(horizon)
        for path in study.inputs:
            x = pd.to_numeric(runs[path], errors="coerce")
            if x.isna().any() or y.nunique() < 2:
                continue
            out[(metric, path)] = stats.spearmanr(x, y).statistic
    return out


@pytest.mark.parametrize("kind", ["mc", "health_mc"])
def test_a_monte_carlo_page_gives_rank_correlations_equal_to_scipys(studies, kind):
    """No indices: the page says which methods give them, and per metric ranks the inputs by
    the size of their Spearman correlation with it (scipy, over runs.csv), each shown as
    scipy computes it; a choice of names has none."""
    folder, html = studies[kind]
    study = ls.load_uncertainty(folder)
    page = read_page(html)
    assert "--method sobol" in html and "--method morris" in html
    assert "ST (interval)" not in html and "rank correlation (interval)" in html
    want = _rank_correlations(study)
    checked = 0
    for metric in study.metrics:
        mine = {p: rho for (m, p), rho in want.items() if m == metric}
        tables = [t for t in page.tables if t["attrs"].get("data-metric") == metric]
        if not mine:
            assert not tables
            continue
        (table,) = tables
        shown = []
        for row in table["rows"]:
            path = next(p for p in study.inputs if p in row[1])
            if path not in mine:
                assert row[3].startswith("none: its options have no order")
                continue
            rho = _numbers(row[3])[0]
            assert rho == pytest.approx(round(mine[path], 2), abs=1e-9)
            shown.append(abs(mine[path]))
            checked += 1
        assert shown == sorted(shown, reverse=True)
    assert checked >= 4


# --------------------------------------------------------------------------------------------
# A run's report with --sensitivity
# --------------------------------------------------------------------------------------------
def test_sensitivity_adds_the_studys_ranking_to_a_run(studies, run_of_study, tmp_path, run_cli):
    """`report RUN --sensitivity STUDY`: the run's page gains the section, with the very
    tables of the study's page, and the study's SHA-256 in its provenance; the run is of the
    study's scenario at its written values, so there is no warning. Without the option the
    page has no such section."""
    study_folder, study_html = studies["sobol"]
    out = tmp_path / "with.html"
    done = run_cli("report", run_of_study, "--out", out, "--sensitivity", study_folder)
    assert done.code == 0, done.err
    html = out.read_text(encoding="utf-8")
    assert '<section id="assumptions">' in html and 'class="warning"' not in html
    ranked = [t for t in read_page(html).tables if "data-metric" in t["attrs"]]
    assert ranked and ranked == [
        t for t in read_page(study_html).tables if "data-metric" in t["attrs"]
    ]
    sweep_sha = json.loads((study_folder / "runs" / "sweep.json").read_text())["sweep_sha256"]
    assert sweep_sha in html and str(study_folder) in html
    assert external_references(html) == []
    levels = [level for level, _ in read_page(html).headings]
    assert levels.count(1) == 1 and all(b <= a + 1 for a, b in itertools.pairwise(levels))
    assert all(len((i.get("alt") or "").split()) >= 8 for i in read_page(html).images)
    plain = write_report(run_of_study, tmp_path / "without.html").read_text(encoding="utf-8")
    assert 'id="assumptions"' not in plain


def test_sensitivity_warns_when_the_run_has_other_values(studies, make_raw, tmp_path, run_cli):
    """A run of the same scenario with an override: the section comes with a warning that
    gives both SHA-256s of the scenario's values."""
    raw = study_raw(make_raw)
    raw["convoys"]["aid"]["payload_t"] = 3.0
    scenario = validate_scenario(raw, "<study, other payload>")
    run = ls.simulate(scenario).save(tmp_path / "run")
    done = run_cli("report", run, "--sensitivity", studies["mc"][0])
    assert done.code == 0, done.err
    html = " ".join((run / REPORT_FILE).read_text(encoding="utf-8").split())
    assert 'class="warning"' in html and '<section id="assumptions">' in html
    theirs = ls.load_uncertainty(studies["mc"][0])
    study_digest = validate_scenario(
        json.loads((studies["mc"][0] / "runs" / "sweep.json").read_text())["base"], "x"
    ).digest()
    mine = scenario.model_copy(update={"uncertainty": {}}).digest()
    assert mine != study_digest and mine in html and study_digest in html
    assert theirs.spec["scenario"] == scenario.name


@pytest.mark.parametrize("given", ["run", "empty", "missing", "file", "unfinished", "other"])
def test_sensitivity_refuses_what_is_not_a_study_of_the_scenario(
    studies, run_of_study, make_raw, tmp_path, run_cli, given
):
    """A run folder, an empty folder, nothing, a file, a study that has not finished, a study
    of another scenario: one line naming the folder, exit code 2, nothing written."""
    target = tmp_path / "study"
    if given == "run":
        target = run_of_study
    elif given == "empty":
        target.mkdir()
    elif given == "file":
        target.write_text("x")
    elif given == "unfinished":
        prepare_output_dir(target, "uncertainty")
    elif given == "other":
        raw = study_raw(make_raw)
        raw["name"] = "another"
        uncertainty_folder(validate_scenario(raw, "<another>"), target, "mc", samples=4)
    out = tmp_path / "page.html"
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    run_before = sorted(p.name for p in run_of_study.iterdir())
    done = run_cli("report", run_of_study, "--out", out, "--sensitivity", target)
    assert done.code == 2
    assert done.err.count("\n") == 1 and "Traceback" not in done.err
    assert str(target) in done.err and "--sensitivity" in done.err
    if given == "other":
        assert "'another'" in done.err
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before
    assert sorted(p.name for p in run_of_study.iterdir()) == run_before


def test_sensitivity_is_for_the_report_of_a_run(studies, run_cli):
    folder = studies["mc"][0]
    done = run_cli("report", folder, "--out", folder / "x.html", "--sensitivity", folder)
    assert done.code == 2 and "report of a run" in done.err
    assert not (folder / "x.html").exists()


@pytest.mark.parametrize("state", ["unfinished", "without_runs"])
def test_a_study_without_its_tables_or_runs_has_no_report(studies, tmp_path, run_cli, state):
    """A study still running (only its marker) or saved without its runs (no runs/sweep.json,
    the scenario of the page): one message, exit code 2, nothing written."""
    if state == "unfinished":
        folder, says = prepare_output_dir(tmp_path / "study", "uncertainty"), "has not finished"
    else:
        folder, says = tmp_path / "study", "has no runs/sweep.json"
        shutil.copytree(studies["mc"][0], folder, ignore=shutil.ignore_patterns("runs", "*.html"))
    before = sorted(p.name for p in folder.iterdir())
    done = run_cli("report", folder)
    assert done.code == 2 and says in done.err and done.err.count("\n") == 1
    assert sorted(p.name for p in folder.iterdir()) == before


def test_run_report_sensitivity_writes_the_section_with_the_run(make_raw, tmp_path, run_cli):
    """`run CONFIG --report --sensitivity STUDY`: the run's report has the study's section.
    Without --report, or with a study of another scenario, it exits 2 before running and
    writes nothing."""
    config = tmp_path / "study.toml"
    config.write_text(tomli_w.dumps(study_raw(make_raw)), encoding="utf-8")
    study = uncertainty_folder(config, tmp_path / "study", "mc", samples=6)
    out = tmp_path / "run"
    assert run_cli("run", config, "--out", out, "--no-plots", "--sensitivity", study).code == 2
    assert not out.exists()
    other = tmp_path / "other.toml"
    other.write_text(tomli_w.dumps({**study_raw(make_raw), "name": "other"}), encoding="utf-8")
    done = run_cli("run", other, "--out", out, "--no-plots", "--report", "--sensitivity", study)
    assert done.code == 2 and "not of 'other'" in done.err and not out.exists()
    done = run_cli("run", config, "--out", out, "--no-plots", "--report", "--sensitivity", study)
    assert done.code == 0, done.err
    html = (out / REPORT_FILE).read_text(encoding="utf-8")
    assert '<section id="assumptions">' in html and 'class="warning"' not in html
    assert REPORT_FILE in json.loads((out / "metadata.json").read_text())["files"]
