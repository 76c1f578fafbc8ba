"""What each signature of an exported tiny model should return, computed from the in-process
Keras model in float64 NumPy."""

import math

import numpy as np
import tensorflow as tf
from scipy.special import logsumexp

from zoo.saved_model.signatures import SCORE_SEED

NUM_IMPORTANCE_SAMPLES = 12
SECOND_STAGE_SAMPLES = 100  # the exporter's default M


def reference_score(model, images, num_samples, divisor=256.0, seed=SCORE_SEED):
    """Importance-weighted -log p(x) and bits/dim in float64 NumPy from `model.encode/decode`.

    ```none
    z_k = mu + sigma * eps_k,  eps_k ~ N(0, I) (stateless, shared by all images)
    log w_k = -||x - mu_x(z_k)||^2 / (2 gamma) - (D/2) log(2 pi gamma)      log p(x | z_k)
              - ||z_k||^2 / 2 - (d/2) log(2 pi)                            log p(z_k)
              + ||eps_k||^2 / 2 + sum log sigma + (d/2) log(2 pi)          -log q(z_k | x)
    nll = -(logsumexp_k log w_k - log K),  bpd = (nll + D log divisor) / (D log 2)
    ```
    """
    x = np.asarray(images, np.float64)
    nll, bpd = _nll_and_bpd(_log_weights(model, x, _draws(num_samples, model.latent_dim, seed)),
                            x, divisor)
    return {"nll": nll, "bits_per_dim": bpd}


def _log_weights(model, x, eps, log_prior=None):
    """log w [K, N] and the codes z [K, N, L] of `reference_score`, float64; `log_prior` maps
    z [B, L] to log p(z) [B] (None: N(0, I))."""
    n, num_dims = x.shape[0], int(np.prod(x.shape[1:]))
    z_mean, z_log_scale = (np.asarray(t, np.float64) for t in model.encode(x.astype(np.float32)))
    num_samples, d = eps.shape
    z = z_mean[None] + np.exp(z_log_scale)[None] * eps[:, None, :]
    x_mean = np.asarray(model.decode(z.reshape(-1, d).astype(np.float32)), np.float64)
    x_mean = x_mean.reshape(num_samples, n, num_dims)
    gamma = float(model.gamma)
    log_px = (-0.5 * np.sum((x.reshape(1, n, -1) - x_mean) ** 2, -1) / gamma
              - 0.5 * num_dims * math.log(2 * math.pi * gamma))
    if log_prior is None:
        log_pz = -0.5 * np.sum(z ** 2, -1) - 0.5 * d * math.log(2 * math.pi)
    else:
        log_pz = log_prior(z.reshape(-1, d)).reshape(num_samples, n)
    log_qz = (-0.5 * np.sum(eps ** 2, -1)[:, None] - np.sum(z_log_scale, -1)[None]
              - 0.5 * d * math.log(2 * math.pi))
    return log_px + log_pz - log_qz


def reference_two_stage_score(model, images, num_samples, second_stage_samples, seed=SCORE_SEED):
    """The two-stage `score` in float64 NumPy: `reference_score`'s weights with the prior of z
    the second stage's density, itself importance-sampled with M draws u ~ q(u|z) (stream
    [seed, 1 + seed's second element], shared by every z):

    ```none
    log p(z) = logsumexp_m [log N(z | mu_z(u_m), gamma_z I) + log N(u_m | 0, I)
                            - log q(u_m | z)] - log M
    ```
    """
    x = np.asarray(images, np.float64)
    eps = _draws(num_samples, model.latent_dim, seed)
    eps_u = _draws(second_stage_samples, model.second.latent_dim, (seed[0], seed[1] + 1))

    def log_prior(z):
        log_v = _log_weights(model.second, z, eps_u)
        return logsumexp(log_v, axis=0) - math.log(second_stage_samples)

    first_nll, first_bpd = _nll_and_bpd(_log_weights(model, x, eps), x)
    nll, bpd = _nll_and_bpd(_log_weights(model, x, eps, log_prior), x)
    return {"nll": nll, "bits_per_dim": bpd, "first_stage_nll": first_nll,
            "first_stage_bits_per_dim": first_bpd}


def _draws(num, dim, seed):
    return np.asarray(tf.random.stateless_normal([num, dim], seed=tf.constant(seed, tf.int64)),
                      np.float64)


def _nll_and_bpd(log_w, x, divisor=256.0):
    num_dims = int(np.prod(x.shape[1:]))
    nll = -(logsumexp(log_w, axis=0) - math.log(log_w.shape[0]))
    return nll, (nll + num_dims * math.log(divisor)) / (num_dims * math.log(2))


def reference_outputs(model, signature, inputs, num_importance_samples):
    """Output name -> expected array of `signature` for the keyword `inputs` (NumPy)."""
    clip = lambda images: np.clip(np.asarray(images), 0.0, 1.0)  # noqa: E731
    if signature == "encode":
        code = model.encode(inputs["images"])
        if isinstance(code, tuple):
            return {"z_mean": np.asarray(code[0]), "z_log_scale": np.asarray(code[1])}
        return {"z": np.asarray(code)}
    if signature == "decode":
        return {"images": clip(model.decode(inputs["z"]))}
    if signature == "reconstruct":
        return {"images": clip(model.reconstruct(inputs["images"]))}
    if signature in ("generate", "serving_default"):
        return {"images": clip(model.generate(inputs["noise"]))}
    if signature == "sample":
        num_samples = int(inputs["num_samples"])
        if num_samples == 0:  # Eager Keras fails on empty batches; the serving graph does not.
            return {"images": np.zeros((0, *model.input_shape_), np.float32)}
        return {"images": clip(model.sample(num_samples, int(inputs["seed"])))}
    if signature == "score" and hasattr(model, "second"):
        return reference_two_stage_score(model, inputs["images"], num_importance_samples,
                                         SECOND_STAGE_SAMPLES)
    if signature == "score":
        return reference_score(model, inputs["images"], num_importance_samples)
    raise ValueError(signature)
