"""What each signature of an exported tiny model should return, computed from the in-process
Keras model in float64 NumPy."""

import math

import numpy as np
import tensorflow as tf
from scipy.special import logsumexp

from zoo.saved_model.signatures import SCORE_SEED

NUM_IMPORTANCE_SAMPLES = 12


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
    n, num_dims = x.shape[0], int(np.prod(x.shape[1:]))
    z_mean, z_log_scale = (np.asarray(t, np.float64) for t in model.encode(images))
    d = z_mean.shape[1]
    eps = np.asarray(tf.random.stateless_normal([num_samples, d],
                                                seed=tf.constant(seed, tf.int64)), np.float64)
    z = z_mean[None] + np.exp(z_log_scale)[None] * eps[:, None, :]
    x_mean = np.asarray(model.decode(z.reshape(-1, d).astype(np.float32)), np.float64)
    x_mean = x_mean.reshape(num_samples, n, num_dims)
    gamma = float(model.gamma)
    log_px = (-0.5 * np.sum((x.reshape(1, n, -1) - x_mean) ** 2, -1) / gamma
              - 0.5 * num_dims * math.log(2 * math.pi * gamma))
    log_pz = -0.5 * np.sum(z ** 2, -1) - 0.5 * d * math.log(2 * math.pi)
    log_qz = (-0.5 * np.sum(eps ** 2, -1)[:, None] - np.sum(z_log_scale, -1)[None]
              - 0.5 * d * math.log(2 * math.pi))
    nll = -(logsumexp(log_px + log_pz - log_qz, axis=0) - math.log(num_samples))
    return {"nll": nll,
            "bits_per_dim": (nll + num_dims * math.log(divisor)) / (num_dims * math.log(2))}


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
    if signature == "score":
        return reference_score(model, inputs["images"], num_importance_samples)
    raise ValueError(signature)
