"""Training diagnostics: the latent gradient norm in closed form, and a 2-epoch fit's logs."""

import csv
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tiny_models import affine_vae
from zoo import builders
from zoo.training import callbacks as diagnostics


def test_latent_gradient_norm_of_an_affine_vae():
    # L(x, z) = ||x - W z - b||^2 / (2 gamma) + const(z) => dL/dz = -W^T (x - W z - b) / gamma.
    # With eps = None, z = mu_z(x) = x K (encoder bias 0).
    rng = np.random.default_rng(0)
    w, b, gamma = rng.standard_normal((4, 2)), rng.standard_normal(4), 0.5
    kernel = np.concatenate([rng.standard_normal((4, 2)), np.zeros((4, 2))], axis=1)
    model = affine_vae(w, b, gamma, kernel, np.zeros(4))
    x = rng.standard_normal((6, 4)).astype(np.float32)
    z = x.astype(np.float64) @ kernel[:, :2]
    grad = -(x - z @ w.T - b) @ w / gamma
    expected = np.mean(np.linalg.norm(grad, axis=1))
    value = diagnostics.latent_gradient_norm(model, tf.constant(x))
    assert float(value) == pytest.approx(expected, rel=1e-4)


def test_two_epoch_fit_writes_diagnostics(tmp_path):
    keras.utils.set_random_seed(0)
    model = builders.mlp_vae(input_shape=(4, 4, 1), latent_dim=2, units=8, encoder_depth=1,
                             decoder_blocks=1)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    x = np.random.default_rng(0).uniform(size=(32, 4, 4, 1)).astype(np.float32)
    log_dir = str(tmp_path / "logs")
    model.fit(x, batch_size=8, epochs=2, verbose=0, callbacks=[
        diagnostics.StepDiagnostics(x[:8], log_dir),
        diagnostics.EpochDiagnostics(x[:8], log_dir, num_samples=4, columns=2)])
    with open(os.path.join(log_dir, "steps.csv")) as f:
        steps = list(csv.DictReader(f))
    assert list(steps[0]) == list(diagnostics.STEP_COLUMNS)
    assert [int(r["step"]) for r in steps] == list(range(1, 9))
    assert [int(r["epoch"]) for r in steps] == [0] * 4 + [1] * 4
    norms = np.array([float(r["latent_grad_norm"]) for r in steps])
    assert np.all(np.isfinite(norms)) and np.all(norms > 0)
    gammas = np.array([float(r["gamma"]) for r in steps])
    np.testing.assert_allclose(gammas[-1], float(model.gamma), rtol=1e-6)
    with open(os.path.join(log_dir, "epochs.csv")) as f:
        epochs = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in epochs] == [1, 2]
    assert all(0 <= int(r["active_units"]) <= 2 for r in epochs)
    assert float(epochs[0]["sigma_z_min"]) > 0
    assert os.path.exists(os.path.join(log_dir, "samples_epoch_0002.png"))
    assert any(name.startswith("events.out.tfevents") for name in os.listdir(log_dir))
