"""What every report has, whatever the folder: the scenario family (which fixed paragraphs on
what the model leaves out apply) and how the scenario decides rations, provenance, and the
facts of the health section."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from lachin_sim.config.schema import Scenario

# A scenario belongs to a family when it has a corridor of that name; the family's paragraph on
# what the model leaves out and the assumptions that matter most is
# ``templates/families/<family>.html.j2``. Others get ``generic`` only.
FAMILY_CORRIDORS = {"lachin": "lachin"}  # family -> corridor name that marks it


def scenario_family(scenario: Scenario) -> str:
    """'lachin' for the Lachin corridor scenarios, else 'generic'."""
    for family, corridor in FAMILY_CORRIDORS.items():
        if corridor in scenario.corridors:
            return family
    return "generic"


@dataclass(frozen=True)
class Provenance:
    """Where the numbers come from. ``seeds``: the run's seed, or the root seed of a study and
    the number of replication seeds it spawned; ``digests``: label -> SHA-256."""

    kind: str  # run, sweep, comparison
    scenario: str
    source: str
    overrides: list[str] | None  # None: a study's, given in its source (not listed apart)
    digests: dict[str, str]
    seed: int | None
    replications: int | None
    package_version: str
    made: str  # date and time the report was made (UTC, ISO 8601)
    report_version: str  # lachin-sim version that made the report
    extra: dict[str, str] = field(default_factory=dict)  # label -> text (Python, SimPy, ...)


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", " UTC")


def caps_of(scenario: Scenario) -> list[dict]:
    """The dated ration caps of the scenario (decisions given as inputs), for a table."""
    rows = []
    for cap in scenario.rationing.caps:
        rows.append(
            {
                "commodity": cap.commodity,
                "start": cap.start,
                "end": cap.end,
                "ration": cap.ration,
                "amount": cap.amount_per_person_day,
                "unit": scenario.commodities[cap.commodity].unit,
                "groups": list(cap.groups or []),
                "uses": list(cap.uses or []),
                "note": cap.note,
            }
        )
    return rows


def decisions_of(scenario: Scenario) -> dict:
    """How the scenario decides rations and power cuts, for the paragraph on its assumptions:
    the commodities with a ration rule on (``rules``), the hydro plants with a release rule on
    (``release``), and whether it replays dated decisions (``caps``)."""
    return {
        "rules": [c for c, rule in scenario.rationing.rules.items() if rule.enabled],
        "release": [
            name
            for name, plant in scenario.hydro.items()
            if plant.release is not None and plant.release.enabled
        ],
        "caps": bool(scenario.rationing.caps),
    }


def finite(value: object) -> float | None:
    """``value`` as a float, or None for a missing, NaN or infinite value."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None
