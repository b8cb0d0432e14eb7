"""The population: one group, or named groups with their own head counts, needs and shares."""

from __future__ import annotations

import datetime as dt

from pydantic import model_validator

from .types import Model, NonNegative, NonNegativeInt, PositiveInt

DEFAULT_GROUP = "all"  # the name of the single group of a population given by `initial` only


class Group(Model):
    """A population group (e.g. workers, dependants, children, troops)."""

    description: str = ""
    initial: NonNegativeInt  # people present on the start date
    need_factors: dict[str, NonNegative] = {}  # commodity -> multiplier on its need per person
    share_weights: dict[str, NonNegative] = {}  # commodity -> weight when a ration is shared out


class Outflow(Model):
    """People leaving the population (evacuation, exodus), spread evenly over [start, end)."""

    start: dt.date
    end: dt.date | None = None  # exclusive; None = the single day `start`
    people: NonNegative
    group: str | None = None  # None = every group in proportion to the people present
    note: str = ""


class Population(Model):
    """``initial`` people in one group named "all", or ``groups`` (then ``initial`` is their sum)."""

    initial: PositiveInt | None = None  # people present on the start date
    groups: dict[str, Group] = {}
    outflows: list[Outflow] = []

    @model_validator(mode="after")
    def _initial_from_groups(self) -> Population:
        if self.groups:
            total = sum(g.initial for g in self.groups.values())
            if self.initial is not None and self.initial != total:
                raise ValueError(
                    f"initial ({self.initial}) differs from the sum of the groups ({total}); "
                    "give one or make them agree"
                )
            if total <= 0:
                raise ValueError("the groups hold nobody: at least one needs initial > 0")
            self.initial = total
        elif self.initial is None:
            raise ValueError("give initial (people) or groups")
        return self

    def group_sizes(self) -> dict[str, float]:
        """People per group on the start date (one group, "all", without groups)."""
        if not self.groups:
            return {DEFAULT_GROUP: float(self.initial or 0)}
        return {name: float(g.initial) for name, g in self.groups.items()}
