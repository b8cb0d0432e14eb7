"""Experimental designs (grid, Latin hypercube, random) and the refusal of bad sweep configs.

A sweep must refuse a bad design or parameter before any run starts, with a ConfigError that
names the file, the field and what is allowed, and without writing a sweep folder.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sweep_helpers import DENIAL, TRUCKS, write_sweep_files
from sweep_helpers import SWEEP_MODULE as sweep_module

import lachin_sim as ls
from lachin_sim.errors import ConfigError
from lachin_sim.studies.designs import grid, latin_hypercube, load_sweep_config, random_design

RANGES = {"a": (0.0, 1.0), "b": (10.0, 20.0), "c": (-5.0, 5.0)}


# --------------------------------------------------------------------------------------------
# Grid
# --------------------------------------------------------------------------------------------
def test_grid_is_every_combination_once_last_parameter_fastest():
    """A grid holds the product of the list lengths, each combination once, the last parameter
    varying fastest."""
    values = {"x": [1, 2], "y": [0.0, 0.5, 0.9], "z": ["p", "q"]}
    points = grid(values)
    expected = [
        {"x": x, "y": y, "z": z} for x in values["x"] for y in values["y"] for z in values["z"]
    ]
    assert len(points) == 2 * 3 * 2
    assert points == expected
    assert len({tuple(p.items()) for p in points}) == len(points)


def test_grid_of_one_parameter_keeps_listed_order():
    """A one-parameter grid is the listed values in the listed order (no sorting)."""
    assert grid({"x": [3, 1, 2]}) == [{"x": 3}, {"x": 1}, {"x": 2}]


# --------------------------------------------------------------------------------------------
# Latin hypercube and random designs
# --------------------------------------------------------------------------------------------
def _stratum(value: float, low: float, high: float, n: int) -> int:
    return math.floor((value - low) / (high - low) * n)


def test_latin_hypercube_shape_and_bounds():
    """An LHS design has ``samples`` points, each naming every parameter, inside its range."""
    points = latin_hypercube(RANGES, samples=25, seed=4)
    assert len(points) == 25
    for p in points:
        assert set(p) == set(RANGES)
        for name, (low, high) in RANGES.items():
            assert low <= p[name] <= high


@settings(max_examples=60, deadline=None)
@given(
    samples=st.integers(1, 40),
    seed=st.integers(0, 2**32 - 1),
    lows=st.lists(st.floats(-100, 100), min_size=1, max_size=4),
    width=st.floats(0.1, 100),
)
def test_latin_hypercube_puts_one_sample_in_each_stratum(samples, seed, lows, width):
    """Each parameter's range cut into ``samples`` equal strata holds exactly one sample each."""
    ranges = {f"p{i}": (low, low + width * (i + 1)) for i, low in enumerate(lows)}
    points = latin_hypercube(ranges, samples=samples, seed=seed)
    for name, (low, high) in ranges.items():
        strata = sorted(_stratum(p[name], low, high, samples) for p in points)
        assert strata == list(range(samples)), name


def test_latin_hypercube_pairs_strata_at_random():
    """Strata are paired at random across parameters: the two columns are not in lock-step."""
    points = latin_hypercube({"a": (0.0, 1.0), "b": (0.0, 1.0)}, samples=30, seed=1)
    a = [_stratum(p["a"], 0, 1, 30) for p in points]
    b = [_stratum(p["b"], 0, 1, 30) for p in points]
    assert a != b and a != list(range(30))


def test_latin_hypercube_rounds_integer_parameters():
    """Integer parameters are the same draws rounded to whole numbers; the others are untouched."""
    ranges = {"trucks": (0.0, 20.0), "p": (0.0, 1.0)}
    plain = latin_hypercube(ranges, samples=12, seed=9)
    rounded = latin_hypercube(ranges, samples=12, seed=9, integers=("trucks",))
    for a, b in zip(plain, rounded, strict=True):
        assert isinstance(b["trucks"], int)
        assert b["trucks"] == round(a["trucks"])
        assert b["p"] == a["p"] and isinstance(b["p"], float)


def test_random_design_shape_and_bounds():
    """A random design has ``samples`` points, each inside every parameter's range."""
    points = random_design(RANGES, samples=40, seed=2)
    assert len(points) == 40
    for p in points:
        assert set(p) == set(RANGES)
        for name, (low, high) in RANGES.items():
            assert low <= p[name] <= high
    assert len({p["a"] for p in points}) == 40


@pytest.mark.parametrize("build", [latin_hypercube, random_design], ids=["lhs", "random"])
def test_designs_depend_only_on_the_seed(build):
    """The same seed gives the same design; a different seed gives a different one."""
    first = build(RANGES, samples=10, seed=123)
    again = build(RANGES, samples=10, seed=123)
    other = build(RANGES, samples=10, seed=124)
    assert first == again
    assert first != other


def test_sweep_uses_the_root_seed_for_its_design(tmp_path):
    """A sweep's LHS design is the design of its root seed, and a different root seed moves it."""
    config = write_sweep_files(
        tmp_path,
        """\
        seed = 7
        [design]
        kind = "lhs"
        samples = 5
        [design.ranges]
        "convoys.aid.trucks_per_day" = [0.1, 2.0]
        "regimes.checkpoint.denial_probability" = [0.0, 0.5]
        """,
    )
    spec, scenario_path = load_sweep_config(config)
    assert scenario_path.resolve() == (tmp_path / "tiny_scenario.toml").resolve()
    ranges = {TRUCKS: (0.1, 2.0), DENIAL: (0.0, 0.5)}
    result = ls.sweep(scenario_path, ranges=ranges, samples=5, seed=spec.seed, executor="serial",
                      progress=False)  # fmt: skip
    expected = latin_hypercube(ranges, samples=5, seed=7)
    assert result.design[[TRUCKS, DENIAL]].to_dict("records") == expected
    other = ls.sweep(scenario_path, ranges=ranges, samples=5, seed=8, executor="serial",
                     progress=False)  # fmt: skip
    assert other.design[TRUCKS].tolist() != result.design[TRUCKS].tolist()


# --------------------------------------------------------------------------------------------
# Bad sweep configs: refused while reading the file
# --------------------------------------------------------------------------------------------
BAD_DESIGNS = {
    "empty grid": ('[design]\nkind = "grid"\n', "design", "at least one parameter"),
    "empty value list": (
        '[design]\nkind = "grid"\n[design.grid]\n"convoys.aid.trucks_per_day" = []\n',
        "design.grid.convoys.aid.trucks_per_day",
        "at least 1 item",
    ),
    "low equals high": (
        '[design]\nkind = "lhs"\nsamples = 4\n[design.ranges]\n"convoys.aid.trucks_per_day" = [1.0, 1.0]\n',
        "convoys.aid.trucks_per_day",
        "low < high",
    ),
    "low above high": (
        '[design]\nkind = "random"\nsamples = 4\n[design.ranges]\n"convoys.aid.trucks_per_day" = [3.0, 1.0]\n',
        "convoys.aid.trucks_per_day",
        "low < high",
    ),
    "lhs without samples": (
        '[design]\nkind = "lhs"\n[design.ranges]\n"convoys.aid.trucks_per_day" = [0.0, 1.0]\n',
        "design",
        "samples = N",
    ),
    "kind typo": (
        '[design]\nkind = "gird"\n[design.grid]\n"convoys.aid.trucks_per_day" = [1.0]\n',
        "design.kind",
        "'grid', 'lhs', 'random'",
    ),
    "zero replications": (
        'replications = 0\n[design]\nkind = "grid"\n[design.grid]\n"convoys.aid.trucks_per_day" = [1.0]\n',
        "replications",
        "greater than 0",
    ),
    "integer names an unknown range": (
        '[design]\nkind = "lhs"\nsamples = 3\ninteger = ["convoys.aid.convoy_size"]\n'
        '[design.ranges]\n"convoys.aid.trucks_per_day" = [0.0, 1.0]\n',
        "design",
        "not in ranges",
    ),
}


@pytest.mark.parametrize("body, field, allowed", BAD_DESIGNS.values(), ids=BAD_DESIGNS.keys())
def test_bad_design_refused_naming_file_field_and_rule(tmp_path, body, field, allowed):
    """A malformed [design] is refused by load_sweep_config with a ConfigError naming the sweep
    file, the field and what is allowed."""
    config = write_sweep_files(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_sweep_config(config)
    message = str(info.value)
    assert info.value.source == str(config)
    assert str(config) in message
    assert field in message
    assert allowed in message


def test_missing_sweep_config_is_a_config_error(tmp_path):
    """A sweep config that does not exist is a ConfigError naming the path, not a traceback."""
    with pytest.raises(ConfigError, match="file not found"):
        load_sweep_config(tmp_path / "nope.toml")


# --------------------------------------------------------------------------------------------
# Bad parameters: refused before the first run
# --------------------------------------------------------------------------------------------
BAD_PARAMETERS = {
    "typo in a field": ({"convoys.aid.truks_per_day": [1.0]}, "convoys.aid.truks_per_day",
                        "trucks_per_day"),
    "unknown source": ({"convoys.icrc.truks_per_day": [1.0]}, "convoys.icrc.truks_per_day",
                       "unknown field"),
    "start": ({"start": [dt.date(2023, 1, 2)]}, "start", "cannot be swept"),
    "end": ({"end": [dt.date(2023, 1, 20), dt.date(2023, 1, 30)]}, "end", "cannot be swept"),
    "tick_days": ({"tick_days": [1.0, 0.5]}, "tick_days", "cannot be swept"),
    "probability above 1": ({DENIAL: [0.1, 1.5]}, DENIAL, "less than or equal to 1"),
    "cross-field check": (
        {"regimes.checkpoint.confiscation_probability": [0.0, 0.95]},
        "regimes.checkpoint.confiscation_probability",
        "must be <= 1",
    ),
}  # fmt: skip


@pytest.mark.parametrize("grid_, field, allowed", BAD_PARAMETERS.values(),
                         ids=BAD_PARAMETERS.keys())  # fmt: skip
def test_bad_parameters_refused_before_any_run(tmp_path, monkeypatch, grid_, field, allowed):
    """A swept parameter that is unknown, unsweepable, or gives an invalid scenario at any point
    is refused with a ConfigError naming the file, the field and the rule; nothing runs and no
    sweep folder is written."""
    write_sweep_files(tmp_path, "")
    scenario = tmp_path / "tiny_scenario.toml"
    batches = []
    monkeypatch.setattr(sweep_module, "run_batch", lambda batch: batches.append(batch) or [])
    out = tmp_path / "out"
    with pytest.raises(ConfigError) as info:
        ls.sweep(scenario, grid=grid_, replications=2, executor="serial", out=out, progress=False)
    message = str(info.value)
    assert str(scenario) in message
    assert field in message
    assert allowed in message
    assert batches == []
    assert not out.exists()


def test_every_point_is_checked_not_only_the_first(tmp_path, monkeypatch):
    """Only the last grid value is invalid: the sweep is still refused before its first run."""
    batches = []
    monkeypatch.setattr(sweep_module, "run_batch", lambda batch: batches.append(batch) or [])
    with pytest.raises(ConfigError, match=r"1\.5"):
        ls.sweep(write_sweep_files(tmp_path, "").parent / "tiny_scenario.toml",
                 grid={TRUCKS: [0.5, 1.0], DENIAL: [0.0, 0.2, 1.5]}, executor="serial",
                 progress=False)  # fmt: skip
    assert batches == []


BAD_API_DESIGNS = {
    "empty value list": {"grid": {TRUCKS: []}},
    "low above high": {"ranges": {TRUCKS: (2.0, 1.0)}, "samples": 3},
    "lhs without samples": {"ranges": {TRUCKS: (0.0, 1.0)}},
    "design typo": {"ranges": {TRUCKS: (0.0, 1.0)}, "samples": 3, "design": "lhs2"},
}


@pytest.mark.parametrize("kwargs", BAD_API_DESIGNS.values(), ids=BAD_API_DESIGNS.keys())
def test_python_api_refuses_bad_designs_with_config_error(kwargs):
    """A bad design given to ls.sweep() is a ConfigError, as it is from a sweep-config file."""
    from sweep_helpers import sweep_scenario

    with pytest.raises(ConfigError):
        ls.sweep(sweep_scenario(), executor="serial", progress=False, **kwargs)


def test_grid_values_reach_the_runs_unchanged(tmp_path):
    """Each point of a grid sweep runs with exactly its grid values (design table = grid)."""
    scenario = write_sweep_files(tmp_path, "").parent / "tiny_scenario.toml"
    values = {TRUCKS: [0.25, 1.0], DENIAL: [0.0, 0.3, 0.6]}
    result = ls.sweep(scenario, grid=values, executor="serial", progress=False)
    expected = [
        dict(zip(values, combo, strict=True)) for combo in itertools.product(*values.values())
    ]
    assert result.design.drop(columns="point_id").to_dict("records") == expected
    assert result.design["point_id"].tolist() == list(range(6))
