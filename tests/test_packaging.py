"""What a scientific Python package ships besides code: licence, changelog, citation, type
hints marker, and metadata that agree with each other.

The wheel test builds the package (slow: it sets up an isolated build environment) and checks
that the files a user's tools look for are inside it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile

import pytest
from conftest import REPO

import lachin_sim

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]


def test_version_is_one_number_everywhere():
    """pyproject, the package and the citation file name the same version."""
    yaml = pytest.importorskip("yaml")
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert PROJECT["version"] == lachin_sim.__version__ == str(citation["version"])


def test_license_file_is_the_declared_mit_license():
    """LICENSE is the MIT text for the project's contributors, as pyproject declares."""
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert re.search(r"Copyright \(c\) \d{4} lachin-sim contributors", text)
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]


def test_citation_file_is_cff_1_2_0():
    """CITATION.cff has the keys CFF 1.2.0 requires (cff-version, message, title, authors with
    a name), and its licence is the project's."""
    yaml = pytest.importorskip("yaml")
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    assert citation["message"].strip() and citation["title"].strip()
    assert citation["authors"] and all(
        a.get("name") or a.get("family-names") for a in citation["authors"]
    )
    assert citation["license"] == PROJECT["license"]
    assert citation.get("type", "software") == "software"


def test_changelog_has_unreleased_and_the_current_version():
    """CHANGELOG.md follows Keep a Changelog: an Unreleased section on top, then one dated
    section per version, the current version among them."""
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, flags=re.M)
    assert headings and headings[0] == ("Unreleased", "")
    released = {version: date for version, date in headings[1:]}
    assert released.get(PROJECT["version"]), f"no dated section for {PROJECT['version']}"


def test_type_hints_marker_is_package_data():
    """lachin_sim/py.typed exists and is declared as package data, so installs carry it."""
    assert (REPO / "lachin_sim" / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["lachin_sim"]
    assert "Typing :: Typed" in PROJECT["classifiers"]


@pytest.mark.slow
def test_wheel_ships_the_marker_and_the_license(tmp_path):
    """A wheel built from the repository holds py.typed, the report's templates and the
    licence, and its metadata has
    the classifiers and the SPDX licence expression. It builds from a copy of the sources, so
    the build leaves nothing in the repository."""
    source = tmp_path / "source"
    shutil.copytree(REPO / "lachin_sim", source / "lachin_sim",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    shutil.copytree(REPO / "data", source / "data")
    for name in ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", "CHANGELOG.md",
                 "CITATION.cff"):  # fmt: skip
        shutil.copy(REPO / name, source / name)
    out = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("lachin_sim-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    assert "lachin_sim/py.typed" in names
    templates = REPO / "lachin_sim" / "outputs" / "report" / "templates"
    for path in templates.rglob("*"):  # the report's templates are package data
        if path.is_file():
            assert f"lachin_sim/{path.relative_to(REPO / 'lachin_sim').as_posix()}" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    text = metadata.decode()
    assert "License-Expression: MIT" in text
    assert all(f"Classifier: {c}" in text for c in PROJECT["classifiers"])
