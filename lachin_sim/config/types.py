"""The field types every config schema uses (scenarios, distributions, sweeps, scenario sets):
numbers with their bounds, moments, and the base model of every config table.

Two rules hold for every number a config can hold, so a new field gets them by using these
types (and ``Model``, the base of every config table):

- **finite**: ``inf`` and ``nan`` are valid TOML floats but never a valid quantity here
  (``trucks_per_day = inf`` would make an endless departure list);
- **not a boolean**: ``true`` is not 1 (pydantic would otherwise read ``initial_stock = true``
  as 1.0).

Every config table also uses :data:`MODEL_CONFIG`: unknown fields are errors, and no float
anywhere in the table (plain ``float`` fields too) may be inf or nan.

>>> from pydantic import TypeAdapter, ValidationError
>>> TypeAdapter(NonNegative).validate_python(2)
2.0
>>> for bad in (float("inf"), True):
...     try:
...         TypeAdapter(NonNegative).validate_python(bad)
...     except ValidationError as exc:
...         print(exc.errors()[0]["msg"])
Input should be a finite number
a boolean is not a number; give a number
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError


def _not_a_boolean(value: object) -> object:
    if isinstance(value, bool):
        raise PydanticCustomError("bool_not_number", "a boolean is not a number; give a number")
    return value


Real = Annotated[float, BeforeValidator(_not_a_boolean), Field(allow_inf_nan=False)]
"""A finite real number (an int is accepted and becomes a float; a boolean is refused)."""
NonNegative = Annotated[Real, Field(ge=0)]
Positive = Annotated[Real, Field(gt=0)]
Probability = Annotated[Real, Field(ge=0, le=1)]
Fraction = Annotated[Real, Field(ge=0, lt=1)]  # e.g. a daily loss: less than everything

Integer = Annotated[int, BeforeValidator(_not_a_boolean)]
"""A whole number (a float with no fractional part is accepted; a boolean is refused)."""
NonNegativeInt = Annotated[Integer, Field(ge=0)]
PositiveInt = Annotated[Integer, Field(gt=0)]
Priority = Annotated[Integer, Field(ge=0)]  # lower is served first
Moment = dt.date | dt.datetime  # a date means its midnight; a datetime is local time of day


def is_finite_number(value: object) -> bool:
    """A real number (not a boolean) that is neither inf nor nan: for arguments checked in
    code rather than by a schema (calibration bounds, search ranges)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


MODEL_CONFIG = ConfigDict(extra="forbid", validate_assignment=False, allow_inf_nan=False)
"""The pydantic config of every config table (``model_config = MODEL_CONFIG``)."""


class Model(BaseModel):
    """Base for all config tables: unknown fields are errors, not silently ignored; no float
    may be inf or nan."""

    model_config = MODEL_CONFIG


def moment_days(moment: Moment, start: dt.date) -> float:
    """Days from the midnight of ``start`` to ``moment`` (a date is its midnight)."""
    if isinstance(moment, dt.datetime):
        origin = dt.datetime.combine(start, dt.time())
        return (moment.replace(tzinfo=None) - origin).total_seconds() / 86400.0
    return float((moment - start).days)
