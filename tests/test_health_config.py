"""The [health] table of a scenario: optional, strict, inherited per group, checked across
fields (config/health.py; called from validation.cross_checks with the scenario's groups)."""

from __future__ import annotations

import json

import pytest

from lachin_sim.config.health import HealthConfig, health_problems, starting_bmis
from lachin_sim.config.validation import validate_scenario
from lachin_sim.errors import ConfigError

HEALTH = {"bands": 20, "groups": {"all": {"male_share": 0.48}}}
# the health model needs food with an energy density: the tiny scenario's food gets one
FOOD = {"food": {"unit": "t", "initial_stock": 10.0, "need_per_person_day": 0.001,
                 "kcal_per_unit": 3_500_000.0},
        "fuel": {"unit": "t", "initial_stock": 2.0, "need_per_person_day": 0.0002}}  # fmt: skip


def test_health_is_optional(make_scenario):
    """A scenario without [health] validates and has no health config; with it, it has one."""
    assert make_scenario().health is None
    s = make_scenario(health=HEALTH, commodities=FOOD)
    assert s.health is not None and s.health.bands == 20
    assert s.health.physiology("all").male_share == 0.48


def refusal(make_raw, health: dict) -> str:
    with pytest.raises(ConfigError) as info:
        validate_scenario(make_raw(health=health, commodities=FOOD), source="tiny.toml")
    return str(info.value)


def test_unknown_fields_are_refused_with_the_allowed_ones(make_raw):
    """A misspelt field anywhere in [health] names the dotted path and the allowed fields."""
    msg = refusal(make_raw, {"acess": {"strategy": "equal"}})
    assert "health.acess" in msg and "unknown field" in msg and "access" in msg
    msg = refusal(make_raw, {"groups": {"all": {"male": {"heigth_m": 1.7}}}})
    assert "health.groups.all.male.heigth_m" in msg and "height_m" in msg
    msg = refusal(make_raw, {"access": {"strategy": "gini"}})
    assert "health.access.strategy" in msg and "'equal', 'linear' or 'lognormal'" in msg


def test_unknown_groups_are_refused(make_raw):
    """Physiology for a group the scenario does not have is an error naming the groups."""
    msg = refusal(make_raw, {"groups": {"children": {"child": True}}})
    assert "health.groups.children = 'children': unknown population group; defined: all" in msg


def test_band_counts_and_order_are_checked(make_raw):
    """bmi_bands needs one value per band, in order; no band may start at its lethal BMI;
    the linear floor must be below the ceiling."""
    msg = refusal(make_raw, {"bands": 3, "default": {"male": {"bmi_bands": [20.0, 22.0]}}})
    assert "health.default.male.bmi_bands" in msg and "one starting BMI per band" in msg
    msg = refusal(make_raw, {"bands": 3, "default": {"female": {"bmi_bands": [22.0, 20.0, 25.0]}}})
    assert "must not decrease" in msg
    msg = refusal(make_raw, {"default": {"male": {"bmi_mean": 20.0, "bmi_sd": 3.0}}})
    assert "health.default.male.bmi_sd" in msg and "lethal_bmi (13)" in msg
    msg = refusal(make_raw, {"access": {"floor_share": 0.8, "ceiling_share": 0.7}})
    assert "health.access.floor_share = 0.8: must be below ceiling_share (0.7)" in msg


def test_groups_inherit_default_field_by_field():
    """A group table states what differs from [health.default]; a sex table what differs from
    that sex's defaults. The resolved config survives a JSON round trip unchanged."""
    cfg = HealthConfig.model_validate({
        "default": {"age_years": 35, "male": {"bmi_sd": 3.0}},
        "groups": {"children": {"child": True, "female": {"height_m": 1.60}}},
    })  # fmt: skip
    kids = cfg.physiology("children")
    assert kids.child and kids.age_years == 35 and kids.male.bmi_sd == 3.0
    assert kids.female.height_m == 1.60 and kids.female.lethal_bmi == 11.0
    assert kids.male.height_m == 1.75 and kids.male.lethal_bmi == 13.0
    assert cfg.physiology("anyone") == cfg.default
    again = HealthConfig.model_validate(json.loads(cfg.model_dump_json()))
    assert again == cfg


def test_an_inherited_problem_is_reported_once():
    """A bad default is reported at health.default, not again for every group inheriting it."""
    cfg = HealthConfig.model_validate({"default": {"male": {"bmi_mean": 19.0}},
                                       "groups": {"all": {"child": True}}})  # fmt: skip
    problems = health_problems(cfg, ["all"])
    assert [p.path for p in problems] == ["health.default.male.bmi_sd"]
    assert health_problems(None, ["all"]) == []


def test_the_name_all_is_reserved_for_the_total():
    """With several population groups none may be called 'all' (the total row's name)."""
    problems = health_problems(HealthConfig(), ["all", "children"])
    assert len(problems) == 1 and "only when it is the only group" in problems[0].message


def test_starting_bmis_are_normal_quantiles_or_the_list():
    """Band midpoint quantiles of the normal (mean and SD), lowest first; a list replaces them."""
    cfg = HealthConfig()
    bmis = starting_bmis(cfg.default.male, 100)
    assert bmis == sorted(bmis) and abs(sum(bmis) / 100 - 24.5) < 1e-9
    assert sum(b < 18.5 for b in bmis) == 4  # about 4 % underweight, as row F5
    sex = cfg.default.female.model_copy(update={"bmi_bands": [18.0, 20.0]})
    assert starting_bmis(sex, 2) == [18.0, 20.0]


def test_cli_refuses_a_bad_health_table(run_cli, tmp_path, configs_dir):
    """lachin-sim validate: exit 2 and one clear message for a bad [health] field."""
    path = tmp_path / "bad_health.toml"
    path.write_text(f'extends = "{configs_dir / "blockade_2023.toml"}"\n\n'
                    "[health.mortality]\nexcess_exponent = -1.0\n")  # fmt: skip
    result = run_cli("validate", path)
    assert result.code == 2
    assert "health.mortality.excess_exponent = -1.0" in result.err
    assert "Traceback" not in result.err
    good = tmp_path / "good_health.toml"
    good.write_text(f'extends = "{configs_dir / "blockade_2023.toml"}"\n\n[health]\nbands = 20\n')
    assert run_cli("validate", good).code == 0


def test_reference_snippets_validate(make_raw):
    """The [health] snippets of docs/config_reference.md are valid health tables."""
    import re
    import tomllib
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "config_reference.md").read_text()
    blocks = [b for b in re.findall(r"^```toml\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
              if "[health" in b]  # fmt: skip
    assert len(blocks) >= 3
    for block in blocks:
        raw = tomllib.loads(block)
        if "health" in raw and "name" not in raw:
            validate_scenario(
                make_raw(health=raw["health"], commodities=FOOD), source="config_reference.md"
            )


def test_without_health_the_resolved_config_is_unchanged(make_scenario):
    """A scenario without [health] resolves to a dict without a health key, so its digest
    (config_sha256 of saved results) is what it was before the table existed."""
    assert "health" not in make_scenario().to_dict()
    with_health = make_scenario(health=HEALTH, commodities=FOOD)
    assert with_health.to_dict()["health"]["bands"] == 20
    assert with_health.digest() != make_scenario().digest()
