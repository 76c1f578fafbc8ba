"""MMD to the prior: unbiased (about 0 for prior samples), growing with a shift."""

import numpy as np

from tiny_models import affine_vae
from zoo import metrics


def test_prior_samples_near_zero_and_grows_with_shift():
    rng = np.random.default_rng(0)
    values = [metrics.mmd_to_prior(rng.standard_normal((500, 4)) + shift, seed=1)
              for shift in (0.0, 0.25, 0.5, 1.0)]
    assert abs(values[0]) < 5e-3, values
    assert np.all(np.diff(values) > 0), values
    assert values[-1] > 50 * abs(values[0])


def test_unbiased_on_average():
    # The U-statistic averages 0 over repetitions (a V-statistic would be positive).
    rng = np.random.default_rng(1)
    values = [metrics.mmd_to_prior(rng.standard_normal((100, 2)), seed=s) for s in range(30)]
    assert abs(np.mean(values)) < 3 * np.std(values) / np.sqrt(len(values))


def test_samples_versus_means_of_a_model():
    # q(z|x) = N(0, I) for every x: the samples' aggregate is the prior (MMD about 0), while the
    # means are all 0 (a point mass: large MMD).
    model = affine_vae(np.zeros((3, 2)), np.zeros(3), 1.0, np.zeros((3, 4)), np.zeros(4))
    x = np.random.default_rng(0).standard_normal((400, 3)).astype(np.float32)
    assert abs(metrics.mmd_to_prior(model, x, seed=0)) < 5e-3
    assert metrics.mmd_to_prior(model, x, use_means=True, seed=0) > 0.1
    assert metrics.mmd_to_prior(model, x, num_samples=100, seed=0) != metrics.mmd_to_prior(
        model, x, num_samples=100, seed=1)
