"""Recipe settings (`zoo.experiment.configure`, `zoo.training.train`, `recipes.mnist_balance`):
bad values are named before anything is trained or overwritten."""

import json
import subprocess
import sys

import numpy as np
import pytest

from quickstart_runner import ROOT
from zoo import builders, data, training
from zoo.experiment import evaluation


def run_recipe(module, workdir, *flags):
    return subprocess.run([sys.executable, "-m", module, "--preset=smoke",
                           f"--workdir={workdir}", *flags], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_steps_per_execution_below_one_is_named(tmp_path):
    model = builders.mlp_vae((8, 8, 1), latent_dim=2, units=8, encoder_depth=1,
                             decoder_blocks=1)
    dataset = data.load("sklearn:digits", "train[:32]", batch_size=16)
    with pytest.raises(ValueError, match=r"steps_per_execution must be an integer >= 1, got 0"):
        training.train(model, dataset, tmp_path, epochs=1,
                       compile_kwargs={"steps_per_execution": 0})


def test_a_garbage_keras_file_is_named(tmp_path):
    path = tmp_path / "model.keras"
    path.write_bytes(b"\x00garbage" * 10)
    with pytest.raises(ValueError, match=r"is not a .keras file .*truncated, corrupt"):
        evaluation.load_model(str(path))
    with pytest.raises(FileNotFoundError, match=r"no .keras file at"):
        evaluation.load_model(str(tmp_path / "missing.keras"))


@pytest.mark.slow
def test_recipe_bad_overrides_are_named_before_training(tmp_path):
    result = run_recipe("recipes.mnist_balance", tmp_path / "a", "--override=kappas=")
    assert result.returncode != 0 and "kappas is empty" in result.stderr, result.stderr[-2000:]
    assert "IndexError" not in result.stderr
    assert not (tmp_path / "a" / "config.json").exists()
    result = run_recipe("recipes.mnist_balance", tmp_path / "b", "--override=batch_size=100000")
    assert result.returncode != 0
    assert "batch_size 100000 is larger than the training split" in result.stderr
    result = run_recipe("recipes.mnist_balance", tmp_path / "c",
                        "--override=steps_per_execution=0")
    assert result.returncode != 0
    assert "steps_per_execution must be an integer >= 1, got 0" in result.stderr
    assert "range() arg 3" not in result.stderr


@pytest.mark.slow
def test_recipe_rerun_with_other_data_is_refused_before_touching_the_workdir(tmp_path):
    """A run stopped by a bad value records nothing (the corrected command needs no --restart);
    the same command with another --data: refused naming `data`, config.json unchanged."""
    images = (np.random.RandomState(0).rand(200, 8, 8) * 255).astype(np.uint8)
    np.savez(tmp_path / "digits.npz", x_train=images, x_test=images[:10])
    workdir = tmp_path / "w"
    small = ["--override=kappas=4", "--override=ablations=[]", "--override=rounds=1",
             "--override=epochs_per_round=[1]"]
    stopped = run_recipe("recipes.mnist_balance", workdir, *small,
                         "--override=steps_per_execution=0")
    assert "steps_per_execution must be" in stopped.stderr  # named before anything is written
    assert not (workdir / "config.json").exists()
    first = run_recipe("recipes.mnist_balance", workdir, *small)
    assert first.returncode == 0, first.stderr[-3000:]
    recorded = (workdir / "config.json").read_text()
    second = run_recipe("recipes.mnist_balance", workdir, *small,
                        f"--data=npz:{tmp_path / 'digits.npz'}")
    assert second.returncode != 0
    assert 'holds a run with other settings (data: "sklearn:digits" -> "npz:' in second.stderr
    assert (workdir / "config.json").read_text() == recorded
    assert json.loads(recorded)["data"] == "sklearn:digits"
