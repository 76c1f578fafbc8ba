"""Two-stage VAE (Dai & Wipf, "Diagnosing and Enhancing VAE Models", ICLR 2019)."""

import keras
import numpy as np
import tensorflow as tf

from zoo.models.base import GenerativeModel, images_of, stateless_normal
from zoo.models.distributions import GaussianDistributions


@keras.saving.register_keras_serializable(package="zoo")
class TwoStageVAE(GaussianDistributions, GenerativeModel):
    """A first-stage GaussianVAE on x and a second-stage GaussianVAE on its latents z.

    Stage 1 trains the first VAE. Stage 2 freezes it and trains the second VAE on a fresh
    z = mu_z(x) + sigma_z(x) * eps drawn every batch, so that its aggregate posterior over u
    matches N(0, I); `zoo.training.train` feeds stage 2 the first stage's posterior moments,
    computed once (`stage_data`), instead of running its encoder on every step. Sampling
    (Dai & Wipf, section 4, and the reference code):

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

    def posterior_moments(self, make_dataset):
        """{"z_mean", "z_log_scale"} [N, latent_dim] arrays of q(z|x) over one pass of
        `make_dataset()` (images or (image, label) pairs), and the sizes of its batches."""
        encode = tf.function(lambda x: self.encode(x, training=False))
        means, log_scales, sizes = [], [], []
        for batch in make_dataset():
            mean, log_scale = encode(images_of(batch))
            means.append(mean.numpy())
            log_scales.append(log_scale.numpy())
            sizes.append(len(means[-1]))
        return ({"z_mean": np.concatenate(means), "z_log_scale": np.concatenate(log_scales)},
                sizes)

    def stage_data(self, stage, make_dataset):
        """Stage 2 trains on the first stage's posterior moments, computed once.

        The frozen first stage enters stage 2 only through (mu_z(x), log sigma_z(x)), which do
        not change during the stage (its BatchNorm runs in inference mode), so one pass over the
        data computes them and every epoch reshuffles them (seeded by the model's `seed`, so a
        resumed stage replays the same order). The loss still draws a fresh z = mu_z +
        sigma_z * eps for every batch; what is saved is the first-stage encoder's forward pass
        on every step (most of a stage-2 step's cost with a conv first stage). The batches keep
        the size and count of `make_dataset()`'s. Other stages, and stage 2 under a
        `tf.distribute` strategy (Keras' distributed `fit` cannot split these dict batches into
        per-replica values): `make_dataset` itself.
        """
        default = tf.distribute.get_strategy()  # the default strategy outside any scope
        if stage != 2 or tf.distribute.has_strategy() or self.distribute_strategy is not default:
            return make_dataset
        moments, sizes = self.posterior_moments(make_dataset)
        equal = len(set(sizes)) == 1  # else only the last batch was short: keep it
        seed = 0 if self.seed is None else self.seed

        def make():
            data = tf.data.Dataset.from_tensor_slices(moments)
            data = data.shuffle(sum(sizes), seed=seed, reshuffle_each_iteration=True)
            return data.batch(sizes[0], drop_remainder=equal).prefetch(tf.data.AUTOTUNE)

        return make

    def loss_terms(self, x, training=False):
        """Stage 1: the first VAE's loss on x. Stage 2: the second VAE's loss on z ~ q(z|x);
        x may also be a batch of `stage_data`'s moments {"z_mean", "z_log_scale"}."""
        if self.stage == 1:
            return self.first.loss_terms(x, training=training)
        if isinstance(x, dict):
            z = self.first.reparameterize(x["z_mean"], x["z_log_scale"])
        else:
            z = self.first.posterior_sample(self.code_of(x), training=False)
        return self.second.loss_terms(tf.stop_gradient(z), training=training)

    def generate(self, noise):
        """u [N, second.latent_dim] -> images, through z = mu_z(u)."""
        return self.decode(self.second.decode(noise))

    def sample(self, num_samples, seed=0):
        """u ~ N(0, I), z = mu_z(u) + sqrt(gamma_z) eps, x = mu_x(z); stateless in `seed`."""
        return self._images_of_noise(self.sample_noise(num_samples, seed), seed)

    def second_stage_reconstruction(self, x, seed=0):
        """`sample`'s images with u drawn from the second stage's aggregate posterior q(u)
        instead of N(0, I): z ~ q(z|x), u ~ q(u|z), then z = mu_z(u) + sqrt(gamma_z) eps,
        x = mu_x(z) as in `sample`. Stateless in `seed`.

        The second stage is trained so that q(u) matches N(0, I) (Dai & Wipf, section 4); both
        image sets go through the same decoders, so the gap between their metrics (FID, NDB)
        is what is left of that mismatch, and these images bound how good the samples can get
        with these decoders (the role of the reconstruction FID in the VAE+ paper's Table 3).
        """
        z = self._stateless_posterior_sample(self.encode(x), seed, 2)
        u = self._stateless_posterior_sample(self.second.encode(z), seed, 3)
        return self._images_of_noise(u, seed)

    def _stateless_posterior_sample(self, moments, seed, stream):
        mean, log_scale = moments
        return mean + tf.exp(log_scale) * stateless_normal(tf.shape(mean), seed, stream)

    def latent_sample(self, num_samples, seed=0):
        """The first-stage codes `sample` decodes: u ~ N(0, I), z = mu_z(u) + sqrt(gamma_z) eps
        (the second stage as a density over z; `zoo.samplers.SecondStageVAE`)."""
        return self._codes_of_noise(self.sample_noise(num_samples, seed), seed)

    def _codes_of_noise(self, u, seed):
        """z = mu_z(u) + sqrt(gamma_z) eps, eps from stream 1 of `seed`."""
        eps = stateless_normal([tf.shape(u)[0], self.latent_dim], seed, 1)
        return self.second.decode(u) + tf.sqrt(self.second.gamma) * eps

    def _images_of_noise(self, u, seed):
        """x = mu_x(z) of z = `_codes_of_noise(u, seed)`."""
        return self.decode(self._codes_of_noise(u, seed))
