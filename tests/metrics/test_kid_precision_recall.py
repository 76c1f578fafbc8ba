"""KID (unbiased cubic-kernel MMD^2) and improved precision / recall against closed forms and a
hand-written reference computation."""

import itertools

import numpy as np
import pytest

from zoo import metrics
from zoo.metrics import improved_precision_recall, kid


def reference_mmd2(x, y):
    """MMD^2_u written out pair by pair (Binkowski et al., eq. for the unbiased estimator)."""
    def k(a, b):
        return (np.dot(a, b) / len(a) + 1.0) ** 3

    m = len(x)
    within = sum(k(x[i], x[j]) + k(y[i], y[j]) for i, j in itertools.permutations(range(m), 2))
    across = sum(k(x[i], y[j]) for i in range(m) for j in range(m))
    return within / (m * (m - 1)) - 2.0 * across / m ** 2


def test_mmd2_matches_the_pairwise_definition():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(7, 3)), rng.normal(size=(7, 3)) + 0.5
    assert kid.mmd2_unbiased(x, y) == pytest.approx(reference_mmd2(x, y), rel=1e-12)


def test_kid_of_two_point_masses_is_the_kernel_gap():
    # x = 1, y = 0 (d = 1): k(1, 1) + k(0, 0) - 2 k(1, 0) = 8 + 1 - 2 = 7, for every subset.
    out = metrics.kernel_inception_distance(np.ones((20, 1)), np.zeros((20, 1)),
                                            num_subsets=5, subset_size=10)
    assert out["kid"] == pytest.approx(7.0) and out["kid_std_error"] == pytest.approx(0.0)
    assert out["subset_size"] == 10


def test_kid_is_unbiased_near_zero_for_one_distribution_and_positive_for_two():
    rng = np.random.default_rng(1)
    same = metrics.kernel_inception_distance(rng.normal(size=(400, 8)),
                                             rng.normal(size=(400, 8)), num_subsets=50,
                                             subset_size=100)
    assert abs(same["kid"]) < 4 * same["kid_std_error"]
    shifted = metrics.kernel_inception_distance(rng.normal(size=(400, 8)),
                                                rng.normal(size=(400, 8)) + 1.0,
                                                num_subsets=50, subset_size=100)
    assert shifted["kid"] > 20 * shifted["kid_std_error"] > 0
    with pytest.raises(ValueError, match="same d"):
        metrics.kernel_inception_distance(np.zeros((5, 2)), np.zeros((5, 3)))


def test_knn_radii_on_a_line():
    points = np.arange(6, dtype=float)[:, None]
    np.testing.assert_allclose(improved_precision_recall.knn_radii(points, k=1), [1, 1, 1, 1, 1, 1])
    np.testing.assert_allclose(improved_precision_recall.knn_radii(points, k=2), [4, 1, 1, 1, 1, 4])


def test_precision_and_recall_separate_quality_from_coverage():
    rng = np.random.default_rng(2)
    modes = np.r_[rng.normal(size=(300, 2)) * 0.1, rng.normal(size=(300, 2)) * 0.1 + 10.0]
    assert metrics.precision_recall(modes, modes) == {"precision": 1.0, "recall": 1.0, "k": 3}
    one_mode = rng.normal(size=(300, 2)) * 0.1   # realistic, but half the data is missed
    out = metrics.precision_recall(modes, one_mode)
    assert out["precision"] > 0.95 and 0.4 < out["recall"] < 0.6
    far = rng.normal(size=(300, 2)) * 0.1 + 100.0
    assert metrics.precision_recall(modes, far) == {"precision": 0.0, "recall": 0.0, "k": 3}
