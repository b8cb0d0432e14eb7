"""The health component of one run: food energy -> access -> weight -> hazard -> deaths.

Each population group is split into ``bands`` equal percentile groups of access, and each band
into men and women: one *cell* per (group, sex, band), all advanced together with numpy. Once per
tick, after the food was consumed, :meth:`HealthModel.step` takes each group's mean intake and
the people present, spreads the food over the bands (:mod:`.access`), advances every cell's body
weight (:mod:`.energy_balance`), and returns the expected deaths (:mod:`.mortality`): fractional
people, no random draws. :meth:`HealthModel.tables` builds the tidy tables once at the end.

Requirement (the intake that keeps a body at its starting weight): a group's requirement per
person is the scenario's food need for it (``need_kcal_per_person_day``) unless its physiology
sets ``requirement_kcal_per_person_day``. Among a group's adults it is split in proportion to
resting metabolic rate (a heavier body needs more; the group's mean stays the need). A child
group's bodies are *proxy adults* fed the same share of their own requirement (RMR x PAL) as
the children get of theirs; children lose ``child_loss_ratio`` times the proxy's relative weight
([health:I16]).

>>> import numpy as np
>>> from lachin_sim.config.health import HealthConfig
>>> hm = HealthModel(HealthConfig(), ["all"], np.array([1000.0]), tick_days=1.0,
...                  need_kcal_per_person_day=np.array([2100.0]))
>>> for k in range(30):
...     deaths = hm.step(k, np.array([2100.0]), hm.people)
>>> round(float(deaths.excess[0]), 9), round(float(deaths.background[0]), 4)  # fed: background only
(0.0, 0.027)
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from lachin_sim.config.health import (
    AGGREGATE,
    BMI_CUTOFFS,
    WHZ_GAM,
    WHZ_SAM,
    HealthConfig,
    bmi_column,
    floor_bmi,
    starting_bmis,
)
from lachin_sim.model.health.access import AccessRule
from lachin_sim.model.health.energy_balance import Bodies, resting_metabolic_rate
from lachin_sim.model.health.mortality import (
    PER_10K,
    adult_hazard_per_day,
    death_shares,
    lethal_share,
    wasting_hazard_ratio,
)

SEXES = ("male", "female")
MAX_CHILD_LOSS = 0.99  # a child's relative weight loss is kept below 1 (the log of what is left)
PEOPLE_TOLERANCE = 1e-6  # people: a group this small counts as empty


@dataclass(frozen=True)
class TickDeaths:
    """Expected deaths in one tick, per group (people, not rounded)."""

    background: np.ndarray
    excess: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return self.background + self.excess


class HealthModel:
    """Body weight, malnutrition and deaths of each population group, tick by tick."""

    def __init__(self, config: HealthConfig, groups: list[str], people: np.ndarray,
                 tick_days: float, need_kcal_per_person_day: np.ndarray | None = None):  # fmt: skip
        """``people``: initial people per group; ``need_kcal_per_person_day``: the scenario's
        food need per person of each group (needed unless every group's physiology sets
        ``requirement_kcal_per_person_day``)."""
        self.config, self.groups, self.tick_days = config, list(groups), float(tick_days)
        people = np.asarray(people, dtype=float)
        if people.shape != (len(self.groups),) or np.any(people < 0):
            raise ValueError(f"people: need one count >= 0 per group {self.groups}, got {people}")
        n, n_groups = config.bands, len(self.groups)
        self.access = AccessRule(config.access, n)
        phys = [config.physiology(g) for g in self.groups]
        need = self._requirements(phys, need_kcal_per_person_day)

        def per_cell(by_group_sex) -> np.ndarray:
            """(group, sex) values repeated over the bands: one value per cell."""
            return np.repeat(np.asarray(by_group_sex, dtype=float).ravel(), n)

        sexes = [[getattr(p, s) for s in SEXES] for p in phys]
        male_share = np.array([[p.male_share, 1 - p.male_share] for p in phys])
        self.group_of = np.repeat(np.arange(n_groups), len(SEXES) * n)
        self.sex_of = np.tile(np.repeat(np.arange(len(SEXES)), n), n_groups)
        self.band_of = np.tile(np.arange(n), n_groups * len(SEXES))
        self.child = per_cell([[p.child] * 2 for p in phys]).astype(bool)
        height = per_cell([[s.height_m for s in row] for row in sexes])
        bmi0 = np.array([[starting_bmis(s, n) for s in row] for row in sexes]).ravel()
        age = per_cell([[p.age_years] * 2 for p in phys])
        pal = per_cell([[p.pal] * 2 for p in phys])
        male = self.sex_of == 0
        weight0 = bmi0 * height**2
        rmr0 = resting_metabolic_rate(weight0, height, age, male)
        self.cell_people = per_cell(people[:, None] * male_share / n)
        # Requirement for access (kcal/person/day): adults split the group need by RMR.
        share0 = self.cell_people / np.maximum(people[self.group_of], PEOPLE_TOLERANCE)
        mean_rmr = np.bincount(self.group_of, share0 * rmr0, n_groups)
        mean_rmr = np.where(mean_rmr > 0, mean_rmr, np.bincount(self.group_of, rmr0) / (2 * n))
        self.requirement = np.where(self.child, need[self.group_of],
                                    need[self.group_of] * rmr0 / mean_rmr[self.group_of])  # fmt: skip
        body_requirement = np.where(self.child, rmr0 * pal, self.requirement)
        floor = per_cell([[floor_bmi(s) for s in row] for row in sexes])
        self.lethal_bmi = per_cell([[s.lethal_bmi for s in row] for row in sexes])
        self.lethal_cv = per_cell([[s.lethal_bmi_cv for s in row] for row in sexes])
        self.limit_reached = lethal_share(bmi0, self.lethal_bmi, self.lethal_cv)  # at the start
        self.bodies = Bodies(weight0, height, age, male, pal, body_requirement, floor,
                             config.energy)  # fmt: skip
        self.body_requirement = body_requirement
        m = config.mortality
        self.background = per_cell([[p.background_cdr_per_10k_day] * 2 for p in phys]) * PER_10K
        self.adult_hazard0 = adult_hazard_per_day(bmi0, m)
        z = np.array([NormalDist().inv_cdf((b + 0.5) / n) for b in range(n)])
        self.whz0 = per_cell([[p.whz_mean] * 2 for p in phys]) + per_cell(
            [[p.whz_sd] * 2 for p in phys]
        ) * np.tile(z, n_groups * len(SEXES))
        self.hr0 = wasting_hazard_ratio(self.whz0, m)
        self.loss_ratio = per_cell([[p.child_loss_ratio] * 2 for p in phys])
        self.whz_cv = per_cell([[p.weight_for_height_cv] * 2 for p in phys])
        self.initial_people = people.copy()
        self._records: list[tuple[np.ndarray, ...]] = []
        self._outflow: list[np.ndarray] = []

    def _requirements(self, phys, need: np.ndarray | None) -> np.ndarray:
        """Requirement per person of each group, kcal/day."""
        out = []
        for i, (name, p) in enumerate(zip(self.groups, phys, strict=True)):
            if p.requirement_kcal_per_person_day is not None:
                out.append(p.requirement_kcal_per_person_day)
            elif need is None or not np.isfinite(np.asarray(need, dtype=float)[i]):
                raise ValueError(f"group {name!r}: pass need_kcal_per_person_day or set "
                                 f"health.groups.{name}.requirement_kcal_per_person_day")  # fmt: skip
            else:
                out.append(float(np.asarray(need, dtype=float)[i]))
        if any(r <= 0 for r in out):
            raise ValueError(f"requirements must be > 0 kcal/person/day, got {out}")
        return np.asarray(out, dtype=float)

    @property
    def people(self) -> np.ndarray:
        """People alive in each group now (after the last tick's deaths)."""
        return np.bincount(self.group_of, self.cell_people, len(self.groups))

    def step(self, k: int, kcal_per_person_day: np.ndarray, people: np.ndarray) -> TickDeaths:
        """Tick ``k``: the groups ate ``kcal_per_person_day`` (mean per person present) while
        ``people`` were present (before this tick's deaths). Returns the expected deaths."""
        if k != len(self._records):
            raise ValueError(f"tick {k} out of order: expected tick {len(self._records)}")
        kcal = np.asarray(kcal_per_person_day, dtype=float)
        people = np.asarray(people, dtype=float)
        n_groups = len(self.groups)
        if kcal.shape != (n_groups,) or people.shape != (n_groups,):
            raise ValueError(f"need one value per group {self.groups}")
        if np.any(kcal < 0) or np.any(people < -PEOPLE_TOLERANCE):
            raise ValueError("kcal and people must be >= 0")
        people = np.maximum(people, 0.0)  # rounding in the caller's subtraction of deaths
        g = self.group_of
        # 1. People who left or arrived since the last tick: spread over the cells in proportion.
        here = self.people
        if np.any((here <= PEOPLE_TOLERANCE) & (people > PEOPLE_TOLERANCE)):
            raise ValueError(f"tick {k}: people present in a group whose cells are all dead")
        scale = np.divide(people, here, out=np.zeros_like(people), where=here > PEOPLE_TOLERANCE)
        self._outflow.append(here - people)
        self.cell_people = self.cell_people * scale[g]
        # 2. Access: each band's share of its requirement, spending the group's food exactly.
        need_cell = self.cell_people * self.requirement
        need_group = np.bincount(g, need_cell, n_groups)
        need_band = need_cell.reshape(n_groups, len(SEXES), -1).sum(axis=1)
        weights = np.divide(need_band, need_group[:, None], out=np.zeros_like(need_band),
                            where=need_group[:, None] > 0)  # fmt: skip
        mean_share = np.divide(kcal * people, need_group, out=np.zeros_like(kcal),
                               where=need_group > 0)  # fmt: skip
        shares = self.access.shares(mean_share, weights)[g, self.band_of]
        intake = shares * self.requirement  # kcal/person/day
        # 3. Energy balance over the tick.
        self.bodies.advance(shares * self.body_requirement, self.tick_days)
        # 4. Hazards and deaths.
        m = self.config.mortality
        loss = self.bodies.weight_change_share
        child_loss = np.minimum(self.loss_ratio * loss, MAX_CHILD_LOSS)
        whz = np.where(self.child, self.whz0 + np.log1p(-child_loss) / self.whz_cv, np.nan)
        bmi = np.where(self.child, np.nan, self.bodies.bmi)
        adult_excess = np.maximum(adult_hazard_per_day(self.bodies.bmi, m) - self.adult_hazard0, 0)
        child_excess = self.background * np.maximum(wasting_hazard_ratio(whz, m) - self.hr0, 0)
        if m.child_hazard_from_proxy_adult:  # sensitivity: at least the proxy adult's hazard
            child_excess = np.maximum(child_excess, adult_excess)
        excess = np.where(self.child, child_excess, adult_excess)
        reached = np.where(self.bodies.at_floor, 1.0,
                           lethal_share(self.bodies.bmi, self.lethal_bmi, self.lethal_cv))  # fmt: skip
        newly = np.divide(reached - self.limit_reached, 1 - self.limit_reached,
                          out=np.ones_like(reached), where=self.limit_reached < 1)  # fmt: skip
        self.limit_reached = np.maximum(self.limit_reached, reached)
        q_bg, q_ex = death_shares(self.background, excess, newly.clip(0, 1), self.tick_days)
        present = self.cell_people
        d_bg, d_ex = present * q_bg, present * q_ex
        self.cell_people = present - d_bg - d_ex
        self._records.append((present, intake, bmi, whz, np.where(self.child, child_loss, loss),
                              self.bodies.weight_kg, d_bg, d_ex))  # fmt: skip
        return TickDeaths(np.bincount(g, d_bg, n_groups), np.bincount(g, d_ex, n_groups))

    # -----------------------------------------------------------------------------------------
    # Tables, built once after the run.
    # -----------------------------------------------------------------------------------------
    def tables(self, dates: np.ndarray) -> dict[str, pd.DataFrame]:
        """``{"health": ..., "health_bands": ...}`` (bands only with ``output_bands``).

        ``dates``: the start date of each tick (at least as many as ticks were stepped).
        """
        n_ticks = len(self._records)
        days = pd.to_datetime(np.asarray(dates)[:n_ticks])
        if len(days) != n_ticks:
            raise ValueError(f"{n_ticks} ticks were stepped but {len(days)} dates given")
        n_cells = len(self.group_of)
        rec = ([np.stack(col) for col in zip(*self._records, strict=True)] if n_ticks
               else [np.zeros((0, n_cells))] * 8)  # fmt: skip
        present, intake, bmi, whz, loss, weight, d_bg, d_ex = rec
        outflow = np.stack(self._outflow) if n_ticks else np.zeros((0, len(self.groups)))
        rows = [(name, self.group_of == i, outflow[:, i]) for i, name in enumerate(self.groups)]
        if len(self.groups) > 1:
            rows.append((AGGREGATE, np.ones(len(self.group_of), bool), outflow.sum(axis=1)))
        parts = []
        for name, mask, group_outflow in rows:
            part = self._group_rows(mask, present, intake, bmi, whz, loss, d_bg, d_ex)
            part.insert(0, "group", name)
            part.insert(0, "date", days)
            part["outflow"] = group_outflow
            parts.append(part)
        # date-major, groups in their order with the total last
        order = np.lexsort((np.repeat(np.arange(len(rows)), n_ticks),
                            np.tile(np.arange(n_ticks), len(rows))))  # fmt: skip
        health = pd.concat(parts, ignore_index=True).iloc[order].reset_index(drop=True)
        out = {"health": health}
        if self.config.output_bands:
            out["health_bands"] = self._bands_table(days, present, intake, bmi, whz, loss, weight,
                                                    d_bg, d_ex)  # fmt: skip
        return out

    def _group_rows(self, mask, present, intake, bmi, whz, loss, d_bg, d_ex) -> pd.DataFrame:
        people = present[:, mask].sum(axis=1)
        alive = (present - d_bg - d_ex)[:, mask]
        deaths_bg, deaths_ex = d_bg[:, mask].sum(axis=1), d_ex[:, mask].sum(axis=1)
        deaths = deaths_bg + deaths_ex
        per_day = people * self.tick_days
        baseline = _weighted_mean(np.broadcast_to(self.background[mask], alive.shape),
                                  present[:, mask]) / PER_10K  # fmt: skip
        cols: dict[str, np.ndarray] = {
            "people": people,
            "kcal_per_person_day": _weighted_mean(intake[:, mask], present[:, mask]),
            "requirement_kcal_per_person_day": _weighted_mean(
                np.broadcast_to(self.requirement[mask], alive.shape), present[:, mask]),
        }  # fmt: skip
        cols["share_of_requirement"] = (
            cols["kcal_per_person_day"] / cols["requirement_kcal_per_person_day"]
        )
        cols["mean_weight_loss_share"] = _weighted_mean(loss[:, mask], alive)
        adults, children = ~self.child[mask], self.child[mask]
        w_adult = np.where(adults, alive, 0.0)
        cols["mean_bmi"] = _weighted_mean(bmi[:, mask], w_adult)
        for q, label in ((0.05, "p05"), (0.5, "p50"), (0.95, "p95")):
            cols[f"bmi_{label}"] = _weighted_quantile(bmi[:, mask], w_adult, q)
        for cut in BMI_CUTOFFS:
            cols[bmi_column(cut)] = _weighted_mean((bmi[:, mask] < cut).astype(float), w_adult)
        w_child = np.where(children, alive, 0.0)
        cols["mean_whz"] = _weighted_mean(whz[:, mask], w_child)
        for q, label in ((0.05, "p05"), (0.5, "p50"), (0.95, "p95")):
            cols[f"whz_{label}"] = _weighted_quantile(whz[:, mask], w_child, q)
        cols["share_gam"] = _weighted_mean((whz[:, mask] < WHZ_GAM).astype(float), w_child)
        cols["share_sam"] = _weighted_mean((whz[:, mask] < WHZ_SAM).astype(float), w_child)
        cols["background_deaths"] = deaths_bg
        cols["excess_deaths"] = deaths_ex
        cols["deaths"] = deaths
        cols["cumulative_excess_deaths"] = np.cumsum(deaths_ex)
        cols["cumulative_deaths"] = np.cumsum(deaths)
        with np.errstate(divide="ignore", invalid="ignore"):
            cdr = np.where(per_day > 0, deaths / per_day / PER_10K, np.nan)
            cols["cdr_per_10k_day"] = cdr
            cols["excess_cdr_per_10k_day"] = np.where(
                per_day > 0, deaths_ex / per_day / PER_10K, np.nan
            )
        cols["baseline_cdr_per_10k_day"] = baseline
        m = self.config.mortality
        cols["famine_cdr"] = cdr >= m.famine_cdr_per_10k_day
        cols["emergency_cdr"] = cdr >= m.emergency_multiple_of_baseline * baseline
        return pd.DataFrame(cols)

    def _bands_table(self, dates, present, intake, bmi, whz, loss, weight, d_bg, d_ex):
        n_ticks, n_cells = present.shape
        child = np.broadcast_to(self.child, present.shape)
        return pd.DataFrame({
            "date": np.repeat(np.asarray(dates), n_cells),
            "group": np.tile(np.asarray(self.groups, dtype=object)[self.group_of], n_ticks),
            "sex": np.tile(np.asarray(SEXES, dtype=object)[self.sex_of], n_ticks),
            "band": np.tile(self.band_of, n_ticks),
            "people": present.ravel(),
            "kcal_per_person_day": intake.ravel(),
            "weight_kg": np.where(child, np.nan, weight).ravel(),
            "bmi": bmi.ravel(),
            "whz": whz.ravel(),
            "weight_loss_share": loss.ravel(),
            "background_deaths": d_bg.ravel(),
            "excess_deaths": d_ex.ravel(),
        })  # fmt: skip


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Mean of ``values`` along axis 1 weighted by ``weights``; NaN where the weights sum to 0."""
    total = weights.sum(axis=1)
    filled = np.where(weights > 0, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (filled * weights).sum(axis=1) / total, np.nan)


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> np.ndarray:
    """Weighted ``q``-quantile along axis 1 (the smallest value whose cumulative weight reaches
    ``q`` of the total); NaN where the weights sum to 0."""
    if values.shape[1] == 0:
        return np.full(values.shape[0], np.nan)
    filled = np.where(weights > 0, values, np.inf)
    order = np.argsort(filled, axis=1, kind="stable")
    v = np.take_along_axis(filled, order, axis=1)
    cum = np.cumsum(np.take_along_axis(weights, order, axis=1), axis=1)
    total = cum[:, -1]
    idx = (cum < q * total[:, None] * (1 - 1e-12)).sum(axis=1).clip(0, values.shape[1] - 1)
    out = v[np.arange(len(v)), idx]
    return np.where(total > 0, out, np.nan)
