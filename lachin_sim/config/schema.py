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

from pydantic import Field, PrivateAttr

from .distributions import Distribution, Fixed
from .health import HealthConfig
from .policies import Rationing, ReleaseRule
from .population import Population
from .types import (
    Fraction,
    Model,
    Moment,
    NonNegative,
    NonNegativeInt,
    Positive,
    PositiveInt,
    Priority,
    Probability,
    moment_days,
)
from .uncertainty import UncertainInput

DEFAULT_OPERATORS = ["commercial", "humanitarian", "peacekeeper"]


class Use(Model):
    """One use of a commodity (e.g. fuel for hospitals, public transport, households), with its
    own need and priority: when the ration or the stock cannot cover every use, the lowest
    priority (highest number) is cut first; uses of equal priority share in proportion."""

    description: str = ""
    need_per_person_day: NonNegative = 0.0  # unit / person / day, times the people of `groups`
    need_per_day: NonNegative = 0.0  # unit / day whatever the population (e.g. a hospital)
    groups: list[str] | None = None  # groups whose people count for the per-person need
    monthly_need_factors: list[NonNegative] | None = (
        None  # 12 multipliers (default: the commodity's)
    )
    priority: Priority = 1  # 0 is served first
    outcome: str = ""  # what the use keeps going, e.g. "public transport runs"
    outcome_min_share: Probability = 1.0  # the outcome holds while share of need met >= this


class Commodity(Model):
    """One stock: its unit, need, local production, losses and storage."""

    unit: str  # "t" for anything trucks carry; e.g. "m3" for gas, "kWh" for electricity
    initial_stock: NonNegative = 0.0  # unit
    need_per_person_day: NonNegative = 0.0  # unit / person / day, full standard (not the ration)
    uses: dict[str, Use] = {}  # or: the need split into uses (then need_per_person_day = 0)
    monthly_need_factors: list[NonNegative] | None = None  # 12 multipliers, Jan..Dec
    production_per_day: NonNegative = 0.0  # local production, unit / day
    spoilage_per_day: Fraction = 0.0  # fraction of stock lost / day
    shelf_life_days: Positive | None = None  # batches expire this long after arrival
    storage_capacity: NonNegative | None = None  # unit; None = unlimited, 0 = not storable
    kcal_per_unit: Positive | None = None  # energy density, kcal / unit (food reporting)

    @property
    def has_need(self) -> bool:
        """Whether anyone needs this commodity (a commodity like "other goods" has no need)."""
        return self.need_per_person_day > 0 or any(
            u.need_per_person_day > 0 or u.need_per_day > 0 for u in self.uses.values()
        )


class CargoRule(Model):
    """What a regime does to trucks carrying one commodity (e.g. no fuel through a checkpoint)."""

    denial_probability: Probability = 0.0  # a truck carrying it is turned back, cargo kept
    confiscated_share: Probability = 0.0  # share of its cargo seized from trucks that pass


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
    hold_probability: Probability = 0.0  # chance an inspected truck is held before clearing
    hold_time_h: Distribution = Fixed(value=0.0)  # hours such a hold lasts
    cargo_rules: dict[str, CargoRule] = {}  # commodity -> rule for trucks carrying it


class TimelineEntry(Model):
    start: dt.date
    regime: str
    note: str = ""


class RandomClosures(Model):
    """Unannounced closures overlaid on the timeline: Poisson starts, random durations."""

    rate_per_day: NonNegative  # closures per day of non-closure time
    duration_days: Distribution
    regime: str = "closed"  # the regime in force during a closure
    monthly_rate_factors: list[NonNegative] | None = None  # 12 multipliers, Jan..Dec (seasons)


class CorridorEvent(Model):
    """A dated intervention that bars some operators (or all) for an interval while the regime
    would let them pass, e.g. a two-day halt or a 14-hour hold of one operator's trucks."""

    start: Moment
    end: Moment  # exclusive
    operators: list[str] | None = None  # None = every operator
    blocked_trucks: Literal["hold", "turn_back"] = "hold"  # what trucks meeting it do
    note: str = ""


class CapacityStep(Model):
    """From ``start``, at most ``trucks_per_day`` clear the checkpoint (None = no limit)."""

    start: dt.date
    trucks_per_day: NonNegativeInt | None = None  # absent: no limit from this date
    note: str = ""


class Corridor(Model):
    description: str = ""
    travel_to_checkpoint_h: Distribution = Fixed(value=0.0)  # hours, per convoy
    travel_from_checkpoint_h: Distribution = Fixed(value=0.0)  # hours, per truck
    timeline: list[TimelineEntry] = Field(min_length=1)
    random_closures: RandomClosures | None = None
    events: list[CorridorEvent] = []  # dated bars and holds laid over the regimes
    capacity: list[CapacityStep] = []  # a dated daily capacity (the lower of it and the regime's)


class DatedConvoy(Model):
    date: dt.date
    trucks: PositiveInt
    tonnes: Positive | None = None  # whole convoy, split evenly; default trucks x payload_t
    note: str = ""


class RateStep(Model):
    """From ``date``, the source's rate is ``per_day`` (in its ``rate_unit``)."""

    date: dt.date
    per_day: NonNegative
    note: str = ""


class ConvoySource(Model):
    """A sender of vehicles: who operates them, which way they go, when, what they carry."""

    enabled: bool = True  # False: the source sends nothing (switch it off in a variant)
    operator: str
    corridor: str
    direction: Literal["in", "out"] = "in"  # in: towards the population; out: leaving it
    schedule: Literal["poisson", "regular", "dated", "flow"] = "poisson"
    trucks_per_day: NonNegative = 0.0  # mean vehicles / day (poisson, regular, flow)
    rates: list[RateStep] = []  # or: a dated rate schedule, in rate_unit per day
    rate_unit: Literal["vehicles", "tonnes", "people"] = "vehicles"  # unit of `rates`
    rate_interpolation: Literal["step", "linear"] = "step"  # between the dates of `rates`
    convoy_size: PositiveInt = 1  # vehicles leaving together
    jitter_h: NonNegative = (
        0.0  # hours: regular +-jitter_h; dated delayed by 0..jitter_h; poisson: unused
    )
    departures: list[DatedConvoy] = []  # schedule = "dated"
    payload_t: NonNegative = 0.0  # tonnes per vehicle (0 for ambulances, personnel vehicles)
    cargo: dict[str, Probability] = {}  # share of payload by commodity; sums to 1
    passengers: NonNegative = 0.0  # people per vehicle: evacuated (out) or arriving (in)
    group: str | None = None  # the group passengers leave or join (None = in proportion)
    returns: bool = False  # vehicles that unloaded drive back out (an exit crossing)
    return_passengers: NonNegative = 0.0  # people each returning vehicle takes out (from `group`)
    turnaround_h: Distribution = Fixed(value=0.0)  # hours from unloading to the return trip
    active_from: dt.date | None = None  # poisson/regular/flow; default: scenario start
    active_until: dt.date | None = None  # poisson/regular/flow, exclusive; default: end
    dispatch_when_blocked: bool = False  # send vehicles even while the corridor bars them


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
    release: ReleaseRule | None = None  # None = follow demand down to the dead volume


class Generator(Model):
    """Generators burning a fuel commodity; output follows demand, fuel first."""

    commodity: str = "electricity"
    fuel: str = "fuel"
    capacity_per_day: NonNegative  # commodity unit / day
    fuel_per_unit: Positive  # fuel unit per commodity unit produced
    priority: Priority = 0  # its claim on the fuel among the fuel's uses (0 = first)
    serves_priority: Priority | None = (
        None  # backup: covers only uses of this priority or higher (lower number); None = all
    )


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
    health: HealthConfig | None = None  # absent: no health component (docs/health.md)
    # dotted path -> what we don't know about that input; changes no run (docs/uncertainty.md)
    uncertainty: dict[str, UncertainInput] = {}

    # Where this scenario came from: {"source": file, "overrides": ["path=value", ...]}. Set by
    # validate_scenario; not part of the config, so neither to_dict() nor digest() see it.
    _provenance: dict = PrivateAttr(default_factory=dict)

    @property
    def provenance(self) -> dict:
        """``{"source": config path, "overrides": ["dotted.path=value", ...]}`` (may be empty)."""
        return self._provenance

    def with_provenance(self, source: str | None, overrides: list[str]) -> Scenario:
        """Record the config file and the overrides this scenario was built from; returns self."""
        self._provenance = {"source": source, "overrides": list(overrides)}
        return self

    def __eq__(self, other: object) -> bool:
        """Equal configs are equal scenarios, wherever they were read from (provenance aside)."""
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # mutable, like every pydantic model

    @property
    def days(self) -> int:
        """Length of the scenario in days."""
        return (self.end - self.start).days

    def day_of(self, moment: Moment) -> float:
        """Simulation time (days since start) of a date's midnight or of a datetime."""
        return moment_days(moment, self.start)

    @property
    def group_names(self) -> list[str]:
        """The population groups, in config order ("all" when none are defined)."""
        return list(self.population.group_sizes())

    def to_dict(self) -> dict:
        """JSON-ready dict of the resolved config (dates as ISO strings).

        Without health the dict has no ``health`` key, and without uncertain inputs no
        ``uncertainty`` key, so the resolved config and its digest are what they were before
        those tables existed."""
        out = json.loads(self.model_dump_json())
        if out.get("health") is None:
            out.pop("health", None)
        if not out.get("uncertainty"):
            out.pop("uncertainty", None)
        return out

    def digest(self) -> str:
        """SHA-256 of the resolved config, for provenance in saved results."""
        import hashlib

        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()
