"""The scenario schema: one TOML file, validated into typed objects.

Every other module receives these objects, never raw dicts. Units: time in days unless a field
name ends in ``_h`` (hours); mass in tonnes (``t``); other commodities in the unit their
``unit`` field names. Intervals are half-open: ``[start, end)``, so ``end`` is the first day
back to normal. The field-by-field reference is ``docs/config_reference.md``.

>>> from lachin_sim.config import load_scenario
>>> scenario = load_scenario("configs/baseline_open.toml", overrides=["seed=7"])
>>> scenario.seed
7
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .distributions import Distribution, Fixed
from .errors import ConfigError, Problem

NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
Probability = Annotated[float, Field(ge=0, le=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveInt = Annotated[int, Field(gt=0)]

DEFAULT_OPERATORS = ["commercial", "humanitarian", "peacekeeper"]


class Model(BaseModel):
    """Base for all config tables: unknown fields are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Outflow(Model):
    """People leaving the population (evacuation, exodus), spread evenly over [start, end)."""

    start: dt.date
    end: dt.date | None = None  # exclusive; None = the single day `start`
    people: NonNegative
    note: str = ""


class Population(Model):
    initial: PositiveInt  # people present on the start date
    outflows: list[Outflow] = []


class Commodity(Model):
    """One stock: its unit, need, local production, losses and storage."""

    unit: str  # "t" for anything trucks carry; e.g. "m3" for gas, "kWh" for electricity
    initial_stock: NonNegative = 0.0  # unit
    need_per_person_day: NonNegative  # unit / person / day, full standard (not the ration)
    monthly_need_factors: list[NonNegative] | None = None  # 12 multipliers, Jan..Dec
    production_per_day: NonNegative = 0.0  # local production, unit / day
    spoilage_per_day: Annotated[float, Field(ge=0, lt=1)] = 0.0  # fraction of stock lost / day
    shelf_life_days: Positive | None = None  # batches expire this long after arrival
    storage_capacity: NonNegative | None = None  # unit; None = unlimited, 0 = not storable
    kcal_per_unit: Positive | None = None  # energy density, kcal / unit (food reporting)


class Regime(Model):
    """What the corridor lets through while this regime holds."""

    description: str = ""
    allowed_operators: list[str]
    capacity_trucks_per_day: NonNegativeInt | None = (
        None  # trucks clearing per day; None = unlimited
    )
    inspection_lanes: NonNegativeInt = 0  # 0 = no inspection
    inspection_time_h: Distribution = Fixed(value=0.0)  # hours per truck
    denial_probability: Probability = 0.0  # truck turned back, cargo kept by its operator
    confiscation_probability: Probability = 0.0  # cargo seized at the checkpoint
    extra_delay_h: Distribution = Fixed(value=0.0)  # hours added after the checkpoint
    blocked_trucks: Literal["hold", "turn_back"] = "hold"  # trucks whose operator may not pass


class TimelineEntry(Model):
    start: dt.date
    regime: str
    note: str = ""


class RandomClosures(Model):
    """Unannounced closures overlaid on the timeline: Poisson starts, random durations."""

    rate_per_day: NonNegative  # closures per day of non-closure time
    duration_days: Distribution
    regime: str = "closed"  # the regime in force during a closure


class Corridor(Model):
    description: str = ""
    travel_to_checkpoint_h: Distribution = Fixed(value=0.0)  # hours, per convoy
    travel_from_checkpoint_h: Distribution = Fixed(value=0.0)  # hours, per truck
    timeline: list[TimelineEntry] = Field(min_length=1)
    random_closures: RandomClosures | None = None


class DatedConvoy(Model):
    date: dt.date
    trucks: PositiveInt
    tonnes: Positive | None = None  # whole convoy, split evenly; default trucks x payload_t
    note: str = ""


class ConvoySource(Model):
    """A sender of trucks: who operates them, when they leave, what they carry."""

    enabled: bool = True  # False: the source sends nothing (switch it off in a variant)
    operator: str
    corridor: str
    schedule: Literal["poisson", "regular", "dated"] = "poisson"
    trucks_per_day: NonNegative = 0.0  # mean trucks / day (poisson, regular)
    convoy_size: PositiveInt = 1  # trucks leaving together
    jitter_h: NonNegative = (
        0.0  # hours: regular +-jitter_h; dated delayed by 0..jitter_h; poisson: unused
    )
    departures: list[DatedConvoy] = []  # schedule = "dated"
    payload_t: Positive  # tonnes per truck
    cargo: dict[str, Probability]  # share of payload by commodity; sums to 1
    active_from: dt.date | None = None  # poisson/regular; default: scenario start
    active_until: dt.date | None = None  # poisson/regular, exclusive; default: scenario end
    dispatch_when_blocked: bool = False  # send trucks even while the corridor bars them


class Outage(Model):
    start: dt.date
    end: dt.date | None = None  # exclusive; None = until the scenario ends
    capacity_factor: Probability = 0.0  # 0 = cut, 0.1 = 90 % cut
    note: str = ""


class Link(Model):
    """Pipeline or power line from outside: delivers up to its capacity when demand or storage allow."""

    commodity: str
    capacity_per_day: NonNegative  # commodity unit / day
    outages: list[Outage] = []


class Hydro(Model):
    """Hydro plant drawing a reservoir down; output follows demand."""

    commodity: str = "electricity"
    capacity_per_day: NonNegative  # commodity unit / day (MW x 24,000 for kWh)
    output_per_m3: Positive  # commodity unit per m3 of water released
    reservoir_initial_m3: NonNegative
    reservoir_max_m3: Positive
    dead_volume_m3: NonNegative = 0.0  # below this no water can be released
    inflow_m3_per_day: NonNegative = 0.0
    monthly_inflow_factors: list[NonNegative] | None = None  # 12 multipliers, Jan..Dec


class Generator(Model):
    """Generators burning a fuel commodity; output follows demand, fuel first."""

    commodity: str = "electricity"
    fuel: str = "fuel"
    capacity_per_day: NonNegative  # commodity unit / day
    fuel_per_unit: Positive  # fuel unit per commodity unit produced


class RationStep(Model):
    below_days_of_supply: Positive  # the step applies when days of supply fall below this
    ration: Probability  # fraction of full need distributed


class RationCap(Model):
    """A dated ration decision, e.g. coupon rationing."""

    commodity: str
    start: dt.date
    end: dt.date | None = None  # exclusive; None = until the scenario ends
    ration: Probability
    note: str = ""


class Rationing(Model):
    thresholds: dict[str, list[RationStep]] = {}  # per commodity
    caps: list[RationCap] = []


class SeverityBand(Model):
    name: str
    min_share_met: Probability  # an episode is in the first band whose minimum it reaches


class KeyDate(Model):
    date: dt.date
    label: str


DEFAULT_SEVERITY = [
    SeverityBand(name="stress", min_share_met=0.75),
    SeverityBand(name="severe", min_share_met=0.5),
    SeverityBand(name="extreme", min_share_met=0.0),
]


class Scenario(Model):
    """A whole scenario: the root of a config file."""

    name: str
    description: str = ""
    start: dt.date
    end: dt.date  # exclusive: the last simulated day is end - 1
    seed: NonNegativeInt = 0
    tick_days: Annotated[float, Field(gt=0, le=7)] = 1.0  # consumption tick, days
    operators: list[str] = DEFAULT_OPERATORS
    population: Population
    commodities: dict[str, Commodity] = Field(min_length=1)
    regimes: dict[str, Regime] = Field(min_length=1)
    corridors: dict[str, Corridor] = Field(min_length=1)
    convoys: dict[str, ConvoySource] = {}
    links: dict[str, Link] = {}
    hydro: dict[str, Hydro] = {}
    generators: dict[str, Generator] = {}
    rationing: Rationing = Rationing()
    severity_bands: list[SeverityBand] = DEFAULT_SEVERITY
    key_dates: list[KeyDate] = []

    @property
    def days(self) -> int:
        """Length of the scenario in days."""
        return (self.end - self.start).days

    def day_of(self, date: dt.date) -> float:
        """Simulation time (days since start) of a date's midnight."""
        return float((date - self.start).days)

    def to_dict(self) -> dict:
        """JSON-ready dict of the resolved config (dates as ISO strings)."""
        return json.loads(self.model_dump_json())

    def digest(self) -> str:
        """SHA-256 of the resolved config, for provenance in saved results."""
        import hashlib

        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def load_scenario(
    path: str | os.PathLike, overrides: list[str] | dict[str, object] | None = None
) -> Scenario:
    """Read a TOML scenario, apply ``dotted.path=value`` overrides, validate it.

    Raises :class:`ConfigError` naming the file, each bad field, its value and what is allowed.
    """
    from .validation import validate_scenario

    return validate_scenario(read_config(path), source=str(path), overrides=overrides)


def read_config(path: str | os.PathLike, _seen: tuple[Path, ...] = ()) -> dict:
    """Raw TOML dict of a config, with ``extends = "base.toml"`` resolved.

    A config that extends another starts from the base (path relative to the config's folder)
    and deep-merges its own tables over it: tables merge key by key, values and lists replace.
    """
    path = Path(path)
    raw = read_toml(path)
    base_name = raw.pop("extends", None)
    if base_name is None:
        return raw
    if not isinstance(base_name, str):
        raise ConfigError(str(path), [Problem("extends", base_name, "must be a file path")])
    base_path = (path.parent / base_name).resolve()
    if base_path in _seen or base_path == path.resolve():
        raise ConfigError(
            str(path), [Problem("extends", base_name, "configs extend each other in a loop")]
        )
    return deep_merge(read_config(base_path, (*_seen, path.resolve())), raw)


def read_toml(path: str | os.PathLike) -> dict:
    """Parse a TOML file; any reason it cannot be read becomes a ConfigError naming the file."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), [Problem("", None, "file not found")]) from None
    except IsADirectoryError:
        raise ConfigError(str(path), [Problem("", None, "is a folder, not a TOML file")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            str(path), [Problem("", None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
        ) from None
    except OSError as exc:
        raise ConfigError(
            str(path), [Problem("", None, f"cannot be read: {exc.strerror}")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [Problem("", None, f"not valid TOML: {exc}")]) from None


def deep_merge(base: dict, update: dict) -> dict:
    """``base`` with ``update`` laid over it: nested tables merge, everything else replaces."""
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def parse_override(text: str) -> tuple[str, object]:
    """Split ``a.b.c=value``; the value is read as TOML (numbers, booleans, dates, lists, tables),
    falling back to a plain string."""
    if "=" not in text:
        raise ConfigError("--set", [Problem(text, None, "expected dotted.path=value")])
    path, _, value_text = text.partition("=")
    try:
        value = tomllib.loads(f"v = {value_text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = value_text.strip()
    return path.strip(), value


def set_dotted(raw: dict, path: str, value: object) -> None:
    """Set ``raw[a][b][c] = value`` for ``path = "a.b.c"``; integer parts index lists.

    Missing tables are created, so a field left at its default can be overridden; a name that
    the schema does not know is reported when the result is validated.
    """
    parts = path.split(".")
    node: object = raw
    for depth, part in enumerate(parts[:-1]):
        node = _child(node, part, path, depth, create=True)
    last = parts[-1]
    if isinstance(node, list):
        node[_index(node, last, path)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ConfigError("--set", [Problem(path, value, f"{'.'.join(parts[:-1])} is not a table")])


def get_dotted(raw: dict, path: str) -> object:
    """Value at a dotted path of a raw config dict (KeyError if absent)."""
    node: object = raw
    for depth, part in enumerate(path.split(".")):
        node = _child(node, part, path, depth, create=False)
    return node


def _index(node: list, part: str, path: str) -> int:
    try:
        index = int(part)
        node[index]
    except (ValueError, IndexError):
        raise ConfigError(
            "--set",
            [Problem(path, part, f"list index out of range (0..{len(node) - 1})")],
        ) from None
    return index


def _child(node: object, part: str, path: str, depth: int, create: bool) -> object:
    if isinstance(node, list):
        return node[_index(node, part, path)]
    if isinstance(node, dict):
        if part not in node:
            if not create:
                raise KeyError(path)
            node[part] = {}
        return node[part]
    prefix = ".".join(path.split(".")[:depth])
    raise ConfigError("--set", [Problem(path, None, f"{prefix} holds a value, not a table")])
