"""Shared fixtures: a tiny scenario built in code, the shipped configs, and a CLI runner.

``make_scenario(**changes)`` returns a validated :class:`~lachin_sim.config.Scenario`; each
keyword replaces one top-level table of the tiny scenario below (a new ``start`` also moves the
road's first regime to it). ``make_raw`` gives the raw dict, for tests that edit it further or
expect validation to refuse it. Tests marked ``@pytest.mark.slow`` run only with ``--slow``.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from lachin_sim.cli import main
from lachin_sim.config.validation import validate_scenario

REPO = Path(__file__).resolve().parent.parent
OPERATORS = ["commercial", "humanitarian", "peacekeeper"]

# Fourteen days, 1,000 people, food and fuel, one open road and one humanitarian source.
TINY = {
    "name": "tiny",
    "start": dt.date(2023, 1, 1),
    "end": dt.date(2023, 1, 15),
    "seed": 11,
    "operators": OPERATORS,
    "population": {"initial": 1000},
    "commodities": {
        "food": {"unit": "t", "initial_stock": 10.0, "need_per_person_day": 0.001},
        "fuel": {"unit": "t", "initial_stock": 2.0, "need_per_person_day": 0.0002},
    },
    "regimes": {"open": {"allowed_operators": OPERATORS}},
    "corridors": {"road": {"timeline": [{"start": dt.date(2023, 1, 1), "regime": "open"}]}},
    "convoys": {
        "aid": {
            "operator": "humanitarian",
            "corridor": "road",
            "schedule": "poisson",
            "trucks_per_day": 1.0,
            "payload_t": 2.0,
            "cargo": {"food": 0.7, "fuel": 0.3},
        }
    },
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", default=False, help="also run slow tests")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def _make_raw(**changes: object) -> dict:
    raw = copy.deepcopy(TINY)
    raw.update(copy.deepcopy(changes))
    if "start" in changes and "corridors" not in changes:
        raw["corridors"]["road"]["timeline"][0]["start"] = raw["start"]  # keep the road open
    return raw


@pytest.fixture(scope="session")
def make_raw() -> Callable[..., dict]:
    """Factory: the tiny scenario as a raw dict, each keyword replacing a top-level table."""
    return _make_raw


@pytest.fixture(scope="session")
def make_scenario() -> Callable[..., object]:
    """Factory: the tiny scenario with top-level tables replaced, validated into a Scenario."""

    def make(**changes: object):
        return validate_scenario(_make_raw(**changes), source="<tiny>")

    return make


@pytest.fixture(scope="session")
def configs_dir() -> Path:
    """The folder of shipped scenario configs."""
    return REPO / "configs"


@dataclass
class CliRun:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture) -> Callable[..., CliRun]:
    """Call ``lachin_sim.cli.main(argv)``; returns the exit code and captured stdout/stderr."""

    def run(*argv: object) -> CliRun:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)

    return run
