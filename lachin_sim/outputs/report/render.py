"""The page: Jinja2 templates (package data in ``templates/``) and the filters that format the
numbers they are given. The words are in the templates; this module only formats.

Formats: dates as "20 January 2023"; ranges of dates as "14–25 January" (one month),
"14 January–3 February" (one year) or "20 December 2022–25 January 2023"; shares of need as
whole percentages ("52 %", one decimal near 0 and 100 so that a shortfall never reads as
"100 %"); counts with thousands separators.

>>> import datetime as dt
>>> date_range(dt.date(2023, 1, 14), dt.date(2023, 1, 25), year=False)
'14–25 January'
>>> pct(0.9996), pct(0.5248), pct(1.0)
('99.96\\xa0%', '52\\xa0%', '100\\xa0%')
>>> pct_pair(0.638, 0.643), pct_pair(0.52, 0.59)
(('63.8\\xa0%', '64.3\\xa0%'), ('52\\xa0%', '59\\xa0%'))
>>> amount(0.125), amount(26.64), amount(250000.0), amount(2e8)
('0.125', '26.64', '250,000', '200 million')
>>> input_name("hydro.sarsang.inflow_m3_per_day"), input_name("commodities.food.initial_stock")
('inflow of the sarsang hydro plant', 'initial stock of food')
"""

from __future__ import annotations

import datetime as dt
import math

import jinja2

NBSP = "\u00a0"  # between a number and its unit: "52 %" never breaks across lines
DASH = "\u2013"  # en dash of ranges
PCT_DECIMALS = 2  # the most decimals a percentage is given with


def long_date(day: dt.date | None, year: bool = True) -> str:
    """'20 January 2023' (or '20 January'); '' for None."""
    if day is None:
        return ""
    return f"{day.day} {day:%B}" + (f" {day.year}" if year else "")


def date_range(low: dt.date, high: dt.date, year: bool = True) -> str:
    """The shortest unambiguous range: '14–25 January', '14 January–3 February', or with the
    years when they differ (``year``: give the year even when both ends share it)."""
    if low == high:
        return long_date(low, year)
    if low.year != high.year:
        return f"{long_date(low)}{DASH}{long_date(high)}"
    tail = f" {high.year}" if year else ""
    if low.month == high.month:
        return f"{low.day}{DASH}{high.day} {high:%B}{tail}"
    return f"{long_date(low, False)}{DASH}{long_date(high, False)}{tail}"


def pct(share: float | None, decimals: int = 0) -> str:
    """A share (0..1) as a percentage: whole numbers (or ``decimals`` places), with more
    decimals where rounding would show a shortfall as 100 % or a little as 0 %."""
    if share is None or not math.isfinite(share):
        return "n/a"
    value = share * 100
    for places in range(decimals, PCT_DECIMALS + 1):
        shown = round(value, places)
        if (shown < 100 or value >= 100) and (shown > 0 or value <= 0):
            return f"{shown:.{places}f}{NBSP}%"
    return f"{'<0.01' if value < 1 else '>99.99'}{NBSP}%"


def pct_pair(share: float | None, other: float | None) -> tuple[str, str]:
    """Two shares as :func:`pct`, with one or two decimals when whole numbers would show two
    different shares alike ('63.8 %' and '64.3 %', never '64 %' and '64 %')."""
    shown = (pct(share), pct(other))
    for decimals in range(1, PCT_DECIMALS + 1):
        if shown[0] != shown[1] or share == other:
            break
        shown = (pct(share, decimals), pct(other, decimals))
    return shown


def number(value: float | None, decimals: int = 0) -> str:
    """1,098 or 15.3 (``decimals`` places); 'n/a' for NaN."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:,.{decimals}f}"


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 run', '20 runs'."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def label(name: str) -> str:
    """A config name for a reader: 'other_goods' -> 'other goods'."""
    return name.replace("_", " ")


def param(path: str) -> str:
    """A swept parameter for a reader: its last two names ('convoys.icrc.trucks_per_day' ->
    'icrc trucks per day'), list positions skipped."""
    names = [p for p in path.split(".") if not p.isdigit()]
    return label(" ".join(names[-2:]))


# How the input at a dotted path reads: the first names say what it belongs to
INPUT_OWNERS = {
    "commodities": "{field} of {name}",
    "convoys": "{field} of the {name} convoys",
    "regimes": "{field} of the {name} regime",
    "corridors": "{field} of the {name} corridor",
    "links": "{field} of the {name} link",
    "generators": "{field} of the {name} generator",
    "hydro": "{field} of the {name} hydro plant",
}


UNIT_WORDS = ("h", "t", "kg", "m3", "kwh", "days")  # a field name's last word that is its unit


def input_name(path: str) -> str:
    """An uncertain input for a reader: 'commodities.food.initial_stock' -> 'initial stock of
    food', 'rationing.rules.food.stretch.floor' -> 'floor of the stretch ration rule for food'."""
    parts = [p for p in path.split(".") if not p.isdigit()]
    words = parts[-1].split("_")
    if len(words) > 3 and words[-2:] == ["per", "day"] and words[-3] in UNIT_WORDS:
        words = words[:-3]  # 'inflow_m3_per_day' -> 'inflow': the unit is in the range
    elif len(words) > 1 and words[-1] in UNIT_WORDS and words[-2] != "per":
        words = words[:-1]  # 'jitter_h' -> 'jitter', 'horizon_days' -> 'horizon'
    parts[-1] = "_".join(words)
    if parts[:2] == ["rationing", "rules"] and len(parts) >= 5:
        return f"{label(' '.join(parts[4:]))} of the {label(parts[3])} ration rule for {parts[2]}"
    owner = INPUT_OWNERS.get(parts[0])
    if owner and len(parts) >= 3:
        return owner.format(field=label(" ".join(parts[2:])), name=label(parts[1]))
    return label(" ".join(parts))


MILLION = 1e6  # from here on, numbers read as "200 million"


def amount(v: float | None, digits: int = 4) -> str:
    """A number as given in a config, to ``digits`` significant digits without trailing zeros
    and with thousands separators: 0.125, 26.64, 250,000, 200 million; 'n/a' for NaN."""
    if v is None or not math.isfinite(v):
        return "n/a"
    if v == 0:
        return "0"
    if abs(v) >= MILLION:
        return f"{amount(v / MILLION, digits)} million"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(v))))
    text = f"{v:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def signed(v: float | None, decimals: int = 2) -> str:
    """+0.85 or −0.40 (a true minus sign); 'n/a' for None or NaN."""
    if v is None or not math.isfinite(v):
        return "n/a"
    return f"{v:+.{decimals}f}".replace("-", "−")


def first_upper(text: str) -> str:
    """The first letter in upper case, the rest as it is (Jinja's capitalize lowers it)."""
    return text[:1].upper() + text[1:]


def value(v: object) -> str:
    """A parameter value: 4 rather than 4.0; other values as they are."""
    if isinstance(v, float) and v.is_integer():
        return f"{v:.0f}"
    return str(v)


def environment() -> jinja2.Environment:
    """The Jinja2 environment of the report's templates (autoescaped, undefined is an error)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("lachin_sim.outputs.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        long_date=long_date,
        date_range=date_range,
        pct=pct,
        pct_pair=pct_pair,
        number=number,
        plural=plural,
        label=label,
        param=param,
        value=value,
        input_name=input_name,
        amount=amount,
        signed=signed,
        first_upper=first_upper,
    )
    return env


def render(template: str, **context: object) -> str:
    """Render one of the report's templates."""
    return environment().get_template(template).render(**context)
