"""Field types shared by every config table: numbers with their bounds, moments, the base model."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
Probability = Annotated[float, Field(ge=0, le=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveInt = Annotated[int, Field(gt=0)]
Priority = Annotated[int, Field(ge=0)]  # lower is served first
Moment = dt.datetime | dt.date  # a date means its midnight; a datetime is local time of day


class Model(BaseModel):
    """Base for all config tables: unknown fields are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)


def moment_days(moment: Moment, start: dt.date) -> float:
    """Days from the midnight of ``start`` to ``moment`` (a date is its midnight)."""
    if isinstance(moment, dt.datetime):
        origin = dt.datetime.combine(start, dt.time())
        return (moment.replace(tzinfo=None) - origin).total_seconds() / 86400.0
    return float((moment - start).days)
