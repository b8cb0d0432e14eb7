"""Hypothesis strategy for random *valid* scenarios (raw dicts, ready for ``validate_scenario``).

Everything the stock ledger depends on varies: horizon and tick length, population groups and
outflows, initial stocks, needs with monthly factors, uses with priorities, production,
spoilage, shelf life, storage caps (0 = not storable), trucks per day or dated rate schedules,
schedules (including flows), directions (inbound cargo, outbound passengers, returns), convoy
sizes, payloads, cargo mixes, regimes with capacity, inspection, holds, denial, confiscation and
cargo rules, timelines, dated events and capacity, random closures with seasons, links with
outages, hydro plants with release rules, generators with priorities, ration rules (thresholds,
stretch, decision behaviour) and dated caps by group and use.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

OPERATORS = ["commercial", "humanitarian"]
TRUCKED = ("food", "fuel")  # unit t, storable: trucks may carry them
DAY = dt.timedelta(days=1)


def _small(max_value: float) -> st.SearchStrategy[float]:
    """Zero (one time in four: a boundary worth hitting) or a float in (0, max_value]."""
    positive = st.floats(1e-3, max_value, allow_nan=False, allow_infinity=False)
    return st.one_of(st.just(0.0), positive, positive, positive)


def _hours() -> st.SearchStrategy[object]:
    """A duration in hours: a bare number, or one of the named distributions."""
    return st.one_of(
        st.sampled_from([0.0, 1.0, 12.0, 24.0]),
        st.floats(0, 30),
        st.builds(lambda m: {"dist": "exponential", "mean": m}, st.floats(0.1, 10)),
        st.builds(
            lambda lo, w: {"dist": "uniform", "low": lo, "high": lo + w},
            st.floats(0, 10),
            st.floats(0, 20),
        ),
        st.builds(
            lambda lo, a, b: {"dist": "triangular", "low": lo, "mode": lo + a, "high": lo + a + b},
            st.floats(0, 5),
            st.floats(0, 5),
            st.floats(0, 5),
        ),
        st.builds(
            lambda m, s: {"dist": "lognormal", "median": m, "sigma": s},
            st.floats(0.1, 5),
            st.floats(0, 1),
        ),
    )


def _day_in(draw, start: dt.date, days: int, lo: int = 0) -> dt.date:
    return start + draw(st.integers(lo, days - 1)) * DAY


def _interval(draw, start: dt.date, days: int) -> tuple[dt.date, dt.date | None]:
    """[a, b) inside the scenario; b may be None (open-ended)."""
    a = draw(st.integers(0, days - 1))
    if draw(st.booleans()):
        return start + a * DAY, None
    return start + a * DAY, start + draw(st.integers(a + 1, days)) * DAY


def _commodity(draw, unit: str, storable: bool) -> dict:
    c: dict = {
        "unit": unit,
        "initial_stock": draw(_small(200.0)),
        "need_per_person_day": draw(_small(0.02)),
        "production_per_day": draw(_small(20.0)),
        "spoilage_per_day": draw(st.one_of(st.just(0.0), st.floats(0.0, 0.5))),
    }
    if draw(st.booleans()):
        c["monthly_need_factors"] = draw(st.lists(st.floats(0, 2), min_size=12, max_size=12))
    if draw(st.booleans()):
        c["shelf_life_days"] = draw(st.floats(0.25, 40))
    if storable:
        if draw(st.booleans()):
            c["storage_capacity"] = draw(st.floats(0.5, 300))
    else:
        c["storage_capacity"] = draw(st.sampled_from([0.0, 0.0, None, 50.0]))
        if c["storage_capacity"] is None:
            del c["storage_capacity"]
    if unit == "t" and draw(st.booleans()):
        c["kcal_per_unit"] = draw(st.floats(1e5, 4e6))
    return c


def _regime(draw) -> dict:
    lanes = draw(st.integers(0, 3))
    p_deny = draw(st.sampled_from([0.0, 0.0, 0.1, 0.5, 1.0]))
    p_conf = draw(st.sampled_from([0.0, 0.0, 0.2, 0.5, 1.0]).filter(lambda p: p + p_deny <= 1))
    r: dict = {
        "allowed_operators": draw(
            st.sampled_from([OPERATORS, OPERATORS, OPERATORS[:1], OPERATORS[1:], []])
        ),
        "inspection_lanes": lanes,
        "denial_probability": p_deny,
        "confiscation_probability": p_conf,
        "blocked_trucks": draw(st.sampled_from(["hold", "turn_back"])),
    }
    if lanes:
        r["inspection_time_h"] = draw(_hours())
    if draw(st.booleans()):
        r["capacity_trucks_per_day"] = draw(st.integers(0, 12))
    if draw(st.booleans()):
        r["extra_delay_h"] = draw(_hours())
    if draw(st.booleans()):
        r["hold_probability"] = draw(st.floats(0, 1))
        r["hold_time_h"] = draw(_hours())
    if draw(st.booleans()):
        r["cargo_rules"] = {
            com: {"denial_probability": draw(st.sampled_from([0.0, 0.3, 1.0])),
                  "confiscated_share": draw(st.sampled_from([0.0, 0.25, 1.0]))}
            for com in draw(st.lists(st.sampled_from(TRUCKED), min_size=1, max_size=2, unique=True))
        }  # fmt: skip
    return r


def _rates(draw, start: dt.date, days: int) -> list[dict]:
    steps = sorted(set(draw(st.lists(st.integers(0, days - 1), min_size=1, max_size=3))))
    return [{"date": start + d * DAY, "per_day": draw(_small(12.0))} for d in steps]


def _source(draw, start: dt.date, days: int, cargo_names: list[str], groups: list[str]) -> dict:
    if draw(st.integers(0, 4)) == 0:  # outbound: ambulances, evacuation buses, or a flow of them
        src = {
            "operator": draw(st.sampled_from(OPERATORS)),
            "corridor": "road",
            "direction": "out",
            "schedule": draw(st.sampled_from(["poisson", "regular", "flow"])),
            "passengers": draw(st.floats(0, 30)),
            "trucks_per_day": draw(_small(8.0)),
            "dispatch_when_blocked": draw(st.booleans()),
        }
        if draw(st.booleans()):
            src["group"] = draw(st.sampled_from(groups))
        return src
    weights = draw(
        st.lists(st.integers(0, 5), min_size=len(cargo_names), max_size=len(cargo_names)).filter(
            any
        )
    )
    total = sum(weights)
    cargo = {name: w / total for name, w in zip(cargo_names, weights, strict=True) if w}
    src: dict = {
        "operator": draw(st.sampled_from(OPERATORS)),
        "corridor": "road",
        "schedule": draw(st.sampled_from(["poisson", "regular", "dated", "flow"])),
        "payload_t": draw(st.floats(0.5, 30)),
        "cargo": cargo,
        "convoy_size": draw(st.integers(1, 4)),
        "jitter_h": draw(st.sampled_from([0.0, 0.0, 6.0, 30.0])),
        "dispatch_when_blocked": draw(st.booleans()),
        "enabled": draw(st.sampled_from([True, True, True, True, False])),
    }
    if src["schedule"] == "dated":
        src["departures"] = [
            {
                "date": _day_in(draw, start, days),
                "trucks": draw(st.integers(1, 6)),
                **({"tonnes": draw(st.floats(1, 100))} if draw(st.booleans()) else {}),
            }
            for _ in range(draw(st.integers(1, 4)))
        ]
    else:
        if draw(st.booleans()):
            src["rates"] = _rates(draw, start, days)
            src["rate_interpolation"] = draw(st.sampled_from(["step", "linear"]))
            src["rate_unit"] = draw(st.sampled_from(["vehicles", "tonnes"]))
        else:
            src["trucks_per_day"] = draw(_small(12.0))
        if draw(st.booleans()):  # an active window applies to rate-based sources
            a, b = _interval(draw, start, days)
            src["active_from"] = a
            if b is not None:
                src["active_until"] = b
    if src["schedule"] != "flow" and draw(st.booleans()):
        src["returns"] = True
        src["turnaround_h"] = draw(_hours())
        src["return_passengers"] = draw(st.sampled_from([0.0, 0.0, 2.0, 40.0]))
    if draw(st.booleans()):
        src["passengers"] = draw(st.floats(0, 5))
        if draw(st.booleans()):
            src["group"] = draw(st.sampled_from(groups))
    return src


@st.composite
def scenario_dicts(draw) -> dict:
    """A random valid scenario as a raw dict."""
    start = draw(st.dates(dt.date(2022, 1, 1), dt.date(2024, 12, 1)))
    tick_days = draw(st.sampled_from([1.0, 1.0, 0.5, 0.25, 2.0]))
    days = draw(st.integers(1, 20)) * 2  # even, so every tick length above divides it
    initial = draw(st.integers(1, 5000))
    raw: dict = {
        "name": "random",
        "start": start,
        "end": start + days * DAY,
        "seed": draw(st.integers(0, 2**32 - 1)),
        "tick_days": tick_days,
        "operators": OPERATORS,
        "population": {"initial": initial, "outflows": []},
    }
    groups = ["all"]
    if draw(st.booleans()):
        groups = [f"g{i}" for i in range(draw(st.integers(1, 3)))]
        sizes = [draw(st.integers(1, 3000)) for _ in groups]
        initial = sum(sizes)
        raw["population"] = {"outflows": [], "groups": {
            g: {"initial": n,
                "need_factors": {"food": draw(st.floats(0, 2))} if draw(st.booleans()) else {},
                "share_weights": {"food": draw(st.floats(0.1, 3))} if draw(st.booleans()) else {}}
            for g, n in zip(groups, sizes, strict=True)}}  # fmt: skip
    for _ in range(draw(st.integers(0, 2))):
        a, b = _interval(draw, start, days)
        outflow = {"start": a, "people": draw(st.floats(0, initial / 2))}
        if b is not None:
            outflow["end"] = b
        if groups != ["all"] and draw(st.booleans()):
            outflow["group"] = draw(st.sampled_from(groups))
            outflow["people"] = min(outflow["people"],
                                    raw["population"]["groups"][outflow["group"]]["initial"])  # fmt: skip
        raw["population"]["outflows"].append(outflow)

    commodities = {"food": _commodity(draw, "t", storable=True)}
    if draw(st.booleans()):
        commodities["fuel"] = _commodity(draw, "t", storable=True)
        if draw(st.booleans()):  # fuel split into uses with priorities
            fuel = commodities["fuel"]
            fuel["need_per_person_day"] = 0.0
            fuel["uses"] = {
                f"u{i}": {
                    "need_per_person_day": draw(_small(0.01)),
                    "need_per_day": draw(_small(5.0)),
                    "priority": draw(st.integers(0, 3)),
                    **({"groups": draw(st.lists(st.sampled_from(groups), min_size=1,
                                                unique=True))} if draw(st.booleans()) else {}),
                    **({"outcome": "runs", "outcome_min_share": draw(st.floats(0, 1))}
                       if draw(st.booleans()) else {}),
                }
                for i in range(draw(st.integers(1, 3)))
            }  # fmt: skip
    if draw(st.booleans()):
        commodities["electricity"] = _commodity(draw, "kWh", storable=False)
    if draw(st.booleans()):
        commodities["gas"] = _commodity(draw, "m3", storable=False)
    raw["commodities"] = commodities

    regimes = {f"r{i}": _regime(draw) for i in range(draw(st.integers(1, 3)))}
    for r in regimes.values():  # cargo rules only for commodities this scenario has
        if "cargo_rules" in r:
            r["cargo_rules"] = {c: v for c, v in r["cargo_rules"].items() if c in commodities}
    raw["regimes"] = regimes
    names = sorted(regimes)
    switch_days = sorted(set(draw(st.lists(st.integers(1, days - 1), max_size=3))))
    timeline = [{"start": start, "regime": draw(st.sampled_from(names))}]
    timeline += [
        {"start": start + d * DAY, "regime": draw(st.sampled_from(names))} for d in switch_days
    ]
    road: dict = {
        "travel_to_checkpoint_h": draw(_hours()),
        "travel_from_checkpoint_h": draw(_hours()),
        "timeline": timeline,
    }
    if draw(st.booleans()):
        road["random_closures"] = {
            "rate_per_day": draw(st.floats(0, 0.5)),
            "duration_days": draw(
                st.one_of(
                    st.floats(0.1, 5),
                    st.builds(lambda m: {"dist": "exponential", "mean": m}, st.floats(0.1, 3)),
                )
            ),
            "regime": draw(st.sampled_from(names)),
        }
        if draw(st.booleans()):
            road["random_closures"]["monthly_rate_factors"] = draw(
                st.lists(st.floats(0, 3), min_size=12, max_size=12)
            )
    events = []
    for _ in range(draw(st.integers(0, 2))):
        a = draw(st.floats(0, days - 0.01))
        b = draw(st.floats(a + 0.01, days + 2))
        origin = dt.datetime.combine(start, dt.time())
        events.append({
            "start": origin + dt.timedelta(days=a), "end": origin + dt.timedelta(days=b),
            "blocked_trucks": draw(st.sampled_from(["hold", "turn_back"])),
            **({"operators": draw(st.lists(st.sampled_from(OPERATORS), min_size=1, unique=True))}
               if draw(st.booleans()) else {}),
        })  # fmt: skip
    if events:
        road["events"] = events
    cap_days = sorted(set(draw(st.lists(st.integers(0, days - 1), max_size=2))))
    if cap_days:
        road["capacity"] = [
            {
                "start": start + d * DAY,
                "trucks_per_day": draw(st.one_of(st.none(), st.integers(0, 8))),
            }
            for d in cap_days
        ]
    raw["corridors"] = {"road": road}

    trucked = [c for c in TRUCKED if c in commodities]
    raw["convoys"] = {
        f"s{i}": _source(draw, start, days, trucked, groups) for i in range(draw(st.integers(1, 3)))
    }

    links = {}
    for com in ("electricity", "gas"):
        if com in commodities and draw(st.booleans()):
            outages = []
            for _ in range(draw(st.integers(0, 2))):
                a, b = _interval(draw, start, days)
                outages.append({"start": a, "end": b, "capacity_factor": draw(st.floats(0, 1))})
            links[f"{com}_link"] = {
                "commodity": com,
                "capacity_per_day": draw(_small(40.0)),
                "outages": outages,
            }
    raw["links"] = links

    if "electricity" in commodities and draw(st.booleans()):
        top = draw(st.floats(1, 1000))
        hydro = {
            "commodity": "electricity",
            "capacity_per_day": draw(_small(40.0)),
            "output_per_m3": draw(st.floats(0.05, 2)),
            "reservoir_max_m3": top,
            "reservoir_initial_m3": draw(st.floats(0, top)),
            "dead_volume_m3": draw(st.floats(0, top)),
            "inflow_m3_per_day": draw(_small(200.0)),
        }
        if draw(st.booleans()):
            hydro["monthly_inflow_factors"] = draw(
                st.lists(st.floats(0, 2), min_size=12, max_size=12)
            )
        if draw(st.booleans()):
            hydro["release"] = {"reserve_m3": draw(st.floats(0, top)),
                                "inflow_window_days": draw(st.floats(0, 10))}  # fmt: skip
            if draw(st.booleans()):
                hydro["release"]["horizon_days"] = draw(st.floats(0.5, 100))
        raw["hydro"] = {"dam": hydro}
    if "electricity" in commodities and "fuel" in commodities and draw(st.booleans()):
        raw["generators"] = {
            "backup": {
                "commodity": "electricity",
                "fuel": "fuel",
                "capacity_per_day": draw(_small(100.0)),
                "fuel_per_unit": draw(st.floats(1e-3, 0.5)),
                "priority": draw(st.integers(0, 3)),
            }
        }

    rules = {}
    for com in trucked:
        if draw(st.booleans()):
            rule: dict = {}
            if draw(st.booleans()):
                rule["thresholds"] = [
                    {
                        "below_days_of_supply": draw(st.floats(0.5, 30)),
                        "ration": draw(st.floats(0, 1)),
                    }
                    for _ in range(draw(st.integers(1, 2)))
                ]
            if draw(st.booleans()) or not rule:
                floor = draw(st.floats(0, 1))
                stretch = {"floor": floor, "ceiling": draw(st.floats(floor, 1)),
                           "inflow_window_days": draw(st.floats(0, 10))}  # fmt: skip
                if draw(st.booleans()):
                    stretch["trigger_days_of_supply"] = draw(st.floats(0.5, 30))
                if draw(st.booleans()):
                    stretch["horizon_days"] = draw(st.floats(0.5, 60))
                else:
                    stretch["until"] = _day_in(draw, start, days)
                rule["stretch"] = stretch
            if draw(st.booleans()):
                rule["decisions"] = {"step": draw(st.sampled_from([0.0, 0.05, 0.1, 0.25])),
                                     "min_days_between_changes": draw(st.floats(0, 10)),
                                     "delay_days": draw(st.floats(0, 5)),
                                     "hysteresis": draw(st.floats(0, 0.3))}  # fmt: skip
            rules[com] = rule
    caps = []
    for _ in range(draw(st.integers(0, 2))):
        a, b = _interval(draw, start, days)
        com = draw(st.sampled_from(sorted(commodities)))
        cap = {"commodity": com, "start": a}
        if draw(st.booleans()):
            cap["ration"] = draw(st.floats(0, 1))
        else:
            cap["amount_per_person_day"] = draw(_small(0.02))
        if b is not None:
            cap["end"] = b
        if groups != ["all"] and draw(st.booleans()):
            cap["groups"] = draw(st.lists(st.sampled_from(groups), min_size=1, unique=True))
        uses = commodities[com].get("uses")
        if uses and draw(st.booleans()):
            cap["uses"] = draw(st.lists(st.sampled_from(sorted(uses)), min_size=1, unique=True))
        caps.append(cap)
    raw["rationing"] = {"rules": rules, "caps": caps}
    if "kcal_per_unit" in commodities["food"] and draw(st.integers(0, 3)) == 0:
        # the health model, with a requirement of its own so every group has one
        raw["health"] = {"bands": draw(st.integers(1, 4)),
                         "default": {"requirement_kcal_per_person_day": draw(st.floats(500, 3000))}}  # fmt: skip
    return raw
