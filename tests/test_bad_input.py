"""Bad input is refused cleanly: exit code 2, one message on stderr naming the file, the dotted
field, the bad value and what is allowed; no traceback; nothing written to --out.

Each bad config is a few lines that extend the shipped historical scenario, written to tmp_path.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parent.parent / "configs" / "blockade_2023.toml"


@dataclass
class Bad:
    body: str  # TOML laid over the base config
    expected: tuple[str, ...]  # substrings of stderr: dotted path, bad value, what is allowed


CASES = {
    "unknown field": Bad(
        "[commodities.food]\nneed_per_person_dya = 0.1\n",
        ("commodities.food.need_per_person_dya", "0.1", "unknown field", "need_per_person_day"),
    ),
    "regime name typo in timeline": Bad(
        '[corridors.lachin]\ntimeline = [{ start = 2022-12-01, regime = "open" },\n'
        '  { start = 2022-12-12, regime = "roadblok" }]\n',
        ("corridors.lachin.timeline.1.regime", "roadblok", "unknown regime", "roadblock"),
    ),
    "commodity name typo in cargo": Bad(
        "[convoys.icrc_september]\ncargo = { fod = 1.0 }\n",
        ("convoys.icrc_september.cargo.fod", "fod", "unknown commodity", "food"),
    ),
    "negative rate": Bad(
        "[convoys.icrc]\ntrucks_per_day = -0.25\n",
        ("convoys.icrc.trucks_per_day", "-0.25", "greater than or equal to 0"),
    ),
    "probability above 1": Bad(
        "[regimes.checkpoint]\ndenial_probability = 1.5\n",
        ("regimes.checkpoint.denial_probability", "1.5", "less than or equal to 1"),
    ),
    "timeline date outside the scenario": Bad(
        '[corridors.lachin]\ntimeline = [{ start = 2022-12-01, regime = "open" },\n'
        '  { start = 2023-11-01, regime = "closed" }]\n',
        (
            "corridors.lachin.timeline.1.start",
            "2023-11-01",
            "outside the scenario",
            "2022-12-01",
            "2023-09-30",
        ),
    ),
    "cargo shares not summing to 1": Bad(
        "[convoys.icrc]\ncargo = { medicine = 0.25, food = 0.70 }\n",
        ("convoys.icrc.cargo", "0.95", "sum to 1"),
    ),
    "invalid distribution name": Bad(
        '[regimes.checkpoint]\ninspection_time_h = { dist = "exponentail", mean = 1.0 }\n',
        ("regimes.checkpoint.inspection_time_h", "exponentail", "exponential", "lognormal"),
    ),
}


def write_bad(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(f'extends = "{BASE.as_posix()}"\nname = "bad"\n{body}', encoding="utf-8")
    return path


def assert_refused(done, config: Path, out: Path, expected: tuple[str, ...]) -> None:
    assert done.code == 2, done.err
    assert "Traceback" not in done.err
    assert str(config) in done.err, "the message names the file"
    for text in expected:
        assert text in done.err, f"{text!r} missing from: {done.err}"
    assert not out.exists(), "nothing is written for a refused config"


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_config_is_refused_by_run(run_cli, tmp_path, case):
    """`run` refuses the bad config with exit 2 and a message naming file, field, value, allowed."""
    config, out = write_bad(tmp_path, case.body), tmp_path / "out"
    assert_refused(run_cli("run", config, "--out", out), config, out, case.expected)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_config_is_refused_by_validate(run_cli, tmp_path, case):
    """`validate` refuses the same configs with the same message and exit 2."""
    config = write_bad(tmp_path, case.body)
    assert_refused(run_cli("validate", config), config, tmp_path / "out", case.expected)


def test_the_base_config_extended_without_changes_is_valid(run_cli, tmp_path):
    """Control: the bad configs above fail because of their one bad line, not the wrapper."""
    done = run_cli("validate", write_bad(tmp_path, ""))
    assert done.code == 0, done.err


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("convoys.icrc.trucks_per_day=-3", ("convoys.icrc.trucks_per_day", "-3", ">= 0")),
        (
            "regimes.checkpoint.confiscation_probability=1.2",
            ("regimes.checkpoint.confiscation_probability", "1.2", "<= 1"),
        ),
        (
            "corridors.lachin.timeline.1.regime=roadblok",
            ("corridors.lachin.timeline.1.regime", "roadblok", "roadblock"),
        ),
    ],
)
def test_bad_override_is_refused(run_cli, tmp_path, override, expected):
    """A bad `--set` value is refused like a bad line in the file."""
    out = tmp_path / "out"
    done = run_cli("run", BASE, "--out", out, "--set", override)
    expected = tuple(
        e.replace(">= 0", "greater than or equal to 0").replace("<= 1", "less than or equal to 1")
        for e in expected
    )
    assert_refused(done, BASE, out, expected)


def test_missing_file_is_refused(run_cli, tmp_path):
    """A config path that does not exist is refused with exit 2, naming the path."""
    config, out = tmp_path / "nowhere.toml", tmp_path / "out"
    assert_refused(run_cli("run", config, "--out", out), config, out, ("not found",))


def test_invalid_toml_is_refused(run_cli, tmp_path):
    """A file that is not TOML is refused with exit 2, naming the file and the TOML error."""
    config, out = tmp_path / "broken.toml", tmp_path / "out"
    config.write_text('name = "broken"\nstart = 2023-01-01\nend = [\n', encoding="utf-8")
    assert_refused(run_cli("run", config, "--out", out), config, out, ("not valid TOML",))


def test_missing_base_config_is_refused(run_cli, tmp_path):
    """`extends` naming a file that does not exist is refused, naming that file."""
    config, out = tmp_path / "child.toml", tmp_path / "out"
    config.write_text('extends = "no_such_base.toml"\n', encoding="utf-8")
    done = run_cli("run", config, "--out", out)
    assert_refused(done, tmp_path / "no_such_base.toml", out, ("not found",))


def test_refusal_from_a_fresh_process_has_no_traceback(tmp_path):
    """End to end: `python -m lachin_sim run BAD` exits 2 with a one-message stderr."""
    config, out = write_bad(tmp_path, CASES["probability above 1"].body), tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "lachin_sim", "run", str(config), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "regimes.checkpoint.denial_probability" in done.stderr
    assert not out.exists()


def test_a_folder_given_as_config_is_refused(run_cli, tmp_path):
    """A config path that is a folder is a path the user can fix: exit 2, no traceback."""
    out = tmp_path / "out"
    assert_refused(run_cli("run", tmp_path, "--out", out), tmp_path, out, ())


def test_a_config_that_is_not_utf8_is_refused(run_cli, tmp_path):
    """A config file in another encoding is refused with exit 2, naming the file."""
    config, out = tmp_path / "latin1.toml", tmp_path / "out"
    config.write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    assert_refused(run_cli("run", config, "--out", out), config, out, ())


def test_negative_seed_option_is_refused(run_cli, tmp_path):
    """`--seed -1` is refused like `--set seed=-1` (seeds are non-negative integers)."""
    out = tmp_path / "out"
    done = run_cli("run", BASE, "--out", out, "--seed", "-1")
    assert done.code == 2
    assert "seed" in done.err and "-1" in done.err
    assert not out.exists()


# --------------------------------------------------------------------------------------------
# Deep nesting: one ConfigError naming the file, never a RecursionError
# --------------------------------------------------------------------------------------------
DEEP = {
    "800 nested lists": "deep = " + "[" * 800 + "]" * 800 + "\n",
    "500 nested lists": "deep = " + "[" * 500 + "]" * 500 + "\n",
    "600 nested inline tables": "deep = " + "{ a = " * 600 + "1" + " }" * 600 + "\n",
    "a dotted key 800 parts deep": ".".join(["k"] * 800) + " = 1\n",
}


@pytest.mark.parametrize("body", DEEP.values(), ids=DEEP.keys())
def test_deeply_nested_config_is_one_clean_error(run_cli, tmp_path, body):
    """Tables or lists nested hundreds of levels deep: exit 2, the file named, no traceback."""
    config, out = write_bad(tmp_path, body), tmp_path / "out"
    for done in (run_cli("validate", config), run_cli("run", config, "--out", out)):
        assert_refused(done, config, out, ("nested too deeply",))
        assert len(done.err.strip().splitlines()) == 2  # the file, then its one problem


def test_deeply_nested_override_and_dict_are_clean_errors(run_cli, tmp_path):
    """The same for a `--set` value and for a raw dict given to the Python API."""
    from lachin_sim.config.validation import validate_scenario
    from lachin_sim.errors import ConfigError

    out = tmp_path / "out"
    done = run_cli("run", BASE, "--out", out, "--set", "description=" + "[" * 800 + "]" * 800)
    assert done.code == 2 and "nested too deeply" in done.err and "Traceback" not in done.err
    deep: dict = {}
    node = deep
    for _ in range(5000):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(ConfigError, match="nested too deeply"):
        validate_scenario({"name": "x", "deep": deep}, "<dict>")


# --------------------------------------------------------------------------------------------
# Messages name the referring file, the field, the value and what was looked for
# --------------------------------------------------------------------------------------------
def test_missing_extends_target_names_the_config_that_refers_to_it(run_cli, tmp_path):
    """A missing `extends` target: the message names the child config, `extends`, the value
    and the path looked for."""
    config = tmp_path / "child.toml"
    config.write_text('extends = "no_such_base.toml"\n', encoding="utf-8")
    done = run_cli("validate", config)
    assert done.code == 2
    for text in (str(config), "extends = 'no_such_base.toml'", "not found",
                 str(tmp_path / "no_such_base.toml")):  # fmt: skip
        assert text in done.err, done.err


def test_missing_base_of_a_scenario_set_names_the_set(tmp_path):
    """A scenarios file whose `base` is missing: the set file, `base`, the value, the path."""
    import lachin_sim as ls
    from lachin_sim.errors import ConfigError

    path = tmp_path / "set.toml"
    path.write_text('base = "gone.toml"\n[scenarios.a]\n')
    with pytest.raises(ConfigError) as info:
        ls.compare(path, executor="serial", progress=False)
    for text in (str(path), "base = 'gone.toml'", "not found", str(tmp_path / "gone.toml")):
        assert text in str(info.value)


def test_bad_index_in_a_sweep_files_overrides_names_the_sweep_file(run_cli, tmp_path):
    """A list index out of range in a sweep file's [overrides] is reported against that file
    and its [overrides] table, with the list's length, not as a `--set` problem."""
    from sweep_helpers import write_sweep_files

    config = write_sweep_files(tmp_path, """\
        [overrides]
        "corridors.road.timeline.5.regime" = "open"
        [design]
        kind = "replications"
        """)  # fmt: skip
    done = run_cli("sweep", config, "--out", tmp_path / "out", "--executor", "serial")
    assert done.code == 2 and "Traceback" not in done.err
    for text in (str(config), "[overrides]", "corridors.road.timeline.5.regime",
                 "out of range", "corridors.road.timeline has 1 entry"):  # fmt: skip
        assert text in done.err, done.err
    assert "--set" not in done.err
