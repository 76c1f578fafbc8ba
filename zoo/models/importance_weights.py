"""Importance weights of a Gaussian VAE: the one implementation behind IWAE NLL and `score`.

```none
log w_k = log N(x | mu_x(z_k), gamma I) + log N(z_k | 0, I) - log q(z_k | x),
z_k = mu_z(x) + sigma_z(x) * eps_k
log p(x) ~ logsumexp_k log w_k - log K        (Burda et al. 2015, eq. 8)
```
log N(z_k | 0, I) and log q(z_k | x) are the `log_prob` of the TFP distributions
(`zoo.models.losses.standard_normal_prior`, `posterior`); log p(x | z_k) is the fused
`gaussian_nll`, equal to `likelihood(mu_x(z_k), log gamma).log_prob(x)` to 1e-5
(tests/models/test_distributions.py) with fewer ops on the K x N decoded images.
"""

import tensorflow as tf

from zoo.models import losses


def log_importance_weights(model, x, z_mean, z_log_scale, eps):
    """log w [K, N] for images x [N, ...] and noise eps broadcastable to [K, N, latent_dim].

    `model` has `decode(z)` and `log_gamma` (GaussianVAE, or a two-stage model's first stage);
    (z_mean, z_log_scale) = model.encode(x) are passed in so that callers drawing K in chunks
    encode once.
    """
    latent_dim = z_mean.shape[-1]
    z = z_mean[tf.newaxis] + tf.exp(z_log_scale)[tf.newaxis] * eps              # [K, N, L]
    num_samples, batch = tf.shape(z)[0], tf.shape(z)[1]
    x_mean = model.decode(tf.reshape(z, [-1, latent_dim]))
    x_rep = tf.reshape(tf.broadcast_to(x[tf.newaxis], tf.concat([[num_samples], tf.shape(x)], 0)),
                       tf.shape(x_mean))
    log_px = -tf.reshape(losses.gaussian_nll(x_rep, x_mean, model.log_gamma),
                         [num_samples, batch])
    prior = losses.standard_normal_prior(latent_dim, dtype=z.dtype)
    posterior = losses.posterior(z_mean, z_log_scale)
    return log_px + prior.log_prob(z) - posterior.log_prob(z)
