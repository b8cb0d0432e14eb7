"""Speed of one run, in-process, imports excluded: median wall time and event rate.

    python benchmarks/bench_run.py [--repeat 30] [--config configs/blockade_2023.toml ...]

For each config: the median wall time of ``simulate()`` (tables and summary included) over
``--repeat`` seeds, and the model's events per second inside ``env.run`` as a ratio to bare
SimPy timeouts measured in the same process (a generator yielding ``env.timeout(1)`` in a
loop). Targets (issue #2): blockade_2023 at most 50 ms per run; event rate at least 0.5 of
bare SimPy's. Medians, because these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import statistics
import time

import simpy

import lachin_sim as ls
from lachin_sim.model.supply import SupplySystem


def bare_simpy_rate(n: int = 200_000) -> float:
    """Timeouts per second of a bare SimPy process."""
    env = simpy.Environment()

    def ticker(env):
        for _ in range(n):
            yield env.timeout(1)

    env.process(ticker(env))
    t0 = time.perf_counter()
    env.run()
    return n / (time.perf_counter() - t0)


def tick_share(scenario, repeat: int) -> tuple[float, float]:
    """Median time (s) spent in the daily consumption tick per run, and its share of the event
    loop: the tick is wrapped with a timer for these runs only."""
    original, spent = SupplySystem.tick, [0.0]

    def timed(self, k, now):
        t0 = time.perf_counter()
        original(self, k, now)
        spent[0] += time.perf_counter() - t0

    SupplySystem.tick = timed
    try:
        ticks, shares = [], []
        for seed in range(repeat):
            spent[0] = 0.0
            result = ls.simulate(scenario, seed=seed)
            ticks.append(spent[0])
            shares.append(spent[0] / result.metadata["event_loop_s"])
    finally:
        SupplySystem.tick = original
    return statistics.median(ticks), statistics.median(shares)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--config", nargs="+", default=["configs/blockade_2023.toml",
                        "configs/checkpoint_only.toml", "configs/baseline_open.toml"])  # fmt: skip
    args = parser.parse_args()
    bare = statistics.median(bare_simpy_rate() for _ in range(5))
    print(f"bare SimPy: {bare:,.0f} timeouts/s (median of 5)\n")
    print(f"{'config':<22}{'wall ms':>9}{'loop ms':>9}{'events':>8}{'model ev/s':>12}{'ratio':>7}"
          f"{'ratio (whole run)':>19}")  # fmt: skip
    for path in args.config:
        scenario = ls.load_scenario(path)
        for seed in range(3):  # warm-up
            ls.simulate(scenario, seed=seed)
        walls, loops, events = [], [], []
        for seed in range(args.repeat):
            t0 = time.perf_counter()
            result = ls.simulate(scenario, seed=seed)
            walls.append(time.perf_counter() - t0)
            loops.append(result.metadata["event_loop_s"])
            events.append(result.metadata["events"])
        wall, loop, ev = (
            statistics.median(walls),
            statistics.median(loops),
            statistics.median(events),
        )
        rate = ev / loop
        print(f"{scenario.name:<22}{wall * 1e3:>9.1f}{loop * 1e3:>9.1f}{ev:>8.0f}{rate:>12,.0f}"
              f"{rate / bare:>7.2f}{ev / wall / bare:>19.2f}")  # fmt: skip
        spent, share = tick_share(scenario, max(5, args.repeat // 3))
        print(f"{'':<22}daily tick: {spent * 1e3:.1f} ms per run, {share:.0%} of the event loop")


if __name__ == "__main__":
    main()
