"""Retake the screenshot of the historical run's report shown in README.md and docs/report.md.

    python docs/make_report_screenshot.py

Runs ``configs/blockade_2023.toml`` (its own seed) with ``lachin-sim run ... --report`` into
``results/report_screenshot/`` and photographs the top of ``report.html`` with a headless
Chromium (``--screenshot``) into ``docs/images/report_blockade_2023.png``. Run it again whenever
the config or the report's templates change. Needs Chromium (Debian: ``apt-get install
chromium``; or set ``LACHIN_SIM_CHROMIUM``).
"""

from __future__ import annotations

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


def main_screenshot() -> int:
    browser = require_browser()
    os.chdir(REPO)
    code = main(["run", CONFIG, "--out", str(RUN.relative_to(REPO)), "--report", "--no-plots"])
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
