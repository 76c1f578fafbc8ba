"""Deterministic, unregularized autoencoder."""

import keras
import tensorflow as tf

from zoo.models import losses
from zoo.models.base import GenerativeModel


def check_code_size(encoder, decoder):
    """The latent size of a deterministic encoder/decoder pair; a clear error if they disagree."""
    latent_dim = decoder.input_shape[-1]
    if encoder.output_shape[-1] != latent_dim:
        raise ValueError(f"the encoder outputs {encoder.output_shape[-1]} values but the decoder "
                         f"takes {latent_dim}")
    return latent_dim


@keras.saving.register_keras_serializable(package="zoo")
class AE(GenerativeModel):
    """x -> z = f_enc(x) -> x_hat = f_dec(z), trained on the squared error.

    ```none
    L = mean over the batch of ||x - x_hat||^2 (summed over pixels)
    ```
    An unregularized AE has no prior: `generate` decodes standard-normal codes, which is not a
    sample from a generative model. It is the first stage of `VAEPlus`.

    Args:
      encoder: a Keras model mapping inputs to the code [N, latent_dim].
      decoder: a Keras model mapping the code to the reconstruction.
    Reported metrics: `loss`, `reconstruction`.

    Example (8 x 8 images, a 4-dim code):

    >>> import numpy as np
    >>> from zoo import AE, networks
    >>> ae = AE(networks.mlp_encoder((8, 8, 1), 4, units=16, depth=1),
    ...         networks.mlp_decoder(4, (8, 8, 1), units=16))
    >>> x = np.random.default_rng(0).uniform(size=(32, 8, 8, 1)).astype("float32")
    >>> ae.encode(x[:5]).shape, ae.reconstruct(x[:5]).shape
    (TensorShape([5, 4]), TensorShape([5, 8, 8, 1]))
    >>> sorted(ae.loss_terms(x))                   # what `fit` minimises and reports
    ['loss', 'reconstruction']
    """

    nested = ("encoder", "decoder")

    def __init__(self, encoder, decoder, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        latent_dim = check_code_size(encoder, decoder)
        self.encoder = encoder
        self.decoder = decoder
        self.latent_dim = latent_dim
        self.noise_dim = latent_dim
        self.input_shape_ = tuple(encoder.input_shape[1:])
        self.built = True

    def encode(self, x, training=False):
        """The code z [N, latent_dim]."""
        return self.apply_network(self.encoder, x, training)

    def decode(self, z, training=False):
        return self.apply_network(self.decoder, z, training)

    def generate(self, noise):
        return self.decode(noise)

    def loss_terms(self, x, training=False):
        rec = tf.reduce_mean(losses.squared_error(x, self.decode(self.encode(x, training),
                                                                  training)))
        return {"loss": rec, "reconstruction": rec}
