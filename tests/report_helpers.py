"""Helpers of the report tests: make small saved folders of each kind, and read a report back
(headings, images, headline sentences, table cells) with the standard library's HTML parser."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import lachin_sim as ls
from lachin_sim.config import validate_scenario

REPO = Path(__file__).resolve().parent.parent
HISTORICAL = REPO / "configs" / "blockade_2023.toml"
TRUCKS = "convoys.icrc.trucks_per_day"
DENIAL = "regimes.checkpoint.denial_probability"
MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
}
DATE = r"(\d{1,2}) (January|February|March|April|May|June|July|August|September|October|November|December)(?: (\d{4}))?"


def historical_run(folder: Path) -> Path:
    """The historical scenario, one run, saved (no plots)."""
    return ls.simulate(ls.load_scenario(HISTORICAL)).save(folder)


def health_raw(make_raw) -> dict:
    """Two groups, food that runs low (a ration rule cuts it by days of supply), electricity that
    cannot be stored (a generator burns fuel for it), and the health model on: every section of
    a run report has something to show."""
    start = dt.date(2023, 1, 1)
    raw = make_raw(end=start + dt.timedelta(days=120), convoys={})
    raw["population"] = {
        "groups": {
            "adults": {"initial": 800},
            "children": {"initial": 200, "need_factors": {"food": 0.7}},
        }
    }
    raw["commodities"] = {
        "food": {
            "unit": "t",
            "initial_stock": 20.0,
            "need_per_person_day": 0.000555,
            "kcal_per_unit": 3783784,
        },  # 2,100 kcal a person a day at need
        "fuel": {"unit": "t", "initial_stock": 3.0, "need_per_person_day": 0.0002},
        "electricity": {"unit": "kWh", "need_per_person_day": 5.0, "storage_capacity": 0},
    }
    raw["generators"] = {
        "gen": {
            "fuel": "fuel",
            "commodity": "electricity",
            "capacity_per_day": 4000.0,
            "fuel_per_unit": 0.0002,
        }
    }
    raw["rationing"] = {
        "rules": {
            "food": {
                "thresholds": [
                    {"below_days_of_supply": 20, "ration": 0.6},
                    {"below_days_of_supply": 8, "ration": 0.3},
                ]
            }
        }
    }
    raw["health"] = {"bands": 10}
    return raw


def health_run(make_raw, folder: Path) -> Path:
    return ls.simulate(validate_scenario(health_raw(make_raw), "<health>")).save(folder)


def sweep_folder(folder: Path, replications: int = 3) -> Path:
    """A 3 x 2 grid over the historical scenario (dated caps lifted), saved."""
    ls.sweep(
        HISTORICAL,
        grid={TRUCKS: [0.25, 4.0, 8.0], DENIAL: [0.0, 0.3]},
        replications=replications,
        overrides={"rationing.caps": []},
        executor="serial",
        out=folder,
        progress=False,
    )
    return folder


def comparison_folder(folder: Path, replications: int = 3) -> Path:
    """The historical scenario against two counterfactuals, saved as `lachin-sim compare` does."""
    spec = {
        "base": str(HISTORICAL),
        "replications": replications,
        "seed": 5,
        "scenarios": {
            "historical": {"description": "as it happened"},
            "links_restored": {
                "description": "gas and power never cut",
                "overrides": {"links.gas_pipeline.outages": [], "links.power_line.outages": []},
            },
            "more_icrc": {"description": "eight ICRC trucks a day", "overrides": {TRUCKS: 8.0}},
        },
    }
    comparison = ls.compare(spec, executor="serial", out=folder / "runs", progress=False)
    comparison.save(folder)
    return folder


@dataclass
class Page:
    """What the tests read from a report."""

    headings: list[tuple[int, str]] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    headlines: list[tuple[dict, str]] = field(default_factory=list)  # (li attributes, text)
    tables: list[dict] = field(default_factory=list)  # {"caption", "head", "rows", "attrs"}
    answers: list[tuple[str, str]] = field(default_factory=list)  # (section id, text)
    tags: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._heading: tuple[int, list[str]] | None = None
        self._li: tuple[dict, list[str]] | None = None
        self._table: dict | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in: str | None = None
        self._section: str = ""
        self._answer: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.page.tags.append(tag)
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = (int(tag[1]), [])
        elif tag == "img":
            self.page.images.append(a)
        elif tag == "section":
            self._section = a.get("id") or ""
        elif tag == "p" and "answer" in (a.get("class") or "").split():
            self._answer = []
        elif tag == "li" and ("data-commodity" in a or "data-scenario" in a):
            self._li = (a, [])
        elif tag == "table":
            self._table = {"caption": "", "head": [], "rows": [], "attrs": a}
        elif tag == "caption":
            self._in = "caption"
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if self._heading and re.fullmatch(r"h[1-6]", tag):
            self.page.headings.append(
                (self._heading[0], " ".join("".join(self._heading[1]).split()))
            )
            self._heading = None
        elif tag == "p" and self._answer is not None:
            self.page.answers.append((self._section, " ".join("".join(self._answer).split())))
            self._answer = None
        elif tag == "li" and self._li is not None:
            self.page.headlines.append((self._li[0], " ".join("".join(self._li[1]).split())))
            self._li = None
        elif tag == "caption":
            self._in = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if not self._table["head"]:
                self._table["head"] = self._row  # the first row: column headers
            else:
                self._table["rows"].append(self._row)
            self._row = None
        elif tag == "table" and self._table is not None:
            self.page.tables.append(self._table)
            self._table = None

    def handle_data(self, data):
        for part in (
            self._heading[1] if self._heading else None,
            self._li[1] if self._li else None,
            self._cell,
            self._answer,
        ):
            if part is not None:
                part.append(data)
        if self._in == "caption" and self._table is not None:
            self._table["caption"] += data


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    return reader.page


def parse_date(text: str, year: int | None = None) -> dt.date:
    """'20 January 2023' (or '20 January' with ``year``) as a date."""
    match = re.fullmatch(DATE, text.strip())
    assert match, f"not a date: {text!r}"
    day, month, y = match.groups()
    return dt.date(int(y or year), MONTHS[month], int(day))


def parse_range(text: str, year: int) -> tuple[dt.date, dt.date]:
    """'14–25 January', '14 January–3 February', '20 December 2022–25 January 2023' or one date."""
    text = text.strip()
    if "–" not in text:
        d = parse_date(text, year)
        return d, d
    low, high = (t.strip() for t in text.split("–"))
    if re.fullmatch(r"\d{1,2}", low):  # '14–25 January [2023]'
        high_date = parse_date(high, year)
        return high_date.replace(day=int(low)), high_date
    high_date = parse_date(high, year)
    return parse_date(low, high_date.year), high_date


def parse_pct(text: str) -> float:
    """'52 %' (any space) as 0.52."""
    match = re.fullmatch(r"([\d.]+)\s*%", text.strip())
    assert match, f"not a percentage: {text!r}"
    return float(match.group(1)) / 100


def external_references(html: str) -> list[str]:
    """Everything in ``html`` that would load or link something outside the page."""
    found = []
    found += re.findall(r"https?://[^\s\"'<>)]*", html)
    found += re.findall(
        r"""(?:src|href|srcset|action|poster)\s*=\s*["']?\s*//[^\s"'>]*""", html, re.I
    )
    found += re.findall(r"@import[^;]*", html, re.I)
    found += [
        u
        for u in re.findall(r"url\(\s*([^)]*)\)", html, re.I)
        if not u.strip("'\" ").startswith("data:")
    ]
    found += re.findall(r"<(?:script|link|iframe|object|embed|base)\b[^>]*>", html, re.I)
    found += [
        s
        for s in re.findall(r"""src\s*=\s*["']([^"']*)""", html, re.I)
        if not s.startswith("data:image/png;base64,")
    ]
    return found


# Uncertainty studies of the tiny scenario (tests/conftest.py): 14 days, food that runs out in
# most runs, a Poisson aid source; three inputs that matter and one that provably does not (a
# Poisson schedule ignores jitter).
AID = "convoys.aid.trucks_per_day"
FOOD_STOCK = "commodities.food.initial_stock"
FUEL_STOCK = "commodities.fuel.initial_stock"
INERT = "convoys.aid.jitter_h"
STUDY_INPUTS = {
    AID: {"dist": "uniform", "low": 0.05, "high": 0.5, "note": "trucks/day; one every 20 days to one every 2"},
    FOOD_STOCK: {"dist": "triangular", "low": 2.0, "mode": 4.0, "high": 8.0, "note": "t; two to eight days of need"},
    FUEL_STOCK: {"dist": "uniform", "low": 0.5, "high": 3.0, "note": "t; a guess"},
    INERT: {"dist": "uniform", "low": 0.0, "high": 12.0, "note": "h; does nothing to a Poisson source"},
}  # fmt: skip
STUDY_SIZES = {"sobol": 8, "morris": 4, "mc": 16}  # base samples, trajectories, draws


def study_raw(make_raw) -> dict:
    """The tiny scenario with its [uncertainty] table."""
    raw = make_raw()
    raw["uncertainty"] = STUDY_INPUTS
    return raw


def health_study_raw(make_raw) -> dict:
    """The health run's scenario (groups, a ration rule, health on; no convoys) with two
    uncertain inputs: the food stock, and a choice of names with no order."""
    raw = health_raw(make_raw)
    raw["uncertainty"] = {
        FOOD_STOCK: {"dist": "uniform", "low": 10.0, "high": 40.0, "note": "t; test range"},
        "health.access.strategy": {
            "dist": "choice",
            "options": ["equal", "linear"],
            "note": "how food is shared in a group",
        },
    }
    return raw


def uncertainty_folder(scenario, folder: Path, method: str, samples: int | None = None) -> Path:
    """A small study of ``scenario`` (2 replications, serial, no figures), saved in ``folder``."""
    ls.uncertainty(
        scenario,
        samples=samples or STUDY_SIZES[method],
        replications=2,
        method=method,
        executor="serial",
        progress=False,
        plots=False,
        out=folder,
    )
    return folder


# Comparisons of the tiny scenario (tests/conftest.py) made short of food and fuel in every run:
# a scenario with a large food stock keeps food at need, one with a large fuel stock fuel, one
# with both every commodity.
BIG_FOOD = {"commodities.food.initial_stock": 50.0}
BIG_FUEL = {"commodities.fuel.initial_stock": 10.0}


def short_raw(make_raw) -> dict:
    """The tiny scenario with little food and fuel and few trucks (its [uncertainty] table
    too, so that a study of it can be made): both fall short in every run."""
    raw = study_raw(make_raw)
    raw["commodities"]["food"]["initial_stock"] = 3.0
    raw["commodities"]["fuel"]["initial_stock"] = 0.5
    raw["convoys"]["aid"]["trucks_per_day"] = 0.3
    return raw


def tiny_comparison(scenario, folder: Path, scenarios: dict[str, dict], replications: int = 4):
    """A comparison of ``scenario`` (the base, first) and named overrides, saved as
    `lachin-sim compare` does."""
    spec = {
        "base": scenario,
        "replications": replications,
        "seed": 3,
        "scenarios": {"as_is": {"description": "the base as it is"}}
        | {name: {"overrides": o} for name, o in scenarios.items()},
    }
    comparison = ls.compare(spec, executor="serial", out=folder / "runs", progress=False)
    comparison.save(folder)
    return folder
