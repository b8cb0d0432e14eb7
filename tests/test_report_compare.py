"""A run's report with what would change it from a comparison (``--compare COMPARISON_DIR``):
the run's page carries the comparison page's sentences, each scenario against the base, and a
one-line answer to "what would prevent it?" that follows the comparison's table; anything but a
finished comparison whose base is the run's scenario is refused (exit 2, nothing written); it
goes together with ``--sensitivity``.

The comparisons are of the tiny scenario made short of food and fuel in every run
(``report_helpers.short_raw``): a scenario with a large food stock keeps food at need, one with
a large fuel stock keeps fuel, one with both keeps every commodity (4 replications each).
"""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest
import tomli_w
from report_helpers import (
    BIG_FOOD,
    BIG_FUEL,
    external_references,
    read_page,
    short_raw,
    tiny_comparison,
    uncertainty_folder,
)

import lachin_sim as ls
from lachin_sim.config.validation import validate_scenario
from lachin_sim.outputs.folders import prepare_output_dir
from lachin_sim.outputs.report import REPORT_FILE, build_report, write_report

LITTLE_MORE_FOOD = {"commodities.food.initial_stock": 4.0}  # t: still short (need 14 t)


@pytest.fixture(scope="module")
def tiny(make_raw):
    return validate_scenario(short_raw(make_raw), "<short>")


@pytest.fixture(scope="module")
def comparisons(tmp_path_factory, tiny):
    """``every``: one scenario (more_both) keeps every commodity at need; ``one_food``: exactly
    one scenario (more_food) keeps food at need, none keeps fuel."""
    root = tmp_path_factory.mktemp("compare_report")
    every = {"more_food": BIG_FOOD, "more_fuel": BIG_FUEL, "more_both": BIG_FOOD | BIG_FUEL}
    one_food = {"little_more_food": LITTLE_MORE_FOOD, "more_food": BIG_FOOD}
    return {
        "every": tiny_comparison(tiny, root / "every", every),
        "one_food": tiny_comparison(tiny, root / "one_food", one_food),
    }


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory, tiny):
    """One run of the comparisons' base scenario, saved (no report yet)."""
    return ls.simulate(tiny).save(tmp_path_factory.mktemp("compare_run") / "run")


def _at_need(folder) -> dict[str, set[str]]:
    """Per scenario, the commodities no run of which falls short, read from comparison.csv."""
    table = pd.read_csv(folder / "comparison.csv")
    never = table[table["metric"] == "share_of_runs_never_short"]
    return {
        s: set(rows.loc[rows["median"] == 1.0, "commodity"])
        for s, rows in never.groupby("scenario")
    }


def _answers(html: str) -> dict[str, str]:
    return dict(read_page(html).answers)


def _changes(html: str) -> dict[str, str]:
    return {a["data-scenario"]: t for a, t in read_page(html).headlines if "data-scenario" in a}


def _strong_names(html: str, section: str) -> list[str]:
    """The scenario names set in bold in the answer paragraph of ``section``."""
    body = html.split(f'<section id="{section}">', 1)[1]
    paragraph = re.search(r'<p class="answer">(.*?)</p>', body, re.S).group(1)
    return re.findall(r"<strong>([^<]*)</strong>", paragraph)[1:]  # [0] is "What would prevent it"


# --------------------------------------------------------------------------------------------
# The sentences and the answer
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["every", "one_food"])
def test_the_run_page_has_the_comparison_pages_sentences(comparisons, run_folder, tmp_path, case):
    """Each scenario's sentence on the run's page is the comparison page's, word for word, and
    so is the answer; the answer is also in "In short", right after the headlines. The page
    stays self-contained, and without --compare it says one run cannot tell."""
    folder = comparisons[case]
    own = write_report(folder, tmp_path / "comparison.html").read_text(encoding="utf-8")
    html = build_report(run_folder, compare=folder)
    assert _changes(html) == _changes(own) and len(_changes(html)) == len(json.loads(
        (folder / "comparison.json").read_text())["names"]) - 1  # fmt: skip
    answers = _answers(html)
    assert answers["what-would-change-it"] == _answers(own)["what-would-change-it"]
    short = answers["in-short"].split(": ", 1)[1]
    assert short == answers["what-would-change-it"].split(": ", 1)[1]
    in_short = html.split('<section id="in-short">', 1)[1].split("</section>", 1)[0]
    assert in_short.rindex("</ul>") < in_short.index('class="answer"')  # after the headlines
    assert external_references(html) == [] and 'class="warning"' not in html
    plain = build_report(run_folder)
    assert 'class="answer"' not in plain and "One run cannot say" in plain


def test_the_answer_names_the_scenario_that_keeps_every_commodity(comparisons, run_folder):
    """The scenarios the answer says keep every commodity at need are those of comparison.csv
    with no run short of any commodity (here more_both, and only it)."""
    folder = comparisons["every"]
    at_need = _at_need(folder)
    commodities = set().union(*at_need.values()) | {"food", "fuel"}
    every = [s for s, kept in at_need.items() if kept == commodities]
    assert every == ["more_both"] and at_need["as_is"] == set()
    html = build_report(run_folder, compare=folder)
    names = [n.lower() for n in _strong_names(html, "in-short")]
    assert names == ["more both", "more food", "more fuel"]
    text = _answers(html)["in-short"]
    assert "More both keeps every commodity at need in every run" in text
    assert "more food keeps food at need, but not fuel" in text
    assert "more fuel keeps fuel at need, but not food" in text


def test_the_answer_follows_the_table_when_one_scenario_keeps_food(comparisons, run_folder):
    """Exactly one scenario keeps food at need and none keeps fuel (comparison.csv): no
    scenario keeps every commodity; the one that keeps food comes closest, and fuel still falls
    short. The other scenario, short of food in every run too, is not named."""
    folder = comparisons["one_food"]
    at_need = _at_need(folder)
    assert [s for s, kept in at_need.items() if "food" in kept] == ["more_food"]
    assert not any("fuel" in kept for kept in at_need.values())
    html = build_report(run_folder, compare=folder)
    assert _strong_names(html, "in-short") == ["more food"]
    text = _answers(html)["in-short"]
    assert "No scenario keeps every commodity at need in every run" in text
    assert "more food comes closest: it keeps food at need" in text
    assert text.endswith("but fuel still falls short.")
    assert "little more food" not in text


# --------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("given", ["run", "empty", "missing", "file", "unfinished", "study",
                                   "other_base"])  # fmt: skip
def test_compare_refuses_what_is_not_a_comparison_of_the_scenario(
    comparisons, run_folder, make_raw, tmp_path, run_cli, given
):
    """A run folder, an empty folder, nothing, a file, a comparison that has not finished, an
    uncertainty study, a comparison whose base is another scenario: `report` and `run
    --report` print one line naming the folder and --compare, exit 2 and write nothing."""
    target = tmp_path / "comparison"
    if given == "run":
        target = run_folder
    elif given == "empty":
        target.mkdir()
    elif given == "file":
        target.write_text("x")
    elif given == "unfinished":
        prepare_output_dir(target, "comparison")
    elif given == "study":
        uncertainty_folder(validate_scenario(short_raw(make_raw), "<s>"), target, "mc", samples=4)
    elif given == "other_base":
        raw = short_raw(make_raw)
        raw["name"] = "another"
        tiny_comparison(validate_scenario(raw, "<another>"), target, {"more_food": BIG_FOOD}, 2)
    config = tmp_path / "short.toml"
    config.write_text(tomli_w.dumps(short_raw(make_raw)), encoding="utf-8")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    run_before = sorted(p.name for p in run_folder.iterdir())
    for argv in (
        ("report", run_folder, "--out", tmp_path / "page.html", "--compare", target),
        ("run", config, "--out", tmp_path / "run", "--report", "--compare", target),
    ):
        done = run_cli(*argv)
        assert done.code == 2, argv
        assert done.err.count("\n") == 1 and "Traceback" not in done.err
        assert str(target) in done.err and "--compare" in done.err
        if given == "other_base":
            assert "'another'" in done.err and "'tiny'" in done.err
        assert sorted(str(p) for p in tmp_path.rglob("*")) == before
    assert sorted(p.name for p in run_folder.iterdir()) == run_before


def test_compare_is_for_the_report_of_a_run(comparisons, tmp_path, run_cli, make_raw):
    """`report COMPARISON --compare ...` and `run ... --compare` without --report: exit 2,
    nothing written."""
    folder = comparisons["every"]
    done = run_cli("report", folder, "--out", tmp_path / "x.html", "--compare", folder)
    assert done.code == 2 and "report of a run" in done.err
    config = tmp_path / "short.toml"
    config.write_text(tomli_w.dumps(short_raw(make_raw)), encoding="utf-8")
    done = run_cli("run", config, "--out", tmp_path / "run", "--no-plots", "--compare", folder)
    assert done.code == 2 and "--report" in done.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["short.toml"]


# --------------------------------------------------------------------------------------------
# With the run, with --sensitivity, and with other values
# --------------------------------------------------------------------------------------------
def test_run_report_compare_and_sensitivity_together(comparisons, make_raw, tmp_path, run_cli):
    """`run CONFIG --report --compare C --sensitivity S` and `report RUN --compare C
    --sensitivity S`: the page has both the comparison's sentences and the study's section,
    and both SHA-256s in its provenance; the report equals build_report's."""
    config = tmp_path / "short.toml"
    config.write_text(tomli_w.dumps(short_raw(make_raw)), encoding="utf-8")
    study = uncertainty_folder(config, tmp_path / "study", "mc", samples=4)
    folder = comparisons["every"]
    out = tmp_path / "run"
    done = run_cli("run", config, "--out", out, "--no-plots", "--report", "--compare", folder,
                   "--sensitivity", study)  # fmt: skip
    assert done.code == 0, done.err
    html = (out / REPORT_FILE).read_text(encoding="utf-8")
    assert '<section id="assumptions">' in html and 'class="warning"' not in html
    assert _changes(html) == _changes(build_report(folder))
    for sha_file in (folder / "runs" / "sweep.json", study / "runs" / "sweep.json"):
        assert json.loads(sha_file.read_text())["sweep_sha256"] in html
    assert REPORT_FILE in json.loads((out / "metadata.json").read_text())["files"]
    page = tmp_path / "again.html"
    done = run_cli("report", out, "--out", page, "--compare", folder, "--sensitivity", study)
    assert done.code == 0, done.err
    again = page.read_text(encoding="utf-8")
    assert _changes(again) == _changes(html) and _answers(again) == _answers(html)
    assert '<section id="assumptions">' in again


def test_compare_warns_when_the_run_has_other_values(comparisons, make_raw, tmp_path):
    """A run of the same scenario with an override: the sentences come with a warning giving
    both SHA-256s of the scenario's values, and the answer in "In short" points to it."""
    raw = short_raw(make_raw)
    raw["convoys"]["aid"]["payload_t"] = 3.0
    scenario = validate_scenario(raw, "<short, other payload>")
    run = ls.simulate(scenario).save(tmp_path / "run")
    html = " ".join(build_report(run, compare=comparisons["every"]).split())
    assert 'class="warning"' in html and "see the warning there" in _answers(html)["in-short"]
    base = json.loads((comparisons["every"] / "comparison.json").read_text())["spec"]["base"]
    theirs = validate_scenario(base, "x").model_copy(update={"uncertainty": {}}).digest()
    mine = scenario.model_copy(update={"uncertainty": {}}).digest()
    assert mine != theirs and mine in html and theirs in html


def test_an_experiment_folder_that_holds_a_comparison_is_read(comparisons, run_folder, tmp_path):
    """An experiment folder written as experiments/counterfactuals.py writes one (its marker,
    the three tables and runs/, no comparison.json) gives the same sentences and answer as the
    comparison folder of the same runs; an experiment folder without them is refused."""
    from lachin_sim.errors import OutputFolderError

    folder = prepare_output_dir(tmp_path / "experiment", "experiment")
    with pytest.raises(OutputFolderError, match="holds no comparison"):
        build_report(run_folder, compare=folder)
    source = comparisons["every"]
    shutil.copytree(source / "runs", folder / "runs")
    for name in ("comparison.csv", "scenario_runs.csv", "scenario_bands.csv"):
        shutil.copyfile(source / name, folder / name)
    html, expected = (
        build_report(run_folder, compare=folder),
        build_report(run_folder, compare=source),
    )
    assert _changes(html) == _changes(expected) and _answers(html) == _answers(expected)
