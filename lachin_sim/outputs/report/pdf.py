"""The report as a PDF, printed by a headless Chromium where one is installed (its print
stylesheet: A4, figures and tables kept whole). Chromium is not a dependency: without it the
HTML report is the result, and it prints from any browser.

The PDF's title is the page's ``<title>`` (ending in "| lachin-sim report"), which is how the
tool knows a PDF it may replace."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from lachin_sim.errors import OutputFolderError, WriteFailed

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER_ENV = "LACHIN_SIM_CHROMIUM"  # path of a Chromium to use instead of looking on PATH
# Flags for a headless print on a machine without a display or network: no sandbox (root in a
# container), no GPU, nothing fetched in the background.
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)
PRINT_TIMEOUT_S = 120.0  # a report prints in a few seconds; a hung browser is stopped after this
TITLE_MARK = "lachin-sim report"


def find_browser() -> str | None:
    """Path of a Chromium to print with (``$LACHIN_SIM_CHROMIUM``, else the first of
    :data:`BROWSERS` on PATH), or None."""
    given = os.environ.get(BROWSER_ENV)
    if given:
        return given if Path(given).is_file() and os.access(given, os.X_OK) else None
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def require_browser() -> str:
    """The Chromium to print with, or a clear :class:`OutputFolderError` (exit 2) naming what
    to install; checked before anything is written."""
    browser = find_browser()
    if browser is None:
        where = os.environ.get(BROWSER_ENV)
        why = (
            f"{BROWSER_ENV}={where} is not an executable file"
            if where
            else f"no Chromium found on PATH ({', '.join(BROWSERS)})"
        )
        raise OutputFolderError(
            "--pdf",
            f"needs a headless Chromium: {why}. Install one (on "
            "Debian or Ubuntu: apt-get install chromium), or leave out "
            "--pdf and print the HTML report from a browser",
        )
    return browser


def is_our_pdf(path: Path) -> bool:
    """True when the PDF at ``path`` was printed from a lachin-sim report (its title)."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    utf16 = TITLE_MARK.encode("utf-16-be").hex().upper().encode()
    return data.startswith(b"%PDF") and (TITLE_MARK.encode() in data or utf16 in data.upper())


def check_pdf_target(path: Path) -> Path:
    """``path`` if a PDF may be written there: new, or a PDF of a lachin-sim report."""
    if path.is_symlink() or path.is_dir():
        raise OutputFolderError(path, "is a folder or a symbolic link; give a file name")
    if path.exists() and not is_our_pdf(path):
        raise OutputFolderError(
            path,
            "exists and was not written by lachin-sim; it is not "
            "replaced: choose another file name",
        )
    return path


def print_pdf(html: Path, pdf: Path, browser: str | None = None) -> Path:
    """Print the report ``html`` to ``pdf`` with a headless Chromium; the PDF is written to a
    temporary name and renamed when whole. :class:`WriteFailed` if the browser fails."""
    browser = browser or require_browser()
    check_pdf_target(pdf)
    with tempfile.TemporaryDirectory(prefix="lachin-sim-pdf-") as profile:
        tmp = pdf.with_name(f".{pdf.name}.tmp-{os.getpid()}")
        command = [
            browser,
            *HEADLESS_FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={tmp}",
            html.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=PRINT_TIMEOUT_S, check=False
            )
            if done.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
                last = (done.stderr.strip().splitlines() or ["no message"])[-1]
                raise WriteFailed(
                    0,
                    f"{pdf}: Chromium ({browser}) could not print the report "
                    f"(exit {done.returncode}: {last}); the HTML report is "
                    f"{html}",
                )
            os.replace(tmp, pdf)
        except subprocess.TimeoutExpired:
            raise WriteFailed(
                0,
                f"{pdf}: Chromium ({browser}) did not finish printing in "
                f"{PRINT_TIMEOUT_S:.0f} s; the HTML report is {html}",
            ) from None
        finally:
            tmp.unlink(missing_ok=True)
    return pdf
