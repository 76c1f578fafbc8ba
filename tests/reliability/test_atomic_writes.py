"""A crash mid-write leaves the previous good file: configs and results (`zoo.files`), weights
(`zoo.training.save_weights`), training backups (`zoo.training.Backup`) and exports."""

import json
import os
import signal
import subprocess
import sys

import keras
import numpy as np
import pytest

from quickstart_runner import ROOT
from tiny_models import tiny_vae
from zoo import files, saved_model, training


# Writes half of the new content through zoo.files.atomic_path, then SIGKILLs itself. zoo/files.py is
# loaded on its own (no TensorFlow import), so the child is quick.
KILLED_WRITER = """
import importlib.util, os, signal, sys
spec = importlib.util.spec_from_file_location("zoo_io", os.path.join(sys.argv[1], "zoo", "files.py"))
zoo_io = importlib.util.module_from_spec(spec)
spec.loader.exec_module(zoo_io)
with zoo_io.atomic_path(sys.argv[2]) as tmp:
    with open(tmp, "w") as f:
        f.write('{"half": ')
        f.flush()
        os.kill(os.getpid(), signal.SIGKILL)
"""


def test_sigkill_mid_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "results.json"
    files.write_json(path, {"good": 1})
    result = subprocess.run([sys.executable, "-c", KILLED_WRITER, ROOT, str(path)],
                            timeout=60)
    assert result.returncode == -signal.SIGKILL
    assert json.loads(path.read_text()) == {"good": 1}
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == ["results.json"]


def test_an_exception_mid_write_keeps_the_previous_file_and_no_temporary(tmp_path):
    path = tmp_path / "config.json"
    files.write_json(path, {"good": 1})
    with pytest.raises(RuntimeError):
        with files.atomic_path(path) as tmp:
            with open(tmp, "w") as f:
                f.write("{")
            raise RuntimeError("crash")
    assert json.loads(path.read_text()) == {"good": 1}
    assert os.listdir(tmp_path) == ["config.json"]


def test_a_crash_while_saving_weights_keeps_the_previous_weights(tmp_path, monkeypatch):
    model = tiny_vae(latent_dim=2)
    path = tmp_path / "model.weights.h5"
    training.save_weights(model, path)
    before = path.read_bytes()
    original = keras.Model.save_weights

    def torn(self, filepath, *args, **kwargs):
        original(self, filepath, *args, **kwargs)
        with open(filepath, "r+b") as f:  # a half-written file, then the crash
            f.truncate(100)
        raise KeyboardInterrupt

    monkeypatch.setattr(keras.Model, "save_weights", torn)
    model.weights[0].assign(model.weights[0] + 1.0)
    with pytest.raises(KeyboardInterrupt):
        training.save_weights(model, path)
    assert path.read_bytes() == before


def backup_of(model, directory):
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.optimizer.build(model.trainable_variables)
    backup = training.Backup(str(directory), steps_per_epoch=10, save_freq=5)
    backup.set_model(model)
    return backup


def test_a_crash_between_weights_and_state_keeps_the_previous_backup(tmp_path, monkeypatch):
    model = tiny_vae(latent_dim=2)
    backup = backup_of(model, tmp_path)
    backup.position = 5
    backup.save()
    saved = [np.array(v.numpy()) for v in model.weights]
    model.weights[0].assign(model.weights[0] + 1.0)
    backup.position = 10

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # killed after the new weights file, before the commit

    monkeypatch.setattr(training.backup, "write_json", crash)
    with pytest.raises(KeyboardInterrupt):
        backup.save()
    monkeypatch.undo()
    assert (tmp_path / "step_000000010.weights.h5").exists()  # written, never committed
    fresh = tiny_vae(latent_dim=2)
    model.weights[0].assign(model.weights[0] + 5.0)
    restored = backup_of(fresh, tmp_path).restore()
    assert restored["position"] == 5
    for value, variable in zip(saved, fresh.weights):
        np.testing.assert_array_equal(variable.numpy(), value)


def test_an_unreadable_latest_backup_falls_back_to_the_previous_one(tmp_path):
    model = tiny_vae(latent_dim=2)
    backup = backup_of(model, tmp_path)
    backup.position = 5
    backup.save()
    backup.position = 10
    backup.save()
    (tmp_path / "step_000000010.weights.h5").write_bytes(b"disk corruption")
    restored = backup_of(tiny_vae(latent_dim=2), tmp_path).restore()
    assert restored["position"] == 5
    assert sorted(os.listdir(tmp_path)) == ["state.json", "step_000000005.weights.h5",
                                            "step_000000010.weights.h5"]


def test_backups_keep_two_files_and_sweep_leftovers(tmp_path):
    model = tiny_vae(latent_dim=2)
    backup = backup_of(model, tmp_path)
    (tmp_path / ".step_000000007.weights.h5.abc.weights.h5").write_bytes(b"torn temporary")
    for position in (5, 10, 15):
        backup.position = position
        backup.save()
    assert sorted(os.listdir(tmp_path)) == ["state.json", "step_000000010.weights.h5",
                                            "step_000000015.weights.h5"]
    state = json.loads((tmp_path / "state.json").read_text())
    assert (state["position"], state["epoch"], state["step_in_epoch"]) == (15, 1, 5)
    assert state["previous"]["position"] == 10 and "previous" not in state["previous"]


def test_a_failed_export_leaves_no_version_and_keeps_the_previous_one(tmp_path, monkeypatch):
    model = tiny_vae(latent_dim=2)
    first = saved_model.export(model, tmp_path, num_importance_samples=2, importance_chunk=1)

    def crash(root, path, signatures):
        os.makedirs(os.path.join(path, "variables"), exist_ok=True)  # half written
        raise KeyboardInterrupt

    monkeypatch.setattr(saved_model.exporter, "_write_saved_model", crash)
    with pytest.raises(KeyboardInterrupt):
        saved_model.export(model, tmp_path, num_importance_samples=2, importance_chunk=1)
    assert sorted(os.listdir(tmp_path)) == ["1"]
    assert saved_model.load(tmp_path).path == first
