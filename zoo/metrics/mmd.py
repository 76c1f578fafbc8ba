"""MMD between the aggregate posterior q(z) and the prior N(0, I) (reg-balance Table 2)."""

import numpy as np
import tensorflow as tf

from zoo.models import losses
from zoo.metrics._batching import posterior_moments


def mmd_to_prior(z_or_model, images=None, num_samples=2000, use_means=False, seed=0,
                 batch_size=500):
    """Unbiased multi-scale IMQ MMD^2 between codes z ~ q(z) and as many N(0, I) samples.

    ```none
    MMD^2 = zoo.models.losses.imq_mmd({z_i}_{i<=n}, {p_i}_{i<=n}),   p_i ~ N(0, I),
    k_s(a, b) = C_s / (C_s + ||a - b||^2),  C_s = 2 d_z s,  s in {.1, .2, .5, 1, 2, 5, 10}
    ```
    (WAE reference code's estimator, summed over the 7 scales.) By default the codes are
    *samples* z_i = mu_z(x_i) + sigma_z(x_i) * eps_i from q(z|x_i), one per image, so the
    q(z) compared is the aggregate posterior; `use_means=True` uses mu_z(x_i) instead.
    Deterministic encoders (AE, WAE-MMD) give their code. n = min(num_samples, N) images are
    chosen at random (seeded) when more are given. The estimate is unbiased: it averages 0 for
    two samples of one distribution and can be slightly negative.

    Args:
      z_or_model: codes [N, latent_dim], or a model (then `images` is required).
      images: data to encode when a model is given.
      num_samples: n (memory is O(n^2)).
      use_means: use posterior means instead of samples.
      seed: seeds the subset, the posterior noise and the prior sample.
    Returns:
      a float.
    """
    rng = np.random.default_rng(seed)
    if images is None:
        z = np.asarray(z_or_model, dtype=np.float32)
        if len(z) > num_samples:
            z = z[np.sort(rng.choice(len(z), num_samples, replace=False))]
    else:
        images = np.asarray(images)
        if len(images) > num_samples:
            images = images[np.sort(rng.choice(len(images), num_samples, replace=False))]
        means, log_scales = posterior_moments(z_or_model, images, batch_size)
        z = means
        if log_scales is not None and not use_means:
            z = means + np.exp(log_scales) * rng.standard_normal(means.shape)
        z = z.astype(np.float32)
    if z.ndim != 2 or len(z) < 2:
        raise ValueError(f"need at least 2 codes [n, latent_dim], got shape {z.shape}")
    prior = rng.standard_normal(z.shape).astype(np.float32)
    return float(losses.imq_mmd(tf.constant(z), tf.constant(prior)))
