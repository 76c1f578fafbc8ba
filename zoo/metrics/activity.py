"""Active units (Burda, Grosse & Salakhutdinov, "Importance Weighted Autoencoders", 2015)."""

import numpy as np

from zoo.metrics._batching import posterior_moments

THRESHOLD = 0.01


def posterior_mean_variance(model_or_means, images=None, ddof=0, batch_size=500):
    """Per-dimension activity A_u = Cov_x(E_q(u|x)[u]) over the given data set, [latent_dim].

    `model_or_means` is a model (its encoder mean, or its deterministic code, is used on
    `images`) or an array [N, latent_dim] of posterior means.
    """
    if images is None:
        means = np.asarray(model_or_means, dtype=np.float64)
    else:
        means, _ = posterior_moments(model_or_means, images, batch_size)
        means = means.astype(np.float64)
    if means.ndim != 2 or len(means) <= ddof:
        raise ValueError(f"need posterior means [N > ddof, latent_dim], got shape {means.shape}")
    return np.var(means, axis=0, ddof=ddof)


def active_units(model_or_means, images=None, threshold=THRESHOLD, ddof=0, batch_size=500):
    """Number of active latent dimensions (Burda et al. 2015, section 5.2).

    ```none
    A_u = Cov_x( E_{u ~ q(u|x)}[u] ),   unit u is active  iff  A_u > 0.01
    ```
    Defaults and what the caller chooses: the variance uses ddof = 0 (divides by N, as Burda
    et al.'s code); the data set is whatever is passed. Burda et al. used 500 training
    examples; the posterior-collapse papers often use the whole test set: report which.

    Args:
      model_or_means: a zoo model (with `images`) or posterior means [N, latent_dim].
      images: [N, ...] data to encode when a model is given.
      threshold: activity threshold (0.01).
      ddof: delta degrees of freedom of the variance.
    Returns:
      the number of active units (int).
    """
    variances = posterior_mean_variance(model_or_means, images, ddof=ddof,
                                        batch_size=batch_size)
    return int(np.sum(variances > threshold))
