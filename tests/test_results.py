"""Saved results: a folder round-trips to equal tables, carries provenance, and is written
atomically (a failed save leaves the target as it was)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

import lachin_sim as ls
from lachin_sim.outputs.results import TABLES


@pytest.fixture(scope="module")
def blockade_result(configs_dir):
    return ls.simulate(ls.load_scenario(configs_dir / "blockade_2023.toml"), seed=2)


def assert_same_values(saved, loaded) -> None:
    """Equal tables; dtypes may differ only where CSV cannot keep them (e.g. datetime unit,
    the dtype of an empty column), so values are compared, not dtypes."""
    for name in TABLES:
        a, b = getattr(saved, name), getattr(loaded, name)
        assert list(a.columns) == list(b.columns), name
        pd.testing.assert_frame_equal(
            a, b, check_dtype=False, check_exact=False, rtol=1e-12, obj=name
        )
    pd.testing.assert_series_equal(
        saved.summary, loaded.summary, check_names=False, check_exact=False, rtol=1e-12
    )
    assert list(loaded.summary.index) == list(saved.summary.index)


def test_saved_result_loads_back_equal(blockade_result, tmp_path):
    """save then load_result gives the same tables, summary, scenario and seed."""
    blockade_result.save(tmp_path / "r")
    loaded = ls.load_result(tmp_path / "r")
    assert_same_values(blockade_result, loaded)
    assert loaded.scenario == blockade_result.scenario
    assert loaded.seed == blockade_result.seed
    for col in ("date",):
        assert pd.api.types.is_datetime64_any_dtype(loaded.stocks[col])
    assert pd.api.types.is_datetime64_any_dtype(loaded.convoys["departed"])


def test_round_trip_with_empty_and_all_missing_columns(make_scenario, tmp_path):
    """A run with no energy sources, no shortages and no inspections still round-trips."""
    s = make_scenario(
        commodities={"food": {"unit": "t", "initial_stock": 1e3, "need_per_person_day": 0.001}},
        convoys={
            "aid": {
                "operator": "humanitarian",
                "corridor": "road",
                "payload_t": 1.0,
                "trucks_per_day": 2.0,
                "cargo": {"food": 1.0},
            }
        },
    )
    result = ls.simulate(s)
    assert result.energy.empty and result.shortages.empty
    assert result.convoys["inspection_start"].isna().all()
    result.save(tmp_path / "r")
    assert_same_values(result, ls.load_result(tmp_path / "r"))


def test_metadata_records_version_seed_and_config_hash(blockade_result, tmp_path):
    """metadata.json holds the package version, the seed and the SHA-256 of the resolved config."""
    blockade_result.save(tmp_path / "r")
    metadata = json.loads((tmp_path / "r" / "metadata.json").read_text())
    assert metadata["version"] == ls.__version__
    assert metadata["seed"] == blockade_result.seed
    assert metadata["config_sha256"] == blockade_result.scenario.digest()
    loaded = ls.load_result(tmp_path / "r")
    assert loaded.scenario.digest() == metadata["config_sha256"]  # config.json is that config
    assert len(metadata["config_sha256"]) == 64


def test_config_hash_changes_with_the_config(blockade_result):
    """The config hash identifies the config: any changed field changes it."""
    changed = blockade_result.scenario.model_copy(update={"end": dt.date(2023, 9, 30)})
    assert changed.digest() != blockade_result.scenario.digest()


def test_saving_over_an_existing_folder_replaces_it(blockade_result, make_scenario, tmp_path):
    """A second save to the same folder replaces the first entirely: files the first save
    wrote and the second does not (here its plots) do not remain."""
    target = tmp_path / "r"
    blockade_result.save(target, plots=True)
    assert (target / "depletion.png").exists()
    other = ls.simulate(make_scenario())
    other.save(target)
    assert not (target / "depletion.png").exists()
    assert_same_values(other, ls.load_result(target))
    assert [p.name for p in tmp_path.iterdir()] == ["r"]  # no temporary folders left behind


def snapshot(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_failed_save_leaves_the_existing_folder_untouched(
    blockade_result, make_scenario, tmp_path, monkeypatch
):
    """If writing fails midway (here: plotting raises), the old result folder is left as it was."""
    import lachin_sim.outputs.plots

    target = tmp_path / "r"
    blockade_result.save(target)
    before = snapshot(target)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(lachin_sim.outputs.plots, "save_standard_plots", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        ls.simulate(make_scenario()).save(target, plots=True)
    assert snapshot(target) == before
    assert [p.name for p in tmp_path.iterdir()] == ["r"]


def test_failed_save_creates_no_folder(make_scenario, tmp_path, monkeypatch):
    """If writing fails midway through the tables, no target folder appears at all."""
    calls = []
    original = pd.DataFrame.to_csv

    def fail_on_third_table(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("write error")
        return original(self, *args, **kwargs)

    result = ls.simulate(make_scenario())
    monkeypatch.setattr(pd.DataFrame, "to_csv", fail_on_third_table)
    with pytest.raises(OSError, match="write error"):
        result.save(tmp_path / "r")
    assert list(tmp_path.iterdir()) == []


def test_load_refuses_a_folder_without_metadata(tmp_path):
    """load_result on a folder that is not a result raises FileNotFoundError naming it."""
    with pytest.raises(FileNotFoundError, match=r"metadata\.json"):
        ls.load_result(tmp_path)
