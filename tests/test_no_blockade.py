"""The no-blockade counterfactuals send only what would have come without the blockade.

The rule: without a blockade, the only traffic is the ordinary commercial traffic of before the
blockade. Two kinds of convoy source exist only because of the blockade, and neither may send a
truck: (a) every source of a non-commercial operator (ICRC, Russian peacekeepers, the Armenian
government: their convoys answered the blockade), and (b) every dated source (each is a delivery
reported during the blockade, e.g. the Aghdam convoys of September 2023).
"""

from __future__ import annotations

import pytest

import lachin_sim as ls
from lachin_sim.config import load_scenario
from lachin_sim.config.files import read_config
from lachin_sim.studies.scenarios import load_scenario_set


def no_blockade_scenarios(configs_dir) -> dict[str, ls.Scenario]:
    """baseline_open.toml and the no_blockade scenario of the shipped counterfactuals."""
    config, base = load_scenario_set(configs_dir / "scenarios" / "counterfactuals.toml")
    from lachin_sim.config.validation import validate_scenario

    variant = validate_scenario(read_config(base), str(base),
                                overrides=config.scenarios["no_blockade"].overrides)  # fmt: skip
    return {"baseline_open": load_scenario(configs_dir / "baseline_open.toml"),
            "counterfactuals: no_blockade": variant}  # fmt: skip


def blockade_only_sources(scenario: ls.Scenario) -> list[str]:
    """Enabled sources that exist only because of the blockade (the rule above)."""
    return [name for name, src in scenario.convoys.items()
            if src.enabled and (src.operator != "commercial" or src.schedule == "dated")]  # fmt: skip


def test_the_historical_scenario_has_blockade_only_sources(configs_dir):
    """The rule finds something to switch off in the historical scenario (so the test bites)."""
    found = blockade_only_sources(load_scenario(configs_dir / "blockade_2023.toml"))
    assert {"icrc", "aghdam_red_cross", "aghdam_icrc", "food_for_life"} <= set(found)


@pytest.mark.parametrize("name", ["baseline_open", "counterfactuals: no_blockade"])
def test_no_blockade_enables_no_blockade_only_source(configs_dir, name):
    """Every blockade-only source is switched off in the no-blockade scenario."""
    assert blockade_only_sources(no_blockade_scenarios(configs_dir)[name]) == []


def test_no_blockade_run_sends_only_commercial_trucks(configs_dir):
    """Run it: every truck in the convoy log is commercial and from a scheduled source."""
    scenario = load_scenario(configs_dir / "baseline_open.toml")
    convoys = ls.simulate(scenario, seed=1).convoys
    assert len(convoys) > 0
    assert set(convoys["operator"]) == {"commercial"}
    assert {scenario.convoys[s].schedule for s in convoys["source"]} <= {"poisson", "regular"}
