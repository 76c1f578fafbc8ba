"""Loss terms against TensorFlow Probability and closed forms, eager and inside tf.function."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from zoo.models import losses

tfd = tfp.distributions
MODES = {"eager": lambda f: f, "tf.function": tf.function}


@pytest.mark.parametrize("mode", MODES)
def test_gaussian_kl_matches_tfp(mode):
    rng = np.random.RandomState(0)
    mean = rng.normal(size=(5, 3)).astype("float32")
    log_scale = rng.normal(scale=0.5, size=(5, 3)).astype("float32")
    expected = tfd.kl_divergence(losses.posterior(mean, log_scale),
                                 losses.standard_normal_prior(3))
    kl = MODES[mode](losses.gaussian_kl)(mean, log_scale)
    np.testing.assert_allclose(kl, expected, rtol=1e-5)
    per_dim = losses.gaussian_kl_per_dimension(mean, log_scale)
    np.testing.assert_allclose(tf.reduce_sum(per_dim, -1), kl, rtol=1e-5)
    # KL(N(0, 1) || N(0, 1)) = 0.
    np.testing.assert_allclose(losses.gaussian_kl(np.zeros((1, 3), "float32"),
                                                  np.zeros((1, 3), "float32")), [0.0])


@pytest.mark.parametrize("mode", MODES)
def test_gaussian_nll_is_a_variance_gaussian(mode):
    rng = np.random.RandomState(1)
    x = rng.uniform(size=(4, 2, 3, 1)).astype("float32")
    x_mean = rng.uniform(size=(4, 2, 3, 1)).astype("float32")
    gamma = 0.03
    expected = -tf.reduce_sum(
        tfd.Normal(x_mean, np.float32(np.sqrt(gamma))).log_prob(x), axis=[1, 2, 3])
    nll = MODES[mode](losses.gaussian_nll)(x, x_mean, tf.math.log(gamma))
    np.testing.assert_allclose(nll, expected, rtol=1e-5)


def test_imq_mmd_is_unbiased_and_grows_with_a_shift():
    rng = np.random.RandomState(2)
    n, d = 200, 8
    same = [float(losses.imq_mmd(rng.normal(size=(n, d)).astype("float32"),
                                 rng.normal(size=(n, d)).astype("float32")))
            for _ in range(20)]
    # Unbiased: the mean over draws is ~0 (and individual values can be negative).
    assert abs(np.mean(same)) < 3 * np.std(same) / np.sqrt(len(same)) + 1e-4
    assert min(same) < 0
    shifts = [float(losses.imq_mmd(rng.normal(loc=s, size=(n, d)).astype("float32"),
                                   rng.normal(size=(n, d)).astype("float32")))
              for s in (0.25, 0.5, 1.0)]
    assert shifts[0] > np.mean(same) + 5 * np.std(same)
    assert shifts[0] < shifts[1] < shifts[2]


def test_imq_mmd_matches_a_direct_double_loop():
    rng = np.random.RandomState(3)
    a, b = rng.normal(size=(5, 2)), rng.normal(size=(5, 2)) + 0.3
    expected = 0.0
    for s in losses.IMQ_SCALES:
        c = 2 * 2 * s
        k = lambda u, v: c / (c + np.sum((u - v) ** 2))
        expected += sum(k(a[i], a[j]) + k(b[i], b[j]) for i in range(5) for j in range(5)
                        if i != j) / 20
        expected -= 2 * sum(k(a[i], b[j]) for i in range(5) for j in range(5)) / 25
    np.testing.assert_allclose(float(losses.imq_mmd(a, b)), expected, rtol=1e-6)
