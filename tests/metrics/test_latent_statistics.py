"""Active units, per-dimension KL and reconstruction error of hand-set affine models."""

import numpy as np
import pytest

from tiny_models import affine_vae
from zoo import metrics


def test_active_units_counts_the_dimensions_set_up_to_vary():
    # Encoder means: z_0 = x_0, z_1 = 0.01 x_1, z_2 = x_2, z_3 = 0 with x ~ N(0, I):
    # Var(z) = (1, 1e-4, 1, 0) -> 2 active units at threshold 0.01.
    kernel = np.zeros((4, 8))
    kernel[0, 0], kernel[1, 1], kernel[2, 2] = 1.0, 0.01, 1.0
    model = affine_vae(np.zeros((4, 4)), np.zeros(4), 1.0, kernel, np.zeros(8))
    x = np.random.default_rng(0).standard_normal((500, 4)).astype(np.float32)
    assert metrics.active_units(model, x) == 2
    variances = metrics.posterior_mean_variance(model, x)
    np.testing.assert_allclose(variances, np.var(x, axis=0) * [1, 1e-4, 1, 0], rtol=1e-5)


def test_active_units_ddof_by_hand():
    # Two means 0 and 0.18: variance 0.0081 with ddof 0 (inactive), 0.0162 with ddof 1.
    means = np.array([[0.0, 1.0], [0.18, 1.0]])
    assert metrics.active_units(means, ddof=0) == 0
    assert metrics.active_units(means, ddof=1) == 1


def test_kl_per_dimension_closed_form_sorted():
    # Constant posteriors N(m_j, s_j^2) except z_0's mean = x_0:
    # KL_j = 1/2 (E[mu_j^2] + s_j^2 - 1 - 2 ln s_j).
    latent = 3
    log_s = np.array([0.0, np.log(0.5), np.log(0.1)])
    m = np.array([0.0, 1.0, 0.0])
    kernel = np.zeros((2, 2 * latent))
    kernel[0, 0] = 1.0
    model = affine_vae(np.zeros((2, latent)), np.zeros(2), 1.0, kernel,
                       np.concatenate([m, log_s]))
    x = np.random.default_rng(0).standard_normal((300, 2)).astype(np.float32)
    mean_sq = np.array([np.mean(x[:, 0].astype(np.float64) ** 2), 1.0, 0.0])
    expected = 0.5 * (mean_sq + np.exp(2 * log_s) - 1 - 2 * log_s)
    values, order = metrics.kl_per_dimension(model, x, return_order=True)
    assert np.all(np.diff(values) <= 0)
    np.testing.assert_allclose(values, np.sort(expected)[::-1], rtol=1e-5)
    np.testing.assert_array_equal(order, np.argsort(-expected))


def test_reconstruction_error_sums_pixels_and_averages_images():
    # Encoder mean z = (x_0, x_1), decoder x_hat = (z_0, z_1, 0): error = x_2^2 per image.
    kernel = np.zeros((3, 4))
    kernel[0, 0] = kernel[1, 1] = 1.0
    decoder_w = np.zeros((3, 2))
    decoder_w[0, 0] = decoder_w[1, 1] = 1.0
    model = affine_vae(decoder_w, np.zeros(3), 1.0, kernel, np.zeros(4))
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0], [5.0, 5.0, 0.0]], np.float32)
    assert metrics.reconstruction_error(model, x, batch_size=2) == pytest.approx(10.0 / 3.0)
