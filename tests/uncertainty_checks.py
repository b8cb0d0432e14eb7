"""Checks shared by the case tests on a scenario's ``[uncertainty]`` table: the written values
lie inside the ranges, and the case page maps every numbered ASSUMPTION to an uncertain input
or says why it has none.

The page's table (section "Which assumptions decide which conclusions") has one row per
assumption and per disagreement of the sources (``D1``, ...), three cells each: the label, what
it is, and either the inputs that vary it (backticked paths, keys of the table), as in
``| A7 | garden produce | `commodities.local_produce.production_per_day` |``, or the reason it
has none, ``| A1 | the need basket | not varied: <why> |``.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

import lachin_sim as ls
from lachin_sim.config.validation import field_at

MAPPING_ROW = re.compile(r"^\| ([AD]?\d+) \| [^|]+ \| (.+?) \|\s*$", re.MULTILINE)
PATH = re.compile(r"`([a-z_]+(?:\.[A-Za-z0-9_]+)+)`")


def plain(value: object) -> object:
    """A config value as plain data, without the free-text ``note`` fields (a linked schedule
    carries no notes)."""
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "note"}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def written_problems(path: str, derived: dict[str, float] | None = None) -> list[str]:
    """Inputs whose written value is outside its range: a number below its low end or above its
    high end (``derived`` gives the value of a field the config leaves to be derived, such as a
    requirement from the food need), or a choice none of whose options, with its linked values,
    gives back the scenario as written."""
    base = ls.load_scenario(path)
    written = plain(base.to_dict() | {"uncertainty": {}})
    problems = []
    for key, spec in base.uncertainty.items():
        _, current = field_at(base, key)
        if spec.dist != "choice":
            value = (derived or {}).get(key) if current is None else current
            low, high = spec.value_at(0.0), spec.value_at(1.0)
            if value is None or not low <= value <= high:
                problems.append(f"{key}: written {value} outside [{low}, {high}]")
            continue
        matches = []
        for k, (_, overrides) in enumerate(spec.end_overrides(key)):
            at = ls.load_scenario(path, overrides={**overrides, "uncertainty": {}})
            if plain(at.to_dict() | {"uncertainty": {}}) == written:
                matches.append(k)
        if len(matches) != 1:
            problems.append(f"{key}: options {matches} give the scenario as written (want one)")
    return problems


def page_mapping(text: str) -> dict[str, str]:
    """The page's rows 'assumption -> inputs, or why not' (label -> the row's second cell)."""
    section = text.split("## Which assumptions decide which conclusions", 1)[1]
    section = section.split("\n## ", 1)[0]
    return {m.group(1): m.group(2) for m in MAPPING_ROW.finditer(section)}


def mapping_problems(scenario: ls.Scenario, labels: set[str], mapping: dict[str, str]) -> list[str]:
    """Assumptions (``labels``) with no row, rows with neither an input nor a reason, paths that
    are not inputs of the table, inputs no row names, and notes that cite an assumption their
    input is not mapped to."""
    problems = [f"{a}: no row" for a in sorted(labels - set(mapping))]
    named: dict[str, set[str]] = {}
    for label, cell in mapping.items():
        paths = PATH.findall(cell)
        if not paths and not re.match(r"not varied: \w+(\W+\w+){4,}", cell):
            problems.append(f"{label}: neither an input nor a reason (not varied: ...): {cell}")
        for p in paths:
            if p not in scenario.uncertainty:
                problems.append(f"{label}: {p} is not an uncertain input of the scenario")
            named.setdefault(p, set()).add(label)
    for key, spec in scenario.uncertainty.items():
        if key not in named:
            problems.append(f"{key}: no row of the page names it")
            continue
        cited = set(re.findall(r"\bASSUMPTIONS? (A?\d+)(?: and (A?\d+))?", spec.note))
        for label in {c for pair in cited for c in pair if c}:
            if label not in named[key]:
                problems.append(f"{key}: its note cites {label}, the page maps it to {named[key]}")
    return problems
