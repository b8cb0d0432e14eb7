"""One run: wire corridors, convoys and stocks into a SimPy environment, run it, collect tables.

>>> import lachin_sim as ls
>>> result = ls.simulate(ls.load_scenario("configs/baseline_open.toml"), seed=1)
>>> sorted(result.stocks["commodity"].unique())[:2]
['electricity', 'food']
"""

from __future__ import annotations

import gc
import platform
import time

import numpy as np
import pandas as pd
import simpy

from lachin_sim import __version__
from lachin_sim.config.schema import Scenario
from lachin_sim.model.arrivals import Arrivals
from lachin_sim.model.convoys import Convoys
from lachin_sim.model.corridor import CorridorGate
from lachin_sim.model.flows import FlowSource
from lachin_sim.model.population import tick_starts
from lachin_sim.model.supply import SupplySystem
from lachin_sim.outputs import metrics
from lachin_sim.outputs.outcomes import outcome_metrics
from lachin_sim.outputs.results import Result


def simulate(scenario: Scenario, seed: int | None = None, *, keep_log: bool = True) -> Result:
    """Run ``scenario`` once with ``seed`` (default: the scenario's own) and return its Result.

    The result depends only on the scenario and the seed. ``keep_log=False`` keeps no record
    per vehicle (``result.convoys`` is then empty, with its columns; the summary is the same):
    memory then does not grow with the number of vehicles. Sweeps run so.
    """
    seed = scenario.seed if seed is None else int(seed)
    if seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed}")
    wall0 = time.perf_counter()
    env = simpy.Environment()
    starts = tick_starts(scenario)
    supply = SupplySystem(scenario, starts)
    gates = {
        name: CorridorGate(env, name, corridor, scenario, seed)
        for name, corridor in scenario.corridors.items()
    }
    supply.flows = [
        FlowSource(name, src, scenario, gates[src.corridor], supply.index)
        for name, src in scenario.convoys.items()
        if src.enabled and src.schedule == "flow"
    ]
    timed = {i for i, c in enumerate(scenario.commodities.values()) if c.shelf_life_days}
    arrivals = Arrivals(len(supply.names), len(starts), scenario.tick_days, timed)
    convoys = Convoys(env, scenario, gates, seed, arrivals, supply.crossings, supply.index,
                      keep_log=keep_log)  # fmt: skip
    loop0 = time.perf_counter()
    collecting = gc.isenabled()
    gc.disable()  # the loop frees what it drops by reference counting; a collection would only
    try:  # rescan the growing records (super-linear in vehicles)
        # The road first (corridor changes, vehicles as processes, then those in bulk): nothing
        # on it depends on the stocks; then the ticks take in what it brought.
        env.run(until=arrivals.horizon)
        convoys.finish()
        supply.expect(arrivals)
        for k in range(len(starts)):
            supply.tick(k, (k + 1) * scenario.tick_days)
    finally:
        if collecting:
            gc.enable()
    loop_s = time.perf_counter() - loop0
    n_events = next(env._eid)  # SimPy numbers every scheduled event; this is how many there were

    tables = supply.tables()
    stocks = tables["stocks"]
    stocks["share_met"] = metrics.share_met(stocks)
    kcal = stocks["commodity"].map({n: c.kcal_per_unit for n, c in scenario.commodities.items()})
    if kcal.notna().any():
        per_day = stocks["consumed"] / (stocks["population"] * scenario.tick_days)
        stocks["kcal_per_person_day"] = (per_day * kcal.astype(float)).where(
            stocks["population"] > 0
        )
    convoy_log = convoys.table()
    crossings = supply.crossings.table(np.datetime64(scenario.start, "ns"), len(starts))
    shortages = metrics.shortage_episodes(stocks, scenario)
    summary = metrics.summarize(stocks, convoys.counts, scenario, convoys.withheld, tables["flows"])
    extra = outcome_metrics(scenario, stocks, tables["uses"], tables["groups"], crossings)
    if "health" in tables:
        from lachin_sim.model.health import health_metrics

        extra |= health_metrics(tables["health"], scenario.tick_days)
    summary = pd.concat([summary, pd.Series(extra, dtype=float)]).rename("value")
    metadata = {
        "package": "lachin-sim",
        "version": __version__,
        "scenario": scenario.name,
        "seed": seed,
        "config_sha256": scenario.digest(),
        "source": scenario.provenance.get("source"),  # the config file it was read from
        "overrides": list(scenario.provenance.get("overrides", [])),  # --set path=value, in order
        "python": platform.python_version(),
        "simpy": simpy.__version__,
        "events": n_events,
        "event_loop_s": loop_s,
        "wall_s": time.perf_counter() - wall0,
    }
    return Result(
        scenario=scenario,
        seed=seed,
        stocks=stocks,
        convoys=convoy_log,
        regimes=regime_table(gates, scenario, env.now),
        energy=tables["energy"],
        shortages=shortages,
        uses=tables["uses"],
        groups=tables["groups"],
        decisions=tables["decisions"],
        flows=tables["flows"],
        health=tables.get("health", pd.DataFrame()),
        health_bands=tables.get("health_bands", pd.DataFrame()),
        crossings=crossings,
        summary=summary,
        metadata=metadata,
    )


def regime_table(
    gates: dict[str, CorridorGate], scenario: Scenario, horizon: float
) -> pd.DataFrame:
    """One row per interval during which a regime held on a corridor (end exclusive)."""
    rows = []
    for name, gate in gates.items():
        times = [entry[0] for entry in gate.log] + [horizon]
        for (t, regime, barred, cause), t_next in zip(gate.log, times[1:], strict=True):
            if t_next > t:
                rows.append((name, t, t_next, regime, ", ".join(barred), cause))
    df = pd.DataFrame(rows, columns=["corridor", "start", "end", "regime", "barred", "cause"])
    start = pd.Timestamp(scenario.start)
    for col in ("start", "end"):
        df[col] = start + pd.to_timedelta(df[col].astype(float), unit="D")
    df["days"] = pd.to_timedelta(df["end"] - df["start"]) / pd.Timedelta(days=1)
    return df
