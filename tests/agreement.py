"""Statistical agreement of the model with a recorded version: headline metrics over 20 seeds.

    python tests/agreement.py --record     # write tests/data/agreement_baseline.json
    python tests/agreement.py              # compare the current code with it, print the worst

For every shipped scenario (``configs/*.toml``, the case configs among them, and the speed
workload ``benchmarks/w2.toml``) and each of :data:`SEEDS`, one run gives its headline metrics
(:func:`headline_metrics`): days to the first shortage and share of need met per commodity,
deliveries (trucks and tonnes by operator), days of supply on a few dates, the mean queue wait
and time at the checkpoint from the convoy log, and deaths when the health model is on. The file
keeps the mean, the standard deviation and the count of each over the seeds, with the commit it
was made from.

:func:`compare` reruns them and sets each mean beside the recorded one: a Welch-type
``z = (mean_now - mean_then) / sqrt(sd_now^2 / n_now + sd_then^2 / n_then)``, against a bound
that keeps the chance of any false alarm over all the metrics below :data:`FAMILY_ALPHA`
(Bonferroni). Where both standard deviations are 0 (a metric no seed moves) the means must be
equal (to float rounding). A change of the random draws (an optimisation that draws in another
order) passes; a change of what the model computes fails. ``tests/test_agreement.py`` runs it.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "tests" / "data" / "agreement_baseline.json"
SEEDS = tuple(range(20))
FAMILY_ALPHA = 1e-3  # chance of one false alarm or more, over every metric of every scenario
EXACT = 1e-9  # relative: two means equal to float rounding (both SDs 0)
DOS_DAYS = (30, 90, 180)  # days of supply reported on these days after the start, and the last
SUMMARY_PREFIXES = (
    "days_to_first_shortage", "share_met", "trucks_delivered", "trucks_denied", "delivered_t",
    "vehicles_in", "vehicles_out", "excess_deaths", "deaths",
)  # fmt: skip


def scenario_paths() -> list[Path]:
    """The shipped scenarios: configs/*.toml and the speed workload W2."""
    return [*sorted((ROOT / "configs").glob("*.toml")), ROOT / "benchmarks" / "w2.toml"]


def headline_metrics(result) -> dict[str, float]:
    """The metrics compared, of one run. A ``days_to_*`` metric of a run that never got there
    counts as the scenario's length (censored, as the sweeps count it)."""
    days = float(result.scenario.days)
    out: dict[str, float] = {}
    for name, value in result.summary.items():
        if name.split(":")[0] in SUMMARY_PREFIXES:
            value = float(value)
            out[name] = days if name.startswith("days_to_") and math.isnan(value) else value
    stocks = result.stocks
    for commodity, rows in stocks.groupby("commodity", sort=False):
        dos = rows["days_of_supply"].to_numpy(dtype=float)
        if np.isnan(dos).all():
            continue  # not storable or no need
        for day in DOS_DAYS:
            if day < len(dos):
                out[f"days_of_supply@{day}:{commodity}"] = float(dos[day])
        out[f"days_of_supply@end:{commodity}"] = float(dos[-1])
    convoys = result.convoys
    for column in ("queue_h", "checkpoint_h"):
        if column in convoys and len(convoys):
            waits = convoys[column].to_numpy(dtype=float)
            if np.isfinite(waits).any():
                out[f"mean_{column}:all"] = float(np.nanmean(waits))
    return out


def run_scenario(scenario, seeds=SEEDS) -> dict[str, dict[str, float]]:
    """{metric: {mean, sd, n, nan}} over ``seeds`` (NaNs counted apart and left out) of a
    scenario, or of the config file at that path."""
    import lachin_sim as ls

    if isinstance(scenario, str | Path):
        scenario = ls.load_scenario(scenario)
    values: dict[str, list[float]] = {}
    for seed in seeds:
        for name, value in headline_metrics(ls.simulate(scenario, seed=seed)).items():
            values.setdefault(name, []).append(value)
    stats = {}
    for name, vs in values.items():
        finite = [v for v in vs if not math.isnan(v)]
        stats[name] = {
            "mean": statistics.fmean(finite) if finite else None,
            "sd": statistics.stdev(finite) if len(finite) > 1 else 0.0,
            "n": len(finite),
            "nan": len(vs) - len(finite),
        }
    return stats


def record(paths: list[Path] | None = None) -> dict:
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()  # fmt: skip
    import lachin_sim as ls

    data = {
        "made_from_commit": commit,
        "lachin_sim_version": ls.__version__,
        "seeds": list(SEEDS),
        "scenarios": {str(p.relative_to(ROOT)): run_scenario(p) for p in paths or scenario_paths()},
    }
    BASELINE.parent.mkdir(exist_ok=True)
    BASELINE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return data


def z_bound(n_tests: int, alpha: float = FAMILY_ALPHA) -> float:
    """Two-sided normal bound with a Bonferroni correction over ``n_tests`` comparisons."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(1 - alpha / (2 * max(n_tests, 1)))


def differences(then: dict, now: dict, bound: float) -> list[str]:
    """What disagrees between two {metric: stats} of one scenario (empty: they agree)."""
    problems = []
    for name in sorted(set(then) | set(now)):
        a, b = then.get(name), now.get(name)
        if a is None or b is None:
            problems.append(f"{name}: reported {'now only' if a is None else 'before only'}")
            continue
        if a["nan"] != b["nan"] and (a["n"] == 0 or b["n"] == 0):
            problems.append(f"{name}: NaN in {a['nan']} runs before, {b['nan']} now")
            continue
        if a["mean"] is None or b["mean"] is None:
            continue
        if a["sd"] == 0 and b["sd"] == 0:
            if abs(a["mean"] - b["mean"]) > EXACT * max(1.0, abs(a["mean"])):
                problems.append(f"{name}: {b['mean']!r} now, {a['mean']!r} before (no spread)")
            continue
        se = math.sqrt(a["sd"] ** 2 / a["n"] + b["sd"] ** 2 / b["n"])
        z = (b["mean"] - a["mean"]) / se
        if abs(z) > bound:
            problems.append(f"{name}: mean {b['mean']:.6g} now, {a['mean']:.6g} before "
                            f"(z = {z:.1f}, bound {bound:.1f})")  # fmt: skip
    return problems


def compare(baseline: dict | None = None, paths: list[Path] | None = None) -> dict[str, list[str]]:
    """{scenario: problems} of the current code against the recorded baseline."""
    baseline = baseline or json.loads(BASELINE.read_text())
    recorded = baseline["scenarios"]
    wanted = [str(p.relative_to(ROOT)) for p in paths] if paths else list(recorded)
    n_tests = sum(len(recorded[k]) for k in wanted)
    bound = z_bound(n_tests)
    return {key: differences(recorded[key], run_scenario(ROOT / key, baseline["seeds"]), bound)
            for key in wanted}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help=f"write {BASELINE.name}")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.record:
        data = record()
        n = sum(len(m) for m in data["scenarios"].values())
        print(f"recorded {n} metrics of {len(data['scenarios'])} scenarios to {BASELINE}")
        return
    for key, problems in compare().items():
        print(f"{key}: {'agrees' if not problems else f'{len(problems)} disagree'}")
        for p in problems:
            print(f"  {p}")


if __name__ == "__main__":
    main()
