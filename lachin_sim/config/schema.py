"""The scenario schema: the typed objects a TOML file is validated into.

Every other module receives these objects, never raw dicts. Units: time in days unless a field
name ends in ``_h`` (hours); mass in tonnes (``t``); other commodities in the unit their
``unit`` field names. Intervals are half-open: ``[start, end)``, so ``end`` is the first day
back to normal. The field-by-field reference is ``docs/config_reference.md``.

>>> from lachin_sim.config import load_scenario
>>> load_scenario("configs/baseline_open.toml", overrides=["seed=7"]).seed
7
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from .distributions import Distribution, Fixed
from .types import (
    MODEL_CONFIG,
    Fraction,
    NonNegative,
    NonNegativeInt,
    Positive,
    PositiveInt,
    Probability,
)

DEFAULT_OPERATORS = ["commercial", "humanitarian", "peacekeeper"]


class Model(BaseModel):
    """Base for all config tables: unknown fields are errors, not silently ignored; numbers are
    finite (see ``config.types``)."""

    model_config = MODEL_CONFIG


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
    spoilage_per_day: Fraction = 0.0  # fraction of stock lost / day
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
    tick_days: Annotated[Positive, Field(le=7)] = 1.0  # consumption tick, days
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
