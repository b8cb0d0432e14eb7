"""Command line: a thin layer over the Python API.

    lachin-sim run CONFIG [--out DIR] [--seed N] [--set path=value ...] [--no-plots]
    lachin-sim validate CONFIG [--set path=value ...]
    lachin-sim plot RESULT_DIR

Exit codes: 0 success; 2 a config, override, option or path the user can fix (one clear
message, no traceback, nothing written); 1 a run that failed for another reason (e.g. a full
disk while writing: one line, and nothing half-written is left).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from lachin_sim.errors import ConfigError, Problem, SweepInterrupted, WriteFailed
from lachin_sim.studies.executors import EXECUTORS

EXIT_USAGE = 2
EXIT_FAILED_RUNS = 1


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed its message (usage errors exit 2)
        return int(exc.code or 0)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.handler(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WriteFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED_RUNS
    except (FileNotFoundError, NotADirectoryError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SweepInterrupted as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        sys.stderr.close()
        return 0
    except KeyboardInterrupt as exc:
        print(f"interrupted: {exc}" if str(exc) else "interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # any other fault of the file system: one line, not a traceback
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED_RUNS


def _parser() -> argparse.ArgumentParser:
    from lachin_sim import __version__

    parser = argparse.ArgumentParser(
        prog="lachin-sim",
        description="Simulate humanitarian supply to a population behind a single road.",
    )
    parser.add_argument("--version", action="version", version=f"lachin-sim {__version__}")
    sub = parser.add_subparsers(metavar="COMMAND")

    run = sub.add_parser("run", help="run one scenario; write tables and plots")
    run.add_argument("config", help="scenario TOML file")
    run.add_argument("--out", help="result folder (default: results/<scenario name>)")
    run.add_argument("--seed", type=_seed, help="random seed, >= 0 (default: the config's seed)")
    _add_set(run)
    run.add_argument("--no-plots", action="store_true", help="write tables only")
    run.set_defaults(handler=_run)

    validate = sub.add_parser("validate", help="check a config without running it")
    validate.add_argument("config", help="scenario TOML file")
    _add_set(validate)
    validate.set_defaults(handler=_validate)

    plot = sub.add_parser("plot", help="redraw the plots of a saved result folder")
    plot.add_argument("result_dir", help="folder written by 'lachin-sim run'")
    plot.set_defaults(handler=_plot)

    sweep = sub.add_parser("sweep", help="run a parameter sweep with replications")
    sweep.add_argument("config", help="sweep config TOML (names a base scenario and a design)")
    sweep.add_argument("--out", help="sweep folder (default: results/<sweep config name>)")
    sweep.add_argument(
        "--workers", type=_positive_int, help="parallel workers (default: all cores)"
    )
    sweep.add_argument("--executor", choices=EXECUTORS, default="processes",
                       help="where runs execute (default: processes)")  # fmt: skip
    sweep.add_argument("--scheduler", help="Dask scheduler address (with --executor dask)")
    sweep.add_argument("--resume", action="store_true", help="continue an interrupted sweep")
    sweep.add_argument("--no-plots", action="store_true", help="write tables only")
    sweep.set_defaults(handler=_sweep)

    compare = sub.add_parser("compare", help="run named scenarios with common random numbers")
    compare.add_argument("config", help="scenarios TOML (a base scenario and named overrides)")
    compare.add_argument("--out", help="output folder (default: results/<scenarios file name>)")
    compare.add_argument(
        "--replications", type=_positive_int, help="override the file's replications"
    )
    compare.add_argument("--only", nargs="+", metavar="NAME", help="run only these scenarios")
    compare.add_argument(
        "--workers", type=_positive_int, help="parallel workers (default: all cores)"
    )
    compare.add_argument("--executor", choices=EXECUTORS, default="processes")
    compare.add_argument("--scheduler", help="Dask scheduler address (with --executor dask)")
    compare.add_argument("--resume", action="store_true", help="continue an interrupted comparison")
    compare.set_defaults(handler=_compare)

    return parser


def _seed(text: str) -> int:
    """A seed: a whole number >= 0 (numpy's seed sequences take no negatives)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; a seed is a whole number >= 0")
    return value


def _positive_int(text: str) -> int:
    """A count given on the command line (workers, replications): a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; give a whole number >= 1")
    return value


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a config field by dotted path, e.g. regimes.checkpoint.denial_probability=0.3",
    )


def _run(args: argparse.Namespace) -> int:
    from lachin_sim.config import load_scenario
    from lachin_sim.model.simulation import simulate
    from lachin_sim.outputs.folders import check_output_dir

    scenario = load_scenario(args.config, overrides=args.set)
    out = Path(args.out) if args.out else Path("results") / scenario.name
    check_output_dir(out, "run")  # before simulating: refuse a folder that is not ours
    result = simulate(scenario, seed=args.seed)
    result.save(out, plots=not args.no_plots)
    print(format_summary(result))
    print(f"\nWrote {out}/: " + ", ".join(sorted(p.name for p in out.iterdir())))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from lachin_sim.config import load_scenario

    s = load_scenario(args.config, overrides=args.set)
    print(
        f"OK: {args.config} is a valid scenario '{s.name}': {s.start} to {s.end} (exclusive), "
        f"{s.population.initial:,} people, commodities {', '.join(s.commodities)}, "
        f"corridors {', '.join(s.corridors)}, {len(s.convoys)} convoy sources"
    )
    return 0


def _plot(args: argparse.Namespace) -> int:
    from lachin_sim.outputs.plotting import save_standard_plots
    from lachin_sim.outputs.results import load_result

    result = load_result(args.result_dir)
    for path in save_standard_plots(result, args.result_dir):
        print(f"Wrote {path}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from lachin_sim.config.files import read_config
    from lachin_sim.config.paths import set_dotted
    from lachin_sim.studies.designs import load_sweep_config
    from lachin_sim.studies.sweep import run_sweep

    config, scenario_path = load_sweep_config(args.config)
    raw = read_config(scenario_path)
    for path, value in config.overrides.items():
        set_dotted(raw, path, value, source=f"{args.config} [overrides]")
    source = f"{args.config} (base scenario {scenario_path})"
    _check_heatmap_metrics(
        raw, source, config.heatmap_metrics, config.design.points(config.seed)[0]
    )
    out = Path(args.out) if args.out else Path("results") / Path(args.config).stem
    result = run_sweep(raw, source, config.design, config.replications, config.seed,
                       executor=args.executor, workers=args.workers, scheduler=args.scheduler,
                       out=out, resume=args.resume, keep_full_runs=tuple(config.keep_full_runs),
                       band_replications=config.band_replications)  # fmt: skip
    if not args.no_plots:
        from lachin_sim.outputs.plotting import save_sweep_plots

        for path in save_sweep_plots(result, out, config.heatmap_metrics):
            print(f"Wrote {path}")
    ok = (result.runs["status"] == "ok").sum()
    print(
        f"{ok} of {len(result.runs)} runs finished; tables in {out}/ (runs.csv, bands.csv, design.csv)"
    )
    failed = result.failures
    if len(failed):
        print(f"{len(failed)} runs failed:", file=sys.stderr)
        cols = ["run_id", *result.parameters, "seed", "error"]
        print(failed[cols].to_string(index=False), file=sys.stderr)
        return EXIT_FAILED_RUNS
    return 0


def _compare(args: argparse.Namespace) -> int:
    from lachin_sim.outputs.folders import check_output_dir
    from lachin_sim.studies.scenarios import compare

    out = Path(args.out) if args.out else Path("results") / Path(args.config).stem
    check_output_dir(out, "comparison")
    comparison = compare(args.config, replications=args.replications, executor=args.executor,
                         workers=args.workers, scheduler=args.scheduler, out=out / "runs",
                         resume=args.resume, only=args.only)  # fmt: skip
    comparison.save(out)
    for series in ("days_of_supply", "share_met"):
        comparison.plot(series).savefig(out / f"overlay_{series}.png", dpi=130)
    print(format_comparison(comparison.table))
    print(f"\nWrote {out}/: comparison.csv, scenario_runs.csv, scenario_bands.csv, overlay_*.png")
    return EXIT_FAILED_RUNS if len(comparison.sweep.failures) else 0


def format_comparison(table) -> str:
    """Median [5 %, 95 %] of each compared metric, one row per scenario and commodity."""
    lines = [f"{'scenario':<30}{'commodity':<12}{'first short (day)':>24}{'days short':>18}"
             f"{'share met':>22}"]  # fmt: skip

    def cell(row, fmt: str) -> str:
        def show(v: float) -> str:
            return "never" if v == float("inf") else format(v, fmt)

        return f"{show(row['median'])} [{show(row['q05'])}, {show(row['q95'])}]"

    for (scenario, commodity), group in table.groupby(["scenario", "commodity"], sort=False):
        by = group.set_index("metric")
        lines.append(
            f"{scenario:<30}{commodity:<12}{cell(by.loc['days_to_first_shortage'], '.0f'):>24}"
            f"{cell(by.loc['shortage_days'], '.0f'):>18}{cell(by.loc['share_met'], '.2f'):>22}"
        )
    return "\n".join(lines)


def _check_heatmap_metrics(raw: dict, source: str, metrics: list[str], point: dict) -> None:
    """Refuse unknown heatmap metrics before a sweep runs, listing the known ones."""
    from lachin_sim.outputs.metrics import metric_names

    if not metrics:
        return
    from lachin_sim.config.validation import validate_scenario

    known = metric_names(validate_scenario(raw, source, overrides=point))
    bad = [m for m in metrics if m not in known]
    if bad:
        raise ConfigError(source, [Problem("heatmap_metrics", m, f"unknown metric; known: {', '.join(known)}")
                                   for m in bad])  # fmt: skip


def format_summary(result) -> str:
    """A short plain-text summary: shortages per commodity, trucks per operator."""
    s, summary = result.scenario, result.summary
    last = s.end.fromordinal(s.end.toordinal() - 1)
    lines = [
        f"{s.name} (seed {result.seed}): {s.start} to {last}, "
        f"{s.population.initial:,} people at the start",
        "",
        f"{'commodity':<13}{'first short':>24}{'days short':>12}{'need met':>10}{'worst day':>11}",
    ]
    for c in s.commodities:
        key = f"days_to_first_shortage:{c}"
        if key not in summary:
            continue
        first = summary[key]
        when = "never" if math.isnan(first) else f"day {first:.0f} ({_date(s, first)})"
        lines.append(
            f"{c:<13}{when:>24}{summary[f'shortage_days:{c}']:>12.0f}"
            f"{summary[f'share_met:{c}']:>10.1%}{summary[f'min_share_met:{c}']:>11.1%}"
        )
    lines += ["", f"{'operator':<21}{'sent':>7}{'delivered':>10}{'denied':>8}{'confisc.':>9}"
                  f"{'pending':>8}{'withheld':>9}{'tonnes':>10}"]  # fmt: skip
    operators = sorted({src.operator for src in s.convoys.values()})
    for op in operators:
        v = {k: summary[f"{k}:{op}"] for k in ("trucks_sent", "trucks_delivered", "trucks_denied",
                                               "trucks_confiscated", "trucks_pending",
                                               "trucks_withheld", "delivered_t")}  # fmt: skip
        lines.append(
            f"{op:<21}{v['trucks_sent']:>7.0f}{v['trucks_delivered']:>10.0f}{v['trucks_denied']:>8.0f}"
            f"{v['trucks_confiscated']:>9.0f}{v['trucks_pending']:>8.0f}{v['trucks_withheld']:>9.0f}"
            f"{v['delivered_t']:>10.0f}"
        )
    lines.append("(withheld: trucks not sent because the corridor was closed to their operator)")
    return "\n".join(lines)


def _date(s, day: float) -> str:
    return (s.start.fromordinal(s.start.toordinal() + int(day))).isoformat()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
