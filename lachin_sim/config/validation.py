"""Turning a raw config dict into a :class:`~lachin_sim.config.Scenario`, or a clear refusal.

Two passes: pydantic checks types, ranges and unknown fields; :func:`cross_checks` then checks
what spans fields: names that must exist (regimes, operators, commodities, corridors), dates
inside the scenario, cargo shares summing to 1.
"""

from __future__ import annotations

import copy
import datetime as dt
import typing

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from lachin_sim.config.files import MAX_NESTING, check_nesting
from lachin_sim.config.health import health_problems
from lachin_sim.config.paths import set_dotted
from lachin_sim.config.schema import Scenario
from lachin_sim.errors import ConfigError, Problem

SHARE_TOLERANCE = 1e-6  # cargo shares may miss 1 by this much (rounding in hand-written configs)

# Size bounds: a parameter must not make a run endless or its memory huge. Each is far above
# what the shipped configs need; docs/config_reference.md ("Size limits") gives the reasons.
MAX_TICKS = 100_000  # consumption ticks per run: 274 years of daily ticks; the stocks table has
#                      one row per tick and commodity
MAX_TRUCKS = 1_000_000  # trucks a run may send (expected, all sources); each truck is a SimPy
#                         process and a convoy-log row, about 1 kB (measured: 0.8 kB); the shipped
#                         configs send about 7,000
MAX_CLOSURES = 100_000  # random closures a run may expect (rate x days): each adds two regime
#                         switches and two rows to the regimes table


def validate_scenario(
    raw: dict,
    source: str = "<config>",
    overrides: list[str] | dict[str, object] | None = None,
    *,
    _shared: bool = False,
) -> Scenario:
    """Validate a raw dict (after applying overrides); raise ConfigError listing every problem.
    ``_shared`` (internal): ``raw`` is already checked and may be shared with the caller; only
    the tables on the overrides' paths are copied (validation reads ``raw`` and never changes
    it), instead of all of ``raw``."""
    from lachin_sim.config.paths import parse_override

    if _shared:
        paths = overrides.keys() if isinstance(overrides, dict) else ()
        raw = _copied_along(raw, paths)
    else:
        check_nesting(raw, source)
        raw = copy.deepcopy(raw)
    origin, applied = source, []
    if overrides:
        if isinstance(overrides, dict):
            items = list(overrides.items())
            applied = [override_text(path, value) for path, value in items]
        else:  # --set texts: recorded as typed
            items = [parse_override(text) for text in overrides]
            applied = [text.strip() for text in overrides]
        source = f"{source} (with overrides)"
        for path, value in items:
            set_dotted(raw, path, value, source=source)
        if not _shared:
            check_nesting(raw, source)
        else:  # the rest of raw was checked: only the new values, at the depth they sit
            for path, value in items:
                check_nesting(value, source, MAX_NESTING - len(path.split(".")))
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(source, [_problem(err) for err in exc.errors()]) from None
    problems = cross_checks(scenario)
    if not problems and scenario.uncertainty:
        problems = uncertainty_problems(raw, source, scenario)
    if problems:
        raise ConfigError(source, problems)
    return scenario.with_provenance(origin, applied)


def uncertainty_problems(raw: dict, source: str, scenario: Scenario) -> list[Problem]:
    """Checks of the ``[uncertainty]`` table: each path names a field the scenario has (a list
    entry by index is fine), not the calendar, and the scenario is valid with that input at each
    end of its range (each option of a choice), the other inputs at their written values."""
    from lachin_sim.config.uncertainty import CALENDAR_FIELDS, TAIL

    out: list[Problem] = overlap_problems(scenario.uncertainty)
    central = {k: v for k, v in raw.items() if k != "uncertainty"}
    for path, spec in scenario.uncertainty.items():
        where = f"uncertainty.{path}"
        missing = []
        for target in spec.paths(path):
            at = where if target == path else f"{where}.linked.{target}"
            if target.split(".")[0] in (*CALENDAR_FIELDS, "uncertainty", "seed"):
                missing.append(Problem(at, None, "cannot be uncertain: every run of a study "
                                       "shares one calendar and its seeds come from the study"))  # fmt: skip
                continue
            why, current = field_at(scenario, target)
            if why:
                missing.append(Problem(at, None, why))
        if missing:
            out += missing
            continue
        _, current = field_at(scenario, path)
        whole = isinstance(current, int) and not isinstance(current, bool)
        if whole and spec.dist != "choice" and not getattr(spec, "integer", False):
            out.append(Problem(where, None, f"{path} is a whole number ({current}): add "
                               "integer = true so that draws are rounded"))  # fmt: skip
            continue
        for label, values in spec.end_overrides(path):
            value = values[path]
            try:
                validate_scenario(central, source, overrides=values, _shared=True)
            except ConfigError as exc:
                hint = ""
                if any("fractional part" in p.message for p in exc.problems):
                    hint = "; whole-number fields need integer = true"
                elif spec.dist in ("normal", "lognormal") and "end" in label:
                    hint = (f"; the {spec.dist} is cut at its {TAIL:.1%} and {1 - TAIL:.1%} "
                            "quantiles" + ("; truncate it with low and high"
                                           if spec.dist == "normal" else ""))  # fmt: skip
                out += [Problem(where, value, f"{label} the scenario is not valid: {p}{hint}")
                        for p in exc.problems]  # fmt: skip
    return out


def overlap_problems(inputs: dict) -> list[Problem]:
    """Two inputs (or an input and a linked field) that set the same field, or a table and a
    field inside it: one draw would overwrite the other."""
    owner: dict[str, str] = {}
    out = []
    for path, spec in inputs.items():
        for target in spec.paths(path):
            for other, by in owner.items():
                inside = target.startswith(other + ".") or other.startswith(target + ".")
                if target == other or inside:
                    what = "the same field" if target == other else "a table and a field inside it"
                    out.append(Problem(f"uncertainty.{path}", None, f"sets {target}, and "
                                       f"{by} sets {other}: {what}; one draw would overwrite "
                                       "the other (make them one input, a choice with linked "
                                       "fields)"))  # fmt: skip
            owner[target] = path if target == path else f"{path} (linked)"
    return out


def _copied_along(raw: dict, paths) -> dict:
    """``raw`` with the tables and lists on each dotted path copied (one level each), the rest
    shared: setting a value at one of the paths then leaves ``raw`` as it was. A part that names
    nothing (a missing table, an index out of range) stops the copying there: ``set_dotted``
    creates the missing table in a copied one, or reports the path."""
    out = dict(raw)
    for path in paths:
        node: object = out
        for part in path.split(".")[:-1]:
            if isinstance(node, dict) and isinstance(node.get(part), dict | list):
                child = node[part] = copy.copy(node[part])
            elif (
                isinstance(node, list)
                and part.lstrip("-").isdigit()
                and -len(node) <= int(part) < len(node)
            ):
                child = node[int(part)] = copy.copy(node[int(part)])
            else:
                break
            node = child
    return out


def field_at(scenario: Scenario, path: str) -> tuple[str, object]:
    """(why ``path`` names no field of ``scenario``, or "" when it does; the field's value).
    Each part must be a field of a table, a key of a keyed table or an index of a list."""
    node: object = scenario
    parts = path.split(".")
    for depth, part in enumerate(parts):
        here = ".".join(parts[:depth]) or "the scenario"
        if isinstance(node, BaseModel):
            if part not in type(node).model_fields:
                fields = ", ".join(type(node).model_fields)
                return f"{part!r} is not a field of {here}; its fields: {fields}", None
            node = getattr(node, part)
        elif isinstance(node, dict):
            if part not in node:
                return (
                    f"{part!r} is not in {here}; defined: {', '.join(map(str, node)) or 'none'}",
                    None,
                )
            node = node[part]
        elif isinstance(node, list):
            if not (part.isdigit() and int(part) < len(node)):
                return f"{part!r} is not an index of {here} (a list of {len(node)} entries)", None
            node = node[int(part)]
        elif node is None:
            return f"{here} is not set in this scenario; give it in the config first", None
        else:
            return f"{here} holds a value, not a table", None
    return "", node


def override_text(path: str, value: object) -> str:
    """``path=value`` as a user would type it after ``--set`` (values in TOML-like notation)."""
    import json

    if isinstance(value, bool):
        shown = "true" if value else "false"
    elif isinstance(value, (int, float)):
        shown = f"{value:g}" if isinstance(value, float) else str(value)
    elif isinstance(value, str):
        shown = value
    else:
        shown = json.dumps(value, default=str)
    return f"{path}={shown}"


def _problem(err: ErrorDetails) -> Problem:
    loc = [str(part) for part in err["loc"] if not _is_union_tag(part)]
    path = ".".join(loc)
    if err["type"] == "extra_forbidden":
        allowed = _fields_at(err["loc"][:-1])
        hint = f"; allowed fields here: {', '.join(allowed)}" if allowed else ""
        return Problem(path, err.get("input"), f"unknown field{hint}")
    if err["type"] == "missing":
        return Problem(path, None, "required field is missing")
    return Problem(path, err.get("input"), err["msg"])


def _is_union_tag(part: object) -> bool:
    # pydantic puts the discriminator value (e.g. 'exponential') in the location of union errors
    from .distributions import DISTRIBUTION_NAMES
    from .uncertainty import DIST_NAMES

    return isinstance(part, str) and part in (*DISTRIBUTION_NAMES, *DIST_NAMES)


def _fields_at(loc: tuple) -> list[str]:
    """Field names the schema allows at a location, for 'unknown field' messages."""
    node: object = Scenario
    for part in loc:
        if _is_union_tag(part):
            node = _union_member(node, str(part))
            continue
        node = _unwrap(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(str(part))
            if field is None:
                return []
            node = field.annotation
        elif typing.get_origin(node) in (dict, list):
            node = typing.get_args(node)[-1]
        else:
            return []
    node = _unwrap(node)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return list(node.model_fields)
    return []


def _union_member(tp: object, tag: str) -> object:
    """The member of a tagged union (distributions, uncertain inputs) whose ``dist`` is ``tag``."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    for member in typing.get_args(tp):
        field = getattr(member, "model_fields", {}).get("dist")
        if field is not None and tag in typing.get_args(field.annotation):
            return member
    return None


def _unwrap(tp: object) -> object:
    """Strip Optional/Annotated down to the model or container type."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            tp = models[0] if len(models) == 1 else args[0]
        else:
            return tp


def expected_trucks(s: Scenario) -> dict[str, float]:
    """Vehicles each enabled convoy source is expected to send over the scenario (mean); flows
    send no single vehicles."""
    out = {}
    for name, src in s.convoys.items():
        if not src.enabled or src.schedule == "flow":
            continue
        if src.schedule == "dated":
            out[name] = float(sum(d.trucks for d in src.departures))
            continue
        t0 = s.day_of(src.active_from) if src.active_from else 0.0
        t1 = s.day_of(src.active_until) if src.active_until else float(s.days)
        if not src.rates:
            out[name] = src.trucks_per_day * max(t1 - t0, 0.0)
            continue
        per_unit = 1.0
        if src.rate_unit == "tonnes":
            per_unit = 1.0 / src.payload_t if src.payload_t > 0 else 0.0
        elif src.rate_unit == "people":
            per_unit = 1.0 / src.passengers if src.passengers > 0 else 0.0
        # the rate's integral over [t0, t1) bounded above by its largest value (cheap and safe)
        out[name] = max(r.per_day for r in src.rates) * max(t1 - t0, 0.0) * per_unit
    return out


def food_kcal_need(s: Scenario) -> dict[str, float]:
    """Each group's food need on the start date, kcal per person per day: the per-person needs
    of every commodity with an energy density, times the group's need factor and the start
    month's factor."""
    month = s.start.month - 1
    out = dict.fromkeys(s.group_names, 0.0)
    for name, c in s.commodities.items():
        if not c.kcal_per_unit:
            continue
        uses = c.uses.values() if c.uses else [None]
        for use in uses:
            per_person = use.need_per_person_day if use is not None else c.need_per_person_day
            factors = (use.monthly_need_factors if use is not None and use.monthly_need_factors
                       is not None else c.monthly_need_factors)  # fmt: skip
            factor = factors[month] if factors is not None else 1.0
            for g in use.groups if use is not None and use.groups is not None else s.group_names:
                group = s.population.groups.get(g)
                group_factor = group.need_factors.get(name, 1.0) if group is not None else 1.0
                out[g] += per_person * factor * group_factor * c.kcal_per_unit
    return out


def _size_checks(s: Scenario) -> list[Problem]:
    """Parameters that would make a run endless or its memory huge (see MAX_* above)."""
    out: list[Problem] = []
    trucks = expected_trucks(s)
    total = sum(trucks.values())
    if total > MAX_TRUCKS:
        biggest = max(trucks, key=trucks.__getitem__)
        out.append(Problem(f"convoys.{biggest}", f"{trucks[biggest]:,.0f} trucks",
                           f"the convoy sources would send {total:,.0f} trucks in {s.days} days; "
                           f"at most {MAX_TRUCKS:,} per run"))  # fmt: skip
    for name, src in s.convoys.items():
        if src.convoy_size > MAX_TRUCKS:
            out.append(Problem(f"convoys.{name}.convoy_size", src.convoy_size,
                               f"at most {MAX_TRUCKS:,} trucks per run"))  # fmt: skip
    for name, cor in s.corridors.items():
        rc = cor.random_closures
        if rc is None or rc.rate_per_day == 0:
            continue
        path = f"corridors.{name}.random_closures"
        if rc.rate_per_day * s.days > MAX_CLOSURES:
            out.append(Problem(f"{path}.rate_per_day", rc.rate_per_day,
                               f"{rc.rate_per_day:g} closures a day for {s.days} days would be "
                               f"{rc.rate_per_day * s.days:,.0f} closures; at most {MAX_CLOSURES:,} "
                               "per run"))  # fmt: skip
        if rc.duration_days.mean_value <= 0:
            out.append(Problem(f"{path}.duration_days", rc.duration_days.mean_value,
                               "a closure must last some time: mean duration > 0 days "
                               "(or set rate_per_day = 0 for no closures)"))  # fmt: skip
    return out


def cross_checks(s: Scenario) -> list[Problem]:
    """Checks spanning fields; returns every problem found (empty list when the config is sound)."""
    out: list[Problem] = []
    commodities, regimes, corridors = (
        set(s.commodities),
        set(s.regimes),
        set(s.corridors),
    )
    operators = set(s.operators)

    def need(name: str, allowed: set[str], path: str, what: str) -> bool:
        if name in allowed:
            return True
        out.append(Problem(path, name, f"unknown {what}; defined: {', '.join(sorted(allowed))}"))
        return False

    def in_range(date: dt.date | None, path: str, inclusive_end: bool = False) -> None:
        if date is None:
            return
        last_ok = s.end if inclusive_end else s.end - dt.timedelta(days=1)
        if not s.start <= date <= last_ok:
            out.append(
                Problem(
                    path,
                    date.isoformat(),
                    f"outside the scenario ({s.start} to {last_ok})",
                )
            )

    if s.end <= s.start:
        out.append(Problem("end", s.end.isoformat(), f"must be after start ({s.start})"))
        return out
    ticks = s.days / s.tick_days
    if abs(ticks - round(ticks)) > 1e-9:
        out.append(Problem("tick_days", s.tick_days,
                           f"must divide the scenario length ({s.days} days) into whole ticks"))  # fmt: skip
    if ticks > MAX_TICKS:
        out.append(Problem("tick_days", s.tick_days,
                           f"{s.days} days in ticks of {s.tick_days:g} days make {ticks:,.0f} ticks; "
                           f"at most {MAX_TICKS:,} (shorten the scenario or lengthen the tick)"))  # fmt: skip
        return out
    out.extend(_size_checks(s))

    groups = set(s.group_names)
    for name, c in s.commodities.items():
        if c.monthly_need_factors is not None and len(c.monthly_need_factors) != 12:
            out.append(
                Problem(
                    f"commodities.{name}.monthly_need_factors",
                    c.monthly_need_factors,
                    "needs exactly 12 values, January to December",
                )
            )
        if c.uses and c.need_per_person_day > 0:
            out.append(Problem(f"commodities.{name}.need_per_person_day", c.need_per_person_day,
                               "give the need per commodity or split it into uses, not both "
                               "(set it to 0 and give each use its need)"))  # fmt: skip
        for use_name, use in c.uses.items():
            base = f"commodities.{name}.uses.{use_name}"
            for i, g in enumerate(use.groups or []):
                need(g, groups, f"{base}.groups.{i}", "population group")
            if use.monthly_need_factors is not None and len(use.monthly_need_factors) != 12:
                out.append(Problem(f"{base}.monthly_need_factors", use.monthly_need_factors,
                                   "needs exactly 12 values, January to December"))  # fmt: skip

    for gname, group in s.population.groups.items():
        for field_name in ("need_factors", "share_weights"):
            for com in getattr(group, field_name):
                need(com, commodities, f"population.groups.{gname}.{field_name}.{com}", "commodity")
        for com, w in group.share_weights.items():
            if w <= 0:
                out.append(Problem(f"population.groups.{gname}.share_weights.{com}", w,
                                   "a share weight must be > 0"))  # fmt: skip

    for name, r in s.regimes.items():
        for i, op in enumerate(r.allowed_operators):
            need(op, operators, f"regimes.{name}.allowed_operators.{i}", "operator")
        total = r.denial_probability + r.confiscation_probability
        if total > 1:
            out.append(
                Problem(
                    f"regimes.{name}.confiscation_probability",
                    r.confiscation_probability,
                    f"denial + confiscation probabilities sum to {total:g}; must be <= 1",
                )
            )
        for com in r.cargo_rules:
            need(com, commodities, f"regimes.{name}.cargo_rules.{com}", "commodity")
        if r.inspection_lanes == 0 and r.inspection_time_h.mean_value > 0:
            out.append(
                Problem(
                    f"regimes.{name}.inspection_time_h",
                    r.inspection_time_h.mean_value,
                    "inspection time given but inspection_lanes = 0; set lanes >= 1",
                )
            )

    for name, cor in s.corridors.items():
        base = f"corridors.{name}"
        previous: dt.date | None = None
        for i, entry in enumerate(cor.timeline):
            need(entry.regime, regimes, f"{base}.timeline.{i}.regime", "regime")
            in_range(entry.start, f"{base}.timeline.{i}.start")
            if previous is not None and entry.start <= previous:
                out.append(
                    Problem(
                        f"{base}.timeline.{i}.start",
                        entry.start.isoformat(),
                        f"timeline dates must increase (previous: {previous})",
                    )
                )
            previous = entry.start
        if cor.timeline[0].start != s.start:
            out.append(
                Problem(
                    f"{base}.timeline.0.start",
                    cor.timeline[0].start.isoformat(),
                    f"the first regime must start on the scenario start ({s.start})",
                )
            )
        if cor.random_closures is not None:
            need(
                cor.random_closures.regime,
                regimes,
                f"{base}.random_closures.regime",
                "regime",
            )
            factors = cor.random_closures.monthly_rate_factors
            if factors is not None and len(factors) != 12:
                out.append(Problem(f"{base}.random_closures.monthly_rate_factors", factors,
                                   "needs exactly 12 values, January to December"))  # fmt: skip
        for i, ev in enumerate(cor.events):
            t0, t1 = s.day_of(ev.start), s.day_of(ev.end)
            if not 0 <= t0 < s.days:
                out.append(Problem(f"{base}.events.{i}.start", str(ev.start),
                                   f"outside the scenario ({s.start} to {s.end}, end exclusive)"))  # fmt: skip
            if t1 <= t0:
                out.append(Problem(f"{base}.events.{i}.end", str(ev.end),
                                   f"must be after start ({ev.start})"))  # fmt: skip
            for j, op in enumerate(ev.operators or []):
                need(op, operators, f"{base}.events.{i}.operators.{j}", "operator")
        previous_step: dt.date | None = None
        for i, step in enumerate(cor.capacity):
            in_range(step.start, f"{base}.capacity.{i}.start")
            if previous_step is not None and step.start <= previous_step:
                out.append(Problem(f"{base}.capacity.{i}.start", step.start.isoformat(),
                                   f"capacity dates must increase (previous: {previous_step})"))  # fmt: skip
            previous_step = step.start

    for name, src in s.convoys.items():
        base = f"convoys.{name}"
        need(src.operator, operators, f"{base}.operator", "operator")
        need(src.corridor, corridors, f"{base}.corridor", "corridor")
        for com in src.cargo:
            if need(com, commodities, f"{base}.cargo.{com}", "commodity"):
                c = s.commodities[com]
                if c.unit != "t":
                    out.append(
                        Problem(
                            f"{base}.cargo.{com}",
                            com,
                            f"trucks carry tonnes; commodity unit is {c.unit!r}",
                        )
                    )
                elif c.storage_capacity == 0:
                    out.append(
                        Problem(
                            f"{base}.cargo.{com}",
                            com,
                            "commodity is not storable (storage_capacity = 0)",
                        )
                    )
        total = sum(src.cargo.values())
        if src.payload_t > 0 and abs(total - 1) > SHARE_TOLERANCE:
            out.append(
                Problem(
                    f"{base}.cargo",
                    src.cargo,
                    f"shares must sum to 1 (they sum to {total:g})",
                )
            )
        if src.payload_t == 0 and src.cargo:
            out.append(Problem(f"{base}.cargo", src.cargo,
                               "a vehicle with payload_t = 0 carries no cargo: remove it or "
                               "give payload_t"))  # fmt: skip
        if src.direction == "out" and (src.payload_t > 0 or src.returns):
            out.append(Problem(f"{base}.direction", "out",
                               "outbound vehicles carry people, not cargo, and do not return: "
                               "set payload_t = 0 and returns = false"))  # fmt: skip
        if src.group is not None:
            need(src.group, groups, f"{base}.group", "population group")
        if src.rates and src.trucks_per_day > 0:
            out.append(Problem(f"{base}.rates", "...",
                               "give a constant trucks_per_day or a dated rates schedule, not both"))  # fmt: skip
        if src.rates and src.schedule == "dated":
            out.append(Problem(f"{base}.rates", "...", "a dated source sends its departures; "
                               "rates apply to poisson, regular and flow schedules"))  # fmt: skip
        previous_rate: dt.date | None = None
        for i, rate in enumerate(src.rates):
            in_range(rate.date, f"{base}.rates.{i}.date")
            if previous_rate is not None and rate.date <= previous_rate:
                out.append(Problem(f"{base}.rates.{i}.date", rate.date.isoformat(),
                                   f"rate dates must increase (previous: {previous_rate})"))  # fmt: skip
            previous_rate = rate.date
        if src.rate_unit != "vehicles" and not src.rates:
            out.append(Problem(f"{base}.rate_unit", src.rate_unit,
                               "trucks_per_day counts vehicles; a rate in tonnes or people "
                               "needs a rates schedule"))  # fmt: skip
        if src.rate_unit == "tonnes" and src.payload_t == 0:
            out.append(Problem(f"{base}.payload_t", 0.0, "a rate in tonnes needs payload_t > 0"))
        if src.rate_unit == "people" and src.passengers == 0:
            out.append(Problem(f"{base}.passengers", 0.0, "a rate in people needs passengers > 0"))
        if src.return_passengers > 0 and not src.returns:
            out.append(Problem(f"{base}.return_passengers", src.return_passengers,
                               "only vehicles that return (returns = true) take people out"))  # fmt: skip
        if src.schedule == "flow" and src.returns:
            out.append(Problem(f"{base}.returns", True,
                               "a flow sends no single vehicles to return; count its exits with "
                               "an outbound flow"))  # fmt: skip
        in_range(src.active_from, f"{base}.active_from")
        in_range(src.active_until, f"{base}.active_until", inclusive_end=True)
        if src.active_from and src.active_until and src.active_until <= src.active_from:
            out.append(Problem(f"{base}.active_until", src.active_until.isoformat(),
                               f"must be after active_from ({src.active_from})"))  # fmt: skip
        if src.schedule == "dated" and (src.active_from or src.active_until):
            out.append(Problem(f"{base}.active_from", "...",
                               "active_from/active_until apply to poisson and regular schedules; "
                               "a dated source sends exactly its departures"))  # fmt: skip
        if src.schedule == "dated":
            if not src.departures:
                out.append(Problem(f"{base}.departures", [], "schedule 'dated' needs departures"))
            for i, dep in enumerate(src.departures):
                in_range(dep.date, f"{base}.departures.{i}.date")
        elif src.departures:
            out.append(
                Problem(
                    f"{base}.departures",
                    "...",
                    f"departures are only used with schedule = 'dated' (is {src.schedule!r})",
                )
            )

    for name, link in s.links.items():
        need(link.commodity, commodities, f"links.{name}.commodity", "commodity")
        for i, o in enumerate(link.outages):
            in_range(o.start, f"links.{name}.outages.{i}.start")
            in_range(o.end, f"links.{name}.outages.{i}.end", inclusive_end=True)
            if o.end is not None and o.end <= o.start:
                out.append(
                    Problem(
                        f"links.{name}.outages.{i}.end",
                        o.end.isoformat(),
                        f"must be after start ({o.start})",
                    )
                )

    for name, h in s.hydro.items():
        need(h.commodity, commodities, f"hydro.{name}.commodity", "commodity")
        if h.monthly_inflow_factors is not None and len(h.monthly_inflow_factors) != 12:
            out.append(
                Problem(
                    f"hydro.{name}.monthly_inflow_factors",
                    h.monthly_inflow_factors,
                    "needs exactly 12 values, January to December",
                )
            )
        if h.reservoir_initial_m3 > h.reservoir_max_m3:
            out.append(
                Problem(
                    f"hydro.{name}.reservoir_initial_m3",
                    h.reservoir_initial_m3,
                    f"exceeds reservoir_max_m3 ({h.reservoir_max_m3:g})",
                )
            )
        if h.dead_volume_m3 > h.reservoir_max_m3:
            out.append(
                Problem(
                    f"hydro.{name}.dead_volume_m3",
                    h.dead_volume_m3,
                    f"exceeds reservoir_max_m3 ({h.reservoir_max_m3:g})",
                )
            )

    for name, gen in s.generators.items():
        need(gen.commodity, commodities, f"generators.{name}.commodity", "commodity")
        need(gen.fuel, commodities, f"generators.{name}.fuel", "commodity")
        if gen.fuel == gen.commodity:
            out.append(
                Problem(
                    f"generators.{name}.fuel",
                    gen.fuel,
                    "a generator cannot burn its own output",
                )
            )

    for com, _rule in s.rationing.rules.items():
        known = need(com, commodities, f"rationing.rules.{com}", "commodity")
        if known and s.commodities[com].storage_capacity == 0:
            out.append(Problem(f"rationing.rules.{com}", com,
                               "days of supply are undefined for a non-storable commodity; "
                               "use rationing.caps (or a hydro release rule) instead"))  # fmt: skip
    for i, cap in enumerate(s.rationing.caps):
        if need(cap.commodity, commodities, f"rationing.caps.{i}.commodity", "commodity"):
            c = s.commodities[cap.commodity]
            known_uses = set(c.uses) or {cap.commodity}
            for j, use_name in enumerate(cap.uses or []):
                need(use_name, known_uses, f"rationing.caps.{i}.uses.{j}",
                     f"use of {cap.commodity}")  # fmt: skip
        for j, group_name in enumerate(cap.groups or []):
            need(group_name, groups, f"rationing.caps.{i}.groups.{j}", "population group")
        in_range(cap.start, f"rationing.caps.{i}.start")
        in_range(cap.end, f"rationing.caps.{i}.end", inclusive_end=True)
        if cap.end is not None and cap.end <= cap.start:
            out.append(Problem(f"rationing.caps.{i}.end", cap.end.isoformat(),
                               f"must be after start ({cap.start})"))  # fmt: skip

    total_out = 0.0
    for i, flow in enumerate(s.population.outflows):
        if flow.group is not None:
            need(flow.group, groups, f"population.outflows.{i}.group", "population group")
        in_range(flow.start, f"population.outflows.{i}.start")
        in_range(flow.end, f"population.outflows.{i}.end", inclusive_end=True)
        if flow.end is not None and flow.end <= flow.start:
            out.append(
                Problem(
                    f"population.outflows.{i}.end",
                    flow.end.isoformat(),
                    f"must be after start ({flow.start})",
                )
            )
        total_out += flow.people
    if s.population.initial is not None and total_out > s.population.initial:
        out.append(
            Problem(
                "population.outflows",
                total_out,
                f"outflows total more people than the initial population ({s.population.initial})",
            )
        )

    if not any(b.min_share_met == 0 for b in s.severity_bands):
        out.append(
            Problem(
                "severity_bands",
                [b.min_share_met for b in s.severity_bands],
                "one band must have min_share_met = 0 so every episode gets a band",
            )
        )
    for i, kd in enumerate(s.key_dates):
        in_range(kd.date, f"key_dates.{i}.date", inclusive_end=True)
    out += health_problems(s.health, s.group_names)
    if s.health is not None:
        kcal_need = food_kcal_need(s)
        for g in s.group_names:
            if kcal_need[g] <= 0 and s.health.physiology(g).requirement_kcal_per_person_day is None:
                out.append(Problem("health", g, f"group {g!r} needs no food with an energy "
                                   "density (kcal_per_unit) on the start date, so the health model "
                                   "has no requirement for it: give it a food need or set "
                                   f"health.groups.{g}.requirement_kcal_per_person_day"))  # fmt: skip
    return out
