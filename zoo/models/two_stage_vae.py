"""Two-stage VAE (Dai & Wipf, "Diagnosing and Enhancing VAE Models", ICLR 2019)."""

import keras
import tensorflow as tf

from zoo.models.base import GenerativeModel
from zoo.models.distributions import GaussianDistributions


@keras.saving.register_keras_serializable(package="zoo")
class TwoStageVAE(GaussianDistributions, GenerativeModel):
    """A first-stage GaussianVAE on x and a second-stage GaussianVAE on its latents z.

    Stage 1 trains the first VAE. Stage 2 freezes it and trains the second VAE on a fresh
    z = mu_z(x) + sigma_z(x) * eps drawn every batch, so that its aggregate posterior over u
    matches N(0, I). Sampling (Dai & Wipf, section 4, and the reference code):

    ```none
    u ~ N(0, I),  z = mu_z(u) + sqrt(gamma_z) * eps,  x = mu_x(z)
    ```
    where mu_z and gamma_z are the second VAE's decoder mean and variance. `generate(u)` is the
    deterministic part (z = mu_z(u)); `sample` adds the sqrt(gamma_z) * eps term.

    Train stage by stage: `fit_stage(1, data, optimizer=...)`, then `fit_stage(2, ...)`, or
    `set_stage(s)`, `compile(...)`, `fit(...)`. Each stage needs a fresh optimizer.

    Args:
      first: GaussianVAE on the data.
      second: GaussianVAE whose inputs and outputs are [N, first.latent_dim] vectors.

    `posterior`, `prior` and `likelihood` are those of the first stage (q(z|x), N(0, I),
    p(x|z)); the second stage's are `model.second.posterior(z)` etc. Example (8 x 8 images):

    >>> import numpy as np
    >>> import keras
    >>> from zoo import builders
    >>> first = builders.mlp_vae((8, 8, 1), latent_dim=2, units=16, encoder_depth=1,
    ...                          decoder_blocks=1)
    >>> model = builders.two_stage_vae(first, units=16, depth=1)
    >>> x = np.random.default_rng(0).uniform(size=(32, 8, 8, 1)).astype("float32")
    >>> for stage in model.stages:
    ...     history = model.fit_stage(stage, x, optimizer=keras.optimizers.Adam(1e-3),
    ...                               batch_size=16, epochs=1, verbose=0)
    >>> model.sample(3, seed=1).shape
    TensorShape([3, 8, 8, 1])
    >>> model.likelihood(model.prior().sample(4, seed=2)).event_shape
    TensorShape([8, 8, 1])
    """

    stages = (1, 2)
    nested = ("first", "second")
    has_likelihood = True  # the first stage's p(x|z)

    def __init__(self, first, second, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self._attach_stages(first, second, input_shape=first.input_shape_)

    def _attach_stages(self, first, second, input_shape):
        """Keep the two VAEs, check that they fit together, and start at the first stage."""
        code_dim = first.latent_dim
        if second.input_shape_ != (code_dim,) or second.output_shape_ != (code_dim,):
            raise ValueError(f"the second-stage VAE must map [N, {code_dim}] vectors to "
                             f"[N, {code_dim}]; it maps {second.input_shape_} to "
                             f"{second.output_shape_}")
        self.first = first
        self.second = second
        self.latent_dim = code_dim
        self.noise_dim = second.latent_dim
        self.input_shape_ = input_shape
        self.set_stage(self.stages[0])
        self.built = True

    def stage_models(self):
        """Stage number -> the sub-model trained in that stage."""
        return {1: self.first, 2: self.second}

    def set_stage(self, stage):
        """Make only `stage`'s sub-model trainable; compile afterwards with a fresh optimizer."""
        models = self.stage_models()
        if stage not in models:
            raise ValueError(f"{type(self).__name__} has stages {sorted(models)}, got {stage!r}")
        for number, model in models.items():
            model.trainable = number == stage
        self.stage = stage

    def fit_stage(self, stage, *args, optimizer, compile_kwargs=None, **fit_kwargs):
        """`set_stage(stage)`, `compile(optimizer, **compile_kwargs)`, `fit(*args, **fit_kwargs)`."""
        self.set_stage(stage)
        self.compile(optimizer=optimizer, **(compile_kwargs or {}))
        return self.fit(*args, **fit_kwargs)

    @property
    def log_gamma(self):
        """log of the first stage's decoder variance (the likelihood of x)."""
        return self.first.log_gamma

    @property
    def gamma(self):
        return self.first.gamma

    def decoder_variances(self):
        return {"first": self.first.gamma, "second": self.second.gamma}

    def encode(self, x, training=False):
        """(mean, log std) of the first stage's q(z|x)."""
        return self.first.encode(x, training=training)

    def decode(self, z, training=False):
        return self.first.decode(z, training=training)

    def code_of(self, x):
        """The first stage's input for x (the data itself here; the AE code in VAE+)."""
        return x

    def loss_terms(self, x, training=False):
        if self.stage == 1:
            return self.first.loss_terms(x, training=training)
        z = self.first.posterior_sample(self.code_of(x), training=False)
        return self.second.loss_terms(tf.stop_gradient(z), training=training)

    def generate(self, noise):
        """u [N, second.latent_dim] -> images, through z = mu_z(u)."""
        return self.decode(self.second.decode(noise))

    def sample(self, num_samples, seed=0):
        """u ~ N(0, I), z = mu_z(u) + sqrt(gamma_z) eps, x = mu_x(z); stateless in `seed`."""
        u = self.sample_noise(num_samples, seed)
        eps_seed = tf.stack([tf.cast(seed, tf.int64), tf.constant(1, tf.int64)])
        eps = tf.random.stateless_normal([num_samples, self.latent_dim], seed=eps_seed)
        z = self.second.decode(u) + tf.sqrt(self.second.gamma) * eps
        return self.decode(z)
