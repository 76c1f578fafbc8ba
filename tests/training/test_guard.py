"""The divergence guard: non-finite steps are skipped, training stops with a clear message, the
last good backup is restored, nothing non-finite is saved or exported."""

import json
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from quickstart_runner import run_quickstart
from tiny_models import tiny_vae
from zoo import export, training
from zoo.training import TrainingDiverged

BATCH = 16


def images(num=128, nan_at=None, seed=0):
    x = np.random.default_rng(seed).uniform(size=(num, 8, 8, 1)).astype(np.float32)
    if nan_at is not None:
        x[nan_at * BATCH + 3, 2, 5, 0] = np.nan  # one pixel of batch `nan_at`
    return lambda: tf.data.Dataset.from_tensor_slices(x).batch(BATCH)


def test_a_nan_batch_stops_training_with_the_step_and_the_last_finite_values(tmp_path):
    model = tiny_vae()
    with pytest.raises(TrainingDiverged) as caught:
        training.train(model, images(nan_at=5), tmp_path, epochs=2, save_freq=2, verbose=0)
    error = caught.value
    message = str(error)
    # Batch 6 of epoch 1 holds the NaN: steps 1-5 were applied, step 6 was not.
    assert error.step == 6 and error.stage == "model"
    assert "non-finite loss or gradients at step 6 of training (epoch 1, batch 6; loss nan)" \
        in message
    last_loss = float(re.search(r"last finite loss ([-0-9.e+]+)", message).group(1))
    last_gamma = float(re.search(r"last finite gamma ([-0-9.e+]+)", message).group(1))
    assert np.isfinite(last_loss) and last_gamma > 0
    assert "restored to the last good checkpoint (step 4" in message
    # The model now holds the step-4 backup: finite weights, 4 optimizer steps.
    assert int(model.optimizer.iterations.numpy()) == 4
    assert all(np.all(np.isfinite(v.numpy())) for v in model.weights)
    assert not (tmp_path / "checkpoints" / "model.weights.h5").exists()
    state = json.loads((tmp_path / "backup" / "model" / "state.json").read_text())
    assert state["iterations"] == 4  # the backup survives for inspection / a rerun


def test_the_exact_step_with_several_steps_per_execution(tmp_path):
    """Callbacks see only an execution's last step; the failed step and batch are still exact."""
    model = tiny_vae()
    with pytest.raises(TrainingDiverged) as caught:
        training.train(model, images(nan_at=5), tmp_path, epochs=2, verbose=0,
                       compile_kwargs={"steps_per_execution": 4})  # steps 5-8: 6 fails
    assert model.steps_per_execution == 4
    assert caught.value.step == 6
    assert "at step 6 of training (epoch 1, batch 6; loss nan)" in str(caught.value)
    assert caught.value.restored_step == 0  # backups every epoch: the step-0 one


def test_the_skipped_step_leaves_weights_and_optimizer_untouched():
    model = tiny_vae()
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    x = np.random.default_rng(0).uniform(size=(8, 8, 8, 1)).astype(np.float32)
    model.fit(x, epochs=1, batch_size=8, verbose=0)
    before = [np.array(v.numpy()) for v in model.weights + model.optimizer.variables]
    x[0, 0, 0, 0] = np.inf
    logs = model.fit(x, epochs=1, batch_size=8, verbose=0).history
    assert logs["nonfinite_step"] == [2.0]  # the second step (the first fit's one ran)
    after = [np.array(v.numpy()) for v in model.weights + model.optimizer.variables]
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)


def test_retries_with_a_smaller_learning_rate_then_give_up(tmp_path):
    model = tiny_vae()
    expected = (r"diverged after 2 learning-rate retries: non-finite loss or gradients at step 3 "
                r"of training \(epoch 1, batch 3; loss nan\); last finite loss [0-9.]+, .*"
                r"learning rate 2.5e-06")  # 1e-3 * 0.05 ** 2
    with pytest.raises(TrainingDiverged, match=expected):
        training.train(model, images(nan_at=2), tmp_path, epochs=1, learning_rate=1e-3,
                       save_freq=2, lr_retry_factor=0.05, lr_retries=2, verbose=0)


def test_a_huge_learning_rate_diverges_and_a_retry_recovers(tmp_path):
    with pytest.raises(TrainingDiverged, match=r"training diverged: non-finite loss"):
        training.train(tiny_vae(), images(), tmp_path / "off", epochs=3, learning_rate=1e6,
                       verbose=0)
    model = tiny_vae()
    training.train(model, images(), tmp_path / "retry", epochs=3, learning_rate=1e6,
                   lr_retry_factor=1e-4, lr_retries=3, verbose=0)
    info = json.loads((tmp_path / "retry" / "checkpoints" / "model.json").read_text())
    assert info["lr_retries"] >= 1
    assert info["learning_rate"] == pytest.approx(1e6 * 1e-4 ** info["lr_retries"])
    assert all(np.all(np.isfinite(v.numpy())) for v in model.weights)


@pytest.mark.slow
def test_the_quickstart_stops_with_the_message_and_exports_nothing(tmp_path):
    result = run_quickstart(tmp_path, "--epochs=1,1,1", "--learning_rate=1e6")
    assert result.returncode != 0
    assert "TrainingDiverged: training diverged: non-finite loss or gradients at step" \
        in result.stderr
    assert not (tmp_path / "saved_model").exists()
    assert not (tmp_path / "metrics.json").exists()


def test_export_refuses_nan_weights(tmp_path):
    model = tiny_vae()
    model.decoder.weights[0].assign(np.full(model.decoder.weights[0].shape, np.nan, "float32"))
    with pytest.raises(ValueError, match=r"refusing to export GaussianVAE: non-finite \(NaN or "
                                         r"Inf\) values in 1 weight\(s\)"):
        export(model, tmp_path / "export")
    assert not any((tmp_path / "export").glob("*")) if (tmp_path / "export").exists() else True
