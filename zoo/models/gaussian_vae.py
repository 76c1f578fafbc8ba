"""Gaussian VAE with a learnable (or fixed) scalar decoder variance gamma."""

import math

import keras
import tensorflow as tf

from zoo.models import losses
from zoo.models.base import GenerativeModel
from zoo.models.distributions import GaussianDistributions
from zoo.networks._dtypes import OUTPUT_DTYPE
from zoo.runtime import strategies

POSTERIOR_SCALES = ("exp", "softplus")
SOFTPLUS_FLOOR = 1e-6
GAMMA_PARAMETERIZATIONS = ("variance", "std")
ANALYTIC_GAMMA_FLOOR = 1e-6


@keras.saving.register_keras_serializable(package="zoo")
class GaussianVAE(GaussianDistributions, GenerativeModel):
    """q(z|x) = N(mu_z(x), diag(sigma_z(x))^2), p(z) = N(0, I), p(x|z) = N(mu_x(z), gamma I).

    gamma is a **variance** (the papers' convention) in the API, the metrics and the reports. It
    is a scalar, learned with everything else when `gamma="learnable"`, held at a fixed float,
    or set to its optimum on every training batch with `gamma="analytic"`. A learned gamma is
    stored, as the two-stage reference code does (its `loggamma_x` is a standard deviation), as
    log sigma_x with gamma = sigma_x^2 (`gamma_parameterization="std"`, the default), or as log
    gamma (`"variance"`, the default before `recipes.mnist_budget` measured the two). The two
    define the same model but not the same optimisation: Adam moves a
    parameter by about the learning rate per step, so log gamma moves about twice as fast per
    step when log sigma_x is the parameter. The analytic option is the calibrated-decoder VAE
    (Rybkin et al. 2021): for fixed decoder outputs the loss is minimised by the mean squared
    error per dimension of the batch, used with no gradient through it:

    ```none
    gamma* = (1 / (N d)) sum_i ||x_i - mu_x(z_i)||^2      (floored at 1e-6)
    ```
    and remembered (the `log_gamma` variable) for evaluation, the likelihood and the export.
    The loss per example is the negative
    ELBO of the usual-suspects paper (eq. 4, times 1/2), summed over pixels and latent
    dimensions and averaged over the batch:

    ```none
    L(x) = ||x - mu_x(z)||^2 / (2 gamma) + (d/2) log(2 pi gamma) + beta KL(q(z|x) || p(z)),
    z = mu_z + sigma_z * eps,  eps ~ N(0, I)
    ```
    with beta = min(1, step / kl_warmup_steps) (KL warm-start) or 1. With `affine_skip` the
    decoder mean gains an affine path from z (reg-balance eq. 5):

    ```none
    mu_x = f_theta(z) + W_x z + b_x
    ```

    Args:
      encoder: a Keras model mapping inputs to 2 * latent_dim values (mean, log std of q(z|x)).
      decoder: a Keras model mapping z [N, latent_dim] to the mean of x (any output shape).
      gamma: "learnable", "analytic" (the batch optimum, see above) or a positive float (a fixed
        variance).
      gamma_init: the initial variance when learnable (and before the first analytic batch).
      gamma_parameterization: what a learnable gamma's variable is: "std" (log sigma_x, the
        two-stage reference code's choice; the default) or "variance" (log gamma). At batch 100
        and 32 epochs on MNIST, "std" reached a lower test reconstruction error with fewer
        active units (`recipes.mnist_budget`'s results.md). Configs saved without this key load
        as "variance", their meaning when they were saved.
      affine_skip: add W_x z + b_x to the decoder mean (eq. 5).
      kl_warmup_steps: length of the linear KL warm-start in training steps (0: none).
      posterior_scale: how the encoder's second half h gives sigma_z: "exp" (h is log sigma_z)
        or "softplus" (sigma_z = softplus(h) + 1e-6, the two-stage reference code's choice).
        "softplus" grows linearly, so a spike in h (BatchNorm in training mode produces them)
        costs a KL quadratic in h instead of exponential.
      seed: seed of the reparameterisation noise.
    Reported metrics: `loss`, `reconstruction` (sum of squares), `kl`, `gamma`.

    The distributions are TFP objects (`zoo.models.distributions`): `posterior(x)` = q(z|x),
    `prior()` = p(z), `likelihood(z)` = p(x|z). Example (8 x 8 images, 2 latents):

    >>> import numpy as np
    >>> import tensorflow_probability as tfp
    >>> from zoo import GaussianVAE, networks
    >>> vae = GaussianVAE(networks.mlp_encoder((8, 8, 1), 2 * 2, units=16, depth=1),
    ...                   networks.mlp_decoder(2, (8, 8, 1), units=16), seed=0)
    >>> x = np.random.default_rng(0).uniform(size=(32, 8, 8, 1)).astype("float32")
    >>> vae.compile(optimizer="adam")
    >>> history = vae.fit(x, batch_size=16, epochs=1, verbose=0)
    >>> sorted(history.history)
    ['gamma', 'kl', 'loss', 'nonfinite_step', 'nonfinite_steps_after', 'reconstruction']
    >>> vae.sample(3, seed=1).shape
    TensorShape([3, 8, 8, 1])
    >>> q = vae.posterior(x[:4])                       # q(z|x): batch [4], event [2]
    >>> z = q.sample(seed=2)
    >>> elbo = vae.likelihood(z).log_prob(x[:4]) - tfp.distributions.kl_divergence(q, vae.prior())
    >>> elbo.shape
    TensorShape([4])
    """

    nested = ("encoder", "decoder")
    has_likelihood = True

    def __init__(self, encoder, decoder, gamma="learnable", gamma_init=1.0, affine_skip=False,
                 kl_warmup_steps=0, posterior_scale="exp", gamma_parameterization="std",
                 seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        learnable, analytic = gamma == "learnable", gamma == "analytic"
        if not (learnable or analytic) and not (isinstance(gamma, (int, float)) and gamma > 0):
            raise ValueError(f"gamma must be 'learnable', 'analytic' or a positive float, got "
                             f"{gamma!r}")
        if gamma_parameterization not in GAMMA_PARAMETERIZATIONS:
            raise ValueError(f"gamma_parameterization must be one of {GAMMA_PARAMETERIZATIONS}, "
                             f"got {gamma_parameterization!r}")
        if not gamma_init > 0:
            raise ValueError(f"gamma_init must be positive, got {gamma_init!r}")
        if posterior_scale not in POSTERIOR_SCALES:
            raise ValueError(f"posterior_scale must be one of {POSTERIOR_SCALES}, got "
                             f"{posterior_scale!r}")
        if kl_warmup_steps < 0:
            raise ValueError(f"kl_warmup_steps must be >= 0, got {kl_warmup_steps!r}")
        latent_dim = decoder.input_shape[-1]
        if encoder.output_shape[-1] != 2 * latent_dim:
            raise ValueError(
                f"the encoder must output 2 * latent_dim = {2 * latent_dim} values (posterior "
                f"mean and log std) for a decoder with {latent_dim} inputs; it outputs "
                f"{encoder.output_shape[-1]}")

        # Layers.
        self.encoder = encoder
        self.decoder = decoder
        self.output_shape_ = tuple(decoder.output_shape[1:])
        self.skip = None
        if affine_skip:
            self.skip = keras.layers.Dense(math.prod(self.output_shape_), name="affine_skip",
                                           dtype=OUTPUT_DTYPE)
            self.skip.build((None, latent_dim))
        # The decoder scale's variable: log gamma, or log sigma_x = (log gamma) / 2.
        self._scale_exponent = 2.0 if learnable and gamma_parameterization == "std" else 1.0
        initial_gamma = float(gamma) if not (learnable or analytic) else gamma_init
        self.decoder_scale = self.add_weight(
            shape=(), name="log_sigma_x" if self._scale_exponent == 2.0 else "log_gamma",
            trainable=learnable, initializer=keras.initializers.Constant(
                math.log(initial_gamma) / self._scale_exponent),
            aggregation="mean" if analytic else "none")  # analytic: replicas' batches average
        self.kl_step = None
        if kl_warmup_steps:
            self.kl_step = self.add_weight(shape=(), name="kl_step", dtype="int64",
                                           trainable=False, initializer="zeros")

        # Config.
        self.latent_dim = latent_dim
        self.noise_dim = latent_dim
        self.input_shape_ = tuple(encoder.input_shape[1:])
        self.gamma_setting = gamma
        self.gamma_init = gamma_init
        self.affine_skip = affine_skip
        self.kl_warmup_steps = kl_warmup_steps
        self.posterior_scale = posterior_scale
        self.gamma_parameterization = gamma_parameterization
        self.built = True

    @classmethod
    def from_config(cls, config):
        # Saved before the option existed: a learnable gamma's variable was log gamma.
        return super().from_config({"gamma_parameterization": "variance", **config})

    @property
    def log_gamma(self):
        """log gamma: the decoder scale's variable itself, or 2 log sigma_x."""
        if self._scale_exponent == 1.0:
            return self.decoder_scale
        return self._scale_exponent * self.decoder_scale

    @property
    def gamma(self):
        """The decoder variance gamma = exp(log gamma)."""
        return tf.exp(self.log_gamma)

    def decoder_variances(self):
        return {"gamma": self.gamma}

    def encode(self, x, training=False):
        """(mean, log std) of q(z|x), each [N, latent_dim] and float32 (mixed precision too)."""
        stats = tf.cast(self.apply_network(self.encoder, x, training), tf.float32)
        z_mean, head = stats[:, :self.latent_dim], stats[:, self.latent_dim:]
        if self.posterior_scale == "softplus":
            return z_mean, tf.math.log(tf.nn.softplus(head) + SOFTPLUS_FLOOR)
        return z_mean, head

    def decode(self, z, training=False):
        """The decoder mean mu_x(z), with the affine skip when enabled; float32."""
        x_mean = tf.cast(self.apply_network(self.decoder, z, training), tf.float32)
        if self.skip is not None:
            x_mean = x_mean + tf.reshape(tf.cast(self.skip(z), tf.float32), tf.shape(x_mean))
        return x_mean

    def generate(self, noise):
        """Decode standard-normal noise [N, latent_dim] (prior samples)."""
        return self.decode(noise)

    def reparameterize(self, z_mean, z_log_scale):
        """z = mu_z + sigma_z * eps with fresh eps ~ N(0, I) from the model's seed generator
        (independent per replica under tf.distribute: `strategies.replica_normal`)."""
        eps = strategies.replica_normal(tf.shape(z_mean), self.seed_generator)
        return z_mean + tf.exp(z_log_scale) * eps

    def posterior_sample(self, x, training=False):
        """One reparameterised z ~ q(z|x) per input."""
        return self.reparameterize(*self.encode(x, training=training))

    def kl_weight(self, training):
        """beta of the KL warm-start: min(1, step / kl_warmup_steps) while training, else 1."""
        if self.kl_step is None or not training:
            return tf.constant(1.0)
        step = self.kl_step.assign_add(1)
        return tf.minimum(1.0, tf.cast(step, tf.float32) / float(self.kl_warmup_steps))

    def loss_terms(self, x, training=False, targets=None, readout=None):
        """Batch-mean loss terms: the negative ELBO of the distributions, fused.

        ```none
        loss = mean_x [ -likelihood(z).log_prob(x) + beta kl_divergence(posterior(x), prior()) ]
             = mean_x [ gaussian_nll(x, mu_x(z), log gamma) + beta gaussian_kl(mu_z, log sigma_z) ]
        ```
        with one z = mu_z + sigma_z * eps per image. The closed forms of `zoo.models.losses` are
        used because they are faster than TFP's `log_prob` / `kl_divergence` (about half the
        graph ops of the loss) and equal to them to 1e-5 (tests/models/test_distributions.py).
        `readout` maps the decoder mean into the space of `targets` (VAE+ measures the
        reconstruction in pixel space through a frozen AE decoder)."""
        z_mean, z_log_scale = self.encode(x, training=training)
        x_mean = self.decode(self.reparameterize(z_mean, z_log_scale), training=training)
        if readout is not None:
            x_mean = readout(x_mean)
        targets = x if targets is None else targets
        log_gamma = self.log_gamma
        if self.gamma_setting == "analytic" and training:
            log_gamma = self._analytic_log_gamma(targets, x_mean)
        nll = losses.gaussian_nll(targets, x_mean, log_gamma)
        kl = losses.gaussian_kl(z_mean, z_log_scale)
        loss = tf.reduce_mean(nll + self.kl_weight(training) * kl)
        return {"loss": loss,
                "reconstruction": tf.reduce_mean(losses.squared_error(targets, x_mean)),
                "kl": tf.reduce_mean(kl),
                "gamma": tf.exp(log_gamma)}

    def _analytic_log_gamma(self, targets, x_mean):
        """log of the batch's mean squared error per dimension (no gradient), also stored."""
        squared = losses.squared_error(targets, x_mean)
        dims = tf.cast(tf.reduce_prod(tf.shape(targets)[1:]), squared.dtype)
        gamma = tf.maximum(tf.reduce_mean(squared) / dims, ANALYTIC_GAMMA_FLOOR)
        log_gamma = tf.stop_gradient(tf.math.log(gamma))
        self.decoder_scale.assign(log_gamma)
        return log_gamma

    def get_config(self):
        return {**super().get_config(), "gamma": self.gamma_setting,
                "gamma_init": self.gamma_init, "affine_skip": self.affine_skip,
                "kl_warmup_steps": self.kl_warmup_steps,
                "posterior_scale": self.posterior_scale,
                "gamma_parameterization": self.gamma_parameterization}
