"""Importance weights of a Gaussian VAE: the one implementation behind IWAE NLL and `score`.

```none
log w_k = log N(x | mu_x(z_k), gamma I) + log p(z_k) - log q(z_k | x),
z_k = mu_z(x) + sigma_z(x) * eps_k
log p(x) ~ logsumexp_k log w_k - log K        (Burda et al. 2015, eq. 8)
```
with p(z) = N(0, I) for a single VAE. A two-stage model (Dai & Wipf 2019, section 4) has the
second stage's marginal as the prior of z, p(z) = E_{u ~ N(0, I)} N(z | mu_z(u), gamma_z I),
itself estimated by importance sampling through the second stage's q(u|z)
(`second_stage_log_prior`):

```none
log p(z) ~ logsumexp_m log v_m - log M,
log v_m = log N(z | mu_z(u_m), gamma_z I) + log N(u_m | 0, I) - log q(u_m | z)
```
exp of either estimate is unbiased for its density, and so is the product inside the outer sum
(the expectation over u given z is p(z)); the log of an unbiased estimate is low in expectation
(Jensen), so the nested estimate of log p(x) is a stochastic lower bound that tightens as K and
M grow, as the single-stage IWAE bound does with K.

log N(z | 0, I) and log q(z | x) are the `log_prob` of the TFP distributions
(`zoo.models.losses.standard_normal_prior`, `posterior`); log p(x | z_k) is the fused
`gaussian_nll`, equal to `likelihood(mu_x(z_k), log gamma).log_prob(x)` to 1e-5
(tests/models/test_distributions.py) with fewer ops on the K x N decoded images.
"""

import math

import tensorflow as tf

from zoo.models import losses


def codes(z_mean, z_log_scale, eps):
    """z_k = mu_z + sigma_z * eps_k: [K, N, L] for moments [N, L] and eps [K, N or 1, L]."""
    return z_mean[tf.newaxis] + tf.exp(z_log_scale)[tf.newaxis] * eps


def log_importance_weights(model, x, z_mean, z_log_scale, eps):
    """log w [K, N] for images x [N, ...] and noise eps broadcastable to [K, N, latent_dim],
    with the prior N(0, I).

    `model` has `decode(z)` and `log_gamma` (GaussianVAE, or a two-stage model's first stage);
    (z_mean, z_log_scale) = model.encode(x) are passed in so that callers drawing K in chunks
    encode once.
    """
    latent_dim = z_mean.shape[-1]
    z = codes(z_mean, z_log_scale, eps)                                        # [K, N, L]
    num_samples, batch = tf.shape(z)[0], tf.shape(z)[1]
    x_mean = model.decode(tf.reshape(z, [-1, latent_dim]))
    x_rep = tf.reshape(tf.broadcast_to(x[tf.newaxis], tf.concat([[num_samples], tf.shape(x)], 0)),
                       tf.shape(x_mean))
    log_px = -tf.reshape(losses.gaussian_nll(x_rep, x_mean, model.log_gamma),
                         [num_samples, batch])
    prior = losses.standard_normal_prior(latent_dim, dtype=z.dtype)
    posterior = losses.posterior(z_mean, z_log_scale)
    return log_px + prior.log_prob(z) - posterior.log_prob(z)


def with_prior(log_w, z, log_prior):
    """`log_importance_weights`' log w [K, N] of the codes z [K, N, L] with `log_prior`
    (z [B, L] -> log p(z) [B]) in place of N(0, I); no decoder pass again."""
    latent_dim = z.shape[-1]
    normal = losses.standard_normal_prior(latent_dim, dtype=z.dtype)
    log_pz = tf.reshape(log_prior(tf.reshape(z, [-1, latent_dim])), tf.shape(log_w))
    return log_w - normal.log_prob(z) + log_pz


def importance_chunk_size(num_samples, max_chunk):
    """The largest divisor of `num_samples` not above `max_chunk` (samples decoded at once)."""
    return max(c for c in range(1, min(num_samples, max_chunk) + 1) if num_samples % c == 0)


def second_stage(model):
    """The second-stage VAE of a two-stage model (`TwoStageVAE`, `VAEPlus`), else None."""
    return getattr(model, "second", None)


def second_stage_log_prior(second, eps, max_chunk=10):
    """log p(z) of a two-stage model's second stage `second` (a GaussianVAE on the codes),
    estimated with the M draws eps [M, second.latent_dim] shared by every z (module docstring):
    a function z [B, L] -> [B]. At most `max_chunk` of the M draws are decoded at once
    (memory O(B * max_chunk))."""
    num_samples, noise_dim = int(eps.shape[0]), int(eps.shape[1])
    chunk = importance_chunk_size(num_samples, max_chunk)
    chunks = tf.reshape(eps, [num_samples // chunk, chunk, 1, noise_dim])

    def log_prior(z):
        u_mean, u_log_scale = second.encode(z)
        log_v = tf.map_fn(
            lambda e: log_importance_weights(second, z, u_mean, u_log_scale, e), chunks,
            fn_output_signature=tf.TensorSpec([chunk, None], tf.float32),
            parallel_iterations=1)
        log_v = tf.reshape(log_v, [num_samples, -1])
        return tf.reduce_logsumexp(log_v, axis=0) - math.log(num_samples)

    return log_prior
