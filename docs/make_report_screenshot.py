"""Retake the screenshot of the historical run's report shown in README.md and docs/report.md.

    lachin-sim compare configs/scenarios/counterfactuals.toml --replications 5 --out COMPARISON_DIR
    python docs/make_report_screenshot.py --compare COMPARISON_DIR

Runs ``configs/blockade_2023.toml`` (its own seed) with ``lachin-sim run ... --report`` (and
``--compare COMPARISON_DIR`` when given: the answer to "what would prevent it" under the
headlines) into ``results/report_screenshot/`` and photographs the top of ``report.html`` with a headless
Chromium (``--screenshot``) into ``docs/images/report_blockade_2023.png``. Run it again whenever
the config or the report's templates change. Needs Chromium (Debian: ``apt-get install
chromium``; or set ``LACHIN_SIM_CHROMIUM``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from lachin_sim.cli import main
from lachin_sim.outputs.report.pdf import HEADLESS_FLAGS, require_browser

REPO = Path(__file__).resolve().parent.parent
CONFIG = "configs/blockade_2023.toml"  # relative: the report names the config as a user types it
RUN = REPO / "results" / "report_screenshot"
IMAGE = REPO / "docs" / "images" / "report_blockade_2023.png"
WINDOW = (1000, 1500)  # CSS px: the title, the headlines and the food energy figure


def main_screenshot(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", metavar="COMPARISON_DIR",
                        help="a lachin-sim compare folder whose base is blockade_2023")  # fmt: skip
    args = parser.parse_args(argv)
    compare = [] if args.compare is None else ["--compare", str(Path(args.compare).resolve())]
    browser = require_browser()
    os.chdir(REPO)
    run = ["run", CONFIG, "--out", str(RUN.relative_to(REPO)), "--report", "--no-plots"]
    code = main([*run, *compare])
    if code != 0:
        return code
    flags = [f for f in HEADLESS_FLAGS if f != "--no-pdf-header-footer"]
    with tempfile.TemporaryDirectory(prefix="lachin-sim-shot-") as profile:
        shot = Path(profile) / "shot.png"
        command = [browser, *flags, f"--user-data-dir={profile}", "--hide-scrollbars",
                   "--force-device-scale-factor=1", f"--window-size={WINDOW[0]},{WINDOW[1]}",
                   f"--screenshot={shot}", (RUN / "report.html").resolve().as_uri()]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0 or not shot.is_file():
            print(f"error: Chromium did not take the screenshot:\n{done.stderr}", file=sys.stderr)
            return 1
        shutil.copyfile(shot, IMAGE)
    print(f"Wrote {IMAGE.relative_to(REPO)} from {(RUN / 'report.html').relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main_screenshot())
