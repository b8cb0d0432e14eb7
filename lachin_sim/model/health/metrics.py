"""Headline health metrics of a run, and quantiles of the health series over replications.

Pure functions of the ``health`` table (:meth:`HealthModel.tables`). Metric names follow the
summary metrics, ``metric:group`` (``group`` is a population group or ``all``), and are known
before running (:func:`health_metric_names`), so sweeps, comparisons and the capacity search can
use them. A metric that does not apply to a group (BMI of a child group, wasting of adults) or
an event that never happens (``days_to_famine_cdr``) is NaN.

>>> import numpy as np
>>> from lachin_sim.config.health import HealthConfig
>>> from lachin_sim.model.health.model import HealthModel
>>> hm = HealthModel(HealthConfig(), ["all"], np.array([1000.0]), 1.0, np.array([2100.0]))
>>> for k in range(10):
...     _ = hm.step(k, np.array([2100.0]), hm.people)
>>> table = hm.tables(np.datetime64("2023-01-01") + np.arange(10))["health"]
>>> m = health_metrics(table)
>>> round(m["excess_deaths:all"], 9), m["days_to_famine_cdr:all"]
(0.0, nan)
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from lachin_sim.config.health import AGGREGATE, FAMINE_GAM_SHARE, bmi_column

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QUANTILE_COLUMNS = ("q05", "q25", "q50", "q75", "q95")  # as the sweep bands
BAND_SERIES = ("bmi_p05", "bmi_p50", "bmi_p95", "mean_bmi", "share_bmi_below_16", "whz_p05",
               "whz_p50", "whz_p95", "share_gam", "cdr_per_10k_day", "excess_deaths", "deaths",
               "cumulative_excess_deaths")  # fmt: skip

HEALTH_METRICS = (
    "excess_deaths", "background_deaths", "deaths", "peak_cdr", "days_to_famine_cdr",
    "famine_cdr_days", "days_to_emergency_cdr", "mean_bmi_end", "min_mean_bmi",
    "share_bmi_below_18_5_end", "share_bmi_below_17_end", "share_bmi_below_16_end",
    "peak_share_bmi_below_16", "share_gam_end", "share_sam_end", "peak_share_gam",
    "days_to_famine_gam",
)  # fmt: skip


def health_metric_names(groups: list[str]) -> list[str]:
    """Names of the metrics :func:`health_metrics` reports for these population groups."""
    rows = list(groups) + ([AGGREGATE] if len(groups) > 1 else [])
    return [f"{metric}:{g}" for g in rows for metric in HEALTH_METRICS]


def health_metrics(health: pd.DataFrame, tick_days: float | None = None) -> dict[str, float]:
    """Headline metrics per group (and ``all``), in the order of :func:`health_metric_names`.

    Deaths are totals over the run (people). ``peak_cdr`` is the highest crude death rate
    (deaths per 10,000 people per day); ``days_to_famine_cdr`` the days from the first date to
    the first tick at or above the IPC famine rate ([health:K1]); ``famine_cdr_days`` how many
    days were; ``days_to_emergency_cdr`` the same for the Sphere emergency rate ([health:K9]).
    ``*_end`` values describe the people alive at the end of the last tick. ``days_to_famine_gam``:
    first tick with GAM >= 30 % ([health:K3]). ``tick_days`` defaults to the spacing of the dates.
    """
    dates = pd.to_datetime(health["date"])
    start = dates.min()
    if tick_days is None:
        steps = np.diff(np.unique(dates.to_numpy())) / np.timedelta64(1, "D")
        tick_days = float(np.median(steps)) if len(steps) else 1.0
    out: dict[str, float] = {}
    for group in dict.fromkeys(health["group"]):
        rows = health[health["group"] == group]
        days = ((pd.to_datetime(rows["date"]) - start) / pd.Timedelta(days=1)).to_numpy(float)
        last = rows.iloc[-1]

        def first(flags: np.ndarray, days: np.ndarray = days) -> float:
            flags = np.asarray(flags, dtype=bool)
            return float(days[flags.argmax()]) if flags.any() else float("nan")

        gam = rows["share_gam"].to_numpy(float)
        values = {
            "excess_deaths": rows["excess_deaths"].sum(),
            "background_deaths": rows["background_deaths"].sum(),
            "deaths": rows["deaths"].sum(),
            "peak_cdr": rows["cdr_per_10k_day"].max(),
            "days_to_famine_cdr": first(rows["famine_cdr"].to_numpy()),
            "famine_cdr_days": rows["famine_cdr"].to_numpy(bool).sum() * tick_days,
            "days_to_emergency_cdr": first(rows["emergency_cdr"].to_numpy()),
            "mean_bmi_end": last["mean_bmi"],
            "min_mean_bmi": rows["mean_bmi"].min(),
            "share_bmi_below_18_5_end": last[bmi_column(18.5)],
            "share_bmi_below_17_end": last[bmi_column(17.0)],
            "share_bmi_below_16_end": last[bmi_column(16.0)],
            "peak_share_bmi_below_16": rows[bmi_column(16.0)].max(),
            "share_gam_end": last["share_gam"],
            "share_sam_end": last["share_sam"],
            "peak_share_gam": rows["share_gam"].max(),
            "days_to_famine_gam": first(np.nan_to_num(gam, nan=0.0) >= FAMINE_GAM_SHARE),
        }
        for metric in HEALTH_METRICS:
            out[f"{metric}:{group}"] = float(values[metric])
    return out


def excess_deaths_by_month(health: pd.DataFrame) -> pd.DataFrame:
    """Cumulative excess deaths at the end of each calendar month, per group (tidy:
    ``month`` (first day), ``group``, ``cumulative_excess_deaths``, ``excess_deaths`` in the month)."""
    df = health[["date", "group", "excess_deaths"]].copy()
    df["month"] = pd.to_datetime(df["date"]).dt.to_period("M").dt.to_timestamp()
    monthly = df.groupby(["group", "month"], sort=False)["excess_deaths"].sum().reset_index()
    monthly["cumulative_excess_deaths"] = monthly.groupby("group", sort=False)[
        "excess_deaths"
    ].cumsum()
    return monthly[["month", "group", "cumulative_excess_deaths", "excess_deaths"]]


def health_quantiles(tables: Iterable[pd.DataFrame], series: Iterable[str] = BAND_SERIES
                     ) -> pd.DataFrame:  # fmt: skip
    """Quantiles over replications of each health series, per group and date.

    ``tables``: the ``health`` tables of runs of one scenario (same dates and groups). Returns
    a tidy table ``series, group, date, q05, q25, q50, q75, q95`` (NaN values are skipped; a
    quantile of only NaN is NaN), the form the health plots take for many runs.
    """
    tables = list(tables)
    if not tables:
        raise ValueError("health_quantiles needs at least one health table")
    keys = tables[0][["group", "date"]].reset_index(drop=True)
    for i, t in enumerate(tables[1:], start=1):
        if not t[["group", "date"]].reset_index(drop=True).equals(keys):
            raise ValueError(f"health table {i} has other groups or dates than table 0")
    parts = []
    for name in series:
        stack = np.stack([t[name].to_numpy(dtype=float) for t in tables])  # (runs, rows)
        with np.errstate(all="ignore"):
            q = np.full((len(QUANTILES), stack.shape[1]), np.nan)
            has = ~np.all(np.isnan(stack), axis=0)
            if has.any():
                q[:, has] = np.nanquantile(stack[:, has], QUANTILES, axis=0)
        part = keys.copy()
        part.insert(0, "series", name)
        for col, values in zip(QUANTILE_COLUMNS, q, strict=True):
            part[col] = values
        parts.append(part)
    return pd.concat(parts, ignore_index=True)
