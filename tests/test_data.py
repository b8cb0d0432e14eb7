"""The shipped facts in data/ and the citations that point at them.

A citation is ``[stem:id]``: ``stem`` names a CSV file of data/ (``[lachin:blockade_start]`` is
the row of data/lachin.csv whose id is ``blockade_start``; ``[standards:24]`` is row 24 of
data/standards.csv). These tests keep the two sides honest: every row is well-formed, every
citation in the configs, docs, experiments and code resolves to a row, every row is cited
somewhere, and a number a config quotes next to a citation is the number in that row.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from functools import cache
from pathlib import Path

import pytest
from conftest import REPO

DATA = REPO / "data"
COLUMNS = [
    "id",
    "date_start",
    "date_end",
    "category",
    "value",
    "unit",
    "statement",
    "source_title",
    "source_url",
]
UNDATED = {"standards"}  # planning standards: not facts about a date (data/README.md)
OPTIONALLY_DATED = {"health"}  # physiology: dated only where a survey or study has a period
# A citation never follows a name (`share[a:b]` is a slice) or a backtick (`[lachin:ID]` in
# backticks shows the syntax).
CITATION = re.compile(r"(?<![\w\]`])\[([a-z][a-z_]*):([^\]\s]+)\]")
OLD_STYLE = re.compile(
    r"inputs\.csv|blockade_inputs|standards\.md|standards rows?\b|\.\./shared|shared/data"
)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2})?")
CLOCK_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
VALUE = re.compile(r"^$|^\d+(\.\d+)?(-\d+(\.\d+)?)?$")  # empty, a number, or a range a-b


def cited_files(include_tests: bool = False) -> list[Path]:
    """The files whose citations must resolve: configs, docs, experiments, code, READMEs."""
    files = [
        *REPO.glob("configs/**/*.toml"),
        *REPO.glob("docs/**/*.md"),
        *REPO.glob("experiments/*.py"),
        *REPO.glob("lachin_sim/**/*.py"),
        *REPO.glob("benchmarks/*.py"),
        REPO / "README.md",
        DATA / "README.md",
    ]
    if include_tests:
        files += [p for p in REPO.glob("tests/*.py") if p.name != Path(__file__).name]
    return sorted(files)


@cache
def collections() -> dict[str, list[dict[str, str]]]:
    """Each data/*.csv by its stem, as a list of rows (dicts keyed by column)."""
    found = {}
    for path in sorted(DATA.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            found[path.stem] = list(csv.DictReader(f))
    return found


def rows_by_id(stem: str) -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in collections()[stem]}


RANGE = re.compile(r"\[([a-z][a-z_]*):([^\]\s]+)\]-\[\1:([^\]\s]+)\]")


def citations(path: Path) -> list[tuple[int, str, str]]:
    """(line number, stem, id) of every citation in a file. A range ``[stem:A]-[stem:B]`` cites
    every row from A to B in the file's order."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        found += [(number, m.group(1), m.group(2)) for m in CITATION.finditer(line)]
        for m in RANGE.finditer(line):
            ids = [row["id"] for row in collections().get(m.group(1), [])]
            if m.group(2) in ids and m.group(3) in ids:
                a, b = ids.index(m.group(2)), ids.index(m.group(3))
                found += [(number, m.group(1), i) for i in ids[a + 1 : b]]
    return found


def test_collections_exist():
    """data/ holds the two collections the configs cite, and the scan finds citations
    (guards against the tests below silently checking nothing)."""
    assert {"lachin", "standards"} <= set(collections())
    assert len(collections()["lachin"]) > 50
    total = sum(len(citations(p)) for p in cited_files())
    assert total > 100, total


@pytest.mark.parametrize("stem", sorted(collections()))
def test_header_is_the_shared_columns(stem: str):
    """Every collection has exactly the same columns, in order."""
    with (DATA / f"{stem}.csv").open(encoding="utf-8", newline="") as f:
        assert next(csv.reader(f)) == COLUMNS


@pytest.mark.parametrize("stem", sorted(collections()))
def test_rows_are_well_formed(stem: str):
    """Ids unique and non-empty; dates ISO and ordered (required outside the undated
    standards); a statement and a category on each row; a source title and http(s) URLs on
    each row except a GAP, which records that no source was found."""
    ids = [row["id"] for row in collections()[stem]]
    assert all(ids), f"{stem}.csv: empty id"
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"{stem}.csv: duplicate ids {duplicates}"
    for row in collections()[stem]:
        where = f"{stem}.csv row {row['id']}"
        assert len(row) == len(COLUMNS) and None not in row, f"{where}: wrong number of cells"
        assert row["statement"].strip() and row["category"].strip(), where
        dates = [row["date_start"], row["date_end"]]
        if stem in UNDATED:
            assert dates == ["", ""], f"{where}: standards carry no dates"
        elif stem in OPTIONALLY_DATED and dates == ["", ""]:
            pass
        else:
            start, end = (dt.date.fromisoformat(d) for d in dates)  # raises if missing or bad
            assert start <= end, f"{where}: starts after it ends"
        if row["value"].startswith("GAP"):
            continue
        assert row["source_title"].strip(), f"{where}: no source title"
        urls = [u.strip() for u in row["source_url"].split(" ; ")]
        assert all(re.match(r"https?://\S+$", u) for u in urls), f"{where}: bad URL {urls}"


def test_lachin_ids_and_values():
    """A lachin id is the fact's quantity name, suffixed with the date it refers to where the
    name repeats (``@date_end``, plus ``Thh`` where two figures share that date); values are
    empty (a qualitative fact), a number or a range ``a-b``."""
    for row in collections()["lachin"]:
        name, _, suffix = row["id"].partition("@")
        assert re.fullmatch(r"[a-z0-9_]+", name), row["id"]
        if suffix:
            assert suffix[:10] == row["date_end"], f"{row['id']}: suffix is not date_end"
        assert VALUE.match(row["value"]), f"{row['id']}: value {row['value']!r}"


def test_standards_ids_are_row_numbers():
    assert all(row["id"].isdigit() for row in collections()["standards"])


@pytest.mark.parametrize("path", cited_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_citation_resolves(path: Path):
    """Each [stem:id] names a data/ collection and a row in it."""
    unknown = []
    for line, stem, row_id in citations(path):
        if stem not in collections():
            unknown.append(f"line {line}: no data/{stem}.csv for [{stem}:{row_id}]")
        elif row_id not in rows_by_id(stem):
            unknown.append(f"line {line}: data/{stem}.csv has no row {row_id!r}")
    assert not unknown, "\n".join(unknown)


@pytest.mark.parametrize("path", cited_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_old_citation_style(path: Path):
    """Nothing points at the shared data folder a clone does not have."""
    text = path.read_text(encoding="utf-8")
    stale = [
        f"line {n}: {line.strip()}"
        for n, line in enumerate(text.splitlines(), start=1)
        if OLD_STYLE.search(line)
    ]
    assert not stale, "\n".join(stale)


def test_every_row_is_cited():
    """data/ ships only facts that a config, doc, experiment or test uses."""
    cited = {(stem, i) for p in cited_files(include_tests=True) for _, stem, i in citations(p)}
    unused = [f"{stem}:{row['id']}" for stem, rows in collections().items() for row in rows]
    unused = [u for u in unused if tuple(u.split(":", 1)) not in cited]
    assert not unused, f"rows nobody cites: {unused}"


def numbers_in(text: str) -> set[float]:
    """The numbers a text states, dates and clock times left out ('4,089' -> 4089.0)."""
    text = CLOCK_TIME.sub(" ", ISO_DATE.sub(" ", text))
    return {float(n.replace(",", "")) for n in NUMBER.findall(text)}


def prose(line: str) -> str:
    """What a config line says in words: its comment and its strings, not its values."""
    words, quote = [], None
    for k, char in enumerate(line):
        if quote:
            words[-1] += char if char != quote else ""
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
            words.append("")
        elif char == "#":
            return " ".join([*words, line[k:]])
    return " ".join(words)


def config_units(path: Path) -> list[str]:
    """A config as the pieces a citation speaks for: each run of whole-line comments, and
    each other line (its inline comment and strings)."""
    units: list[str] = []
    in_comment = False
    for line in path.read_text(encoding="utf-8").splitlines():
        comment = line.lstrip().startswith("#")
        if comment and in_comment:
            units[-1] += "\n" + line
        else:
            units.append(prose(line))
        in_comment = comment
    return units


def cited_segments(unit: str) -> list[tuple[list[tuple[str, str]], str]]:
    """Split a unit at its citations: each group of adjacent citations (only punctuation or
    'and' between them) speaks for the text from the citation before the group to the
    citation after it. Returns (group, that text without citations)."""
    matches = list(CITATION.finditer(unit))
    groups: list[list[re.Match[str]]] = []
    for m in matches:
        between = unit[groups[-1][-1].end() : m.start()] if groups else None
        if between is not None and re.fullmatch(r"(?:[\s,;()#]|and)*", between):
            groups[-1].append(m)
        else:
            groups.append([m])
    segments = []
    for k, group in enumerate(groups):
        start = groups[k - 1][-1].end() if k else 0
        end = groups[k + 1][0].start() if k + 1 < len(groups) else len(unit)
        text = CITATION.sub(" ", unit[start:end])
        segments.append(([(m.group(1), m.group(2)) for m in group], text))
    return segments


def mismatches(path: Path) -> list[str]:
    """Citations in a config whose nearby words (comments and strings) give numbers but not
    the row's number. A lachin row must have all the numbers of its value there; a standards
    row (a composite text) at least one of the numbers of its value or statement, if it has
    any; GAP rows give no number to compare."""
    problems = []
    for unit in config_units(path):
        for group, text in cited_segments(unit):
            stated = numbers_in(text)
            if not stated:
                continue
            for stem, row_id in group:
                row = rows_by_id(stem).get(row_id)
                if row is None or row["value"].startswith("GAP") or not row["value"]:
                    continue  # unresolved citations fail test_every_citation_resolves
                if stem == "lachin":
                    ok = numbers_in(row["value"].replace("-", " ")) <= stated
                else:
                    given = numbers_in(row["value"] + " " + row["statement"])
                    ok = not given or bool(given & stated)
                if not ok:
                    problems.append(
                        f"[{stem}:{row_id}] = {row['value']!r} not in: {' '.join(text.split())}"
                    )
    return problems


@pytest.mark.parametrize(
    "path", sorted(REPO.glob("configs/**/*.toml")), ids=lambda p: str(p.relative_to(REPO))
)
def test_config_numbers_match_their_citations(path: Path):
    """A number quoted next to a citation in a config is the cited row's number."""
    problems = mismatches(path)
    assert not problems, "\n".join(problems)


def test_number_check_catches_a_wrong_figure(tmp_path: Path):
    """The check passes the right figures and fails a comment that cites a row but states
    another figure."""
    config = tmp_path / "config.toml"
    config.write_text(
        "initial = 120000  # people: 120,000 [lachin:population_total]\n"
        "people = 16  # 16 by 2023-01-12 [lachin:cumulative_patients_transferred_to_armenia@2023-01-12]\n"
        "people = 16  # 61 by 2023-01-12 [lachin:cumulative_patients_transferred_to_armenia@2023-01-12]\n"
        "need = 0.00031  # t/person/day: 0.31 kg ([standards:34])\n"
        "need = 5.6  # kWh/person/day: 5.6 in 2013 ([standards:34])\n",
        encoding="utf-8",
    )
    problems = mismatches(config)
    assert len(problems) == 2, problems
    assert "61 by" in problems[0] and "5.6 in 2013" in problems[1]
