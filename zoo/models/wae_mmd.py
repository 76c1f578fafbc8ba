"""Wasserstein autoencoder with the MMD penalty (WAE-MMD)."""

import keras
import tensorflow as tf

from zoo.models import losses
from zoo.models.ae import AE
from zoo.runtime import strategies


@keras.saving.register_keras_serializable(package="zoo")
class WAEMMD(AE):
    """A deterministic autoencoder whose aggregate code distribution is pushed towards N(0, I).

    ```none
    L = reconstruction_scale * mean ||x - x_hat||^2 + mmd_weight * MMD^2_IMQ({z_i}, {p_i}),
    p_i ~ N(0, I)
    ```
    with the unbiased multi-scale IMQ estimator `zoo.models.losses.imq_mmd` (C = 2 d_z s,
    s in {.1, ..., 10}). The defaults are the WAE reference code's CelebA values
    (lambda = 100, reconstruction scale 0.05).

    Reported metrics: `loss`, `reconstruction` (unscaled sum of squares), `mmd`.

    Example (8 x 8 images, a 2-dim code):

    >>> import numpy as np
    >>> from zoo import WAEMMD, networks
    >>> wae = WAEMMD(networks.mlp_encoder((8, 8, 1), 2, units=16, depth=1),
    ...              networks.mlp_decoder(2, (8, 8, 1), units=16), mmd_weight=10.0, seed=0)
    >>> x = np.random.default_rng(0).uniform(size=(32, 8, 8, 1)).astype("float32")
    >>> terms = wae.loss_terms(x)                  # what `fit` minimises and reports
    >>> sorted(terms)
    ['loss', 'mmd', 'reconstruction']
    >>> bool(np.isclose(terms["loss"], 0.05 * terms["reconstruction"] + 10.0 * terms["mmd"]))
    True
    >>> wae.sample(3, seed=1).shape
    TensorShape([3, 8, 8, 1])
    """

    def __init__(self, encoder, decoder, mmd_weight=100.0, reconstruction_scale=0.05, seed=None,
                 **kwargs):
        if mmd_weight < 0 or reconstruction_scale <= 0:
            raise ValueError(f"need mmd_weight >= 0 and reconstruction_scale > 0, got "
                             f"{mmd_weight!r} and {reconstruction_scale!r}")
        super().__init__(encoder, decoder, seed=seed, **kwargs)
        self.mmd_weight = mmd_weight
        self.reconstruction_scale = reconstruction_scale

    def loss_terms(self, x, training=False):
        z = self.encode(x, training)
        rec = tf.reduce_mean(losses.squared_error(x, self.decode(z, training)))
        prior = strategies.replica_normal(tf.shape(z), self.seed_generator)
        mmd = losses.imq_mmd(z, prior)
        return {"loss": self.reconstruction_scale * rec + self.mmd_weight * mmd,
                "reconstruction": rec, "mmd": mmd}

    def get_config(self):
        return {**super().get_config(), "mmd_weight": self.mmd_weight,
                "reconstruction_scale": self.reconstruction_scale}
