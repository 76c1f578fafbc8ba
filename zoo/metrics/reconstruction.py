"""Reconstruction error: squared error summed over pixels, averaged over images."""

import numpy as np
import tensorflow as tf

from zoo.models import losses
from zoo.metrics._batching import batched


def reconstruction_error(model, images, batch_size=500):
    """Mean over images of ||x - x_hat||^2, summed over pixels (not averaged over them).

    ```none
    rec = (1/N) sum_i ||x_i - reconstruct(x_i)||^2
    ```
    `model.reconstruct` decodes the posterior mean (or the deterministic code), the convention of
    the reg-balance paper's Table 1 (e.g. 2.57 on MNIST in [0, 1]). Uses
    `zoo.models.losses.squared_error`.

    Args:
      model: a zoo model with `reconstruct(x)`.
      images: [N, H, W, C] array in the model's data space (e.g. [0, 1]).
    Returns:
      a float.
    """
    per_image = batched(tf.function(lambda x: losses.squared_error(x, model.reconstruct(x))),
                        images, batch_size)
    return float(np.mean(per_image))
