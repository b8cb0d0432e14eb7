"""Body weight of people who eat less (or more) than they need: Hall et al.'s energy balance.

Each *cell* (one sex of one band of a population group) is one body. Its state is the fat mass
F (kg); the lean mass L follows Forbes' partition, dL/dF = C/F [health:C6], so
L = L0 + C ln(F / F0) and weight W = F + L. Energy balance, after Hall et al. 2011's simplified
adult model ([health:D1]-[health:D9]; all energies kcal/day, masses kg):

    (nu_F + rho_F) dF/dt + (nu_L + rho_L) dL/dt
        = (1 - beta_TEF) dEI - AT - gamma_F (F - F0) - gamma_L (L - L0) - delta (W - W0)

    dEI   = intake - requirement (the requirement is the intake that keeps the starting weight)
    AT    = adaptation_fraction x dEI, bounded by +-max_adaptation_share_of_rmr x RMR0
    delta = ((1 - beta_TEF) PAL - 1) RMR0 / W0   (activity cost per kg)

Linearised at the start this is health.md's closed form dW/dt = dEI/rho - (W - W0)/tau (rows
D11-D13); here alpha = C/F follows the fat mass day by day, so the energy per kg lost falls as
fat runs out (rows C7-C9). The fat equations D8/D9 only set the starting fat mass (never below
``min_fat_fraction`` x weight, where they break down: row D10). Weight never falls below the
floor (the lethal BMI x height², rows G5-G7).

>>> import numpy as np
>>> from lachin_sim.config.health import EnergyBalance
>>> one = lambda v: np.array([v])
>>> body = Bodies(one(70.0), one(1.75), one(40.0), one(True), one(1.5), one(2400.0), one(13.0),
...               EnergyBalance())
>>> body.advance(one(2400.0), days=365.0); float(body.weight_kg[0])  # eats its requirement
70.0
>>> body.advance(one(1400.0), days=30.0); round(float(body.weight_kg[0]), 1)
67.4
"""

from __future__ import annotations

import math

import numpy as np

from lachin_sim.config.health import EnergyBalance

FAT_ENERGY_KCAL_PER_KG = 9440.73  # rho_F [health:C2]
LEAN_ENERGY_KCAL_PER_KG = 1816.44  # rho_L [health:C3]
FAT_SYNTHESIS_KCAL_PER_KG = 179.254  # nu_F [health:D1]
LEAN_SYNTHESIS_KCAL_PER_KG = 229.446  # nu_L [health:D2]
FAT_METABOLIC_RATE = 3.10707  # gamma_F, kcal/kg/day [health:D3]
LEAN_METABOLIC_RATE = 21.9885  # gamma_L, kcal/kg/day [health:D4]
THERMIC_EFFECT_OF_FOOD = 0.10  # beta_TEF, fraction of intake [health:D6]
FORBES_C_KG = 10.4  # Forbes body-composition constant C [health:C6]
MAX_STEP_DAYS = 1.0  # integration step; a tick longer than this is split (tau is months, D12)

FAT_COST = FAT_SYNTHESIS_KCAL_PER_KG + FAT_ENERGY_KCAL_PER_KG  # nu_F + rho_F, kcal/kg
LEAN_COST = LEAN_SYNTHESIS_KCAL_PER_KG + LEAN_ENERGY_KCAL_PER_KG  # nu_L + rho_L, kcal/kg


def resting_metabolic_rate(weight_kg, height_m, age_years, male) -> np.ndarray:
    """Mifflin-St Jeor resting energy expenditure, kcal/day [health:B13]."""
    male = np.asarray(male, dtype=bool)
    return (9.99 * np.asarray(weight_kg) + 6.25 * 100 * np.asarray(height_m)
            - 4.92 * np.asarray(age_years) + np.where(male, 166.0 - 161.0, -161.0))  # fmt: skip


def fat_mass_kg(weight_kg, height_m, age_years, male) -> np.ndarray:
    """Fat mass from weight, BMI and age, kg: men [health:D8], women [health:D9].

    Negative below the BMI of row D10 (about 14 for men of 40): the caller floors it.
    """
    weight_kg = np.asarray(weight_kg, dtype=float)
    log_bmi = np.log(weight_kg / np.asarray(height_m, dtype=float) ** 2)
    age = np.asarray(age_years, dtype=float)
    percent = np.where(np.asarray(male, dtype=bool),
                       0.14 * age + 37.31 * log_bmi - 103.94,
                       0.14 * age + 39.96 * log_bmi - 102.01)  # fmt: skip
    return weight_kg * percent / 100


class Bodies:
    """Weights of many bodies (one per cell), advanced together; arrays of equal length."""

    def __init__(self, weight_kg, height_m, age_years, male, pal, requirement_kcal, floor_bmi,
                 params: EnergyBalance):  # fmt: skip
        """``requirement_kcal`` (kcal/day): the intake that keeps ``weight_kg``; ``floor_bmi``:
        the BMI weight never falls below."""
        self.weight0 = np.array(weight_kg, dtype=float)
        self.height_m = np.array(height_m, dtype=float)
        self.floor_kg = np.asarray(floor_bmi, dtype=float) * self.height_m**2
        if np.any(self.weight0 <= self.floor_kg):
            raise ValueError("a body starts at or below its floor BMI")
        self.fat0 = np.maximum(fat_mass_kg(self.weight0, self.height_m, age_years, male),
                               params.min_fat_fraction * self.weight0)  # fmt: skip
        self.rmr0 = resting_metabolic_rate(self.weight0, self.height_m, age_years, male)
        self.delta = ((1 - THERMIC_EFFECT_OF_FOOD) * np.asarray(pal, dtype=float) - 1) * (
            self.rmr0 / self.weight0
        )  # activity cost, kcal/kg/day
        self.requirement = np.array(requirement_kcal, dtype=float)
        self.adaptation = params.adaptation_fraction
        self.max_adaptation = params.max_adaptation_share_of_rmr * self.rmr0  # kcal/day
        self.log_fat_change = np.zeros_like(self.weight0)  # ln(F / F0): the state

    def _weight(self, u: np.ndarray) -> np.ndarray:
        """Weight (kg) at ln(F / F0) = u: W0 + F0 (e^u - 1) + C u, exact at u = 0."""
        return self.weight0 + self.fat0 * np.expm1(u) + FORBES_C_KG * u

    @property
    def weight_kg(self) -> np.ndarray:
        return self._weight(self.log_fat_change)

    @property
    def at_floor(self) -> np.ndarray:
        """True for bodies on their floor (within float rounding)."""
        return self.weight_kg <= self.floor_kg * (1 + 1e-9)

    @property
    def fat_kg(self) -> np.ndarray:
        return self.fat0 * np.exp(self.log_fat_change)

    @property
    def lean_kg(self) -> np.ndarray:
        return self.weight_kg - self.fat_kg

    @property
    def bmi(self) -> np.ndarray:
        return self.weight_kg / self.height_m**2

    @property
    def weight_change_share(self) -> np.ndarray:
        """Weight lost as a share of the starting weight (negative when gained)."""
        return 1 - self.weight_kg / self.weight0

    def advance(self, intake_kcal_per_day: np.ndarray, days: float) -> None:
        """Eat ``intake_kcal_per_day`` (one value per body) for ``days`` days."""
        change = np.asarray(intake_kcal_per_day, dtype=float) - self.requirement
        adaptation = np.clip(self.adaptation * change, -self.max_adaptation, self.max_adaptation)
        drive = (1 - THERMIC_EFFECT_OF_FOOD) * change - adaptation  # kcal/day
        steps = max(1, math.ceil(days / MAX_STEP_DAYS - 1e-9))
        h = days / steps
        u = self.log_fat_change
        for _ in range(steps):
            fat_change = self.fat0 * np.expm1(u)
            lean_change = FORBES_C_KG * u
            surplus = (drive - FAT_METABOLIC_RATE * fat_change - LEAN_METABOLIC_RATE * lean_change
                       - self.delta * (fat_change + lean_change))  # fmt: skip
            fat = self.fat0 + fat_change
            # d ln F / dt = surplus / (F (nu_F + rho_F) + C (nu_L + rho_L)): F stays > 0
            u = u + h * surplus / (fat * FAT_COST + FORBES_C_KG * LEAN_COST)
            u = self._not_below_floor(u)
        self.log_fat_change = u

    def _not_below_floor(self, u: np.ndarray) -> np.ndarray:
        """Move bodies that fell below the floor back onto it (Newton on the convex W(u))."""
        below = self._weight(u) < self.floor_kg
        if not below.any():
            return u
        u = u.copy()
        v, fat0, floor = u[below], self.fat0[below], self.floor_kg[below]
        w0 = self.weight0[below]
        for _ in range(50):  # from below the root the first step overshoots, then it converges
            gap = w0 + fat0 * np.expm1(v) + FORBES_C_KG * v - floor  # from above
            step = gap / (fat0 * np.exp(v) + FORBES_C_KG)
            v = v - step
            if np.all(np.abs(step) < 1e-13):
                break
        u[below] = v + 1e-12  # stay on the safe side of the root (about 1e-11 kg)
        return u
