"""Importance-weighted log-likelihood (Burda et al. 2015) and bits per dimension."""

import math
import weakref

import numpy as np
import tensorflow as tf

from zoo.models import importance_weights


_FUNCTIONS = weakref.WeakKeyDictionary()


def _log_likelihood_fn(model):
    """A tf.function (x, seed, batch_index, num_chunks, chunk_size, remainder,
    second_stage_samples) -> log p(x) [B].

    The Python ints (`num_chunks`, `chunk_size`, `remainder`, `second_stage_samples`) are
    static: one trace per value. Cached per model; the function holds the model weakly so the
    cache does not keep it alive.
    """
    model_ref = weakref.ref(model)
    latent_dim = model.latent_dim

    def chunk_logsumexp(x, z_mean, z_log_scale, seed, counter, size, second_stage_samples):
        """logsumexp_k log w_k over `size` fresh samples z_k ~ q(z|x), [B], float64; with
        `second_stage_samples` (M > 0), the prior of z is the second stage's, estimated with
        M fresh draws u ~ q(u|z) shared by the chunk's z_k."""
        model = model_ref()
        key = tf.stack([seed, counter])
        eps = tf.random.stateless_normal([size, tf.shape(z_mean)[0], latent_dim], seed=key)
        log_w = importance_weights.log_importance_weights(model, x, z_mean, z_log_scale, eps)
        if second_stage_samples:
            eps_u = tf.random.stateless_normal(
                [second_stage_samples, model.second.latent_dim],
                seed=tf.random.experimental.stateless_fold_in(key, 1))
            log_prior = importance_weights.second_stage_log_prior(model.second, eps_u)
            log_w = importance_weights.with_prior(
                log_w, importance_weights.codes(z_mean, z_log_scale, eps), log_prior)
        return tf.reduce_logsumexp(tf.cast(log_w, tf.float64), axis=0)

    @tf.function(reduce_retracing=True)
    def log_likelihood(x, seed, batch_index, num_chunks, chunk_size, remainder,
                       second_stage_samples):
        model = model_ref()
        z_mean, z_log_scale = model.encode(x)
        batch = tf.shape(x)[0]
        counter0 = tf.cast(batch_index, tf.int64) * (num_chunks + 1)
        acc = tf.fill([batch], tf.constant(-np.inf, tf.float64))
        for i in tf.range(num_chunks):
            chunk = chunk_logsumexp(x, z_mean, z_log_scale, seed,
                                    counter0 + tf.cast(i, tf.int64), chunk_size,
                                    second_stage_samples)
            acc = tf.reduce_logsumexp(tf.stack([acc, chunk]), axis=0)
        if remainder:
            chunk = chunk_logsumexp(x, z_mean, z_log_scale, seed,
                                    counter0 + num_chunks, remainder, second_stage_samples)
            acc = tf.reduce_logsumexp(tf.stack([acc, chunk]), axis=0)
        return acc - math.log(num_chunks * chunk_size + remainder)

    _FUNCTIONS[model] = log_likelihood
    return log_likelihood


def iwae_log_likelihood(model, images, num_samples=5000, chunk_size=100, batch_size=100,
                        seed=0, second_stage_samples=None):
    """Per-image importance-weighted estimate of log p(x), in nats (Burda et al. 2015, eq. 8).

    ```none
    log p(x) ~ logsumexp_{k=1..K} log w_k - log K,
    log w_k = log p(x|z_k) + log p(z_k) - log q(z_k|x),   z_k ~ q(z|x),
    p(x|z) = N(x; model.decode(z), gamma I),  p(z) = N(0, I)
    ```
    K = 5000 in IWAE. The estimate is a lower bound in expectation that tightens as K grows and
    is exact for any K when q(z|x) is the true posterior. The K samples are drawn in chunks of
    `chunk_size` and combined with a running logsumexp, so memory is O(batch_size * chunk_size
    * D) whatever K is; the log weights are accumulated in float64.

    The density is of the data as given (e.g. [0, 1]-scaled pixels): with gamma -> 0 a
    continuous density is unbounded and log p(x) can be very large (reg-balance Table 1 reports
    NLL = -log p(x) down to -806 on MNIST). Use `bits_per_dim` to convert.

    Works for any model with `encode(x) -> (z_mean, z_log_scale)`, `decode(z)` and `log_gamma`
    (GaussianVAE; TwoStageVAE and VAEPlus through their first stage, VAE+ with the AE decoder
    in the likelihood). Deterministic encoders have no q(z|x) and are rejected. With
    `second_stage_samples` = M, a two-stage model's own density: the prior of z is the second
    stage's, estimated inside every log w_k by importance sampling with M draws u ~ q(u|z)
    (`zoo.models.importance_weights`; a nested estimate, also a lower bound in expectation).

    Args:
      model: the VAE.
      images: [N, ...] float array in the model's data space.
      num_samples: K.
      chunk_size: samples per chunk (memory knob).
      batch_size: images per batch (memory knob).
      seed: seed of the stateless sampling; the same seed gives the same estimate.
      second_stage_samples: None (prior N(0, I)), or M for a two-stage model's second stage
        as the prior of z (memory O(batch_size * chunk_size * 10) second-stage rows).
    Returns:
      log p(x) per image, float64 numpy array [N].
    """
    if not model.has_likelihood:
        raise ValueError(f"{type(model).__name__} has no Gaussian decoder variance (log_gamma): "
                         "the IWAE log-likelihood needs a VAE")
    if num_samples < 1 or chunk_size < 1 or batch_size < 1:
        raise ValueError("num_samples, chunk_size and batch_size must be positive")
    if second_stage_samples is not None:
        if importance_weights.second_stage(model) is None:
            raise ValueError(f"second_stage_samples is for two-stage models (TwoStageVAE, "
                             f"VAEPlus); {type(model).__name__} has no second stage")
        if not (isinstance(second_stage_samples, int) and second_stage_samples >= 1):
            raise ValueError(f"second_stage_samples must be a positive integer, got "
                             f"{second_stage_samples!r}")
    images = np.asarray(images, dtype=np.float32)
    chunk_size = min(chunk_size, num_samples)
    num_chunks, remainder = divmod(num_samples, chunk_size)
    fn = _FUNCTIONS.get(model) or _log_likelihood_fn(model)
    seed = tf.constant(seed, tf.int64)
    out = []
    for index, start in enumerate(range(0, len(images), batch_size)):
        out.append(fn(tf.constant(images[start:start + batch_size]), seed,
                      tf.constant(index, tf.int64), num_chunks, chunk_size,
                      remainder, second_stage_samples or 0).numpy())
    return np.concatenate(out)
