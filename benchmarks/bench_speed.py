"""The speed benchmarks of issue 13, side by side in one process: medians and ratios.

    python benchmarks/bench_speed.py                     # everything (about 5 minutes here)
    python benchmarks/bench_speed.py --quick             # fewer repeats (about 1.5 minutes)
    python benchmarks/bench_speed.py --only w2 blockade  # some sections
    python benchmarks/bench_speed.py --check             # warn when >20 % slower than baseline
    python benchmarks/bench_speed.py --write-baseline    # record benchmarks/baseline.json
    python benchmarks/bench_speed.py --json out.json     # also save the numbers

Sections (contenders of a section are interleaved, run after run, so that the load of a shared
machine falls on all of them alike; every figure is a median):

- ``w2``: workload W2 (``benchmarks/w2.toml``: one year, open road, Poisson 30 trucks/day of
  20 t, 2 inspection lanes with exponential 0.48 h inspections, 3 commodities) run by
  ``lachin_sim.simulate`` (tables and summary included), by a hand-written SimPy model of the
  same flow (:func:`hand_w2`, below), and bare SimPy timeouts for the same number of events.
- ``blockade``: ``configs/blockade_2023.toml`` as shipped (health model on) and with its
  ``health`` table removed.
- ``commodities``: W2 with 3 to 100 commodities: the cost of one more commodity (slope of a
  least-squares line) and the slope over the upper half against the lower half (1 = linear).
- ``trucks``: W2 over 30 days at 250 to 5,000 trucks/day (lanes scaled to keep the lanes'
  utilisation at 0.3): the cost of one more truck and the same linearity check; and a saturated
  checkpoint (300 trucks/day through 2 lanes that clear about 100 a day) over 120 and 240 days.
- ``memory``: peak resident memory of one run in a fresh process at 1,000 and 4,000 trucks/day
  (30 days), without the per-truck log where ``simulate`` can leave it out.
- ``sweep``: runs per second of ``ls.sweep`` (blockade_2023, process executor) on 1 and 2
  workers, and a serial sweep against a plain loop of ``simulate``.
- ``startup``: ``lachin-sim --help`` and ``lachin-sim validate configs/blockade_2023.toml`` as
  subprocesses, against the interpreter's own start (``python -c pass``).

The targets of issue 13 are printed beside the numbers; they are never a failing test.
"""

from __future__ import annotations

import argparse
import copy
import gc
import inspect
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import simpy

ROOT = Path(__file__).resolve().parents[1]
# --code DIR: measure the lachin_sim of another checkout (e.g. an export of an older commit)
CODE = Path(sys.argv[sys.argv.index("--code") + 1]).resolve() if "--code" in sys.argv else ROOT
sys.path.insert(0, str(CODE))
import lachin_sim as ls  # noqa: E402
from lachin_sim.config.files import read_config  # noqa: E402
from lachin_sim.config.validation import validate_scenario  # noqa: E402

W2 = ROOT / "benchmarks" / "w2.toml"
BLOCKADE = ROOT / "configs" / "blockade_2023.toml"
BASELINE = ROOT / "benchmarks" / "baseline.json"
SLOWER = 0.20  # --check warns when a figure is this much worse than the baseline's

# ---------------------------------------------------------------------------------------------
# The hand-written reference: W2 in plain SimPy, written here, imported from nowhere.
# ---------------------------------------------------------------------------------------------


def hand_w2(seed: int, days: int = 365, trucks_per_day: float = 30.0, payload_t: float = 20.0,
            lanes: int = 2, inspection_h: float = 0.48, travel_to_h: float = 2.0,
            travel_from_h: float = 3.0) -> tuple[int, int]:  # fmt: skip
    """W2 as a reader would write it in SimPy: a Poisson source, one process per truck (travel,
    queue for a lane, inspection, travel on, unload), a daily tick that consumes 3 commodities
    and records a row each; a list of per-truck records. Returns (events, trucks delivered)."""
    env = simpy.Environment()
    rng = random.Random(seed)
    lane = simpy.Resource(env, capacity=lanes)
    shares = (0.7, 0.29, 0.01)
    need = (55.5, 20.0, 0.2)  # t/day
    stock = [3000.0, 500.0, 20.0]
    delivered = [0.0, 0.0, 0.0]
    log: list[list] = []
    rows: list[tuple] = []

    def truck(rec: list):
        yield env.timeout(travel_to_h / 24)
        rec[2] = env.now
        with lane.request() as request:
            yield request
            rec[3] = env.now
            yield env.timeout(rng.expovariate(1 / inspection_h) / 24)
        rec[4] = env.now
        yield env.timeout(travel_from_h / 24)
        if env.now < days:
            rec[5], rec[6] = env.now, "delivered"
            for i, share in enumerate(shares):
                stock[i] += payload_t * share
                delivered[i] += payload_t * share

    def source():
        while True:
            yield env.timeout(rng.expovariate(trucks_per_day))
            if env.now >= days:
                return
            rec = [len(log), env.now, None, None, None, None, "pending"]
            log.append(rec)
            env.process(truck(rec))

    def ticks():
        for k in range(days):
            yield env.timeout(k + 1 - env.now)
            for i in range(3):
                consumed = min(stock[i], need[i])
                stock[i] -= consumed
                rows.append((k, i, stock[i], delivered[i], consumed, need[i]))
                delivered[i] = 0.0

    env.process(source())
    done = env.process(ticks())
    env.run(until=done)
    return next(env._eid), sum(1 for r in log if r[6] == "delivered")


def bare_timeouts(n: int) -> None:
    """``n`` bare SimPy timeouts in one process."""
    env = simpy.Environment()

    def ticker():
        for _ in range(n):
            yield env.timeout(1)

    env.process(ticker())
    env.run()


# ---------------------------------------------------------------------------------------------
# Scenarios built from W2 and blockade_2023.
# ---------------------------------------------------------------------------------------------


def raw_w2() -> dict:
    return read_config(W2)


def scenario_from(raw: dict, source: str = "w2"):
    return validate_scenario(copy.deepcopy(raw), source)


def w2_with_commodities(n: int):
    """W2 with ``n`` commodities: the 3 of W2 and n - 3 more alike, the cargo shared evenly."""
    raw = raw_w2()
    for i in range(n - 3):
        raw["commodities"][f"extra_{i}"] = {"unit": "t", "initial_stock": 100.0,
                                            "need_per_person_day": 0.00001}  # fmt: skip
    names = list(raw["commodities"])
    raw["convoys"]["trucks"]["cargo"] = {c: 1.0 / n for c in names}
    return scenario_from(raw)


def w2_with_trucks(per_day: float, days: int = 30, lanes: int | None = None):
    """W2 over ``days`` at ``per_day`` trucks/day; ``lanes`` None keeps utilisation at 0.3."""
    raw = raw_w2()
    raw["end"] = (np.datetime64(str(raw["start"])) + np.timedelta64(days, "D")).item()
    raw["convoys"]["trucks"]["trucks_per_day"] = float(per_day)
    if lanes is None:
        lanes = max(2, round(per_day * 0.48 / 24 / 0.3))
    raw["regimes"]["open"]["inspection_lanes"] = lanes
    return scenario_from(raw)


def blockade(health: bool):
    raw = read_config(BLOCKADE)
    if not health:  # the health table, and the uncertain inputs that refer to it
        raw.pop("health", None)
        unc = raw.get("uncertainty", {})
        for path in [p for p in unc if p.startswith("health.")]:
            del unc[path]
    return validate_scenario(raw, str(BLOCKADE))


def run_kwargs(keep_log: bool) -> dict:
    """``keep_log`` for ``simulate`` where the installed version has it (not before issue 13)."""
    return {"keep_log": keep_log} if "keep_log" in inspect.signature(ls.simulate).parameters else {}


# ---------------------------------------------------------------------------------------------
# Timing helpers.
# ---------------------------------------------------------------------------------------------


def interleaved(contenders: dict[str, Callable[[int], object]], repeat: int) -> dict[str, float]:
    """Median seconds of each contender, called in turn ``repeat`` times (seed = repeat index),
    after one warm-up call each."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for fn in contenders.values():
        fn(10_000)
    for r in range(repeat):
        for name, fn in contenders.items():
            t0 = time.perf_counter()
            fn(r)
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def slope(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """(least-squares slope, slope of the upper half / slope of the lower half)."""
    b = float(np.polyfit(xs, ys, 1)[0])
    mid = len(xs) // 2
    low = (ys[mid] - ys[0]) / (xs[mid] - xs[0])
    high = (ys[-1] - ys[mid]) / (xs[-1] - xs[mid])
    return b, high / low if low > 0 else float("nan")


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms"


# ---------------------------------------------------------------------------------------------
# Sections: each prints its lines and returns {metric: (value, unit, better)}.
# ---------------------------------------------------------------------------------------------
Figures = dict[str, tuple[float, str, str]]


def section_w2(repeat: int) -> Figures:
    scenario = ls.load_scenario(W2)
    kwargs = run_kwargs(keep_log=False)
    result = ls.simulate(scenario, seed=0, **kwargs)
    events = int(result.metadata["events"])
    hand_events, _ = hand_w2(0)
    med = interleaved({
        "lachin-sim": lambda s: ls.simulate(scenario, seed=s, **kwargs),
        "lachin-sim, log kept": lambda s: ls.simulate(scenario, seed=s),
        "hand-written SimPy": lambda s: hand_w2(s),
        "bare SimPy timeouts": lambda s: bare_timeouts(events),
    }, repeat)  # fmt: skip
    print(f"W2 ({events:,} events in lachin-sim, {hand_events:,} in the hand-written model):")
    for name, t in med.items():
        print(f"  {name:<24}{ms(t):>12}")
    ratio = med["hand-written SimPy"] / med["lachin-sim"]
    print(f"  hand-written / lachin-sim: {ratio:.2f}x (target >= 8x; lachin-sim <= 20 ms)")
    print(f"  lachin-sim / bare SimPy:   {med['lachin-sim'] / med['bare SimPy timeouts']:.2f}x")
    return {
        "w2_ms": (med["lachin-sim"] * 1e3, "ms", "lower"),
        "w2_log_kept_ms": (med["lachin-sim, log kept"] * 1e3, "ms", "lower"),
        "w2_hand_simpy_ms": (med["hand-written SimPy"] * 1e3, "ms", "info"),
        "w2_bare_simpy_ms": (med["bare SimPy timeouts"] * 1e3, "ms", "info"),
        "w2_hand_over_lachin": (ratio, "x", "higher"),
        "w2_events": (float(events), "events", "info"),
    }


def section_blockade(repeat: int) -> Figures:
    on, off = blockade(health=True), blockade(health=False)
    kwargs = run_kwargs(keep_log=False)
    med = interleaved({
        "health on (as shipped)": lambda s: ls.simulate(on, seed=s),
        "health on, no truck log": lambda s: ls.simulate(on, seed=s, **kwargs),
        "health removed": lambda s: ls.simulate(off, seed=s),
    }, repeat)  # fmt: skip
    print("blockade_2023 (target <= 10 ms):")
    for name, t in med.items():
        print(f"  {name:<26}{ms(t):>12}")
    return {
        "blockade_ms": (med["health on (as shipped)"] * 1e3, "ms", "lower"),
        "blockade_no_log_ms": (med["health on, no truck log"] * 1e3, "ms", "lower"),
        "blockade_no_health_ms": (med["health removed"] * 1e3, "ms", "lower"),
    }


def section_commodities(repeat: int) -> Figures:
    counts = [3, 25, 50, 100]
    scenarios = {n: w2_with_commodities(n) for n in counts}
    kwargs = run_kwargs(keep_log=False)
    med = interleaved({str(n): (lambda s, sc=sc: ls.simulate(sc, seed=s, **kwargs))
                       for n, sc in scenarios.items()}, repeat)  # fmt: skip
    ys = [med[str(n)] for n in counts]
    b, lin = slope(counts, ys)
    print(
        "W2 by number of commodities: "
        + ", ".join(f"{n}: {ms(t)}" for n, t in zip(counts, ys, strict=True))
    )
    print(f"  per commodity: {ms(b)}; upper/lower half slope {lin:.2f} (1 = linear)")
    return {"per_commodity_ms": (b * 1e3, "ms", "lower"),
            "commodity_linearity": (lin, "ratio", "info")}  # fmt: skip


def section_trucks(repeat: int) -> Figures:
    rates = [250, 1000, 2500, 5000]
    scenarios = {r: w2_with_trucks(r) for r in rates}
    kwargs = run_kwargs(keep_log=False)
    med = interleaved({str(r): (lambda s, sc=sc: ls.simulate(sc, seed=s, **kwargs))
                       for r, sc in scenarios.items()}, max(2, repeat // 3))  # fmt: skip
    trucks = [r * 30 for r in rates]
    ys = [med[str(r)] for r in rates]
    b, lin = slope(trucks, ys)
    print(
        "W2 over 30 days by trucks/day: "
        + ", ".join(f"{r}: {ms(t)}" for r, t in zip(rates, ys, strict=True))
    )
    print(f"  per truck: {b * 1e6:.1f} us; upper/lower half slope {lin:.2f} (1 = linear)")
    saturated = {d: w2_with_trucks(300, days=d, lanes=2) for d in (120, 240)}
    sat = interleaved({str(d): (lambda s, sc=sc: ls.simulate(sc, seed=s, **kwargs))
                       for d, sc in saturated.items()}, max(2, repeat // 5))  # fmt: skip
    growth = sat["240"] / sat["120"]
    print(f"  saturated checkpoint, 300 trucks/day, 2 lanes: 120 days {ms(sat['120'])}, "
          f"240 days {ms(sat['240'])} ({growth:.2f}x for twice the days; 2 = linear)")  # fmt: skip
    return {"per_truck_us": (b * 1e6, "us", "lower"),
            "truck_linearity": (lin, "ratio", "info"),
            "saturated_240d_ms": (sat["240"] * 1e3, "ms", "lower"),
            "saturated_doubling": (growth, "ratio", "info")}  # fmt: skip


MEMORY_SCRIPT = """
import resource, sys
sys.path.insert(0, {bench!r}); sys.path.insert(0, {code!r})
import lachin_sim as ls
from bench_speed import w2_with_trucks, run_kwargs
scenario = w2_with_trucks({rate}, days=30)
ls.simulate(w2_with_trucks(30, days=2), seed=0)  # imports and caches warmed before the baseline
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
ls.simulate(scenario, seed=0, **run_kwargs(keep_log=False))
print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def section_memory(repeat: int) -> Figures:
    grown = {}
    for rate in (1000, 4000):
        script = MEMORY_SCRIPT.format(code=str(CODE), bench=str(ROOT / "benchmarks"), rate=rate)
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             check=True).stdout.split()  # fmt: skip
        grown[rate] = (int(out[1]) - int(out[0])) / 1024  # MB above the warmed-up process
    per_k = (grown[4000] - grown[1000]) / ((4000 - 1000) * 30 / 1000)
    print(f"memory of one run (peak RSS above a warmed-up process): 30,000 trucks "
          f"{grown[1000]:.0f} MB, 120,000 trucks {grown[4000]:.0f} MB: "
          f"{per_k * 1024:.0f} KB per 1,000 trucks more (target: flat without the log)")  # fmt: skip
    return {"memory_120k_trucks_mb": (grown[4000], "MB", "lower"),
            "memory_per_1000_trucks_kb": (per_k * 1024, "KB", "lower")}  # fmt: skip


def section_sweep(repeat: int) -> Figures:
    scenario = ls.load_scenario(BLOCKADE)
    runs = 8 * max(2, repeat // 2)
    rates = {}
    for workers in (1, 2):
        walls = []
        for _ in range(2):
            t0 = time.perf_counter()
            ls.sweep(scenario, replications=runs, executor="processes", workers=workers,
                     progress=False)  # fmt: skip
            walls.append(time.perf_counter() - t0)
        rates[workers] = runs / min(walls)
    n = max(4, runs // 2)
    med = interleaved({
        "plain loop": lambda s: [ls.simulate(scenario, seed=i) for i in range(n)],
        "serial sweep": lambda s: ls.sweep(scenario, replications=n, executor="serial",
                                           progress=False),
    }, 3)  # fmt: skip
    overhead = med["serial sweep"] / med["plain loop"]
    print(f"sweep of blockade_2023, {runs} runs: 1 worker {rates[1]:.1f} runs/s, 2 workers "
          f"{rates[2]:.1f} runs/s ({rates[2] / rates[1]:.2f}x); serial sweep / plain loop "
          f"{overhead:.2f}")  # fmt: skip
    return {"sweep_1w_runs_per_s": (rates[1], "runs/s", "higher"),
            "sweep_2w_runs_per_s": (rates[2], "runs/s", "higher"),
            "sweep_serial_over_loop": (overhead, "ratio", "info")}  # fmt: skip


def section_startup(repeat: int) -> Figures:
    cli = [sys.executable, "-m", "lachin_sim"]  # run in CODE: its lachin_sim comes first
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "lachin-sim --help": [*cli, "--help"],
        "lachin-sim validate": [*cli, "validate", str(BLOCKADE)],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(max(5, repeat)):
        for name, cmd in commands.items():
            t0 = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=True, cwd=CODE)
            times[name].append(time.perf_counter() - t0)
    med = {name: statistics.median(ts) for name, ts in times.items()}
    print("start-up (subprocess, median): " + ", ".join(f"{n} {ms(t)}" for n, t in med.items())
          + " (targets: --help < 100 ms, validate < 250 ms)")  # fmt: skip
    return {"help_ms": (med["lachin-sim --help"] * 1e3, "ms", "lower"),
            "validate_ms": (med["lachin-sim validate"] * 1e3, "ms", "lower"),
            "python_start_ms": (med["python -c pass"] * 1e3, "ms", "info")}  # fmt: skip


SECTIONS = {
    "w2": section_w2,
    "blockade": section_blockade,
    "commodities": section_commodities,
    "trucks": section_trucks,
    "memory": section_memory,
    "sweep": section_sweep,
    "startup": section_startup,
}


def machine() -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=ROOT).stdout.strip() if CODE == ROOT else "?"  # fmt: skip
    return {"python": platform.python_version(), "simpy": simpy.__version__,
            "platform": platform.platform(), "cpus": os.cpu_count(),
            "load_1_5_15": [round(x, 2) for x in load], "commit": commit,
            "lachin_sim": ls.__version__, "code": str(CODE)}  # fmt: skip


def check(figures: Figures, baseline: dict) -> int:
    """Print a warning per figure more than SLOWER worse than the baseline; returns how many."""
    warned = 0
    for name, (value, unit, better) in figures.items():
        base = baseline.get("figures", {}).get(name)
        if base is None or better == "info":
            continue
        old = base["value"]
        worse = value > old * (1 + SLOWER) if better == "lower" else value < old / (1 + SLOWER)
        if worse:
            warned += 1
            print(f"WARNING: {name} is {value:,.2f} {unit}, baseline {old:,.2f} {unit} "
                  f"(more than {SLOWER:.0%} worse)")  # fmt: skip
    if not warned:
        print(f"no figure is more than {SLOWER:.0%} worse than {BASELINE.name}")
    return warned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(SECTIONS), default=list(SECTIONS))
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--repeat", type=int, help="repeats per contender (default 15; quick 5)")
    parser.add_argument("--check", action="store_true", help=f"compare with {BASELINE.name}")
    parser.add_argument("--write-baseline", action="store_true")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--code", type=Path, help="the checkout whose lachin_sim is measured")
    args = parser.parse_args()
    repeat = args.repeat or (5 if args.quick else 15)
    info = machine()
    print(f"machine: {info['platform']}, {info['cpus']} CPUs, Python {info['python']}, SimPy "
          f"{info['simpy']}, load {info['load_1_5_15']}, commit {info['commit']}\n")  # fmt: skip
    figures: Figures = {}
    gc.collect()
    for name in args.only:
        figures |= SECTIONS[name](repeat)
        print()
    info["load_after"] = [round(x, 2) for x in os.getloadavg()]
    record = {"machine": info,
              "figures": {k: {"value": v, "unit": u, "better": b} for k, (v, u, b) in figures.items()}}  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(record, indent=2) + "\n")
    if args.check:
        if BASELINE.exists():
            check(figures, json.loads(BASELINE.read_text()))
        else:
            print(f"no {BASELINE.name} yet: run with --write-baseline")
    if args.write_baseline:
        BASELINE.write_text(json.dumps(record, indent=2) + "\n")
        print(f"wrote {BASELINE}")


if __name__ == "__main__":
    main()
