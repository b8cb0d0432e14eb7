"""Numbers in configs are finite and are not booleans: everywhere a number can enter.

The first tests walk every numeric field of every config schema (scenario, distributions,
sweep config, scenario set) and check that inf, -inf, nan and ``true`` are refused, so a field
added later without the shared types of ``lachin_sim.config.types`` fails here. The others
check the entrances: a config file, ``--set``, sweep designs, scenario sets, calibration and
search bounds.
"""

from __future__ import annotations

import math
import types
import typing
from typing import Annotated

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError
from sweep_helpers import sweep_scenario, write_sweep_files

import lachin_sim as ls
from lachin_sim.config.schema import Scenario
from lachin_sim.errors import ConfigError
from lachin_sim.studies.designs import SweepConfig
from lachin_sim.studies.scenarios import ScenarioSet

BAD_NUMBERS = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan, "true": True}


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    """``root`` and every model reachable from its fields (distributions included)."""
    seen: list[type[BaseModel]] = []
    todo = [root]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.append(model)
        for field in model.model_fields.values():
            todo.extend(t for t in _leaves(field.annotation) if isinstance(t, type)
                        and issubclass(t, BaseModel))  # fmt: skip
    return seen


def _leaves(tp: object) -> list[object]:
    """The types at the leaves of an annotation (through Annotated, unions, lists, dicts)."""
    origin = typing.get_origin(tp)
    if origin is None:
        return [tp]
    args = typing.get_args(tp)
    if origin is Annotated:
        return _leaves(args[0])
    return [leaf for arg in args for leaf in _leaves(arg)]


def _is_numeric(tp: object) -> bool:
    return any(leaf in (int, float) for leaf in _leaves(tp))


def _holding(tp: object, bad: object) -> object:
    """A value of type ``tp`` whose numbers are all ``bad``: [bad] for a list, {"k": bad} for a
    table, (bad, bad) for a pair, bad itself for a number."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is Annotated:
        return _holding(args[0], bad)
    if origin in (typing.Union, types.UnionType):
        numeric = [a for a in args if _is_numeric(a)]
        return _holding(numeric[0], bad)
    if origin is list:
        return [_holding(args[0], bad)]
    if origin is dict:
        return {"k": _holding(args[1], bad)}
    if origin is tuple:
        return tuple(_holding(a, bad) for a in args)
    return bad


def numeric_fields() -> list[tuple[str, object]]:
    """(Model.field, annotated type) of every field holding numbers, in every config schema."""
    out = []
    for root in (Scenario, SweepConfig, ScenarioSet):
        for model in _models(root):
            for name, field in model.model_fields.items():
                if _is_numeric(field.annotation) and not any(
                    isinstance(t, type) and issubclass(t, BaseModel)
                    for t in _leaves(field.annotation)
                ):
                    tp = (
                        Annotated[(field.annotation, *field.metadata)]
                        if field.metadata
                        else field.annotation
                    )
                    out.append((f"{model.__name__}.{name}", tp))
    return sorted(dict(out).items())


@pytest.mark.parametrize("model", [m for r in (Scenario, SweepConfig, ScenarioSet) for m in _models(r)],
                         ids=lambda m: m.__name__)  # fmt: skip
def test_every_config_table_uses_the_shared_model_config(model):
    """Every table forbids unknown fields and non-finite floats (``config.types.MODEL_CONFIG``)."""
    assert model.model_config.get("extra") == "forbid"
    assert model.model_config.get("allow_inf_nan") is False


def test_the_walk_finds_the_numeric_fields():
    """The walk below reaches the fields it should (so it cannot pass by checking nothing)."""
    names = {name for name, _ in numeric_fields()}
    for expected in ("Commodity.initial_stock", "ConvoySource.trucks_per_day", "Exponential.mean",
                     "Commodity.monthly_need_factors", "ConvoySource.cargo", "Design.ranges",
                     "SweepConfig.replications", "ScenarioSet.seed", "Lognormal.sigma",
                     "RandomClosures.rate_per_day", "Population.initial"):  # fmt: skip
        assert expected in names
    assert len(names) > 50


@pytest.mark.parametrize("bad", BAD_NUMBERS.values(), ids=BAD_NUMBERS.keys())
@pytest.mark.parametrize(("field", "tp"), numeric_fields(), ids=[n for n, _ in numeric_fields()])
def test_every_numeric_field_refuses_non_finite_numbers_and_booleans(field, tp, bad):
    """inf, -inf, nan and true are refused by every numeric field, wherever it sits."""
    with pytest.raises(ValidationError):
        TypeAdapter(tp).validate_python(_holding(tp, bad))


# --------------------------------------------------------------------------------------------
# The entrances
# --------------------------------------------------------------------------------------------
BAD_LINES = {
    "trucks_per_day = inf": ("[convoys.aid]\ntrucks_per_day = inf\n", "convoys.aid.trucks_per_day"),
    "inspection mean = inf": (
        '[regimes.open]\ninspection_lanes = 1\ninspection_time_h = { dist = "exponential", mean = inf }\n',
        "regimes.open.inspection_time_h.mean",
    ),
    "initial_stock = inf": ("[commodities.food]\ninitial_stock = inf\n", "commodities.food.initial_stock"),
    "initial_stock = nan": ("[commodities.food]\ninitial_stock = nan\n", "commodities.food.initial_stock"),
    "initial_stock = true": ("[commodities.food]\ninitial_stock = true\n", "commodities.food.initial_stock"),
    "population = true": ("[population]\ninitial = true\n", "population.initial"),
    "closures at rate inf": (
        '[corridors.road.random_closures]\nrate_per_day = inf\nduration_days = 0\n',
        "corridors.road.random_closures.rate_per_day",
    ),
    "monthly factor nan": (
        "[commodities.fuel]\nmonthly_need_factors = [1, 1, 1, 1, 1, nan, 1, 1, 1, 1, 1, 1]\n",
        "commodities.fuel.monthly_need_factors.5",
    ),
}  # fmt: skip


@pytest.mark.parametrize(("body", "field"), BAD_LINES.values(), ids=BAD_LINES.keys())
def test_bad_numbers_in_a_config_file_are_refused(run_cli, tmp_path, body, field):
    """Each bad number in a file is refused by `validate` and by `run` (exit 2, the file and
    the field named, nothing written)."""
    write_sweep_files(tmp_path, "[design]\nkind = 'replications'\n")
    config = tmp_path / "bad.toml"
    config.write_text('extends = "tiny_scenario.toml"\n' + body)
    for command in (("validate", config), ("run", config, "--out", tmp_path / "out")):
        done = run_cli(*command)
        assert done.code == 2, done.err
        assert str(config) in done.err and field in done.err and "Traceback" not in done.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "true"])
def test_bad_numbers_given_with_set_are_refused(run_cli, tmp_path, value):
    """`--set convoys.aid.trucks_per_day=inf` (nan, true) is refused like a bad line in the file."""
    config = (
        write_sweep_files(tmp_path, "[design]\nkind = 'replications'\n").parent
        / "tiny_scenario.toml"
    )
    done = run_cli(
        "run", config, "--out", tmp_path / "out", "--set", f"convoys.aid.trucks_per_day={value}"
    )
    assert done.code == 2 and "convoys.aid.trucks_per_day" in done.err, done.err
    assert not (tmp_path / "out").exists()


def test_an_lhs_range_to_inf_is_refused_before_running(run_cli, tmp_path):
    """An LHS range [0, inf] is refused (file and field named) before any run."""
    config = write_sweep_files(tmp_path, """\
        replications = 2
        [design]
        kind = "lhs"
        samples = 4
        [design.ranges]
        "convoys.aid.trucks_per_day" = [0, inf]
        """)  # fmt: skip
    done = run_cli("sweep", config, "--out", tmp_path / "out", "--executor", "serial")
    assert done.code == 2 and str(config) in done.err and "design.ranges" in done.err, done.err
    assert not (tmp_path / "out").exists()
    with pytest.raises(ConfigError, match="finite"):
        ls.sweep(sweep_scenario(), ranges={"convoys.aid.trucks_per_day": (0.0, math.inf)},
                 samples=4, executor="serial", progress=False)  # fmt: skip


@pytest.mark.parametrize("bad", [math.inf, math.nan, True])
def test_grid_values_are_refused_like_config_values(bad):
    """A grid value that is not a finite number is refused before any run."""
    with pytest.raises(ConfigError, match=r"convoys\.aid\.trucks_per_day"):
        ls.sweep(sweep_scenario(), grid={"convoys.aid.trucks_per_day": [1.0, bad]},
                 executor="serial", progress=False)  # fmt: skip


@pytest.mark.parametrize("body", ["replications = true", "seed = true", "replications = 2.5"])
def test_scenario_set_counts_must_be_whole_numbers(tmp_path, body):
    """A scenarios file's replications and seed refuse booleans and fractions."""
    write_sweep_files(tmp_path, "[design]\nkind = 'replications'\n")
    path = tmp_path / "set.toml"
    path.write_text(f'base = "tiny_scenario.toml"\n{body}\n[scenarios.a]\n')
    with pytest.raises(ConfigError, match=body.split()[0]):
        ls.compare(path, executor="serial", progress=False)


def test_a_named_scenario_with_a_bad_number_is_named(tmp_path):
    """A bad number in one named scenario's overrides names that scenario."""
    write_sweep_files(tmp_path, "[design]\nkind = 'replications'\n")
    path = tmp_path / "set.toml"
    path.write_text('base = "tiny_scenario.toml"\n[scenarios.fine]\n[scenarios.broken]\n'
                    'overrides = { "convoys.aid.trucks_per_day" = inf }\n')  # fmt: skip
    with pytest.raises(ConfigError, match=r"scenarios\.broken") as info:
        ls.compare(path, executor="serial", progress=False)
    assert "convoys.aid.trucks_per_day" in str(info.value)


@pytest.mark.parametrize("bounds", [(0.0, math.inf), (math.nan, 1.0), (2.0, 1.0), (True, 2.0)])
def test_calibration_bounds_must_be_finite_and_ordered(bounds):
    """Calibration bounds that are not finite numbers with low < high are refused at once."""
    from lachin_sim.studies.calibration import calibrate, cumulative_delivered

    with pytest.raises(ConfigError, match=r"convoys\.aid\.trucks_per_day"):
        calibrate(sweep_scenario(), {"convoys.aid.trucks_per_day": bounds}, {"2023-01-20": 5.0},
                  cumulative_delivered(), cutoff="2023-01-20", replications=1)  # fmt: skip


@pytest.mark.parametrize("changes", [{"high": math.inf}, {"low": math.nan}, {"step": 0.0},
                                     {"step": math.inf}, {"low": 5.0, "high": 1.0},
                                     {"probability": 1.5}, {"replications": 0}])  # fmt: skip
def test_search_arguments_must_be_finite_and_sensible(changes):
    """The capacity search refuses non-finite bounds and steps before running anything."""
    options = {
        "low": 0.0,
        "high": 4.0,
        "step": 1.0,
        "probability": 0.9,
        "replications": 2,
    } | changes
    with pytest.raises(ConfigError):
        ls.minimum_parameter(sweep_scenario(), "convoys.aid.trucks_per_day", "share_met:food",
                             target=0.9, executor="serial", **options)  # fmt: skip
