"""IWAE log-likelihood of affine VAEs against the exact marginal of the linear-Gaussian model."""

import numpy as np
import pytest
from scipy import stats

from tiny_models import affine_two_stage, affine_vae, exact_posterior_encoder, tiny_model
from zoo import metrics


def exact_log_marginal(lg):
    # x = W z + b + n, z ~ N(0, I), n ~ N(0, gamma I)  =>  x ~ N(b, W W^T + gamma I).
    cov = lg["w"] @ lg["w"].T + lg["gamma"] * np.eye(len(lg["b"]))
    return stats.multivariate_normal(mean=lg["b"], cov=cov).logpdf(lg["x"].astype(np.float64))


def test_exact_posterior_gives_the_marginal_for_any_k(linear_gaussian):
    # With q(z|x) = p(z|x) every weight equals p(x, z) / p(z|x) = p(x): K = 1 is exact.
    lg = linear_gaussian
    model = affine_vae(lg["w"], lg["b"], lg["gamma"], *exact_posterior_encoder(
        lg["w"], lg["b"], lg["gamma"]))
    exact = exact_log_marginal(lg)
    for k in (1, 7):
        estimate = metrics.iwae_log_likelihood(model, lg["x"], num_samples=k, chunk_size=3,
                                               batch_size=64)
        np.testing.assert_allclose(estimate, exact, atol=2e-3)


def test_approximate_posterior_converges_from_below_as_k_grows(linear_gaussian):
    # A wrong posterior (std x 1.6, mean shrunk): the bound tightens with K towards log p(x).
    lg = linear_gaussian
    kernel, bias = exact_posterior_encoder(lg["w"], lg["b"], lg["gamma"])
    kernel[:, :2] *= 0.8
    bias[:2] *= 0.8
    bias[2:] += np.log(1.6)
    model = affine_vae(lg["w"], lg["b"], lg["gamma"], kernel, bias)
    exact = exact_log_marginal(lg)
    means = []
    for k in (1, 10, 100, 2000):
        estimate = metrics.iwae_log_likelihood(model, lg["x"], num_samples=k, chunk_size=300,
                                               batch_size=100, seed=1)
        means.append(estimate.mean())
    gaps = exact.mean() - np.array(means)
    assert np.all(np.diff(means) > 0), means
    assert gaps[0] > 0.1                      # K = 1 (the ELBO) is clearly loose here
    assert 0 <= gaps[-1] < 0.01, gaps
    final = metrics.iwae_log_likelihood(model, lg["x"], num_samples=2000, chunk_size=300,
                                        batch_size=100, seed=1)
    np.testing.assert_allclose(final, exact, atol=0.25)       # per image: sampling noise
    assert np.median(np.abs(final - exact)) < 0.02


def test_same_seed_same_estimate_and_chunking_is_consistent(linear_gaussian):
    lg = linear_gaussian
    kernel, bias = exact_posterior_encoder(lg["w"], lg["b"], lg["gamma"])
    bias[2:] += 0.5
    model = affine_vae(lg["w"], lg["b"], lg["gamma"], kernel, bias)
    x = lg["x"][:20]
    a = metrics.iwae_log_likelihood(model, x, num_samples=50, chunk_size=20, batch_size=8)
    b = metrics.iwae_log_likelihood(model, x, num_samples=50, chunk_size=20, batch_size=8)
    np.testing.assert_array_equal(a, b)
    # Remainder chunk (50 = 2 x 20 + 10) and one chunk agree in distribution, not sample-wise.
    c = metrics.iwae_log_likelihood(model, x, num_samples=50, chunk_size=50, batch_size=8)
    assert a.shape == c.shape == (20,)
    assert abs(a.mean() - c.mean()) < 0.1


def test_bits_per_dim_of_a_constant_model_by_hand():
    # Decoder mean c = 0.5 for any z, gamma = 0.25, encoder q(z|x) = N(0, I) = p(z): every
    # weight is p(x|c), so log p(x) = log N(x; c, gamma I) exactly. For x = (.5, .5, .5, 1):
    # nll = ||x - c||^2 / (2 gamma) + (D/2) ln(2 pi gamma) = 0.25 / 0.5 + 2 ln(pi / 2)
    #     = 0.5 + 0.9031654 = 1.4031654 nats.
    # bpd (x / 256 dequantized) = nll / (4 ln 2) + log2(256) = 0.5060831 + 8
    # bpd (x / 255 plain)       = 0.5060831 + log2(255) = 0.5060831 + 7.9943534
    from zoo.data.scaling import scaling_for

    model = affine_vae(np.zeros((4, 2)), np.full(4, 0.5), 0.25, np.zeros((4, 4)), np.zeros(4))
    x = np.array([[0.5, 0.5, 0.5, 1.0]], np.float32)
    nll = -metrics.iwae_log_likelihood(model, x, num_samples=3)
    np.testing.assert_allclose(nll, [1.4031654], atol=1e-5)
    np.testing.assert_allclose(
        metrics.bits_per_dim(nll, 4, scaling_for(256, dequantize=True)), [8.5060831], atol=1e-5)
    np.testing.assert_allclose(
        metrics.bits_per_dim(nll, 4, scaling_for(256, dequantize=False)), [8.5004365], atol=1e-5)


def two_stage_linear_gaussian():
    """The linear-Gaussian two-stage model of `affine_two_stage` on 5-d data, its exact
    log p(x) and 50 draws x ~ p(x)."""
    rng = np.random.default_rng(1)
    w = np.linalg.qr(rng.standard_normal((5, 2)))[0] * np.array([1.2, 0.6])
    model, mean, cov = affine_two_stage(w, rng.standard_normal(5) * 0.3, 0.1,
                                        second_scale=[0.9, 0.4], second_bias=[0.5, -0.3],
                                        second_gamma=0.05)
    x = rng.multivariate_normal(mean, cov, size=50).astype(np.float32)
    return model, x, stats.multivariate_normal(mean=mean, cov=cov).logpdf(x.astype(np.float64))


def test_two_stage_estimate_is_the_marginal_with_exact_posteriors():
    # Exact q(z|x) (under the second stage's prior) and q(u|z): exact for any K and M, while
    # the first-stage figure (prior N(0, I)) is another density.
    model, x, exact = two_stage_linear_gaussian()
    for k, m in ((1, 1), (5, 3)):
        estimate = metrics.iwae_log_likelihood(model, x, num_samples=k, chunk_size=2,
                                               batch_size=16, second_stage_samples=m)
        np.testing.assert_allclose(estimate, exact, atol=2e-3)
    first_stage = metrics.iwae_log_likelihood(model, x, num_samples=5)
    assert np.mean(np.abs(first_stage - exact)) > 0.1


def test_second_stage_samples_needs_a_two_stage_model_and_a_positive_integer():
    with pytest.raises(ValueError, match="GaussianVAE has no second stage"):
        metrics.iwae_log_likelihood(tiny_model("GaussianVAE"), np.zeros((1, 8, 8, 1)),
                                    num_samples=2, second_stage_samples=2)
    with pytest.raises(ValueError, match="second_stage_samples must be a positive integer"):
        metrics.iwae_log_likelihood(tiny_model("TwoStageVAE"), np.zeros((1, 8, 8, 1)),
                                    num_samples=2, second_stage_samples=0)
