"""Memory of studies: peak resident memory of a Sobol' study at two sizes, and their ratio.

    python benchmarks/bench_memory.py [--small 4] [--large 16] [--workers 2]

Each size runs in a fresh Python process (so one size's memory never counts in the other's):
``lachin_sim.uncertainty`` on configs/blockade_2023.toml (22 uncertain inputs: ``samples x 21``
runs), ``method="sobol"``, streamed to a temporary folder with the process executor. The child reports ``ru_maxrss`` of itself (the parent of the
study: it holds the results) and of its waited-for children (the largest worker), in MB. A
study whose memory is flat in its number of runs gives a ratio near 1 however many times more
runs the large size has; before the fix of issue 13 every run added about 1 MB.

This is a benchmark, not a test: nothing fails on a number.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = "configs/blockade_2023.toml"

CHILD = r"""
import json, resource, sys, tempfile, time
import lachin_sim as ls
samples, workers, executor = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
t0 = time.perf_counter()
with tempfile.TemporaryDirectory() as tmp:
    study = ls.uncertainty(sys.argv[4], samples=samples, method="sobol", seed=1,
                           executor=executor, workers=workers,
                           out=f"{tmp}/study", progress=False, plots=False)
wall = time.perf_counter() - t0
mb = lambda who: resource.getrusage(who).ru_maxrss / 1024  # Linux: ru_maxrss in kB
print(json.dumps({"runs": len(study.runs), "wall_s": wall, "parent_mb": mb(resource.RUSAGE_SELF),
                  "worker_mb": mb(resource.RUSAGE_CHILDREN)}))
"""


def measure(samples: int, workers: int, executor: str) -> dict:
    """Run one study in a fresh interpreter and return its runs, wall time and peak memory."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(samples), str(workers), executor, CONFIG],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=4, help="Sobol' base samples, small size")
    parser.add_argument("--large", type=int, default=16, help="Sobol' base samples, large size")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--executor", default="processes", choices=["serial", "processes"])
    args = parser.parse_args()
    rows = {n: measure(n, args.workers, args.executor) for n in (args.small, args.large)}
    print(f"Sobol' study of {CONFIG}, {args.executor} executor, "
          f"{args.workers} workers")  # fmt: skip
    print(f"{'samples':>8} {'runs':>6} {'wall s':>7} {'parent MB':>10} {'worker MB':>10}")
    for n, r in rows.items():
        print(f"{n:>8} {r['runs']:>6} {r['wall_s']:>7.1f} {r['parent_mb']:>10.0f} "
              f"{r['worker_mb']:>10.0f}")  # fmt: skip
    small, large = rows[args.small], rows[args.large]
    print(f"runs ratio {large['runs'] / small['runs']:.1f}x; peak memory ratio (large / small): "
          f"parent {large['parent_mb'] / small['parent_mb']:.2f}x, "
          f"worker {large['worker_mb'] / small['worker_mb']:.2f}x; "
          f"per extra run: parent "
          f"{(large['parent_mb'] - small['parent_mb']) * 1024 / (large['runs'] - small['runs']):.0f} kB, "
          f"worker "
          f"{(large['worker_mb'] - small['worker_mb']) * 1024 / (large['runs'] - small['runs']):.0f} kB")  # fmt: skip


if __name__ == "__main__":
    main()
