"""Frechet distance: closed forms for Gaussians, a stand-in feature network, the fallback."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo import metrics


def test_diagonal_covariances_closed_form():
    # Diagonal S1, S2 commute: Tr(S1 + S2 - 2 sqrt(S1 S2)) = sum_j (sqrt(s1_j) - sqrt(s2_j))^2.
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    s1, s2 = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 1.0])
    expected = 1.0 + 0.0 + 4.0 + (1 - 2) ** 2 + (2 - 1) ** 2 + (3 - 1) ** 2   # = 11
    assert metrics.frechet_distance(mu1, np.diag(s1), mu2, np.diag(s2)) == pytest.approx(11.0)
    assert expected == 11.0


def test_full_covariance_matches_sqrtm_free_formula():
    # For S1 = A A^T, S2 = I: sqrt(S1 S2) = sqrt(S1), whose trace is the sum of A's singular values.
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 4))
    s1 = a @ a.T
    expected = np.trace(s1) + 4.0 - 2.0 * np.linalg.svd(a, compute_uv=False).sum()
    assert metrics.frechet_distance(np.zeros(4), s1, np.zeros(4), np.eye(4)) == pytest.approx(
        expected, rel=1e-9)


def test_singular_product_uses_the_offset_fallback():
    # Rank-deficient covariances: the value stays finite (sqrtm, or its 1e-6 diagonal fallback).
    s = np.diag([1.0, 0.0, 0.0])
    with np.errstate(all="ignore"):
        value = metrics.frechet_distance(np.zeros(3), s, np.ones(3), s)
    assert np.isfinite(value) and value == pytest.approx(3.0, abs=1e-4)


def test_stand_in_feature_network_closed_form():
    # Features phi(x) = A x of images x ~ N(m, diag(v)) are N(A m, A diag(v) A^T); with A
    # diagonal the distance is ||A (m1 - m2)||^2 + sum_j a_j^2 (sqrt(v1_j) - sqrt(v2_j))^2.
    rng = np.random.default_rng(0)
    a = np.array([2.0, 1.0, 0.5, 1.0])
    net = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten(),
                            keras.layers.Dense(4, use_bias=False)])
    net.layers[-1].set_weights([np.diag(a).astype(np.float32)])
    feature_fn = tf.function(lambda x: net(x))
    m1, m2 = np.array([0.0, 0.5, 1.0, 0.0]), np.array([0.5, 0.5, 0.0, 0.0])
    v1, v2 = np.array([1.0, 1.0, 4.0, 1.0]), np.array([1.0, 4.0, 1.0, 0.25])
    n = 40000
    x1 = (m1 + np.sqrt(v1) * rng.standard_normal((n, 4))).reshape(n, 2, 2, 1)
    x2 = (m2 + np.sqrt(v2) * rng.standard_normal((n, 4))).reshape(n, 2, 2, 1)
    expected = np.sum((a * (m1 - m2)) ** 2) + np.sum(a ** 2 * (np.sqrt(v1) - np.sqrt(v2)) ** 2)
    value = metrics.frechet_distance_of_images(feature_fn, x1, x2, batch_size=10000)
    assert value == pytest.approx(expected, rel=0.03, abs=0.02)
    assert abs(metrics.frechet_distance_of_images(feature_fn, x1[:2000], x1[:2000])) < 1e-6
