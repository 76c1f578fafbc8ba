"""VAE+ (Dai, Wang, Wipf et al., "On the Regularization Balance in Autoencoder-Based Generative
Models", section 4 and supplement Figure 2)."""

import keras
import tensorflow as tf

from zoo.models.base import GenerativeModel
from zoo.models.two_stage_vae import TwoStageVAE


@keras.saving.register_keras_serializable(package="zoo")
class VAEPlus(TwoStageVAE):
    """An unregularized AE, a small skip VAE on its code, then a second-stage VAE.

    Stage 0 trains the AE alone. Stage 1 freezes it and trains the skip VAE (`first`) on the AE
    code c = E(x), with the reconstruction measured in pixel space through the frozen AE decoder:

    ```none
    L_1(x) = ||x - D(mu_c(z))||^2 / (2 gamma) + (d/2) log(2 pi gamma) + KL(q(z|c) || N(0, I))
    ```
    with d the number of pixels. Stage 2 trains the second VAE on z ~ q(z|c) as in
    `TwoStageVAE`. Sampling: u ~ N(0, I) -> z -> c = mu_c(z) -> x = D(c).

    Args:
      ae: `zoo.AE` on the data (its code is a vector).
      first: GaussianVAE mapping AE codes [N, ae.latent_dim] to themselves (use `affine_skip`).
      second: GaussianVAE on [N, first.latent_dim] vectors.

    Example (8 x 8 images, a 6-dim AE code, kappa = 3):

    >>> import numpy as np
    >>> import keras
    >>> from zoo import builders
    >>> ae = builders.mlp_ae((8, 8, 1), latent_dim=6, units=16, encoder_depth=1,
    ...                      decoder_blocks=1)
    >>> model = builders.vae_plus(ae, latent_dim=3, units=16, depth=1)
    >>> model.stages
    (0, 1, 2)
    >>> x = np.random.default_rng(0).uniform(size=(32, 8, 8, 1)).astype("float32")
    >>> for stage in model.stages:
    ...     history = model.fit_stage(stage, x, optimizer=keras.optimizers.Adam(1e-3),
    ...                               batch_size=16, epochs=1, verbose=0)
    >>> model.sample(3, seed=1).shape
    TensorShape([3, 8, 8, 1])
    >>> model.posterior(x[:4]).event_shape                  # q(z|c), c = E(x)
    TensorShape([3])
    """

    stages = (0, 1, 2)
    nested = ("ae", "first", "second")

    def __init__(self, ae, first, second, seed=None, **kwargs):
        if first.input_shape_ != (ae.latent_dim,) or first.output_shape_ != (ae.latent_dim,):
            raise ValueError(f"the skip VAE must map AE codes [N, {ae.latent_dim}] to "
                             f"[N, {ae.latent_dim}]; it maps {first.input_shape_} to "
                             f"{first.output_shape_}")
        GenerativeModel.__init__(self, seed=seed, **kwargs)
        self.ae = ae
        self._attach_stages(first, second, input_shape=ae.input_shape_)

    def stage_models(self):
        return {0: self.ae, 1: self.first, 2: self.second}

    def code_of(self, x):
        return self.ae.encode(x, training=False)

    def encode(self, x, training=False):
        """(mean, log std) of the skip VAE's q(z|c) for c = E(x)."""
        return self.first.encode(self.code_of(x), training=training)

    def decode(self, z, training=False):
        """x = D(mu_c(z)): skip-VAE decoder, then the AE decoder."""
        return self.ae.decode(self.first.decode(z, training=training), training=False)

    def loss_terms(self, x, training=False):
        if self.stage == 0:
            return self.ae.loss_terms(x, training=training)
        if self.stage == 1:
            code = tf.stop_gradient(self.code_of(x))
            return self.first.loss_terms(code, training=training, targets=x,
                                         readout=self.ae.decoder)
        return super().loss_terms(x, training=training)
