"""Keep docs/config_reference.md honest: it must document the schema the code validates.

The reference has one section per pydantic model, headed ``## ModelName: ...`` (or ``###``),
whose table lists the model's fields as ``| `field` | type | unit | default | allowed | meaning |``.
Fenced ``toml`` blocks are examples: complete ones must validate; partial ones start with a
``# snippet`` line and only need to be valid TOML.
"""

from __future__ import annotations

import inspect
import re
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

import lachin_sim.config.distributions as distributions_module
import lachin_sim.config.health as health_module
import lachin_sim.config.policies as policies_module
import lachin_sim.config.population as population_module
import lachin_sim.config.schema as config_module
import lachin_sim.config.uncertainty as uncertainty_module
from lachin_sim.config import load_scenario
from lachin_sim.config.distributions import DISTRIBUTION_NAMES
from lachin_sim.config.validation import validate_scenario
from lachin_sim.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "config_reference.md"
HEADING = re.compile(r"^(#{2,4})\s+(\w+)\s*(?::|$)")
FIELD_ROW = re.compile(r"^\|\s*`(\w+)`\s*\|")
TOML_BLOCK = re.compile(r"^```toml\n(.*?)^```", re.MULTILINE | re.DOTALL)
COLUMNS = ["field", "type", "unit", "default", "allowed", "meaning"]


def schema_models() -> dict[str, type[BaseModel]]:
    """Every pydantic model with fields defined in the schema, distributions and health modules."""
    models = {}
    modules = (config_module, distributions_module, policies_module, population_module,
               health_module, uncertainty_module)  # fmt: skip
    for module in modules:
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(obj, BaseModel)
                and obj.__module__ == module.__name__
                and obj.model_fields
            ):
                models[name] = obj
    return models


def cells_of(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def reference_sections(text: str, names: set[str]) -> dict[str, list[list[str]]]:
    """Map a model name to the rows (as cell lists) of the field table in the section headed
    by that name. The field table is the one whose header is exactly COLUMNS; other tables in
    the section (e.g. the schedules of ConvoySource) are not field tables and are ignored.
    A section runs from its heading to the next heading of any level.
    """
    sections: dict[str, list[list[str]]] = {}
    current, in_fields = None, False
    for line in text.splitlines():
        if line.startswith("#"):
            heading = HEADING.match(line)
            current = heading.group(2) if heading and heading.group(2) in names else None
            in_fields = False
            if current is not None:
                sections.setdefault(current, [])
            continue
        if current is None:
            continue
        if not line.startswith("|"):
            in_fields = False
        elif cells_of(line) == COLUMNS:
            in_fields = True
        elif in_fields and FIELD_ROW.match(line):
            sections[current].append(cells_of(line))
    return sections


@pytest.fixture(scope="module")
def reference_text() -> str:
    return REFERENCE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sections(reference_text: str) -> dict[str, list[list[str]]]:
    return reference_sections(reference_text, set(schema_models()))


def test_schema_has_models():
    """The introspection finds the schema (guards against this test silently checking nothing)."""
    models = schema_models()
    for name in (
        "Scenario",
        "Commodity",
        "Regime",
        "ConvoySource",
        "Fixed",
        "Lognormal",
        "HealthConfig",
        "GroupPhysiology",
        "ChoiceInput",
    ):
        assert name in models


@pytest.mark.parametrize("model_name", sorted(schema_models()))
def test_every_field_is_documented(model_name: str, sections: dict[str, list[list[str]]]):
    """Each model has a section whose field table lists exactly the model's fields:
    a field added to the code but not to the reference fails, and so does a stale row."""
    assert model_name in sections, f"no '## {model_name}: ...' section in {REFERENCE.name}"
    documented = [cells[0].strip("`") for cells in sections[model_name]]
    fields = list(schema_models()[model_name].model_fields)
    missing = [f for f in fields if f not in documented]
    stale = [f for f in documented if f not in fields]
    assert not missing, f"{model_name}: fields missing from the reference: {missing}"
    assert not stale, f"{model_name}: documented fields the model does not have: {stale}"


@pytest.mark.parametrize("model_name", sorted(schema_models()))
def test_required_matches_code(model_name: str, sections: dict[str, list[list[str]]]):
    """Every field row has all six columns, and its default column says 'required' exactly
    when the code has no default for the field."""
    fields = schema_models()[model_name].model_fields
    for cells in sections.get(model_name, []):
        name = cells[0].strip("`")
        assert len(cells) == len(COLUMNS), f"{model_name}.{name}: expected columns {COLUMNS}"
        if name not in fields:
            continue  # reported by test_every_field_is_documented
        says_required = cells[COLUMNS.index("default")] == "required"
        assert says_required == fields[name].is_required(), (
            f"{model_name}.{name}: reference says required={says_required}, "
            f"code says required={fields[name].is_required()}"
        )


def test_distribution_names_documented(reference_text: str):
    """Every distribution kind a config may name appears in the reference as a `dist` value."""
    for name in DISTRIBUTION_NAMES:
        assert f'`"{name}"`' in reference_text, f'dist = "{name}" is not documented'


def toml_blocks(text: str) -> list[str]:
    return TOML_BLOCK.findall(text)


def test_toml_blocks_parse(reference_text: str):
    """Every fenced toml block, snippet or not, is valid TOML."""
    blocks = toml_blocks(reference_text)
    assert blocks, "no ```toml blocks found"
    for block in blocks:
        tomllib.loads(block)


def test_complete_examples_validate(reference_text: str):
    """Every toml block not marked '# snippet' is a complete scenario that validates;
    there must be at least one."""
    complete = [b for b in toml_blocks(reference_text) if not b.lstrip().startswith("# snippet")]
    assert complete, "the reference needs at least one complete example config"
    for block in complete:
        raw = tomllib.loads(block)
        try:
            validate_scenario(raw, source="docs/config_reference.md example")
        except ConfigError as exc:  # pragma: no cover - the message is the useful part
            pytest.fail(str(exc))


def test_pasted_error_is_current(reference_text: str, monkeypatch: pytest.MonkeyPatch):
    """The validation error pasted in the reference is what the code prints today
    (the command is run from the repository root, as in the docs)."""
    monkeypatch.chdir(ROOT)
    with pytest.raises(ConfigError) as info:
        load_scenario(
            "configs/blockade_2023.toml",
            overrides=["regimes.checkpoint.denial_probability=1.5"],
        )
    assert f"error: {info.value}" in reference_text
