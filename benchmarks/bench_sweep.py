"""Sweep throughput and memory.

    python benchmarks/bench_sweep.py speed [--runs 1000] [--repeat 3]
    python benchmarks/bench_sweep.py memory [--runs 10000] [--workers 2]

speed: ``--runs`` replications of blockade_2023 with the process executor at 1 and 2 workers;
median wall time, runs/s, and the speed-up of 2 workers over 1 (issue #3 target: >= 1.8x on
2 cores, 1,000 runs in at most 30 s).

memory: a ``--runs`` sweep streamed to a temporary folder, sampling the parent's resident memory
(RSS) every 0.2 s; prints the peak and the RSS at 10 %, 50 % and 100 % of the runs (target: peak
under 500 MB and flat after warm-up). Worker processes hold one run at a time; their peak is
reported from ``ru_maxrss`` of the children.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import threading
import time
from pathlib import Path

import lachin_sim as ls

CONFIG = "configs/blockade_2023.toml"


def rss_mb() -> float:
    """Resident memory of this process now, MB (Linux /proc)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def speed(runs: int, repeat: int) -> None:
    scenario = ls.load_scenario(CONFIG)
    times = {}
    for workers in (1, 2):
        walls = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            ls.sweep(
                scenario, replications=runs, executor="processes", workers=workers, progress=False
            )
            walls.append(time.perf_counter() - t0)
        times[workers] = statistics.median(walls)
        print(f"{runs} runs, {workers} worker(s): median {times[workers]:.1f} s over {repeat}, "
              f"{runs / times[workers]:.1f} runs/s")  # fmt: skip
    print(f"speed-up 2 workers / 1 worker: {times[1] / times[2]:.2f}x")


def memory(runs: int, workers: int) -> None:
    scenario = ls.load_scenario(CONFIG)
    samples: list[tuple[float, float]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.perf_counter(), rss_mb()))
            time.sleep(0.2)

    before = rss_mb()
    thread = threading.Thread(target=sample, daemon=True)
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        thread.start()
        ls.sweep(scenario, replications=runs, executor="processes", workers=workers,
                 out=Path(out) / "sweep", progress=False)  # fmt: skip
        stop.set()
        thread.join()
        wall = time.perf_counter() - t0
    values = [m for _, m in samples]
    at = {f: values[min(int(f * len(values)), len(values) - 1)] for f in (0.1, 0.5, 1.0)}
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{runs} runs, {workers} workers, {wall:.0f} s: parent RSS before {before:.0f} MB, "
          f"peak {max(values):.0f} MB; at 10 % {at[0.1]:.0f} MB, 50 % {at[0.5]:.0f} MB, "
          f"100 % {at[1.0]:.0f} MB; largest worker peak {children:.0f} MB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["speed", "memory"])
    parser.add_argument("--runs", type=int)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.what == "speed":
        speed(args.runs or 1000, args.repeat)
    else:
        memory(args.runs or 10000, args.workers)


if __name__ == "__main__":
    main()
