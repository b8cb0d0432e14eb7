"""The ``[health]`` table: how food energy becomes body weight, malnutrition and deaths.

Health is off when a scenario has no ``[health]`` table. Every default cites a row of
``data/health.csv`` as ``[health:ROW]`` (the physiology reference, ``docs/health.md``) or of
``data/standards.csv`` as ``[standards:ROW]``; numbers without a source are marked ASSUMPTION, with the
range ``docs/health.md`` discusses. Units are in the field names: ``_kcal_per_person_day``,
``_per_10k_day`` (deaths per 10,000 people per day), ``_m`` (metres), ``_years``; BMI in kg/m²;
weight-for-height in z-scores (WHZ); shares are fractions 0..1.

Physiology is given per population group: ``[health.groups.NAME]`` overrides, field by field,
``[health.default]``, which describes any group not listed. Until population groups exist, a
scenario has one implicit group, ``all``.

>>> cfg = HealthConfig.model_validate({"groups": {"all": {"male": {"height_m": 1.8}}}})
>>> cfg.physiology("all").male.height_m, cfg.physiology("all").male.lethal_bmi
(1.8, 13.0)
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from lachin_sim.errors import Problem

from .types import MODEL_CONFIG, Integer, NonNegative, Positive, Real
from .types import Probability as Share

# Reporting cut-offs (not configurable: the output columns are named after them).
BMI_CUTOFFS = (
    18.5,
    17.0,
    16.0,
    13.0,
)  # kg/m²: [health:G1] normal, [health:G2]-[health:G4] grades, [health:G5] fatal (men)
WHZ_GAM = -2.0  # global acute malnutrition, WHZ < -2 [health:I1]
WHZ_SAM = -3.0  # severe acute malnutrition, WHZ < -3 [health:I2]
FAMINE_GAM_SHARE = 0.30  # IPC Famine: GAM >= 30 % of children [health:K3]
AGGREGATE = "all"  # name of the all-groups row of the health table


def bmi_column(cutoff: float) -> str:
    """Column name of the share of adults below a BMI cut-off, e.g. ``share_bmi_below_18_5``."""
    return f"share_bmi_below_{cutoff:g}".replace(".", "_")


class HealthTable(BaseModel):
    """Base for the health tables: unknown fields are errors, not silently ignored."""

    model_config = MODEL_CONFIG


class Access(HealthTable):
    """How a group's food is spread over its bands (percentile groups of access).

    Intakes are shares of each person's requirement. ``equal``: every band the same share.
    ``linear`` (Clingendael, [health:L4]-[health:L6], [health:L8]): share = clip(b0 + slope x
    percentile, floor, ceiling) with b0 solved so the group eats exactly its food. ``lognormal``: shares
    proportional to log-normal quantiles with coefficient of variation ``cv``, capped at
    ``ceiling_share`` and scaled so the group eats exactly its food.
    """

    strategy: Literal["equal", "linear", "lognormal"] = "linear"  # Clingendael [health:L4]
    # linear: 11.9 kcal per percentile [health:L4] / 2,200 kcal [health:A21]
    slope_share_per_percentile: NonNegative = 0.00541
    floor_share: Share = 0.4545  # linear: 1,000 of 2,200 kcal [health:L5], [health:A21]
    # linear, lognormal: 2,200 kcal = the requirement [health:L6], [health:A21]
    ceiling_share: Positive = 1.0
    cv: NonNegative = 0.38  # lognormal: CV of intake [health:L13]; Armenia is a GAP [health:L14]


class EnergyBalance(HealthTable):
    """Adaptation of energy expenditure in Hall et al.'s energy balance ([health:D1]-[health:D9]).

    Adaptive thermogenesis AT = ``adaptation_fraction`` x (intake - requirement), bounded by
    ``max_adaptation_share_of_rmr`` x the starting resting metabolic rate. It stands for every
    fall of expenditure beyond the loss of tissue (thermogenesis and less activity).
    """

    # ASSUMPTION, fitted to Minnesota [health:E1]-[health:E6]; range 0.28-0.40; Hall's own
    # 0.14 [health:D5] over-predicts Minnesota's loss [health:E17]
    adaptation_fraction: Annotated[Real, Field(ge=0, lt=0.9)] = 0.34
    # ASSUMPTION: >= 0.28 (Minnesota), <= 0.35 (survival times [health:H16], [health:H17])
    max_adaptation_share_of_rmr: NonNegative = 0.30
    # ASSUMPTION: least starting fat, where [health:D8]/[health:D9] give less (below the BMI
    # of [health:D10]); range 0.02-0.05
    min_fat_fraction: Annotated[Real, Field(gt=0, lt=0.5)] = 0.03


class Mortality(HealthTable):
    """Excess hazards (adults: BMI, Clingendael; children: wasting) and the reporting thresholds."""

    excess_scale_per_month: Positive = 0.00028  # delta [health:H1]; notebook 0.00023
    excess_exponent: Positive = 1.33  # gamma [health:H2]; notebook 1.36
    excess_below_bmi: Positive = 18.5  # kg/m²: no excess hazard above [health:H3]
    # ASSUMPTION: Clingendael caps at 1 [health:H8]; range 0.9-0.999
    max_monthly_excess_probability: Annotated[Real, Field(gt=0, lt=1)] = 0.99
    # WHZ -2..-1 and -3..-2: proxies, the underweight HRs [health:I8], [health:I7]
    wasting_hr_mild: Annotated[Real, Field(ge=1)] = 1.52
    wasting_hr_moderate: Annotated[Real, Field(ge=1)] = 2.63
    wasting_hr_severe: Annotated[Real, Field(ge=1)] = 11.63  # WHZ < -3 vs >= -1 [health:I5]
    # ASSUMPTION switch (sensitivity): a child's excess hazard at least its proxy adult's
    child_hazard_from_proxy_adult: bool = False
    famine_cdr_per_10k_day: Positive = 2.0  # IPC Famine crude death rate [health:K1]
    # Sphere emergency: 2 x baseline [health:K9], [standards:57]
    emergency_multiple_of_baseline: Positive = 2.0


class SexPhysiology(HealthTable):
    """Body size, starting BMI distribution and survival limit of one sex in a group.

    A ``male`` or ``female`` table states only what differs from that sex's defaults
    (the code defaults below are the women's; the men's are in ``MALE``)."""

    # ASSUMPTION (no Armenian row): women 1.62, men 1.75 m, as [health:D11]
    height_m: Annotated[Real, Field(gt=0.5, lt=2.5)] = 1.62
    # kg/m², starting; ASSUMPTION (GAP [health:F6]), see MALE and FEMALE; SD within [health:F8]
    bmi_mean: Annotated[Real, Field(gt=5, lt=80)] = 25.0
    bmi_sd: NonNegative = 3.7
    # one starting BMI per band, band 0 first; replaces bmi_mean and bmi_sd
    bmi_bands: list[Annotated[Real, Field(gt=5, lt=80)]] | None = None
    # kg/m², mean survival limit and its spread between people: women [health:G6], men [health:G5]
    lethal_bmi: Annotated[Real, Field(gt=5, lt=25)] = 11.0
    lethal_bmi_cv: Annotated[Real, Field(ge=0, lt=0.3)] = 0.14


# Men: 45 % at BMI >= 25 [health:F1] and about 4 % below 18.5 as F5: mean 24.5, SD 3.5 (F8).
MALE = {
    "height_m": 1.75,
    "bmi_mean": 24.5,
    "bmi_sd": 3.5,
    "lethal_bmi": 13.0,
    "lethal_bmi_cv": 0.087,
}
# Women: 50 % at BMI >= 25 [health:F2] and 4 % below 18.5 [health:F5]: mean 25.0, SD 3.7 (F8).
FEMALE = {
    "height_m": 1.62,
    "bmi_mean": 25.0,
    "bmi_sd": 3.7,
    "lethal_bmi": 11.0,
    "lethal_bmi_cv": 0.14,
}
LETHAL_SPREAD_SD = 3.0  # weight floor: lethal_bmi x (1 - 3 cv); nobody is alive below it


class GroupPhysiology(HealthTable):
    """Who the people of one population group are: sex mix, age, activity, requirement,
    background mortality; for children, their wasting."""

    # True: children; wasting (WHZ) reported, weight follows a proxy adult [health:I16]
    child: bool = False
    male_share: Share = 0.5  # ASSUMPTION; range 0.45-0.55
    # adults, or a child group's proxy adults; ASSUMPTION, range 30-50
    age_years: Annotated[Real, Field(ge=18, le=100)] = 40.0
    # physical activity level [health:D7]; range 1.4-1.85 [health:A18], [health:A19]
    pal: Annotated[Real, Field(ge=1.0, le=2.5)] = 1.5
    requirement_kcal_per_person_day: Positive | None = None  # None: the scenario's food need
    # deaths per 10,000 per day: Armenia H1 2022 ([standards:57]); other cases their own
    background_cdr_per_10k_day: NonNegative = 0.27
    whz_mean: Real = -0.27  # children: starting mean WHZ, 4.2 % < -2 with SD 1 [health:I21]
    whz_sd: Positive = 1.0  # children: ASSUMPTION (WHO reference SD); range 0.9-1.2
    # children's relative weight loss / their proxy adult's [health:I16]; range 0.7-1.3
    child_loss_ratio: NonNegative = 1.0
    # ASSUMPTION (GAP): WHZ change = ln(weight / starting weight) / cv; range 0.08-0.10
    weight_for_height_cv: Annotated[Real, Field(gt=0, lt=1)] = 0.09
    male: SexPhysiology = SexPhysiology(**MALE)
    female: SexPhysiology = SexPhysiology(**FEMALE)

    @model_validator(mode="before")
    @classmethod
    def _sexes_start_from_their_defaults(cls, raw: object) -> object:
        """A ``male`` table laid over the men's defaults, ``female`` over the women's."""
        if not isinstance(raw, dict):
            return raw
        out = dict(raw)
        for sex, defaults in (("male", MALE), ("female", FEMALE)):
            table = out.get(sex)
            if isinstance(table, BaseModel):
                table = table.model_dump(exclude_unset=True)
            if isinstance(table, dict):
                out[sex] = {**defaults, **table}
        return out


class HealthConfig(HealthTable):
    """The health component: bands, access, energy balance, mortality, group physiology."""

    # percentile groups of access per population group [health:L1]; 1 = everyone equal
    bands: Annotated[Integer, Field(ge=1, le=1000)] = 100
    output_bands: bool = False  # also build the health_bands table (date x group x sex x band)
    access: Access = Access()
    energy: EnergyBalance = EnergyBalance()
    mortality: Mortality = Mortality()
    default: GroupPhysiology = GroupPhysiology()
    # per population group, laid field by field over `default`
    groups: dict[str, GroupPhysiology] = {}

    @model_validator(mode="before")
    @classmethod
    def _groups_inherit_default(cls, raw: object) -> object:
        """Each ``groups.NAME`` table starts from ``default``: a group states only what differs."""
        if not isinstance(raw, dict) or not isinstance(raw.get("groups"), dict):
            return raw
        base = raw.get("default", {})
        if isinstance(base, BaseModel):
            base = base.model_dump(exclude_unset=True)
        if not isinstance(base, dict):
            return raw
        groups = {}
        for name, table in raw["groups"].items():
            if isinstance(table, BaseModel):
                table = table.model_dump(exclude_unset=True)
            groups[name] = _merge(base, table) if isinstance(table, dict) else table
        return {**raw, "groups": groups}

    def physiology(self, group: str) -> GroupPhysiology:
        """The physiology of ``group``: its own table, or ``default``."""
        return self.groups.get(group, self.default)


def _merge(base: dict, update: dict) -> dict:
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def floor_bmi(sex: SexPhysiology) -> float:
    """BMI below which nobody survives: the weight floor of the energy balance (kg/m²)."""
    return sex.lethal_bmi * (1 - LETHAL_SPREAD_SD * sex.lethal_bmi_cv)


def starting_bmis(sex: SexPhysiology, bands: int) -> list[float]:
    """Starting BMI of each band, lowest first: ``bmi_bands``, or normal quantiles of
    ``bmi_mean``/``bmi_sd`` at the band midpoints (band b covers percentiles b/n..(b+1)/n)."""
    from statistics import NormalDist

    if sex.bmi_bands is not None:
        return list(sex.bmi_bands)
    if sex.bmi_sd == 0 or bands == 1:
        return [sex.bmi_mean] * bands
    normal = NormalDist(sex.bmi_mean, sex.bmi_sd)
    return [normal.inv_cdf((b + 0.5) / bands) for b in range(bands)]


def health_problems(health: HealthConfig | None, group_names: list[str]) -> list[Problem]:
    """Cross-field checks of the ``[health]`` table against the scenario's population groups."""
    if health is None:
        return []
    out: list[Problem] = []
    defined = ", ".join(group_names)
    for name in health.groups:
        if name not in group_names:
            out.append(Problem(f"health.groups.{name}", name,
                               f"unknown population group; defined: {defined}"))  # fmt: skip
    if AGGREGATE in group_names and len(group_names) > 1:
        out.append(Problem("health", AGGREGATE, f"a population group may be named "
                           f"'{AGGREGATE}' only when it is the only group (the health table "
                           "uses the name for the total of all groups)"))  # fmt: skip
    a = health.access
    if a.strategy == "linear" and a.floor_share >= a.ceiling_share:
        out.append(Problem("health.access.floor_share", a.floor_share,
                           f"must be below ceiling_share ({a.ceiling_share:g})"))  # fmt: skip
    tables = [("default", health.default)] + [(f"groups.{n}", g) for n, g in health.groups.items()]
    for where, group in tables:
        for sex_name in ("male", "female"):
            sex: SexPhysiology = getattr(group, sex_name)
            if where != "default" and sex == getattr(health.default, sex_name):
                continue  # inherited unchanged: reported under health.default if wrong
            path = f"health.{where}.{sex_name}"
            if sex.bmi_bands is not None:
                if len(sex.bmi_bands) != health.bands:
                    out.append(Problem(f"{path}.bmi_bands", f"{len(sex.bmi_bands)} values",
                                       f"needs one starting BMI per band (health.bands = "
                                       f"{health.bands})"))  # fmt: skip
                    continue
                if any(b > c for b, c in zip(sex.bmi_bands, sex.bmi_bands[1:], strict=False)):
                    out.append(Problem(f"{path}.bmi_bands", sex.bmi_bands,
                                       "must not decrease: band 0 has the least access"))  # fmt: skip
            lowest = min(starting_bmis(sex, health.bands))
            if lowest <= sex.lethal_bmi:
                field = "bmi_bands" if sex.bmi_bands is not None else "bmi_sd"
                out.append(Problem(f"{path}.{field}", getattr(sex, field),
                                   f"the lowest band starts at BMI {lowest:.1f}, at or below "
                                   f"lethal_bmi ({sex.lethal_bmi:g})"))  # fmt: skip
    return out
