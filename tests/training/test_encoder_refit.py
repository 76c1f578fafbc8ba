"""zoo.training.refit_encoder: the encoder trained to a frozen decoder, and the publish step
that refits a two-stage export's lost second-stage encoder."""

import keras
import numpy as np
import pytest
from scipy import stats

import zoo
from tests.tiny_models import affine_vae, exact_posterior_encoder, tiny_images, tiny_model
from tools.publish import second_encoder
from zoo.training import refit_encoder


def test_refit_reaches_the_exact_posterior_of_a_linear_gaussian_model():
    # The ELBO is below log p(x), equal only at the true posterior: from a zero encoder the
    # refit closes the gap; the decoder and gamma (the model) do not move.
    rng = np.random.default_rng(0)
    w = np.linalg.qr(rng.standard_normal((5, 2)))[0] * np.array([1.5, 0.8])
    b, gamma = rng.standard_normal(5) * 0.3, 0.1
    x = (rng.standard_normal((2000, 2)) @ w.T + b
         + np.sqrt(gamma) * rng.standard_normal((2000, 5))).astype(np.float32)
    exact = stats.multivariate_normal(b, w @ w.T + gamma * np.eye(5)).logpdf(x).mean()
    model = affine_vae(w, b, gamma, np.zeros((5, 4)), np.zeros(4))
    decoder = [v.numpy().copy() for v in model.decoder.weights]

    def gap():  # -ELBO - (-log p), the ELBO's one-draw estimate averaged over 10 draws
        return float(np.mean([np.mean(model.loss_terms(x)["loss"]) for _ in range(10)])) + exact

    before = gap()
    keras.utils.set_random_seed(0)
    steps = len(x) // 100
    refit_encoder(model, x, epochs=60, batch_size=100,
                  learning_rate=keras.optimizers.schedules.PiecewiseConstantDecay(
                      [40 * steps], [0.02, 0.002]))
    after = gap()
    assert before > 1.0 and -0.01 < after < 0.05, (before, after)
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(decoder, model.decoder.weights))
    assert float(model.gamma) == pytest.approx(gamma, rel=1e-6)
    kernel, bias = exact_posterior_encoder(w, b, gamma)
    np.testing.assert_allclose(model.encoder.layers[-1].weights[0].numpy()[:, :2],
                               kernel[:, :2], atol=0.06)  # single-draw ELBO gradients
    assert model.decoder.trainable and model.decoder_scale.trainable is False  # fixed gamma


def test_refit_restores_trainable_flags_and_checks_its_data():
    model = tiny_model("GaussianVAE")
    with pytest.raises(ValueError, match=r"data must have shape \[N, 8, 8, 1\]"):
        refit_encoder(model, np.zeros((4, 64), np.float32), epochs=1)
    with pytest.raises(ValueError, match="data must be finite"):
        refit_encoder(model, np.full((4, 8, 8, 1), np.nan, np.float32), epochs=1)
    assert model.decoder.trainable and model.decoder_scale.trainable


def test_second_encoder_refit_tightens_the_two_stage_score_and_keeps_the_samples(tmp_path):
    model = tiny_model("TwoStageVAE", seed=4)
    x = tiny_images(64, seed=1)
    before = zoo.load(zoo.export(model, tmp_path / "a", num_importance_samples=4,
                                 importance_chunk=4, second_stage_samples=8))
    record = second_encoder.refit(model, x)
    after = zoo.load(zoo.export(model, tmp_path / "b", num_importance_samples=4,
                                importance_chunk=4, second_stage_samples=8))
    np.testing.assert_array_equal(after.sample(5, seed=3), before.sample(5, seed=3))
    old, new = before.score(x[:16]), after.score(x[:16])
    np.testing.assert_allclose(new["first_stage_nll"], old["first_stage_nll"], rtol=1e-6)
    assert np.mean(new["nll"]) < np.mean(old["nll"])  # a better proposal: a tighter bound
    assert record["images"] == 64 and record["epochs"] == second_encoder.REFIT["epochs"]
