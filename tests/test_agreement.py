"""The model agrees statistically with the recorded version (``tests/agreement.py``): every
shipped scenario's headline metrics over 20 seeds, mean against mean within sampling error."""

from __future__ import annotations

import copy

import pytest
from agreement import BASELINE, ROOT, compare, differences, run_scenario, z_bound

import lachin_sim as ls
from lachin_sim.config.files import read_config
from lachin_sim.config.validation import validate_scenario


def stats(mean: float, sd: float, n: int = 20, nan: int = 0) -> dict:
    return {"mean": mean, "sd": sd, "n": n, "nan": nan}


def test_welch_bound_passes_sampling_noise_and_catches_a_shift():
    """Two means one standard error apart agree; ten standard errors apart they do not."""
    bound = z_bound(300)
    assert 4 < bound < 5.5
    se = (2 * 1.0**2 / 20) ** 0.5
    assert differences({"m": stats(10.0, 1.0)}, {"m": stats(10.0 + se, 1.0)}, bound) == []
    assert differences({"m": stats(10.0, 1.0)}, {"m": stats(10.0 + 10 * se, 1.0)}, bound)


def test_no_spread_means_exact_equality():
    """A metric no seed moves must keep its value (to float rounding)."""
    then = {"m": stats(3.0, 0.0)}
    assert differences(then, {"m": stats(3.0 + 1e-12, 0.0)}, 5.0) == []
    assert differences(then, {"m": stats(3.001, 0.0)}, 5.0)


def test_a_metric_that_appears_or_vanishes_is_a_difference():
    assert differences({"a": stats(1.0, 0.1)}, {"b": stats(1.0, 0.1)}, 5.0) != []
    assert differences({"a": stats(1.0, 0.0)}, {"a": stats(None, 0.0, n=0, nan=20)}, 5.0) != []


def test_baseline_records_its_commit_and_every_shipped_scenario():
    import json

    data = json.loads(BASELINE.read_text())
    assert len(data["made_from_commit"]) == 40
    assert len(data["seeds"]) == 20
    shipped = {str(p.relative_to(ROOT)) for p in (ROOT / "configs").glob("*.toml")}
    assert shipped <= set(data["scenarios"])
    for metrics in data["scenarios"].values():
        assert any(name.startswith("share_met:") for name in metrics)


@pytest.mark.slow
def test_every_shipped_scenario_agrees_with_the_recorded_version():
    problems = {k: v for k, v in compare().items() if v}
    assert not problems, problems


@pytest.mark.slow
def test_agreement_catches_a_changed_input():
    """W2 with 5 % less payload per truck (19 t, not 20 t) no longer agrees: the check can fail."""
    import json

    recorded = json.loads(BASELINE.read_text())["scenarios"]["benchmarks/w2.toml"]
    raw = copy.deepcopy(read_config(ROOT / "benchmarks" / "w2.toml"))
    raw["convoys"]["trucks"]["payload_t"] = 19.0
    changed = validate_scenario(raw, "w2 (payload 19 t)")
    problems = differences(recorded, run_scenario(changed), z_bound(len(recorded)))
    assert any(p.startswith("delivered_t:") for p in problems), problems
    same = differences(recorded, run_scenario(ls.load_scenario(ROOT / "benchmarks" / "w2.toml")),
                       z_bound(len(recorded)))  # fmt: skip
    assert same == []
