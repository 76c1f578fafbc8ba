"""Batched evaluation helpers shared by the metrics (numpy in, numpy out)."""

import numpy as np
import tensorflow as tf


def batched(fn, images, batch_size):
    """Apply `fn` (tensor -> tensor or tuple of tensors) to `images` in batches; concatenate.

    Returns numpy arrays (a tuple when `fn` returns a tuple).
    """
    images = np.asarray(images, dtype=np.float32)
    if len(images) == 0:
        raise ValueError("no images given")
    outputs = []
    for start in range(0, len(images), batch_size):
        out = fn(tf.constant(images[start:start + batch_size]))
        outputs.append(tuple(np.asarray(o) for o in out) if isinstance(out, (tuple, list))
                       else np.asarray(out))
    if isinstance(outputs[0], tuple):
        return tuple(np.concatenate(parts) for parts in zip(*outputs))
    return np.concatenate(outputs)


def posterior_moments(model, images, batch_size=500):
    """(mean, log std) of q(z|x) for every image, [N, latent_dim] each, from `model.encode`.

    For a deterministic encoder (AE, WAE-MMD) the code is returned as the mean and the log std
    is None.
    """
    encode = tf.function(lambda x: model.encode(x))
    out = batched(encode, images, batch_size)
    if isinstance(out, tuple):
        return out[0], out[1]
    return out, None
