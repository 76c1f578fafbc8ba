"""Loss terms shared by the zoo's models, as pure functions of tensors.

Every function returns one value per example (summed over pixels or latent dimensions); the
models average over the batch. Distributions come from TensorFlow Probability, built here in plain
functions; TFP is imported on their first call (it adds about 2 s to `import zoo`, and training
needs only the closed forms below).

References:
  [1] Dai & Wipf, "Diagnosing and Enhancing VAE Models", ICLR 2019.
  [2] Dai, Wang, Aston, Hua & Wipf, "The Usual Suspects? Reassessing Blame for VAE Posterior
      Collapse", ICML 2020 (eq. 4).
  [3] Tolstikhin, Bousquet, Gelly & Schoelkopf, "Wasserstein Auto-Encoders", ICLR 2018.
"""

import math

import tensorflow as tf

IMQ_SCALES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def _flatten(x):
    """[N, ...] -> [N, D], in float32 when `x` is 16-bit (mixed precision)."""
    x = tf.convert_to_tensor(x)
    if x.dtype in (tf.float16, tf.bfloat16):
        x = tf.cast(x, tf.float32)
    return tf.reshape(x, [tf.shape(x)[0], -1])


def squared_error(x, x_hat):
    """Per-example squared error summed over every non-batch dimension: ||x - x_hat||^2."""
    return tf.reduce_sum(tf.square(_flatten(x) - _flatten(x_hat)), axis=-1)


def _tfd():
    """`tfp.distributions`, imported on first use."""
    import tensorflow_probability as tfp

    return tfp.distributions


def posterior(z_mean, z_log_scale):
    """q(z|x) = N(mu_z, diag(sigma_z)^2) with sigma_z = exp(z_log_scale) ([1] eq. 3).

    A `MultivariateNormalDiag`: batch shape [N], event shape [latent_dim].
    """
    return _tfd().MultivariateNormalDiag(loc=z_mean, scale_diag=tf.exp(z_log_scale))


def standard_normal_prior(latent_dim, dtype=tf.float32):
    """p(z) = N(0, I) in `latent_dim` dimensions (batch shape [], event shape [latent_dim])."""
    zeros = tf.zeros([latent_dim], dtype=dtype)
    return _tfd().MultivariateNormalDiag(loc=zeros, scale_diag=tf.ones_like(zeros))


def likelihood(x_mean, log_gamma):
    """p(x|z) = N(mu_x(z), gamma I), gamma a scalar *variance* ([2] eq. 4).

    An `Independent(Normal(mu_x, sqrt(gamma)))` whose event is every non-batch dimension of
    `x_mean` (batch shape [N], event shape e.g. [28, 28, 1]), so that `log_prob(x)` is one value
    per example, equal to `-gaussian_nll(x, x_mean, log_gamma)`:

    ```none
    log p(x|z) = -||x - mu_x||^2 / (2 gamma) - (d/2) log(2 pi gamma),   d = pixels per example
    ```
    """
    x_mean = tf.convert_to_tensor(x_mean)
    if x_mean.dtype in (tf.float16, tf.bfloat16):
        x_mean = tf.cast(x_mean, tf.float32)
    scale = tf.exp(0.5 * tf.cast(log_gamma, x_mean.dtype))
    tfd = _tfd()
    return tfd.Independent(tfd.Normal(loc=x_mean, scale=scale),
                           reinterpreted_batch_ndims=x_mean.shape.rank - 1)


def gaussian_kl(z_mean, z_log_scale):
    """KL(N(mu, diag(sigma^2)) || N(0, I)) per example, summed over latent dimensions.

    The fused closed form of `tfd.kl_divergence(posterior(mu, log sigma),
    standard_normal_prior(d))` (equal to float32 rounding; tests/models/test_losses.py):

    ```none
    KL = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - 2 log sigma_j)
    ```
    """
    return 0.5 * tf.reduce_sum(
        tf.square(z_mean) + tf.exp(2.0 * z_log_scale) - 1.0 - 2.0 * z_log_scale, axis=-1)


def gaussian_kl_per_dimension(z_mean, z_log_scale):
    """The summand of `gaussian_kl`, one value per example and latent dimension."""
    return 0.5 * (tf.square(z_mean) + tf.exp(2.0 * z_log_scale) - 1.0 - 2.0 * z_log_scale)


def gaussian_nll(x, x_mean, log_gamma):
    """-log N(x | x_mean, gamma I) per example, gamma a scalar *variance* ([2] eq. 4, times 1/2).

    The fused form of `-likelihood(x_mean, log_gamma).log_prob(x)` (one reduction of the squared
    error; equal to float32 rounding, tests/models/test_losses.py):

    ```none
    -log p(x|z) = ||x - mu_x||^2 / (2 gamma) + (d/2) log gamma + (d/2) log(2 pi)
    ```
    """
    sq = squared_error(x, x_mean)
    d = tf.cast(tf.reduce_prod(tf.shape(x)[1:]), sq.dtype)
    return 0.5 * sq * tf.exp(-log_gamma) + 0.5 * d * (log_gamma + math.log(2.0 * math.pi))


def imq_mmd(z, z_prior, scales=IMQ_SCALES):
    """Unbiased multi-scale inverse-multiquadratic MMD^2 between two samples ([3], reference code).

    ```none
    k_s(a, b) = C_s / (C_s + ||a - b||^2),   C_s = 2 d_z s,   s in {.1, .2, .5, 1, 2, 5, 10}
    MMD^2 = sum_s [ sum_{i != j} k_s(z_i, z_j) / (n (n - 1))
                  + sum_{i != j} k_s(p_i, p_j) / (n (n - 1))
                  - 2 sum_{i, j} k_s(z_i, p_j) / n^2 ]
    ```
    `z` and `z_prior` are [n, d_z] with the same n >= 2. The U-statistic makes the estimate
    unbiased: its expectation is 0 when both samples come from the same distribution.
    """
    z = tf.convert_to_tensor(z)
    z_prior = tf.convert_to_tensor(z_prior, dtype=z.dtype)
    n = tf.cast(tf.shape(z)[0], z.dtype)
    d_z = tf.cast(tf.shape(z)[1], z.dtype)

    def sq_dists(a, b):
        a2 = tf.reduce_sum(tf.square(a), axis=1, keepdims=True)
        b2 = tf.reduce_sum(tf.square(b), axis=1, keepdims=True)
        return tf.maximum(a2 + tf.transpose(b2) - 2.0 * tf.matmul(a, b, transpose_b=True), 0.0)

    d_qq, d_pp, d_qp = sq_dists(z, z), sq_dists(z_prior, z_prior), sq_dists(z, z_prior)
    off_diagonal = 1.0 - tf.eye(tf.shape(z)[0], dtype=z.dtype)
    total = tf.zeros([], dtype=z.dtype)
    for s in scales:
        c = 2.0 * d_z * s
        k_qq = tf.reduce_sum(off_diagonal * c / (c + d_qq)) / (n * (n - 1.0))
        k_pp = tf.reduce_sum(off_diagonal * c / (c + d_pp)) / (n * (n - 1.0))
        k_qp = tf.reduce_sum(c / (c + d_qp)) / (n * n)
        total += k_qq + k_pp - 2.0 * k_qp
    return total
