"""The examples of docs/policies.md run as written: its complete example validates and runs, each
``# snippet`` block laid over that example validates, and its Python blocks run (from a folder that
links the repo's configs/)."""

from __future__ import annotations

import re
import tomllib

import pytest
from conftest import REPO

import lachin_sim as ls
from lachin_sim.config import deep_merge
from lachin_sim.errors import ConfigError

DOC = REPO / "docs" / "policies.md"
BLOCK = re.compile(r"^```(python|toml)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(language: str) -> list[tuple[int, str]]:
    text = DOC.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 1, m.group(2)) for m in BLOCK.finditer(text)
            if m.group(1) == language]  # fmt: skip


def complete_example() -> str:
    """The first TOML block that is a whole scenario (it has a start date)."""
    return next(src for _, src in blocks("toml") if "start" in tomllib.loads(src))


def overlay(example: dict, snippet: dict) -> dict:
    """``example`` with each second-level table of ``snippet`` in place of the example's."""
    out = dict(example)
    for key, value in snippet.items():
        out[key] = (
            {**example[key], **value} if isinstance(value, dict) and key in example else value
        )
    return out


def test_the_complete_example_runs(tmp_path):
    path = tmp_path / "town.toml"
    path.write_text(complete_example(), encoding="utf-8")
    result = ls.simulate(ls.load_scenario(path), seed=1)
    assert len(result.decisions) > 0, "the example is meant to show rules deciding"


@pytest.mark.parametrize(("line", "source"), [pytest.param(n, s, id=f"policies.md:{n}")
                         for n, s in blocks("toml") if s.lstrip().startswith("# snippet")])  # fmt: skip
def test_each_snippet_over_the_complete_example_validates(line, source, tmp_path):
    """A snippet adds to the example's tables (merged in) or is an alternative to a table of the
    same name (``[rationing.rules.food]`` with ``until`` instead of the example's horizon: it
    replaces it). One of the two readings must validate; a misspelt field fails both."""
    import tomli_w

    example, snippet = tomllib.loads(complete_example()), tomllib.loads(source)
    errors = []
    for merged in (deep_merge(example, snippet), overlay(example, snippet)):
        path = tmp_path / "snippet.toml"
        path.write_text(tomli_w.dumps(merged), encoding="utf-8")
        try:
            ls.load_scenario(path)
            return
        except ConfigError as exc:
            errors.append(str(exc))
    pytest.fail("\n".join(errors))


def test_every_toml_block_is_the_example_or_a_snippet():
    """So that a new block is checked too (a fragment must say ``# snippet``)."""
    example = complete_example()
    for line, source in blocks("toml"):
        assert source == example or source.lstrip().startswith("# snippet"), f"policies.md:{line}"


@pytest.mark.parametrize(("line", "source"), [pytest.param(n, s, id=f"policies.md:{n}")
                         for n, s in blocks("python")])  # fmt: skip
def test_python_blocks_run(line, source, tmp_path, monkeypatch):
    (tmp_path / "configs").symlink_to(REPO / "configs")
    monkeypatch.chdir(tmp_path)
    exec(compile(source, f"policies.md:{line}", "exec"), {"__name__": "__main__"})
