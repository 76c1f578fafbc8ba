"""The VAE family's TFP distributions, and the fused loss code proved equal to them.

`loss_terms` and the importance weights use the closed forms of `zoo.models.losses`; these tests
compute the same quantities from the `tfd.Distribution` objects (`posterior(x)`, `prior()`,
`likelihood(z)`) and require agreement to 1e-5, eagerly and inside `tf.function`.
"""

import math

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from zoo.models import importance_weights, losses

from tiny_models import VAE_FAMILY, tiny_images, tiny_model

tfd = tfp.distributions
MODES = {"eager": lambda f: f, "tf.function": tf.function}


@pytest.fixture(scope="module")
def models():
    return {kind: tiny_model(kind, seed=i) for i, kind in enumerate(VAE_FAMILY)}


@pytest.mark.parametrize("kind", VAE_FAMILY)
def test_distributions_have_the_documented_shapes_and_parameters(models, kind):
    model, x = models[kind], tiny_images(5)
    z_mean, z_log_scale = model.encode(x)
    q = model.posterior(x)
    assert isinstance(q, tfd.MultivariateNormalDiag)
    assert q.batch_shape == [5] and q.event_shape == [model.latent_dim]
    np.testing.assert_allclose(q.mean(), z_mean, rtol=1e-6)
    np.testing.assert_allclose(q.stddev(), np.exp(z_log_scale), rtol=1e-6)
    p = model.prior()
    assert p.batch_shape == [] and p.event_shape == [model.latent_dim]
    np.testing.assert_allclose(p.mean(), np.zeros(model.latent_dim))
    np.testing.assert_allclose(p.stddev(), np.ones(model.latent_dim))
    likelihood = model.likelihood(z_mean)
    assert isinstance(likelihood, tfd.Independent)
    assert likelihood.batch_shape == [5] and likelihood.event_shape == list(x.shape[1:])
    np.testing.assert_allclose(likelihood.mean(), model.decode(z_mean), rtol=1e-6)
    # gamma is a variance: the per-pixel standard deviation is sqrt(gamma).
    np.testing.assert_allclose(likelihood.stddev(), np.full(x.shape, np.sqrt(float(model.gamma))),
                               rtol=1e-5)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", VAE_FAMILY)
def test_fused_nll_and_kl_equal_the_distributions(models, kind, mode):
    model, x = models[kind], tiny_images(6, seed=1)

    def both(x):
        z_mean, z_log_scale = model.encode(x)
        z = z_mean + 0.5 * tf.exp(z_log_scale)
        fused = (losses.gaussian_nll(x, model.decode(z), model.log_gamma),
                 losses.gaussian_kl(z_mean, z_log_scale))
        tfp_terms = (-model.likelihood(z).log_prob(x),
                     tfd.kl_divergence(model.posterior(x), model.prior()))
        return fused, tfp_terms

    (nll, kl), (tfp_nll, tfp_kl) = MODES[mode](both)(tf.constant(x))
    np.testing.assert_allclose(nll, tfp_nll, rtol=1e-5)
    np.testing.assert_allclose(kl, tfp_kl, rtol=1e-5, atol=1e-5)
    assert np.all(np.asarray(kl) > 0)


@pytest.mark.parametrize("mode", MODES)
def test_loss_terms_are_the_negative_elbo_of_the_distributions(models, mode, monkeypatch):
    model, x = models["GaussianVAE"], tiny_images(6, seed=2)
    # A fixed z (the posterior mean) in place of the reparameterised sample.
    monkeypatch.setattr(model, "reparameterize", lambda z_mean, z_log_scale: z_mean)

    def both(x):
        terms = model.loss_terms(x, training=False)
        z = model.posterior(x).mean()
        neg_elbo = (-model.likelihood(z).log_prob(x)
                    + tfd.kl_divergence(model.posterior(x), model.prior()))
        return terms, tf.reduce_mean(neg_elbo)

    terms, expected = MODES[mode](both)(tf.constant(x))
    np.testing.assert_allclose(terms["loss"], expected, rtol=1e-5)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", VAE_FAMILY)
def test_importance_weights_equal_the_distributions(models, kind, mode):
    """log w_k = log p(x|z_k) + log p(z_k) - log q(z_k|x) (Burda et al. 2015, eq. 8)."""
    model, x = models[kind], tiny_images(4, seed=3)
    eps = tf.random.stateless_normal([3, 1, model.latent_dim], seed=[5, 0])

    def both(x):
        z_mean, z_log_scale = model.encode(x)
        log_w = importance_weights.log_importance_weights(model, x, z_mean, z_log_scale, eps)
        z = model.posterior(x).mean() + tf.exp(z_log_scale) * eps               # [K, N, L]
        flat = tf.reshape(z, [-1, model.latent_dim])
        log_px = tf.reshape(model.likelihood(flat).log_prob(tf.tile(x, [3, 1, 1, 1])), [3, -1])
        return log_w, log_px + model.prior().log_prob(z) - model.posterior(x).log_prob(z)

    log_w, expected = MODES[mode](both)(tf.constant(x))
    assert log_w.shape == (3, 4)
    np.testing.assert_allclose(log_w, expected, rtol=1e-5)


def test_likelihood_by_hand():
    """log N(x | mu, gamma I) = -||x - mu||^2 / (2 gamma) - (d/2) log(2 pi gamma)."""
    x, mu, gamma = np.float32([[1.0, 2.0, 0.5]]), np.float32([[0.5, 2.5, 0.0]]), 0.2
    expected = -0.75 / (2 * gamma) - 1.5 * math.log(2 * math.pi * gamma)
    log_p = losses.likelihood(mu, tf.math.log(gamma)).log_prob(x)
    np.testing.assert_allclose(log_p, [expected], rtol=1e-6)
