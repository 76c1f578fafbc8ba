"""NDB (Richardson & Weiss 2018) on samples with known relations."""

import numpy as np
import pytest

from zoo import metrics
from zoo.metrics.different_bins import two_proportion_z_test


def blobs(n, shift=0.0, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0, 0], [4, 0, 0], [0, 4, 0], [0, 0, 4]], np.float64)
    return centres[rng.integers(0, 4, n)] + rng.standard_normal((n, 3)) + shift


def test_z_test_by_hand():
    # p1 = .5, p2 = .3, n1 = n2 = 100: pooled p = .4, se = sqrt(.4 * .6 * (2 / 100)) = .0692820,
    # z = .2 / .0692820 = 2.8867513, two-tailed p = .0038924 < .05.
    different, z = two_proportion_z_test([0.5, 0.3], 100, [0.3, 0.31], 100)
    np.testing.assert_allclose(z[0], 2.8867513, rtol=1e-6)
    assert different.tolist() == [True, False]


def test_same_distribution_few_bins_differ_and_shift_many():
    train = blobs(6000, seed=0)
    same = metrics.ndb(train, blobs(2000, seed=1), test_samples=blobs(2000, seed=2),
                       num_bins=20, seed=0)
    # Under the null each bin is "different" with probability about alpha = .05.
    assert same["ndb_over_k"] <= 0.15, same["ndb_over_k"]
    assert same["test_ndb_over_k"] <= 0.15, same["test_ndb_over_k"]
    assert same["num_bins"] == 20 and same["different_bins"].shape == (20,)
    np.testing.assert_allclose(same["train_proportions"].sum(), 1.0)
    np.testing.assert_allclose(same["generated_proportions"].sum(), 1.0)
    shifted = metrics.ndb(train, blobs(2000, shift=1.0, seed=1), num_bins=20, seed=0)
    assert shifted["ndb_over_k"] >= 0.5, shifted["ndb_over_k"]
    assert shifted["js_divergence"] > 10 * same["js_divergence"]


def test_standardize_and_dimension_subset_rule_run():
    # d = 1200 > 1000: clusters on a seeded random subset of 1200 // 6 = 200 dimensions.
    rng = np.random.default_rng(0)
    train = rng.standard_normal((300, 1200)) * np.linspace(0.5, 2.0, 1200)
    result = metrics.ndb(train, rng.standard_normal((300, 1200)) + 3.0, num_bins=5,
                         standardize=True, seed=0)
    assert result["ndb"] >= 3


def test_fitted_bins_compare_many_query_sets_as_ndb_does():
    """`fit_bins` once, then `compare` each set: the same NDB as a call of `ndb` per set; the
    training samples themselves fall in their own proportions (no different bin)."""
    from zoo.metrics import fit_bins, ndb

    rng = np.random.RandomState(1)
    train = rng.normal(size=(400, 6))
    bins = fit_bins(train, num_bins=8, n_init=2, seed=4)
    for queries in (rng.normal(size=(150, 6)), rng.normal(1.0, 1.0, size=(150, 6))):
        assert bins.compare(queries)["ndb"] == ndb(train, queries, num_bins=8, n_init=2,
                                                   seed=4)["ndb"]
    assert bins.compare(train)["ndb"] == 0
    with pytest.raises(ValueError, match="5 dimensions, training data 6"):
        bins.compare(np.zeros((3, 5)))
