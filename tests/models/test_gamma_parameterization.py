"""The decoder variance gamma three ways: log gamma, log sigma_x (gamma = sigma_x^2), and the
analytic batch optimum (calibrated decoder)."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo import builders
from zoo.models import GaussianVAE

LR = 1e-2


def tiny(**kwargs):
    keras.utils.set_random_seed(0)
    return builders.mlp_vae(input_shape=(4, 4, 1), latent_dim=2, units=8, encoder_depth=1,
                            decoder_blocks=1, seed=0, **kwargs)


def images():
    return np.random.RandomState(0).rand(8, 4, 4, 1).astype("float32")


def log_gamma_after_one_adam_step(model):
    model.compile(optimizer=keras.optimizers.Adam(LR))
    before = float(model.log_gamma)
    model.train_on_batch(images())
    return float(model.log_gamma) - before


@pytest.mark.parametrize("parameterization", ["variance", "std"])
def test_both_parameterizations_start_at_gamma_init_and_report_a_variance(parameterization):
    model = tiny(gamma_init=0.25, gamma_parameterization=parameterization)
    assert float(model.gamma) == pytest.approx(0.25, rel=1e-6)
    assert float(model.log_gamma) == pytest.approx(math.log(0.25), rel=1e-6)
    name = "log_gamma" if parameterization == "variance" else "log_sigma_x"
    assert model.decoder_scale.path.endswith(name)


def test_adam_moves_log_gamma_twice_as_far_per_step_through_log_sigma():
    # Adam's first step moves every parameter by lr * sign(g) (up to epsilon): through
    # log sigma_x = (log gamma) / 2 that is 2 lr in log gamma, through log gamma itself lr.
    variance = log_gamma_after_one_adam_step(tiny(gamma_parameterization="variance"))
    std = log_gamma_after_one_adam_step(tiny(gamma_parameterization="std"))
    assert abs(variance) == pytest.approx(LR, rel=1e-3)
    assert abs(std) == pytest.approx(2 * LR, rel=1e-3)
    assert np.sign(variance) == np.sign(std)


def test_the_same_weights_give_the_same_loss_in_both_parameterizations():
    variance, std = tiny(gamma_parameterization="variance"), tiny(gamma_parameterization="std")
    for a, b in zip(variance.weights, std.weights):
        b.assign(a if "log_" not in a.path else a / 2.0)
    x = tf.constant(images())
    assert float(std.gamma) == pytest.approx(float(variance.gamma), rel=1e-6)
    a, b = variance.loss_terms(x), std.loss_terms(x)  # noise: both seed generators seeded 0
    np.testing.assert_allclose(float(a["loss"]), float(b["loss"]), rtol=1e-5)


def test_analytic_gamma_is_the_batch_mean_squared_error_per_dimension():
    model = tiny(gamma="analytic")
    assert not [w for w in model.trainable_weights if "log_" in w.path]  # no gradient
    terms = model.loss_terms(tf.constant(images()), training=True)
    d = 16
    rec, kl, gamma = float(terms["reconstruction"]), float(terms["kl"]), float(terms["gamma"])
    assert gamma == pytest.approx(rec / d, rel=1e-5)
    # With gamma at its optimum R/d the Gaussian term is (d/2)(1 + ln(2 pi R/d)) per example.
    assert float(terms["loss"]) - kl == pytest.approx(d / 2 * (1 + math.log(2 * math.pi * gamma)),
                                                      rel=1e-5)
    assert float(model.gamma) == pytest.approx(gamma, rel=1e-5)  # remembered for evaluation


def test_analytic_gamma_trains_and_round_trips(tmp_path):
    model = tiny(gamma="analytic")
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(images(), epochs=2, batch_size=4, verbose=0)
    path = str(tmp_path / "analytic.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, compile=False)
    assert loaded.gamma_setting == "analytic"
    assert float(loaded.gamma) == pytest.approx(float(model.gamma), rel=1e-6)


def test_a_config_saved_before_the_option_loads_as_log_gamma():
    config = tiny(gamma_parameterization="std").get_config()
    del config["gamma_parameterization"]
    assert GaussianVAE.from_config(config).gamma_parameterization == "variance"
    with pytest.raises(ValueError, match="gamma_parameterization"):
        tiny(gamma_parameterization="sigma")
