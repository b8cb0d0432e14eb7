"""Command line: a thin layer over the Python API.

    lachin-sim run CONFIG [--out DIR] [--seed N] [--set path=value ...] [--no-plots]
                   [--report [--sensitivity STUDY_DIR] [--compare COMPARISON_DIR]]
    lachin-sim validate CONFIG [--set path=value ...]      (a scenario, sweep or scenarios file)
    lachin-sim plot DIR                                     (a run, sweep or compare folder)
    lachin-sim report DIR [--out FILE] [--pdf] [--sensitivity STUDY_DIR]
                          [--compare COMPARISON_DIR]
                                                            (one self-contained HTML page)
    lachin-sim sweep SWEEP_CONFIG [--set ...] [--replications N] [--samples N] [--out DIR] ...
    lachin-sim compare SCENARIOS_CONFIG [--replications N] [--out DIR] ...
    lachin-sim uncertainty CONFIG --samples N [--method mc|morris|sobol] [--out DIR] ...

Exit codes: 0 success; 2 a config, override, option or path the user can fix (one clear
message, no traceback, nothing written); 1 a run that failed for another reason (e.g. a full
disk while writing: one line, and nothing half-written is left).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from lachin_sim.errors import (
    ConfigError,
    OutputFolderError,
    Problem,
    SweepInterrupted,
    WriteFailed,
)
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
    run.add_argument("--report", action="store_true",
                     help="also write report.html, a one-page report in plain language")  # fmt: skip
    run.add_argument("--sensitivity", metavar="STUDY_DIR",
                     help="with --report: add the assumptions that matter most from this "
                          "uncertainty study of the same scenario")  # fmt: skip
    run.add_argument("--compare", metavar="COMPARISON_DIR",
                     help="with --report: add what would change it from this comparison "
                          "(lachin-sim compare) whose base is the same scenario")  # fmt: skip
    run.set_defaults(handler=_run)

    validate = sub.add_parser("validate", help="check a config without running it")
    validate.add_argument("config", help="scenario, sweep-config or scenarios TOML file")
    _add_set(validate)
    validate.set_defaults(handler=_validate)

    plot = sub.add_parser("plot", help="redraw the plots of a run, sweep or compare folder")
    plot.add_argument("result_dir", help="folder written by 'lachin-sim run', 'sweep' or 'compare'")
    plot.set_defaults(handler=_plot)

    report = sub.add_parser("report", help="write a one-page report (HTML) of a run, sweep, "
                                           "compare or uncertainty folder")  # fmt: skip
    report.add_argument(
        "result_dir", help="folder written by 'lachin-sim run', 'sweep', 'compare' or 'uncertainty'"
    )
    report.add_argument("--out", help="report file (default: DIR/report.html); only a new file or "
                                      "a report lachin-sim wrote is replaced")  # fmt: skip
    report.add_argument("--pdf", action="store_true",
                        help="also print it to PDF (same name, .pdf) with a headless Chromium")  # fmt: skip
    report.add_argument("--sensitivity", metavar="STUDY_DIR",
                        help="(a run's report) add the assumptions that matter most from this "
                             "uncertainty study of the same scenario")  # fmt: skip
    report.add_argument("--compare", metavar="COMPARISON_DIR",
                        help="(a run's report) add what would change it from this comparison "
                             "(lachin-sim compare) whose base is the same scenario")  # fmt: skip
    report.set_defaults(handler=_report)

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
    sweep.add_argument(
        "--replications", type=_positive_int, help="override the file's replications"
    )
    sweep.add_argument("--samples", type=_positive_int,
                       help="override the file's samples (lhs and random designs)")  # fmt: skip
    _add_set(sweep, what="the base scenario of every run")
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

    unc = sub.add_parser("uncertainty", help="run a scenario over its uncertain inputs: "
                         "bands, variance split, global sensitivity")  # fmt: skip
    unc.add_argument("config", help="scenario TOML with an [uncertainty] table")
    unc.add_argument("--samples", type=_positive_int, required=True,
                     help="mc: draws; morris: trajectories (x inputs+1 scenarios); sobol: base "
                     "samples, a power of 2 (x inputs+2 scenarios)")  # fmt: skip
    unc.add_argument("--method", choices=("mc", "morris", "sobol"), default="mc",
                     help="mc (default), morris screening or sobol indices (these two need "
                     "the 'sensitivity' extra: SALib)")  # fmt: skip
    unc.add_argument("--replications", type=_positive_int, default=1,
                     help="seeded runs per sample, the same seeds at every sample (default 1; "
                     ">= 2 splits input from schedule variance)")  # fmt: skip
    unc.add_argument("--seed", type=_seed, default=0, help="root seed of samples and runs")
    unc.add_argument("--dates", nargs="+", default=[], metavar="YYYY-MM-DD",
                     help="also report food energy per person per day on these dates")  # fmt: skip
    unc.add_argument("--metrics", nargs="+", metavar="NAME",
                     help="summary metrics to split and rank (default: days to first shortage "
                     "and share of need met of each commodity with a need, food energy on "
                     "--dates, excess deaths with health on)")  # fmt: skip
    unc.add_argument("--out", help="study folder (default: results/<config name>_uncertainty)")
    unc.add_argument("--workers", type=_positive_int, help="parallel workers (default: all cores)")
    unc.add_argument("--executor", choices=EXECUTORS, default="processes")
    unc.add_argument("--scheduler", help="Dask scheduler address (with --executor dask)")
    unc.add_argument("--resume", action="store_true", help="continue an interrupted study")
    _add_set(unc, what="the scenario of every run")
    unc.add_argument("--no-plots", action="store_true", help="write tables only")
    unc.set_defaults(handler=_uncertainty)

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
        raise argparse.ArgumentTypeError(f"{value} is below 1; give a whole number >= 1")
    return value


def _add_set(p: argparse.ArgumentParser, what: str = "the config") -> None:
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help=f"override a field of {what} by dotted path, e.g. "
        "regimes.checkpoint.denial_probability=0.3",
    )


def _run(args: argparse.Namespace) -> int:
    from lachin_sim.config import load_scenario
    from lachin_sim.model.simulation import simulate
    from lachin_sim.outputs.folders import check_output_dir

    scenario = load_scenario(args.config, overrides=args.set)
    out = Path(args.out) if args.out else Path("results") / scenario.name
    check_output_dir(out, "run")  # before simulating: refuse a folder that is not ours
    if args.sensitivity is not None:
        from lachin_sim.outputs.report.assumptions import check_study_for

        if not args.report:
            raise ConfigError("--sensitivity", [Problem("--sensitivity", args.sensitivity,
                              "adds to the report: give --report too")])  # fmt: skip
        check_study_for(args.sensitivity, scenario.name)
    if args.compare is not None:
        from lachin_sim.outputs.report.comparison import check_comparison_for

        if not args.report:
            raise ConfigError("--compare", [Problem("--compare", args.compare,
                              "adds to the report: give --report too")])  # fmt: skip
        check_comparison_for(args.compare, scenario.name)
    result = simulate(scenario, seed=args.seed)
    result.save(out, plots=not args.no_plots, report=args.report, sensitivity=args.sensitivity,
                compare=args.compare)  # fmt: skip
    print(format_summary(result))
    print(f"\nWrote {out}/: " + ", ".join(sorted(p.name for p in out.iterdir())))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from lachin_sim.config import load_scenario
    from lachin_sim.config.files import read_toml

    kind = config_kind(read_toml(args.config))
    if kind == "sweep":
        return _validate_sweep(args)
    if kind == "scenarios":
        return _validate_scenario_set(args)
    s = load_scenario(args.config, overrides=args.set)
    print(
        f"OK: {args.config} is a valid scenario '{s.name}': {s.start} to {s.end} (exclusive), "
        f"{s.population.initial:,} people, commodities {', '.join(s.commodities)}, "
        f"corridors {', '.join(s.corridors)}, {len(s.convoys)} convoy sources"
        + (
            f"; {len(s.uncertainty)} uncertain inputs (valid at the ends of their ranges)"
            if s.uncertainty
            else ""
        )
    )
    return 0


def config_kind(raw: dict) -> str:
    """What a config file is, from its keys: "sweep" (a ``design``), "scenarios" (a ``base`` and
    named ``scenarios``) or "scenario"."""
    if "design" in raw:
        return "sweep"
    if "scenarios" in raw and "base" in raw:
        return "scenarios"
    return "scenario"


def _sweep_base(args: argparse.Namespace):
    """(sweep config, base raw dict with the file's overrides and --set, source, design,
    replications) of a sweep-config file and the command-line options."""
    from lachin_sim.config.files import read_config
    from lachin_sim.config.paths import parse_override, set_dotted
    from lachin_sim.studies.designs import load_sweep_config

    config, scenario_path = load_sweep_config(args.config)
    raw = read_config(scenario_path)
    for dotted, value in config.overrides.items():
        set_dotted(raw, dotted, value, source=f"{args.config} [overrides]")
    swept = set(config.design.parameters())
    for text in getattr(args, "set", []):
        dotted, value = parse_override(text)
        if dotted in swept:
            raise ConfigError(args.config, [Problem("--set", text,
                              "sets a parameter the design sweeps; its values come from [design]")])  # fmt: skip
        set_dotted(raw, dotted, value, source="--set")
    given = "; --set " + ", ".join(args.set) if getattr(args, "set", []) else ""
    source = f"{args.config} (base scenario {scenario_path}{given})"
    design = config.design
    samples = getattr(args, "samples", None)
    if samples is not None:
        if design.kind not in ("lhs", "random"):
            raise ConfigError(args.config, [Problem("--samples", samples,
                              f"applies to lhs and random designs; this design is {design.kind!r}")])  # fmt: skip
        design = design.model_copy(update={"samples": samples})
    replications = getattr(args, "replications", None) or config.replications
    return config, raw, source, design, replications


def _validate_sweep(args: argparse.Namespace) -> int:
    from lachin_sim.studies.designs import check_parameters
    from lachin_sim.studies.sweep import validate_points

    config, raw, source, design, replications = _sweep_base(args)
    check_parameters(design.parameters(), source)
    points = design.points(config.seed)
    base = validate_points(raw, source, points)  # every design point against the base
    _check_heatmap_metrics(raw, source, config.heatmap_metrics, points[0])
    params = ", ".join(design.parameters()) or "none"
    print(f"OK: {args.config} is a valid sweep config over scenario '{base.name}': {design.kind} "
          f"design, {len(points)} points x {replications} replications = "
          f"{len(points) * replications} runs; parameters: {params}")  # fmt: skip
    return 0


def _validate_scenario_set(args: argparse.Namespace) -> int:
    from lachin_sim.config.files import read_config
    from lachin_sim.config.paths import parse_override, set_dotted
    from lachin_sim.config.validation import validate_scenario
    from lachin_sim.studies.scenarios import load_scenario_set

    config, base_path = load_scenario_set(args.config)
    raw = read_config(base_path)
    for text in args.set:
        set_dotted(raw, *parse_override(text))
    problems: list[Problem] = []
    for name, named in config.scenarios.items():  # every named scenario against the base
        try:
            validate_scenario(raw, str(base_path), overrides=named.overrides)
        except ConfigError as exc:
            problems += [Problem(f"scenarios.{name}: {p.path}", p.value, p.message)
                         for p in exc.problems]  # fmt: skip
    if problems:
        raise ConfigError(f"{args.config} (base scenario {base_path})", problems)
    print(f"OK: {args.config} is a valid scenarios file over {base_path}: "
          f"{len(config.scenarios)} scenarios ({', '.join(config.scenarios)}) x "
          f"{config.replications} replications")  # fmt: skip
    return 0


def _plot(args: argparse.Namespace) -> int:
    folder = Path(args.result_dir)
    kind = folder_kind(folder)
    if kind == "sweep":
        from lachin_sim.outputs.plots import save_sweep_plots
        from lachin_sim.studies.sweep import load_sweep

        result = load_sweep(folder)
        paths = save_sweep_plots(result, folder, result.spec.get("heatmap_metrics", []))
    elif kind == "compare":
        from lachin_sim.studies.scenarios import load_comparison

        paths = _save_overlays(load_comparison(folder), folder)
    elif kind == "uncertainty":
        from lachin_sim.studies.uncertainty import load_uncertainty, save_uncertainty_plots

        paths = save_uncertainty_plots(load_uncertainty(folder), folder)
    else:  # a run folder (load_result says so if it is not one)
        from lachin_sim.outputs.plots import save_standard_plots
        from lachin_sim.outputs.results import load_result

        paths = save_standard_plots(load_result(folder), folder)
    for path in paths:
        print(f"Wrote {path}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from lachin_sim.outputs.report import (
        REPORT_FILE,
        check_report_target,
        report_kind,
        write_report,
    )

    folder = Path(args.result_dir)
    kind = report_kind(folder)  # a lachin-sim folder with a report, before anything is written
    if args.sensitivity is not None:
        from lachin_sim.outputs.report import check_run_only
        from lachin_sim.outputs.report.assumptions import study_folder_problem

        check_run_only(folder, kind, "--sensitivity")
        problem = study_folder_problem(Path(args.sensitivity))
        if problem:
            raise OutputFolderError(args.sensitivity, f"{problem} (given to --sensitivity)")
    if args.compare is not None:
        from lachin_sim.outputs.report import check_run_only
        from lachin_sim.outputs.report.comparison import comparison_folder_problem

        check_run_only(folder, kind, "--compare")
        problem = comparison_folder_problem(Path(args.compare))
        if problem:
            raise OutputFolderError(args.compare, f"{problem} (given to --compare)")
    out = Path(args.out) if args.out else folder / REPORT_FILE
    if out.suffix.lower() == ".pdf":
        raise ConfigError("--out", [Problem("--out", str(out), "names the HTML report; with "
                          "--pdf the PDF takes the same name ending in .pdf")])  # fmt: skip
    check_report_target(out)
    browser = None
    if args.pdf:
        from lachin_sim.outputs.report.pdf import check_pdf_target, require_browser

        browser = require_browser()
        check_pdf_target(out.with_suffix(".pdf"))
    path = write_report(folder, out, sensitivity=args.sensitivity, compare=args.compare)
    print(f"Wrote {path}")
    if browser is not None:
        from lachin_sim.outputs.report.pdf import print_pdf

        print(f"Wrote {print_pdf(path, path.with_suffix('.pdf'), browser)}")
    return 0


FOLDER_KINDS = {"run": "run", "result": "run", "sweep": "sweep", "compare": "compare",
                "comparison": "compare", "uncertainty": "uncertainty"}  # fmt: skip


def folder_kind(folder: Path) -> str | None:
    """ "run", "sweep" or "compare" for a folder the tool wrote: its metadata.json "kind" when
    it has one, else the files present (sweep.json: a sweep; comparison.csv: a comparison;
    metadata.json: a run); None when none of them is there."""
    import json

    meta = folder / "metadata.json"
    if meta.is_file():
        try:
            kind = json.loads(meta.read_text()).get("kind")
        except (ValueError, OSError, AttributeError):
            kind = None  # the loader reports a broken metadata file
        if kind in FOLDER_KINDS:
            return FOLDER_KINDS[kind]
    if (folder / "sweep.json").is_file():
        return "sweep"
    if (folder / "comparison.csv").is_file():
        return "compare"
    return "run" if meta.is_file() else None


def _save_overlays(comparison, folder: Path) -> list[Path]:
    paths = []
    for series in ("days_of_supply", "share_met"):
        path = folder / f"overlay_{series}.png"
        comparison.plot(series).savefig(path, dpi=130)
        paths.append(path)
    return paths


def _sweep(args: argparse.Namespace) -> int:
    from lachin_sim.studies.sweep import run_sweep

    config, raw, source, design, replications = _sweep_base(args)
    _check_heatmap_metrics(raw, source, config.heatmap_metrics, design.points(config.seed)[0])
    out = Path(args.out) if args.out else Path("results") / Path(args.config).stem
    result = run_sweep(raw, source, design, replications, config.seed,
                       executor=args.executor, workers=args.workers, scheduler=args.scheduler,
                       out=out, resume=args.resume, keep_full_runs=tuple(config.keep_full_runs),
                       band_replications=config.band_replications,
                       heatmap_metrics=config.heatmap_metrics)  # fmt: skip
    if not args.no_plots:
        from lachin_sim.outputs.plots import save_sweep_plots

        for path in save_sweep_plots(result, out, config.heatmap_metrics):
            print(f"Wrote {path}")
    ok = (result.runs["status"] == "ok").sum()
    print(
        f"{ok} of {len(result.runs)} runs finished; tables in {out}/ (runs.csv, bands.csv, design.csv)"
    )
    print("\n" + format_sweep_summary(result))
    failed = result.failures
    if len(failed):
        print(f"{len(failed)} runs failed:", file=sys.stderr)
        cols = ["run_id", *result.parameters, "seed", "error"]
        print(failed[cols].to_string(index=False), file=sys.stderr)
        return EXIT_FAILED_RUNS
    return 0


SUMMARY_POINTS = 30  # up to this many design points, the summary has a row per point


def format_sweep_summary(result, commodity: str | None = None) -> str:
    """What a sweep found, as text: per design point (or, for a larger design, per value of each
    parameter) the median share of need met and the days to first shortage, never-short runs
    counted as after the horizon (">=N"), with the number of runs short."""
    commodities = result.spec.get("commodities", [])
    commodity = commodity or (commodities[0] if commodities else None)
    if commodity is None:
        return "(no commodity with a need: nothing to summarise)"
    head = (f"What the sweep found for {commodity} (median over replications; first short: "
            f"median [5 %, 95 %] day, >={result.horizon_days:g} = not short before the end):")  # fmt: skip
    if len(result.design) <= SUMMARY_POINTS or not result.parameters:
        return head + "\n" + result.summary_table(commodity).to_string(index=False)
    parts = [head]
    for parameter in result.parameters:
        parts += ["", f"by {parameter} (all runs at each value or range):",
                  result.summary_table(commodity, by=parameter).to_string(index=False)]  # fmt: skip
    return "\n".join(parts)


def _compare(args: argparse.Namespace) -> int:
    from lachin_sim.outputs.folders import check_output_dir
    from lachin_sim.studies.scenarios import compare

    out = Path(args.out) if args.out else Path("results") / Path(args.config).stem
    check_output_dir(out, "comparison")
    comparison = compare(args.config, replications=args.replications, executor=args.executor,
                         workers=args.workers, scheduler=args.scheduler, out=out / "runs",
                         resume=args.resume, only=args.only)  # fmt: skip
    comparison.save(out)
    _save_overlays(comparison, out)
    print(format_comparison(comparison.table, comparison.sweep.horizon_days))
    print(
        f"\nWrote {out}/: comparison.csv, comparison.json, scenario_runs.csv, scenario_bands.csv, "
        "overlay_*.png"
    )
    return EXIT_FAILED_RUNS if len(comparison.sweep.failures) else 0


def _uncertainty(args: argparse.Namespace) -> int:
    from lachin_sim.config.paths import parse_override
    from lachin_sim.outputs.folders import check_output_dir
    from lachin_sim.studies.uncertainty import uncertainty

    overrides = dict(parse_override(text) for text in args.set)
    out = Path(args.out) if args.out else Path("results") / f"{Path(args.config).stem}_uncertainty"
    check_output_dir(out, "uncertainty")
    study = uncertainty(args.config, samples=args.samples, replications=args.replications,
                        method=args.method, seed=args.seed, dates=args.dates,
                        metrics=args.metrics, overrides=overrides, executor=args.executor, workers=args.workers,
                        scheduler=args.scheduler, out=out, resume=args.resume,
                        plots=not args.no_plots)  # fmt: skip
    print(study.summary())
    written = sorted(p.name for p in out.iterdir() if p.suffix in (".csv", ".png", ".json"))
    print(f"\nWrote {out}/: " + ", ".join(written) + " (and the runs in runs/)")
    failed = study.runs[study.runs["status"] != "ok"]
    if len(failed):
        print(f"{len(failed)} runs failed:", file=sys.stderr)
        print(failed[["sample", "replication", "seed", "error"]].to_string(index=False),
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILED_RUNS
    return 0


def format_comparison(table, horizon: float | None = None) -> str:
    """Median [5 %, 95 %] of each compared metric, one row per scenario and commodity.

    Days to first shortage follow the censoring rule (lachin_sim.outputs.censoring): a
    quantile among runs never short shows as ">=horizon" (or "never" without a horizon), and
    the count of runs that went short is given."""
    from lachin_sim.outputs.censoring import show_day

    lines = [f"{'scenario':<30}{'commodity':<12}{'first short (day)':>34}{'days short':>18}"
             f"{'share met':>22}"]  # fmt: skip

    def cell(row, fmt: str) -> str:
        def show(v: float) -> str:
            if v == float("inf"):
                return show_day(v, horizon) if horizon is not None else "never"
            return format(v, fmt)

        return f"{show(row['median'])} [{show(row['q05'])}, {show(row['q95'])}]"

    for (scenario, commodity), group in table.groupby(["scenario", "commodity"], sort=False):
        by = group.set_index("metric")
        first = cell(by.loc["days_to_first_shortage"], ".0f")
        never = by.loc["share_of_runs_never_short"]
        runs = int(never["replications"])
        first += f" ({runs - round(never['median'] * runs)}/{runs} short)"
        lines.append(
            f"{scenario:<30}{commodity:<12}{first:>34}"
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
