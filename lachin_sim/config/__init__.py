"""Scenario configs: the schema (``schema``), reading TOML files (``files``), dotted-path
overrides (``paths``) and validation (``validation``). ``load_scenario`` ties them together.

>>> from lachin_sim.config import load_scenario
>>> load_scenario("configs/baseline_open.toml", overrides=["seed=7"]).seed
7
"""

from __future__ import annotations

import os

from .distributions import Distribution
from .files import deep_merge, read_config, read_toml
from .paths import get_dotted, parse_override, set_dotted
from .schema import Scenario
from .validation import cross_checks, validate_scenario


def load_scenario(
    path: str | os.PathLike, overrides: list[str] | dict[str, object] | None = None
) -> Scenario:
    """Read a TOML scenario, apply ``dotted.path=value`` overrides, validate it.

    Raises :class:`ConfigError` naming the file, each bad field, its value and what is allowed.
    """
    return validate_scenario(read_config(path), source=str(path), overrides=overrides)


__all__ = [
    "Distribution",
    "Scenario",
    "cross_checks",
    "deep_merge",
    "get_dotted",
    "load_scenario",
    "parse_override",
    "read_config",
    "read_toml",
    "set_dotted",
    "validate_scenario",
]
