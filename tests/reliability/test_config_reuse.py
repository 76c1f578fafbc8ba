"""One workdir, one configuration (`zoo.experiment.reuse`): a rerun with other settings is
refused before anything is touched; a rerun with the same settings changes nothing."""

import json
import os

import pytest
from hypothesis import given, settings, strategies as st

from quickstart_runner import run_quickstart
from zoo.experiment import reuse

CONFIG = {"preset": "smoke", "data": "celeba:x", "seed": 0, "epochs": {"0": 1, "1": 2},
          "kappas": [4, 8], "command": "python -m r", "strategy": {"name": "default"}}


def recorded(tmp_path, **changes):
    return {**CONFIG, "workdir": str(tmp_path), **changes}


def test_other_settings_are_refused_naming_the_keys_and_nothing_is_touched(tmp_path):
    reuse.record(recorded(tmp_path))
    before = (tmp_path / "config.json").read_text()
    with pytest.raises(ValueError, match=r"holds a run with other settings \(data: \"celeba:x\" "
                                         r"-> \"idx:y\"; epochs.1: 2 -> 3\).*another --workdir, "
                                         r"or --restart"):
        reuse.record(recorded(tmp_path, data="idx:y", epochs={"0": 1, "1": 3}))
    assert (tmp_path / "config.json").read_text() == before
    assert sorted(os.listdir(tmp_path)) == [".lock", "config.json"]


def test_free_keys_may_change(tmp_path):
    reuse.record(recorded(tmp_path))
    changed = recorded(tmp_path, command="python -m r --x", strategy={"name": "mirrored"})
    assert reuse.record(changed) == changed
    assert json.loads((tmp_path / "config.json").read_text())["command"] == "python -m r --x"


def test_restart_clears_the_workdir(tmp_path):
    reuse.record(recorded(tmp_path))
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "stage_0.weights.h5").write_text("x")
    reuse.record(recorded(tmp_path, seed=1), restart=True)
    assert sorted(os.listdir(tmp_path)) == [".lock", "config.json"]
    assert json.loads((tmp_path / "config.json").read_text())["seed"] == 1


def test_a_config_file_holding_a_list_is_named(tmp_path):
    (tmp_path / "config.json").write_text("[]")
    with pytest.raises(ValueError, match=r"config.json must hold a JSON object, got list"):
        reuse.record(recorded(tmp_path))


values = st.recursive(st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3),
                      lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text("abc", min_size=1, max_size=2), inner,
                                        max_size=3), max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(old=st.dictionaries(st.text("abcd", min_size=1, max_size=2), values, max_size=4),
       new=st.dictionaries(st.text("abcd", min_size=1, max_size=2), values, max_size=4))
def test_differences_are_empty_exactly_when_the_non_free_settings_agree(old, new):
    found = reuse.differences(old, new)
    assert (found == []) == (json.dumps(old, sort_keys=True) == json.dumps(new, sort_keys=True))
    assert reuse.differences(old, old) == []
    for key, _, _ in found:
        assert key.split(".")[0] in set(old) | set(new)


def test_a_table_1_run_recorded_before_geometric_rounds_had_equal_rounds():
    old = {"kappas": [100], "epochs_per_round": [4] * 8}
    assert reuse.differences(old, {**old, "geometric_rounds": False}) == []
    assert reuse.differences(old, {**old, "geometric_rounds": True}) == [
        ("geometric_rounds", False, True)]


# The quickstart records its settings too (finished run: stages of one epoch, tiny networks).

@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("quickstart")
    result = run_quickstart(workdir, "--epochs=1,1,1")
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


@pytest.mark.slow
def test_quickstart_rerun_with_other_units_is_refused(finished):
    before = (finished / "config.json").read_text()
    result = run_quickstart(finished, "--epochs=1,1,1", "--units=32")
    assert result.returncode != 0
    assert "holds a run with other settings (units: 16 -> 32)" in result.stderr
    assert "could not be loaded" not in result.stderr
    assert (finished / "config.json").read_text() == before


@pytest.mark.slow
def test_quickstart_rerun_with_the_same_settings_keeps_version_and_wall_time(finished):
    metrics = json.loads((finished / "metrics.json").read_text())
    result = run_quickstart(finished, "--epochs=1,1,1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(os.listdir(finished / "saved_model")) == ["1"]
    again = json.loads((finished / "metrics.json").read_text())
    assert again["wall_time_seconds"] == metrics["wall_time_seconds"]
    assert again["test_reconstruction_error"] == metrics["test_reconstruction_error"]


@pytest.mark.slow
def test_quickstart_rerun_removes_a_stale_export_staging_folder(finished):
    stale = finished / "saved_model" / ".tmp-export-2-999999999-abc"
    stale.mkdir()
    (stale / "saved_model.pb").write_text("partial")
    result = run_quickstart(finished, "--epochs=1,1,1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(os.listdir(finished / "saved_model")) == ["1"]


@pytest.mark.slow
def test_quickstart_epochs_of_the_wrong_length_are_named(tmp_path):
    result = run_quickstart(tmp_path / "w", "--epochs=1,1")
    assert result.returncode != 0
    assert "--epochs needs 3 comma-separated values" in result.stderr
    assert "zip()" not in result.stderr
