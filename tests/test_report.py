"""The report (``lachin-sim report``): one self-contained page of a run, a sweep or a
comparison. Each kind builds; the page loads nothing from outside; every figure has alt text;
headings are in order; the numbers of the headlines are those of the folder's tables; the tool
replaces only a report it wrote."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_helpers import (
    DATE,
    DENIAL,
    TRUCKS,
    comparison_folder,
    external_references,
    health_run,
    historical_run,
    parse_date,
    parse_pct,
    parse_range,
    read_page,
    sweep_folder,
)

import lachin_sim as ls
from lachin_sim.outputs.folders import foreign_entries
from lachin_sim.outputs.report import REPORT_FILE, build_report, write_report
from lachin_sim.outputs.report.render import date_range, pct
from lachin_sim.studies.search import minimum_from_sweep

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def folders(tmp_path_factory, make_raw):
    """One saved folder of each kind (and a run with groups, rules and health), with its report."""
    root = tmp_path_factory.mktemp("report")
    made = {
        "run": historical_run(root / "run"),
        "health_run": health_run(make_raw, root / "health_run"),
        "sweep": sweep_folder(root / "sweep"),
        "comparison": comparison_folder(root / "comparison"),
    }
    return {
        name: (folder, write_report(folder).read_text(encoding="utf-8"))
        for name, folder in made.items()
    }


KINDS = ["run", "health_run", "sweep", "comparison"]


# --------------------------------------------------------------------------------------------
# Every kind: builds, self-contained, accessible
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_the_report_of_each_kind_builds(folders, kind):
    """A whole HTML page with the generator marker, one h1, the headline list, the two fixed
    sections (what the model leaves out, provenance) and at least one figure."""
    folder, html = folders[kind]
    page = read_page(html)
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert '<meta name="generator" content="lachin-sim report ' in html
    assert [level for level, _ in page.headings].count(1) == 1
    assert page.headlines, "no headline"
    assert 'id="leaves-out"' in html and 'id="provenance"' in html
    assert page.images
    assert (folder / REPORT_FILE).is_file()


@pytest.mark.parametrize("kind", KINDS)
def test_the_report_loads_nothing_from_outside(folders, kind):
    """No URL, no protocol-relative link, no @import, no url() but data:, no script, link or
    frame: the page opens, prints and travels without a network."""
    _, html = folders[kind]
    assert external_references(html) == []
    assert "<script" not in html.lower()


def test_the_external_reference_check_finds_what_it_looks_for():
    """The check above is not blind: each kind of outside reference is caught."""
    for bad in (
        '<img src="https://example.org/a.png" alt="x">',
        '<a href="//cdn.example">x</a>',
        "<style>@import 'x.css';</style>",
        "<style>b { background: url(x.png) }</style>",
        '<script src="x.js"></script>',
        '<link rel="stylesheet" href="x.css">',
        '<img src="figure.png" alt="x">',
        "see http://example.org",
    ):
        assert external_references(bad), bad
    assert external_references('<img src="data:image/png;base64,AAAA" alt="x">') == []


@pytest.mark.parametrize("kind", KINDS)
def test_every_figure_has_alt_text_and_is_an_embedded_png(folders, kind):
    """Each <img> has alt text of a sentence or more, and its source is a PNG inside the page."""
    _, html = folders[kind]
    for img in read_page(html).images:
        alt = (img.get("alt") or "").strip()
        assert len(alt.split()) >= 8, f"alt text too short to describe a figure: {alt!r}"
        prefix = "data:image/png;base64,"
        assert img["src"].startswith(prefix)
        assert base64.b64decode(img["src"][len(prefix) :]).startswith(PNG_MAGIC)


@pytest.mark.parametrize("kind", KINDS)
def test_headings_go_down_one_level_at_a_time(folders, kind):
    """h1, then h2 sections, h3 inside them: no level is skipped (screen readers navigate by
    them), and every heading has text."""
    levels = [level for level, text in read_page(folders[kind][1]).headings if text]
    assert levels[0] == 1 and len(levels) == len(read_page(folders[kind][1]).headings)
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels))


@pytest.mark.parametrize("kind", KINDS)
def test_every_table_has_a_caption_and_column_headers(folders, kind):
    """Each table has a caption and one header row of column headers (``scope="col"``), and
    every row has a cell per column."""
    _, html = folders[kind]
    page = read_page(html)
    assert html.count("<table") == len(page.tables) and html.count("<caption") == len(page.tables)
    assert (
        html.count('<th scope="col"')
        == len(re.findall(r"<th[ >]", html))
        == sum(len(t["head"]) for t in page.tables)
    )
    for table in page.tables:
        assert table["caption"].strip() and table["head"]
        assert all(len(row) == len(table["head"]) for row in table["rows"])


# --------------------------------------------------------------------------------------------
# The numbers are the tables'
# --------------------------------------------------------------------------------------------
def _headlines(html: str) -> dict[str, str]:
    return {
        a["data-commodity"]: text for a, text in read_page(html).headlines if "data-commodity" in a
    }


@pytest.mark.parametrize("kind", ["run", "health_run"])
def test_the_headline_of_a_run_is_its_summary(folders, kind):
    """Each commodity's sentence gives the date of days_to_first_shortage (or says never), says
    it is one run, and its share of need met is share_met (or its hours mean_hours_of_supply).
    When the first shortage is a ration cut it says "is rationed from" that date, to the ration
    of that day in the stocks table; else "falls short on"."""
    folder, html = folders[kind]
    result = ls.load_result(folder)
    summary, start = result.summary, result.scenario.start
    sentences = _headlines(html)
    commodities = [
        c for c in result.scenario.commodities if f"days_to_first_shortage:{c}" in summary
    ]
    assert sorted(sentences) == sorted(commodities)
    for c in commodities:
        text, first = sentences[c], summary[f"days_to_first_shortage:{c}"]
        assert "(one run" in text
        if math.isnan(first):
            assert "never short" in text
            continue
        how, day = re.search(rf"(falls short on|is rationed from) ({DATE})", text).group(1, 2)
        shown = parse_date(day)
        assert shown == start + dt.timedelta(days=int(first))
        cut = summary[f"days_to_first_ration_cut:{c}"] == first
        stocks = result.stocks[result.stocks["commodity"] == c].set_index("date")
        ration = stocks.loc[pd.Timestamp(shown), "ration"]
        assert (how == "is rationed from") == (cut and ration < 1)
        if how == "is rationed from":
            said = re.search(r"to ([\d.]+\s*%) of need,", text).group(1)
            assert parse_pct(said) == pytest.approx(ration, abs=0.005)
            text = text.replace(f"to {said} of need,", "")
        share = parse_pct(re.search(r"([\d.]+\s*%) of (?:its )?need", text).group(1))
        assert share == pytest.approx(summary[f"share_met:{c}"], abs=0.005)
        hours = summary.get(f"mean_hours_of_supply:{c}")
        if hours is not None and not math.isnan(hours):
            shown_hours = float(re.search(r"supplied ([\d.]+) hours", text).group(1))
            assert shown_hours == pytest.approx(hours, abs=0.05)


def test_the_headlines_of_a_comparison_are_its_comparison_table(folders):
    """The base scenario's sentences give the median and 90 % interval of
    days_to_first_shortage and the median share met of comparison.csv."""
    folder, html = folders["comparison"]
    table = pd.read_csv(folder / "comparison.csv")
    spec = json.loads((folder / "comparison.json").read_text())
    base_name = spec["names"][0]
    start = dt.date.fromisoformat(spec["spec"]["start"])
    rows = table[table["scenario"] == base_name].set_index(["commodity", "metric"])
    sentences = _headlines(html)
    checked = 0
    for c in spec["spec"]["commodities"]:
        text = sentences[c]
        median, q05, q95 = (
            rows.loc[(c, "days_to_first_shortage"), k] for k in ("median", "q05", "q95")
        )
        if np.isinf(median) and np.isinf(q05):
            assert "never short" in text or "not short" in text
            continue
        first = parse_date(re.search(rf"falls short (?:on|by) ({DATE})", text).group(1))
        assert first == start + dt.timedelta(days=int(median))
        if np.isfinite(q95):
            interval = re.search(r"90\s*% of runs: ([^)]*)\)", text).group(1)
            low, high = parse_range(interval, first.year)
            assert (low, high) == (
                start + dt.timedelta(days=int(q05)),
                start + dt.timedelta(days=int(q95)),
            )
        share = parse_pct(re.search(r"([\d.]+\s*%) of (?:its )?need", text).group(1))
        assert share == pytest.approx(rows.loc[(c, "share_met"), "median"], abs=0.005)
        checked += 1
    assert checked >= 2  # the historical base has commodities that fall short


def test_the_point_tables_of_a_sweep_are_its_summary_table(folders):
    """Each design point's row in the food table gives the median first-short date and the runs
    short of SweepResult.summary_table."""
    folder, html = folders["sweep"]
    sweep = ls.load_sweep(folder)
    start = dt.date.fromisoformat(sweep.spec["start"])
    expected = sweep.summary_table("food")
    table = next(t for t in read_page(html).tables if t["caption"].startswith("Food:"))
    assert len(table["rows"]) == len(expected)
    for row, (_, want) in zip(table["rows"], expected.iterrows(), strict=True):
        assert float(row[0]) == want[TRUCKS] and float(row[1]) == want[DENIAL]
        median = want["food: first short, day (median [5 %, 95 %])"].split(" [")[0]
        if median.startswith(">="):
            assert row[2] in ("never short",) or row[2].startswith("after ")
        else:
            day = int(median.removeprefix("day "))
            assert parse_date(row[2]) == start + dt.timedelta(days=day)
        assert row[4].replace(" of ", "/") == want["food: runs short"]
        assert parse_pct(row[5]) == pytest.approx(want["food: share met (median)"], abs=0.005)


def test_the_answer_of_a_sweep_is_minimum_from_sweep(folders):
    """'keeping food at need ... takes A–B icrc trucks per day': B is minimum_from_sweep's answer
    for shortage_days <= 0 in 90 % of runs, at each denial probability, and A the grid value
    below it."""
    folder, html = folders["sweep"]
    sweep = ls.load_sweep(folder)
    answer = minimum_from_sweep(
        sweep, TRUCKS, "shortage_days:food", 0.0, 0.9, better="lower", by=[DENIAL]
    )
    food = [text for a, text in read_page(html).headlines if a.get("data-commodity") == "food"]
    assert len(food) == len(answer)
    grid = sorted(sweep.design[TRUCKS].unique())
    for text, (_, row) in zip(food, answer.iterrows(), strict=True):
        assert f"denial probability {row[DENIAL]:g}," in text
        value = row[f"minimum {TRUCKS}"]
        if pd.isna(value):
            assert "out of reach" in text
            continue
        match = re.search(r"takes ([\d.]+)–([\d.]+) icrc trucks per day", text)
        if match is None:  # the smallest value tried meets it
            assert f"no more than {value:g} icrc" in text and value == grid[0]
            continue
        low, high = (float(g) for g in match.groups())
        assert high == value and low == max(v for v in grid if v < value)


def test_a_comparison_sets_each_scenario_against_the_base(folders):
    """One sentence per scenario but the base. Restoring the energy links makes gas never short
    and raises the share of electricity need met: the sentence says so with the medians of
    comparison.csv ("never short" when no run of the scenario is short)."""
    folder, html = folders["comparison"]
    table = pd.read_csv(folder / "comparison.csv").set_index(["scenario", "commodity", "metric"])
    changes = {
        a["data-scenario"]: text for a, text in read_page(html).headlines if "data-scenario" in a
    }
    assert sorted(changes) == ["links_restored", "more_icrc"]
    assert "gas is never short" in changes["links_restored"]
    if table.loc[("links_restored", "electricity", "shortage_days"), "q95"] == 0:
        assert "electricity is never short" in changes["links_restored"]
        return
    match = re.search(
        r"electricity gets ([\d.]+\s*%) of its need instead of ([\d.]+\s*%)",
        changes["links_restored"],
    )
    now, before = (parse_pct(g) for g in match.groups())
    assert now == pytest.approx(
        table.loc[("links_restored", "electricity", "share_met"), "median"], abs=0.005
    )
    assert before == pytest.approx(
        table.loc[("historical", "electricity", "share_met"), "median"], abs=0.005
    )
    assert now > before


def test_the_health_run_reports_deaths_rations_and_groups(folders):
    """With groups, a ration rule and the health model: food energy by group, a row per ration
    decision of the decisions table, and the summary's excess deaths."""
    folder, html = folders["health_run"]
    result = ls.load_result(folder)
    assert len(result.decisions) >= 1
    table = next(t for t in read_page(html).tables if "decisions" in t["caption"])
    assert len(table["rows"]) == len(result.decisions)
    for row, d in zip(table["rows"], result.decisions.itertuples(), strict=True):
        assert parse_date(row[2]) == d.effective.date()
        assert parse_pct(row[3].removesuffix(" of need")) == pytest.approx(d.ration, abs=0.005)
    deaths = re.search(r"([\d,]+) people die in excess", " ".join(html.split())).group(1)
    assert float(deaths.replace(",", "")) == pytest.approx(
        result.summary["excess_deaths:all"], abs=0.5
    )
    for group in ("Adults", "Children"):
        assert f"{group}: people eat" in html
    assert 'id="health"' in html and "health model" in html.lower()


def test_a_run_without_health_has_no_deaths_section(make_scenario, tmp_path):
    folder = ls.simulate(make_scenario(), seed=1).save(tmp_path / "run")
    assert ls.load_result(folder).scenario.health is None
    assert 'id="health"' not in write_report(folder).read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------
@given(st.floats(min_value=0.0, max_value=1.0, allow_nan=False))
def test_a_share_below_one_never_reads_as_100_percent(share):
    """A shortfall never shows as "100 %", a little never as "0 %"."""
    text = pct(share)
    if text.startswith((">", "<")):  # '>99.99 %', '<0.01 %': strictly inside (0, 1)
        assert 0 < share < 1 and (share > 0.9999 if text.startswith(">") else share < 0.0001)
        return
    shown = parse_pct(text)
    assert (shown < 1) == (share < 1) and (shown > 0) == (share > 0)


def test_date_ranges_read_back():
    cases = [
        (dt.date(2023, 1, 14), dt.date(2023, 1, 25)),
        (dt.date(2023, 1, 14), dt.date(2023, 2, 3)),
        (dt.date(2022, 12, 20), dt.date(2023, 1, 25)),
        (dt.date(2023, 3, 1), dt.date(2023, 3, 1)),
    ]
    for low, high in cases:
        assert parse_range(date_range(low, high, year=False), low.year) == (low, high)
        assert parse_range(date_range(low, high), 1900) == (low, high)
    assert date_range(dt.date(2023, 1, 14), dt.date(2023, 1, 25), year=False) == "14–25 January"


# --------------------------------------------------------------------------------------------
# Writing: only what the tool wrote is replaced
# --------------------------------------------------------------------------------------------
def test_report_replaces_its_own_report_and_never_a_users_file(folders, tmp_path, run_cli):
    folder, _ = folders["run"]
    mine = tmp_path / "notes.html"
    mine.write_text("my notes", encoding="utf-8")
    done = run_cli("report", folder, "--out", mine)
    assert done.code == 2 and "not written by lachin-sim" in done.err
    assert mine.read_text(encoding="utf-8") == "my notes"
    ours = tmp_path / "ours.html"
    assert run_cli("report", folder, "--out", ours).code == 0
    first = ours.read_text(encoding="utf-8")
    assert run_cli("report", folder, "--out", ours).code == 0  # its own report: replaced
    assert ours.read_text(encoding="utf-8").startswith("<!DOCTYPE html>") and first


@pytest.mark.parametrize("make", ["empty", "notes", "file", "missing", "experiment"])
def test_report_of_a_folder_that_is_not_ours_exits_2_and_writes_nothing(tmp_path, run_cli, make):
    target = tmp_path / "target"
    if make == "empty":
        target.mkdir()
    elif make == "notes":
        target.mkdir()
        (target / "notes.txt").write_text("x")
    elif make == "file":
        target.write_text("x")
    elif make == "experiment":
        from lachin_sim.outputs.folders import write_marker

        target.mkdir()
        write_marker(target, "experiment")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    done = run_cli("report", target)
    assert done.code == 2
    assert done.err.count("\n") == 1 and "Traceback" not in done.err
    assert str(target) in done.err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_report_out_must_not_name_a_pdf(folders, tmp_path, run_cli):
    done = run_cli("report", folders["run"][0], "--out", tmp_path / "x.pdf")
    assert done.code == 2 and not (tmp_path / "x.pdf").exists()


def test_pdf_without_a_browser_is_a_clear_message_and_writes_nothing(
    folders, tmp_path, run_cli, monkeypatch
):
    monkeypatch.setenv("LACHIN_SIM_CHROMIUM", str(tmp_path / "no-such-browser"))
    out = tmp_path / "r.html"
    done = run_cli("report", folders["run"][0], "--out", out, "--pdf")
    assert done.code == 2 and "Chromium" in done.err and "apt-get install chromium" in done.err
    assert not out.exists() and not out.with_suffix(".pdf").exists()


def test_run_with_report_writes_it_and_lists_it_in_the_marker(tmp_path, run_cli, configs_dir):
    out = tmp_path / "run"
    done = run_cli(
        "run", configs_dir / "blockade_2023.toml", "--out", out, "--report", "--no-plots"
    )
    assert done.code == 0, done.err
    html = (out / REPORT_FILE).read_text(encoding="utf-8")
    assert read_page(html).headlines and external_references(html) == []
    assert REPORT_FILE in json.loads((out / "metadata.json").read_text())["files"]
    # the run folder stays ours: running again into it is allowed, report and all
    (out / "report.pdf").write_bytes(b"%PDF-1.4 lachin-sim report")
    assert foreign_entries(out, "run") == []
    assert run_cli("run", configs_dir / "blockade_2023.toml", "--out", out, "--no-plots").code == 0


def test_a_report_names_the_provenance(folders):
    """Scenario, config hash, seed, version and overrides of the run are on the page."""
    folder, html = folders["run"]
    meta = json.loads((folder / "metadata.json").read_text())
    text = " ".join(html.split())
    for value in (meta["scenario"], meta["config_sha256"], str(meta["seed"]), meta["version"]):
        assert value in text
    assert "Overrides</dt><dd>none" in text


def test_build_report_is_the_same_page_as_the_cli_writes(folders):
    """The Python API and the command line make the same page (but for the time it was made)."""
    folder, html = folders["comparison"]
    again = build_report(folder)

    def strip(page: str) -> str:
        return re.sub(r"<dt>Report made</dt><dd>[^<]*</dd>", "", page)

    assert strip(again) == strip(html)


@pytest.mark.parametrize("design", ["replications", "lhs"])
def test_a_sweep_without_a_grid_reports_too(tmp_path, design):
    """Replications only: a sentence per commodity whose median date and runs short are
    summary_table's. A Latin hypercube (more than 30 points): tables by parameter value, and no
    claimed minimum (that needs a grid)."""
    from sweep_helpers import DENIAL as TINY_DENIAL
    from sweep_helpers import TRUCKS as TINY_TRUCKS
    from sweep_helpers import sweep_raw

    from lachin_sim.config.validation import validate_scenario

    scenario = validate_scenario(sweep_raw(), "<tiny>")
    kw = (
        {"replications": 5}
        if design == "replications"
        else {"ranges": {TINY_TRUCKS: (0.1, 3.0), TINY_DENIAL: (0.0, 0.5)}, "samples": 40}
    )
    out = tmp_path / design
    sweep = ls.sweep(scenario, executor="serial", out=out, progress=False, **kw)
    html = write_report(out).read_text(encoding="utf-8")
    page = read_page(html)
    assert external_references(html) == [] and all(i.get("alt") for i in page.images)
    if design == "lhs":
        assert "needs a grid" in html and "takes" not in html
        assert any(t["caption"].startswith("By aid trucks per day") for t in page.tables)
        return
    want = sweep.summary_table("food").iloc[0]
    text = _headlines(html)["food"]
    median = int(
        want["food: first short, day (median [5 %, 95 %])"].split(" [")[0].removeprefix("day ")
    )
    # "falls short on DATE" when the 95 % quantile is within the period, else "falls short by
    # DATE in half of the runs" (which depends on the draws of five runs)
    shown = parse_date(re.search(rf"falls short (?:on|by) ({DATE})", text).group(1))
    assert shown == scenario.start + dt.timedelta(days=median)
    reached, runs = want["food: runs short"].split("/")
    assert (reached == runs or f"short in {reached} of {runs} runs" in text
            or f"{int(runs) - int(reached)} of {runs} runs are not short" in text)  # fmt: skip
