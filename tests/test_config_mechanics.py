"""Config mechanics: `extends` deep-merges configs, `--set` overrides parse TOML values and
address tables and list items by dotted path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import REPO

import lachin_sim as ls
from lachin_sim.config import deep_merge, get_dotted, parse_override, read_config, set_dotted
from lachin_sim.errors import ConfigError

BASE_TOML = """
name = "base"
start = 2023-01-01
end = 2023-01-11
seed = 1
[population]
initial = 500
[commodities.food]
unit = "t"
initial_stock = 10.0
need_per_person_day = 0.001
[regimes.open]
allowed_operators = ["humanitarian"]
[regimes.closed]
allowed_operators = []
[corridors.road]
timeline = [{ start = 2023-01-01, regime = "open" }, { start = 2023-01-05, regime = "closed" }]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- extends ---------------------------------------------------------------------------------


def test_extends_merges_tables_key_by_key(tmp_path):
    """A child config's table overrides only the keys it names; the base's other keys stay."""
    write(tmp_path, "base.toml", BASE_TOML)
    child = write(
        tmp_path,
        "child.toml",
        'extends = "base.toml"\nname = "child"\n[commodities.food]\ninitial_stock = 99.0\n',
    )
    s = ls.load_scenario(child)
    assert s.name == "child"
    assert s.commodities["food"].initial_stock == 99.0
    assert s.commodities["food"].need_per_person_day == 0.001  # kept from the base
    assert s.population.initial == 500
    assert "extends" not in read_config(child)


def test_extends_replaces_lists_whole(tmp_path):
    """A list in the child (e.g. a timeline) replaces the base's list; it is not merged."""
    write(tmp_path, "base.toml", BASE_TOML)
    child = write(
        tmp_path,
        "child.toml",
        'extends = "base.toml"\n[corridors.road]\n'
        'timeline = [{ start = 2023-01-01, regime = "closed" }]\n',
    )
    timeline = ls.load_scenario(child).corridors["road"].timeline
    assert [(e.start, e.regime) for e in timeline] == [(dt.date(2023, 1, 1), "closed")]


def test_extends_chains_with_the_nearest_config_winning(tmp_path):
    """base <- middle <- top: each level overrides the one it extends, relative paths resolve."""
    write(tmp_path, "base.toml", BASE_TOML)
    (tmp_path / "sub").mkdir()
    write(
        tmp_path / "sub",
        "middle.toml",
        'extends = "../base.toml"\nseed = 2\n[population]\ninitial = 700\n',
    )
    top = write(tmp_path, "top.toml", 'extends = "sub/middle.toml"\nseed = 3\n')
    s = ls.load_scenario(top)
    assert (s.seed, s.population.initial, s.name) == (3, 700, "base")


def test_extends_loop_is_refused(tmp_path):
    """Configs extending each other in a loop are refused with a ConfigError, not a recursion."""
    a = write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ConfigError, match="loop"):
        read_config(a)
    self_loop = write(tmp_path, "self.toml", 'extends = "self.toml"\n')
    with pytest.raises(ConfigError, match="loop"):
        read_config(self_loop)


def test_extends_loop_is_refused_by_the_cli(run_cli, tmp_path):
    """The CLI turns an extends loop into exit 2 with a message naming `extends`."""
    a = write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    done = run_cli("validate", a)
    assert done.code == 2
    assert "extends" in done.err and "loop" in done.err and "Traceback" not in done.err


def test_deep_merge_does_not_modify_its_inputs():
    """deep_merge returns a new dict: nested tables merge, other values replace."""
    base = {"a": {"x": 1, "y": [1, 2]}, "b": 1}
    update = {"a": {"y": [3]}, "c": 2}
    merged = deep_merge(base, update)
    assert merged == {"a": {"x": 1, "y": [3]}, "b": 1, "c": 2}
    assert base == {"a": {"x": 1, "y": [1, 2]}, "b": 1}


def test_a_distribution_in_an_extending_config_replaces_the_base_one(tmp_path, run_cli):
    """A table with ``dist`` is one value: an exponential laid over a uniform (or a lognormal
    uncertain input over a triangular one) replaces it whole instead of keeping its bounds."""
    base = {"t": {"dist": "uniform", "low": 1.0, "high": 2.0}, "u": {"k": {"dist": "triangular",
            "low": 1, "mode": 2, "high": 3, "note": "n"}}}  # fmt: skip
    update = {"t": {"dist": "exponential", "mean": 1.0},
              "u": {"k": {"dist": "lognormal", "median": 2, "sigma": 0.3, "note": "m"}}}  # fmt: skip
    merged = deep_merge(base, update)
    assert merged["t"] == {"dist": "exponential", "mean": 1.0}
    assert merged["u"]["k"] == update["u"]["k"]
    write(tmp_path, "b.toml", (REPO / "configs" / "blockade_2023.toml").read_text())
    a = write(tmp_path, "a.toml", 'extends = "b.toml"\n[regimes.checkpoint]\n'
              'inspection_time_h = { dist = "uniform", low = 0.5, high = 1.5 }\n')  # fmt: skip
    done = run_cli("validate", a)
    assert done.code == 0, done.err


# --- --set parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        ("seed=7", "seed", 7),
        ("regimes.open.denial_probability=0.25", "regimes.open.denial_probability", 0.25),
        ("x=1e3", "x", 1000.0),
        ("convoys.icrc.enabled=false", "convoys.icrc.enabled", False),
        ("flag=true", "flag", True),
        ("end=2023-05-01", "end", dt.date(2023, 5, 1)),
        ('regimes.open.allowed_operators=["a", "b"]', "regimes.open.allowed_operators", ["a", "b"]),
        ("name=hello", "name", "hello"),
        ('name="two words"', "name", "two words"),
        ("description=a = b", "description", "a = b"),
        ("  seed = 8  ", "seed", 8),
        ('t={ dist = "fixed", value = 2.0 }', "t", {"dist": "fixed", "value": 2.0}),
    ],
)
def test_parse_override_reads_values_as_toml(text, path, value):
    """Numbers, booleans, dates, lists and tables parse as TOML; anything else is a string."""
    got_path, got_value = parse_override(text)
    assert got_path == path
    assert got_value == value
    assert type(got_value) is type(value)


def test_parse_override_without_equals_is_refused():
    """An override without '=' is a ConfigError saying what was expected."""
    with pytest.raises(ConfigError, match=r"dotted\.path=value"):
        parse_override("seed")


def test_set_dotted_indexes_lists_and_creates_missing_tables():
    """Integer parts index lists; tables that do not exist yet are created."""
    raw = {"corridors": {"road": {"timeline": [{"regime": "open"}, {"regime": "closed"}]}}}
    set_dotted(raw, "corridors.road.timeline.1.regime", "open")
    assert raw["corridors"]["road"]["timeline"][1]["regime"] == "open"
    set_dotted(raw, "rationing.caps", [])
    assert raw["rationing"] == {"caps": []}
    assert get_dotted(raw, "corridors.road.timeline.0.regime") == "open"


@pytest.mark.parametrize(
    "path", ["corridors.road.timeline.5.regime", "corridors.road.timeline.x.regime"]
)
def test_set_dotted_refuses_a_bad_list_index(path):
    """An index beyond the list (or not a number) is a ConfigError naming the path."""
    raw = {"corridors": {"road": {"timeline": [{"regime": "open"}]}}}
    with pytest.raises(ConfigError) as info:
        set_dotted(raw, path, "closed")
    assert path in str(info.value)


def test_set_dotted_refuses_to_descend_into_a_value():
    """Setting a field below a plain value (not a table) is a ConfigError."""
    with pytest.raises(ConfigError, match="not a table"):
        set_dotted({"seed": 1}, "seed.x", 2)


def test_overrides_reach_the_validated_scenario(tmp_path):
    """load_scenario applies overrides given as strings or as a dict, list items included."""
    path = write(tmp_path, "base.toml", BASE_TOML)
    s = ls.load_scenario(
        path,
        overrides=[
            "seed=9",
            "corridors.road.timeline.1.regime=open",
            "end=2023-01-21",
            "commodities.food.initial_stock=5",
        ],
    )
    assert s.seed == 9
    assert s.corridors["road"].timeline[1].regime == "open"
    assert s.end == dt.date(2023, 1, 21)
    assert s.commodities["food"].initial_stock == 5.0
    d = ls.load_scenario(path, overrides={"population.initial": 42})
    assert d.population.initial == 42


def test_overrides_do_not_modify_the_raw_config(tmp_path):
    """Validating with overrides leaves the raw dict it was given unchanged."""
    from lachin_sim.config.validation import validate_scenario

    raw = read_config(write(tmp_path, "base.toml", BASE_TOML))
    validate_scenario(raw, overrides=["seed=5"])
    assert raw["seed"] == 1


def test_override_with_an_unknown_name_is_reported(tmp_path):
    """A misspelt override path is an unknown field, not a silently added key."""
    path = write(tmp_path, "base.toml", BASE_TOML)
    with pytest.raises(ConfigError, match=r"regimes\.open\.denial_probabilty"):
        ls.load_scenario(path, overrides=["regimes.open.denial_probabilty=0.5"])
