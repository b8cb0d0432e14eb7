"""What issue 13 changed without changing results: runs without the per-truck log, inspection
lanes as a plain FIFO, and a package that imports its heavy dependencies only when used."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import simpy

import lachin_sim as ls
from lachin_sim.config.uncertainty import TriangularInput
from lachin_sim.model.lanes import Lanes

HEAVY = ("pandas", "pydantic", "simpy", "scipy", "matplotlib")


def _loaded_after(code: str) -> set[str]:
    """Top-level packages of HEAVY loaded in a fresh interpreter after running ``code``."""
    probe = f"import sys\n{code}\nprint(sorted({{m.split('.')[0] for m in sys.modules}}))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(eval(out.stdout.strip().splitlines()[-1])) & set(HEAVY)


def test_importing_the_package_and_the_cli_loads_no_heavy_dependency():
    """``lachin-sim --help`` needs none of pandas, pydantic, simpy, scipy, matplotlib."""
    assert _loaded_after("import lachin_sim, lachin_sim.cli") == set()
    assert _loaded_after("import lachin_sim.cli as c; c._parser()") == set()


def test_validating_a_config_needs_no_scipy_or_pandas():
    loaded = _loaded_after(
        "from lachin_sim.cli import main; main(['validate', 'configs/blockade_2023.toml'])"
    )
    assert "scipy" not in loaded and "pandas" not in loaded and "pydantic" in loaded


def test_public_names_resolve_lazily():
    assert ls.simulate is __import__("lachin_sim.model.simulation").model.simulation.simulate
    assert {"simulate", "sweep", "load_scenario", "plot"} <= set(dir(ls))
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        _ = ls.nonsense


def test_triangular_quantile_is_scipys():
    """The written-out triangular quantile gives scipy's values exactly."""
    from scipy import stats

    u = np.concatenate([np.random.default_rng(1).random(2000), [0.0, 0.5, 1.0]])
    for low, mode, high in [(0, 0.3, 1), (15, 30, 45), (0, 0, 1), (0, 1, 1), (-3, -1, 5)]:
        spec = TriangularInput(dist="triangular", low=low, mode=mode, high=high, note="test")
        span = high - low
        expected = stats.triang(c=(mode - low) / span, loc=low, scale=span).ppf(u)
        assert np.array_equal(spec.quantile(u), expected)


def test_lanes_serve_first_come_first_served():
    """Two lanes, five vehicles at once with 1-day services: they start at 0, 0, 1, 1, 2."""
    env = simpy.Environment()
    lanes, starts = Lanes(env, 2), {}

    def vehicle(i):
        handed = lanes.acquire()
        if handed is not None:
            yield handed
        starts[i] = env.now
        yield env.timeout(1.0)
        lanes.release()

    for i in range(5):
        env.process(vehicle(i))
    env.run()
    assert starts == {0: 0.0, 1: 0.0, 2: 1.0, 3: 1.0, 4: 2.0}
    assert lanes.free == 2 and not lanes.waiting


@pytest.mark.parametrize("config", ["configs/blockade_2023.toml", "configs/checkpoint_only.toml"])
def test_a_run_without_the_log_has_the_same_tables_and_summary(config):
    """keep_log=False: the same summary and stock table, an empty convoy table with the same
    columns; the counts agree with the log of a run that kept it."""
    scenario = ls.load_scenario(config)
    kept = ls.simulate(scenario, seed=3)
    lean = ls.simulate(scenario, seed=3, keep_log=False)
    pd.testing.assert_series_equal(kept.summary, lean.summary)
    pd.testing.assert_frame_equal(kept.stocks, lean.stocks)
    assert len(lean.convoys) == 0 and list(lean.convoys.columns) == list(kept.convoys.columns)
    log = kept.convoys
    for op in log["operator"].unique():
        mine = log[log["operator"] == op]
        for outcome in ("delivered", "denied", "confiscated", "pending"):
            count = (mine["outcome"] == outcome).sum()
            assert kept.summary[f"trucks_{outcome}:{op}"] == count
        delivered = mine[mine["outcome"] == "delivered"]
        tonnes = delivered["payload_t"].sum() - delivered["confiscated_t"].sum()
        if f"delivered_t:{op}" in kept.summary and not len(kept.flows):
            assert kept.summary[f"delivered_t:{op}"] == pytest.approx(tonnes, rel=1e-12)


def test_sweeps_keep_no_truck_log(monkeypatch):
    """A sweep's runs do not keep the per-truck log (memory flat in trucks)."""
    import lachin_sim.model.simulation as simulation_module

    real, asked = simulation_module.simulate, []

    def spy(scenario, seed=None, **kwargs):
        asked.append(kwargs.get("keep_log", True))
        return real(scenario, seed=seed, **kwargs)

    monkeypatch.setattr(simulation_module, "simulate", spy)
    ls.sweep(ls.load_scenario("configs/baseline_open.toml"), replications=2, executor="serial",
             progress=False)  # fmt: skip
    assert asked == [False, False]
