"""The report of the historical run in a real browser: the system's headless Chromium, driven by
playwright (never ``playwright install``: it uses ``/usr/bin/chromium``, which ``.ci/run``
installs from Debian's packages when missing). The page loads with no console error and no
request beyond itself, every image decodes and is not blank, nothing is wider than a phone's
screen, and the page prints to PDF (through playwright and through ``lachin-sim report
--pdf``). The page of a small Sobol' study (its wide ranking tables, the sensitivity bars) is
loaded and fitted to a phone too. Skipped, saying why, where no Chromium or playwright can be
found."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from report_helpers import historical_run, study_raw, uncertainty_folder

from lachin_sim.config.validation import validate_scenario
from lachin_sim.outputs.report import write_report
from lachin_sim.outputs.report.pdf import HEADLESS_FLAGS

CHROMIUM = os.environ.get("LACHIN_SIM_CHROMIUM") or "/usr/bin/chromium"
LAUNCH_ARGS = [flag for flag in HEADLESS_FLAGS if flag != "--no-pdf-header-footer"]
PHONE = {"width": 390, "height": 844}  # CSS px: a common phone screen
DESKTOP = {"width": 1280, "height": 900}

pytestmark = pytest.mark.slow


def _chromium() -> str:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium")
        if found is None:
            pytest.skip(
                f"no Chromium at {CHROMIUM} or on PATH: install Debian's package "
                "(apt-get install chromium; .ci/run does) to run the browser tests"
            )
        return found
    return CHROMIUM


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    folder = historical_run(tmp_path_factory.mktemp("browser") / "run")
    return write_report(folder)


@pytest.fixture(scope="module")
def study_report(tmp_path_factory, make_raw) -> Path:
    """The page of a small Sobol' study of the tiny scenario."""
    scenario = validate_scenario(study_raw(make_raw), "<study>")
    return write_report(
        uncertainty_folder(scenario, tmp_path_factory.mktemp("browser") / "sobol", "sobol")
    )


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=LAUNCH_ARGS, headless=True)
        yield b
        b.close()


# Per image: decoded, its size, and how many distinct colours a 64 x 64 sample of it holds.
IMAGE_CHECK = """() => Array.from(document.images).map((img) => {
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 64;
  const ctx = canvas.getContext("2d");
  let colours = 0;
  if (img.complete && img.naturalWidth > 0) {
    ctx.drawImage(img, 0, 0, 64, 64);
    const data = ctx.getImageData(0, 0, 64, 64).data;
    const seen = new Set();
    for (let i = 0; i < data.length; i += 4) seen.add(data[i] + "," + data[i + 1] + "," + data[i + 2]);
    colours = seen.size;
  }
  return {alt: img.alt, complete: img.complete, width: img.naturalWidth, height: img.naturalHeight, colours};
})"""


def _open(browser, report: Path, viewport: dict):
    page = browser.new_page(viewport=viewport)
    problems: list[str] = []
    requests: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report.resolve().as_uri(), wait_until="load")
    return page, problems, requests


def test_the_report_loads_cleanly_and_every_image_shows(browser, report):
    """No console error or warning, no request but the page itself (figures are data URIs),
    and every image decodes to a real picture (more than a handful of colours)."""
    page, problems, requests = _open(browser, report, DESKTOP)
    images = page.evaluate(IMAGE_CHECK)
    page.close()
    assert problems == []
    assert [u for u in requests if not u.startswith("data:")] == [report.resolve().as_uri()]
    assert len(images) >= 4
    for image in images:
        assert image["complete"] and image["width"] > 200 and image["height"] > 100, image["alt"]
        assert image["colours"] > 8, f"image looks blank: {image['alt']}"


def test_the_page_of_a_study_loads_cleanly_and_fits_a_phone(browser, study_report):
    """The study's page: no console error, no request beyond it, both figures (the bands and
    the sensitivity bars) decode to real pictures, and its ranking tables scroll inside their
    boxes on a phone."""
    page, problems, requests = _open(browser, study_report, DESKTOP)
    images = page.evaluate(IMAGE_CHECK)
    page.close()
    assert problems == []
    assert [u for u in requests if not u.startswith("data:")] == [study_report.resolve().as_uri()]
    assert len(images) == 2
    for image in images:
        assert image["complete"] and image["width"] > 200 and image["colours"] > 8, image["alt"]
    phone, problems, _ = _open(browser, study_report, PHONE)
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    phone.close()
    assert problems == [] and width <= PHONE["width"]


def test_the_report_fits_a_phone_screen(browser, report):
    """At 390 px wide nothing pushes the page sideways (wide tables scroll inside their box),
    and the figures shrink to the screen."""
    page, problems, _ = _open(browser, report, PHONE)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    widest_image = page.evaluate(
        "() => Math.max(...Array.from(document.images).map(i => i.getBoundingClientRect().right))"
    )
    page.close()
    assert problems == []
    assert width <= PHONE["width"]
    assert widest_image <= PHONE["width"]


def test_the_report_prints_to_pdf(browser, report, tmp_path):
    """page.pdf() (the print stylesheet, A4) gives a PDF of several pages."""
    page, problems, _ = _open(browser, report, DESKTOP)
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    page.close()
    assert problems == []
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type/Page") >= 2


def test_report_pdf_from_the_command_line(report, tmp_path, run_cli, monkeypatch):
    """`lachin-sim report DIR --pdf` prints the same report with the Chromium it finds; the
    PDF is marked as the tool's, so printing again replaces it."""
    monkeypatch.setenv("LACHIN_SIM_CHROMIUM", _chromium())
    out = tmp_path / "historical.html"
    done = run_cli("report", report.parent, "--out", out, "--pdf")
    assert done.code == 0, done.err
    pdf = out.with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and "Wrote" in done.out
    assert run_cli("report", report.parent, "--out", out, "--pdf").code == 0
