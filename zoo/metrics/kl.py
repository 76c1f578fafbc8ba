"""Per-dimension KL to the prior, sorted (VAE-OOD paper, Figure 4)."""

import numpy as np
import tensorflow as tf

from zoo.models import losses
from zoo.metrics._batching import posterior_moments


def kl_per_dimension(model, images, batch_size=500, return_order=False):
    """KL(q(z_j|x) || N(0, 1)) per latent dimension j, averaged over images, sorted descending.

    ```none
    KL_j = (1/N) sum_i 1/2 (mu_ij^2 + sigma_ij^2 - 1 - 2 log sigma_ij)
    ```
    The VAE-OOD paper plots it as an approximation of the per-dimension mutual information
    (Figure 4). Uses `zoo.models.losses.gaussian_kl_per_dimension`.

    Returns:
      the sorted values [latent_dim]; with `return_order`, also the dimension indices in that
      order.
    """
    means, log_scales = posterior_moments(model, images, batch_size)
    if log_scales is None:
        raise ValueError(f"{type(model).__name__} has a deterministic encoder: no KL per dimension")
    kl = np.asarray(losses.gaussian_kl_per_dimension(
        tf.constant(means, tf.float64), tf.constant(log_scales, tf.float64)))
    mean_kl = kl.mean(axis=0)
    order = np.argsort(-mean_kl, kind="stable")
    if return_order:
        return mean_kl[order], order
    return mean_kl[order]
