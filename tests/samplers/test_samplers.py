"""zoo.samplers: densities over latent codes, against closed forms and their own definitions."""

import numpy as np
import pytest
from scipy import special, stats

from zoo import builders, samplers
from zoo.experiment import sampling
from zoo.samplers import flow as flows


def two_clusters(n=600, seed=0):
    rng = np.random.default_rng(seed)
    return np.r_[rng.normal(size=(n // 3, 2)) * 0.3,
                 rng.normal(size=(n - n // 3, 2)) * 0.5 + [4.0, -2.0]].astype(np.float32)


def test_gaussians_match_their_closed_forms():
    codes = two_clusters()
    z = codes[:7]
    normal = samplers.StandardNormal().fit(codes)
    np.testing.assert_allclose(normal.log_prob(z), stats.multivariate_normal(np.zeros(2)).logpdf(z),
                               rtol=1e-5)
    gaussian = samplers.FullGaussian(jitter=0.0).fit(codes)
    mean, cov = codes.mean(0), np.cov(codes, rowvar=False, ddof=0)
    np.testing.assert_allclose(gaussian.mean, mean, rtol=1e-5)
    np.testing.assert_allclose(gaussian.log_prob(z), stats.multivariate_normal(mean, cov).logpdf(z),
                               rtol=1e-4)


def test_the_mixture_is_em_s_mixture_and_finds_the_clusters():
    codes = two_clusters()
    gmm = samplers.GaussianMixture(components=2).fit(codes, seed=0)
    assert sorted(gmm.weights) == pytest.approx([1 / 3, 2 / 3], abs=0.01) and gmm.converged
    z = codes[::50]
    by_hand = special.logsumexp(
        [np.log(w) + stats.multivariate_normal(m, c).logpdf(z)
         for w, m, c in zip(gmm.weights, gmm.means, gmm.covariances)], axis=0)
    np.testing.assert_allclose(gmm.log_prob(z), by_hand, rtol=1e-4)
    draws = np.asarray(gmm.sample(3000, seed=1))
    assert np.mean(draws[:, 0] > 2.0) == pytest.approx(2 / 3, abs=0.03)
    with pytest.raises(ValueError, match="at least 2 codes"):
        samplers.GaussianMixture(components=2).fit(codes[:1])


def test_sampling_is_stateless_and_unfitted_samplers_are_named():
    gaussian = samplers.FullGaussian().fit(two_clusters())
    np.testing.assert_array_equal(gaussian.sample(5, seed=3), gaussian.sample(5, seed=3))
    assert not np.allclose(gaussian.sample(5, seed=3), gaussian.sample(5, seed=4))
    with pytest.raises(ValueError, match="the gmm sampler is not fitted"):
        samplers.GaussianMixture().sample(2)
    with pytest.raises(ValueError, match=r"codes must be \[N, latent_dim\]"):
        samplers.FullGaussian().fit(np.zeros(5))
    with pytest.raises(ValueError, match="NaN"):
        samplers.FullGaussian().fit(np.full((4, 2), np.nan))


def test_made_outputs_depend_only_on_earlier_inputs():
    made = flows.MADE(4, hidden_units=(16, 16), seed=0)
    x = np.random.default_rng(0).normal(size=(1, 4)).astype(np.float32)
    base = np.concatenate([np.asarray(o) for o in made(x)])   # [2 (shift, log scale), 4]
    depends = np.zeros((4, 4), bool)                          # [input j, output i]
    for j in range(4):
        moved = x.copy()
        moved[0, j] += 1.0
        out = np.concatenate([np.asarray(o) for o in made(moved)])
        depends[j] = (~np.isclose(out, base)).any(axis=0)
    np.testing.assert_array_equal(depends, np.triu(np.ones((4, 4), bool), k=1))


def test_the_flow_is_a_normalised_density_that_beats_a_gaussian_on_a_curve():
    rng = np.random.default_rng(0)
    z1 = rng.normal(size=1500)
    codes = np.stack([z1, z1 ** 2 + 0.1 * rng.normal(size=1500)], 1).astype(np.float32)
    flow = samplers.MaskedAutoregressiveFlow(layers=2, hidden_units=(16, 16), epochs=8,
                                             batch_size=250, learning_rate=3e-3).fit(codes)
    assert flow.history[-1] < flow.history[0]
    grid = np.stack(np.meshgrid(np.linspace(-6, 6, 241), np.linspace(-4, 14, 361)), -1)
    density = np.exp(np.asarray(flow.log_prob(grid.reshape(-1, 2).astype(np.float32))))
    assert density.sum() * (12 / 240) * (18 / 360) == pytest.approx(1.0, abs=0.03)
    held = codes[:300]
    assert np.mean(flow.log_prob(held)) > np.mean(samplers.FullGaussian().fit(codes)
                                                  .log_prob(held)) + 0.3
    np.testing.assert_array_equal(flow.sample(4, seed=2), flow.sample(4, seed=2))


def tiny_two_stage():
    first = builders.mlp_vae((8, 8, 1), latent_dim=3, units=8, encoder_depth=1,
                             decoder_blocks=1, seed=0)
    return builders.two_stage_vae(first, units=8, depth=1, seed=0)


def test_the_second_stage_sampler_draws_the_model_s_own_samples():
    model = tiny_two_stage()
    second = samplers.SecondStageVAE(model).fit(np.zeros((4, 3), np.float32))
    np.testing.assert_allclose(samplers.decode_samples(model, second, 700, seed=2),
                               sampling.samples(model, 700, seed=2), rtol=1e-6, atol=1e-7)
    assert np.isfinite(np.asarray(second.log_prob(np.zeros((2, 3), np.float32)))).all()
    with pytest.raises(ValueError, match="needs a two-stage model"):
        samplers.SecondStageVAE(model.first)


def test_a_plain_autoencoder_samples_through_a_mixture_on_its_codes():
    from zoo import data

    ae = builders.mlp_ae((8, 8, 1), latent_dim=3, units=8, encoder_depth=1, decoder_blocks=1)
    images, _ = data.load_numpy("sklearn:digits", "train[:200]")
    codes = samplers.latent_codes(ae, images)
    assert codes.shape == (200, 3)
    gmm = samplers.GaussianMixture(components=3).fit(codes)
    out = samplers.decode_samples(ae, gmm, 10, seed=0)
    assert out.shape == (10, 8, 8, 1) and 0.0 <= out.min() and out.max() <= 1.0


def test_made_is_autoregressive_output_i_depends_on_inputs_before_i_only():
    """The Jacobian of MADE's shift and log scale w.r.t. its input is strictly lower
    triangular (what makes the flow's log-determinant a sum of log scales), and every entry
    below the diagonal can be nonzero (no connection is masked that should not be)."""
    import tensorflow as tf

    from tests.tiny_models import perturb
    from zoo.samplers.flow import MADE

    made = MADE(5, hidden_units=(12, 12), seed=0)
    x = tf.constant(np.random.default_rng(0).normal(size=(1, 5)).astype(np.float32))
    made(x)
    perturb(made, scale=0.3)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        shift, log_scale = made(x)
    for output in (shift, log_scale):
        jacobian = tape.jacobian(output, x).numpy()[0, :, 0, :]  # [output i, input j]
        assert np.all(jacobian[np.triu_indices(5)] == 0)
        assert np.all(jacobian[np.tril_indices(5, -1)] != 0)
