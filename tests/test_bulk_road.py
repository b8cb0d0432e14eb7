"""The corridors computed in bulk (:mod:`lachin_sim.model.road`) give the same run as the same
vehicles as SimPy processes (:mod:`lachin_sim.model.trips`): same rules, same random numbers."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from scenario_strategies import scenario_dicts
from test_reproducibility import assert_same_result

import lachin_sim as ls
from lachin_sim.config.validation import validate_scenario
from lachin_sim.model import convoys, road


def both_ways(monkeypatch, scenario, seed=None):
    """(the run with bulk corridors, the run with every vehicle a process, corridors in bulk)."""
    computed: list[str] = []
    real = road.run_corridor

    def counting(gate, *args, **kwargs):
        computed.append(gate)
        return real(gate, *args, **kwargs)

    monkeypatch.setattr(road, "run_corridor", counting)
    bulk = ls.simulate(scenario, seed=seed)
    monkeypatch.setattr(convoys, "BULK", False)
    processes = ls.simulate(scenario, seed=seed)
    monkeypatch.setattr(convoys, "BULK", True)
    return bulk, processes, len(computed)


@pytest.mark.parametrize("name", ["baseline_open", "checkpoint_only", "blockade_2023"])
def test_shipped_scenarios_in_bulk_equal_processes(monkeypatch, configs_dir, name):
    scenario = ls.load_scenario(configs_dir / f"{name}.toml")
    bulk, processes, _ = both_ways(monkeypatch, scenario, seed=4)
    assert_same_result(bulk, processes)
    assert len(bulk.convoys) > 0


def test_w2_is_computed_in_bulk_and_equals_processes(monkeypatch, configs_dir):
    scenario = ls.load_scenario(configs_dir.parent / "benchmarks" / "w2.toml")
    bulk, processes, computed = both_ways(monkeypatch, scenario, seed=7)
    assert computed >= 1  # the open road with inspection lanes is computed in bulk
    assert_same_result(bulk, processes)


@pytest.mark.parametrize("lanes", [1, 3])
def test_a_queue_of_one_or_more_lanes_in_bulk_equals_processes(monkeypatch, configs_dir, lanes):
    """The bulk FIFO queue computes the same float times as the processes (a closed form for one
    lane, Lindley's running maximum over cumulative sums, differed in the last bits)."""
    from lachin_sim.config.files import read_config

    raw = read_config(configs_dir.parent / "benchmarks" / "w2.toml")
    for regime in raw["regimes"].values():
        if regime.get("inspection_lanes"):
            regime["inspection_lanes"] = lanes
    bulk, processes, computed = both_ways(monkeypatch, validate_scenario(raw), seed=2)
    assert computed >= 1
    assert (bulk.convoys["queue_h"] > 0).any()
    assert_same_result(bulk, processes)


@pytest.mark.parametrize("eligible", [False, True])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=scenario_dicts())
def test_random_scenarios_in_bulk_equal_processes(raw, eligible):
    """Any valid scenario (closures, holds, denials, events, outbound vehicles, ...); with
    ``eligible`` without daily capacities and returns, so that its corridors are computed in
    bulk (most random scenarios have one or the other)."""
    if eligible:
        for regime in raw.get("regimes", {}).values():
            regime.pop("capacity_trucks_per_day", None)
        for corridor in raw.get("corridors", {}).values():
            corridor.pop("capacity", None)
        for src in raw.get("convoys", {}).values():
            src.pop("returns", None)
            src.pop("turnaround_h", None)
            src.pop("return_passengers", None)
    scenario = validate_scenario(raw)
    with pytest.MonkeyPatch.context() as mp:
        bulk, processes, _ = both_ways(mp, scenario)
    assert_same_result(bulk, processes)


@pytest.mark.parametrize("at_start", [True, False])
def test_an_event_in_force_at_a_departure_withholds_it_in_both_ways(monkeypatch, at_start):
    """A corridor event that holds trucks from the very instant a truck would leave withholds
    it, also at the scenario's first instant (it applied after the departures at t = 0 before;
    found by the random test above)."""
    import datetime as dt

    day = dt.date(2022, 1, 1 if at_start else 2)
    raw = {
        "name": "event_at_departure", "start": dt.date(2022, 1, 1), "end": dt.date(2022, 1, 5),
        "seed": 0, "operators": ["commercial"], "population": {"initial": 1},
        "commodities": {"food": {"unit": "t", "need_per_person_day": 0.0}},
        "regimes": {"open": {"allowed_operators": ["commercial"], "inspection_lanes": 0}},
        "corridors": {"road": {
            "travel_to_checkpoint_h": 0.0, "travel_from_checkpoint_h": 0.0,
            "timeline": [{"start": dt.date(2022, 1, 1), "regime": "open"}],
            "events": [{"start": dt.datetime.combine(day, dt.time()),
                        "end": dt.datetime.combine(day + dt.timedelta(days=1), dt.time()),
                        "blocked_trucks": "hold"}],
        }},
        "convoys": {"s0": {"operator": "commercial", "corridor": "road", "schedule": "dated",
                           "payload_t": 1.0, "cargo": {"food": 1.0},
                           "departures": [{"date": day, "trucks": 1}]}},
    }  # fmt: skip
    bulk, processes, _ = both_ways(monkeypatch, validate_scenario(raw))
    assert_same_result(bulk, processes)
    for result in (bulk, processes):
        assert result.summary["trucks_withheld:commercial"] == 1
        assert result.stocks["delivered"].sum() == 0
