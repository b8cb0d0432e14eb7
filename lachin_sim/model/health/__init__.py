"""Health impact: food energy -> access -> energy balance -> BMI / wasting -> hazard -> deaths.

``HealthModel`` advances it tick by tick; ``health_metrics`` summarises its ``health`` table.
The chain, its equations, sources and limits: ``docs/health.md``.
"""

from lachin_sim.model.health.metrics import (
    excess_deaths_by_month,
    health_metric_names,
    health_metrics,
    health_quantiles,
)
from lachin_sim.model.health.model import HealthModel, TickDeaths

__all__ = [
    "HealthModel",
    "TickDeaths",
    "excess_deaths_by_month",
    "health_metric_names",
    "health_metrics",
    "health_quantiles",
]
