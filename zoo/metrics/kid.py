"""Kernel Inception Distance (Binkowski et al. 2018, "Demystifying MMD GANs", section 4).

```none
k(x, y)  = (x . y / d + 1)^3                     the cubic polynomial kernel, d = feature dims
MMD^2_u  = 1/(m(m-1)) sum_{i != j} [k(x_i, x_j) + k(y_i, y_j)] - 2/m^2 sum_{i, j} k(x_i, y_j)
KID      = mean of MMD^2_u over `num_subsets` random subsets of m features of each set
```
The unbiased estimator: its mean over draws is the population MMD^2 (which is 0 for equal
distributions, so a single estimate can be negative), unlike FID, with no bias at small sample
sizes. The standard error is the subsets' standard deviation over sqrt(num_subsets) (as the
reference implementation reports it). Features are usually the 2015 Inception pool_3 features
(`zoo.metrics.inception_features`); `kid_of_images` computes them.
"""

import numpy as np


def polynomial_kernel(x, y):
    """(x . y / d + 1)^3 for every pair of rows, [len(x), len(y)]."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x, y):
    """The unbiased MMD^2 of two equal-size feature sets with the cubic polynomial kernel."""
    m = len(x)
    if len(y) != m or m < 2:
        raise ValueError(f"need two sets of the same size >= 2, got {len(x)} and {len(y)}")
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within - 2.0 * k_xy.mean())


def kernel_inception_distance(features_a, features_b, num_subsets=100, subset_size=1000,
                              seed=0):
    """{"kid": mean unbiased MMD^2 over subsets, "kid_std_error": its standard error,
    "subset_size": m} of two feature sets [N, d] (m: `subset_size`, or the smaller set's size)."""
    a = np.asarray(features_a, dtype=np.float64)
    b = np.asarray(features_b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"features must be [N, d] of the same d, got {a.shape} and {b.shape}")
    m = min(subset_size, len(a), len(b))
    rng = np.random.RandomState(seed)
    values = np.array([mmd2_unbiased(a[rng.choice(len(a), m, replace=False)],
                                     b[rng.choice(len(b), m, replace=False)])
                       for _ in range(num_subsets)])
    return {"kid": float(values.mean()),
            "kid_std_error": float(values.std(ddof=1) / np.sqrt(num_subsets))
            if num_subsets > 1 else float("nan"), "subset_size": int(m)}


def kid_of_images(images_a, images_b, num_subsets=100, subset_size=1000, seed=0,
                  inception_path=None):
    """`kernel_inception_distance` of two image sets in [0, 1] (2015 Inception pool_3)."""
    from zoo.metrics.fid_score import inception_features

    return kernel_inception_distance(inception_features(images_a, inception_path=inception_path),
                                     inception_features(images_b, inception_path=inception_path),
                                     num_subsets, subset_size, seed)
