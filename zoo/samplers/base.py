"""The sampler interface, the codes samplers are fitted on, and images decoded from a sampler."""

import abc

import numpy as np
import tensorflow as tf


def stateless_seed(seed, stream=0):
    """TFP's stateless seed (an int32 pair) of the integer `seed` and a `stream`."""
    return tf.cast(tf.stack([tf.cast(seed, tf.int64), tf.constant(stream, tf.int64)]), tf.int32)


class LatentSampler(abc.ABC):
    """A density over latent codes [N, kappa]: `fit`, `sample`, `log_prob` (subclasses set
    `distribution` in `fit`, or override `sample` and `log_prob`)."""

    name = "sampler"
    distribution = None

    @abc.abstractmethod
    def fit(self, codes, seed=0):
        """Fit the density to `codes` [N, kappa] (`seed`: of any randomness); returns self."""

    def _check_fitted(self):
        if self.distribution is None:
            raise ValueError(f"the {self.name} sampler is not fitted: call fit(codes) first")

    def sample(self, num_samples, seed=0):
        """`num_samples` codes [n, kappa], a pure function of the integer `seed`."""
        self._check_fitted()
        return self.distribution.sample(num_samples, seed=stateless_seed(seed))

    def log_prob(self, z):
        """log density of codes `z` [N, kappa], [N]."""
        self._check_fitted()
        return self.distribution.log_prob(tf.convert_to_tensor(z, tf.float32))

    def describe(self):
        """What an export's metadata says of this sampler: its class and settings."""
        settings = {key: value for key, value in vars(self).items()
                    if isinstance(value, (int, float, str, bool, tuple)) and key != "name"}
        return {"class": type(self).__name__, **settings}


def check_codes(codes, minimum=2):
    """`codes` as float32 [N, kappa] with N >= `minimum`, finite; else a ValueError naming it."""
    codes = np.asarray(codes, dtype=np.float32)
    if codes.ndim != 2:
        raise ValueError(f"codes must be [N, latent_dim], got shape {codes.shape}")
    if len(codes) < minimum:
        raise ValueError(f"need at least {minimum} codes to fit, got {len(codes)}")
    if not np.isfinite(codes).all():
        raise ValueError("codes hold NaN or infinite values")
    return codes


def latent_codes(model, images, batch_size=500):
    """The codes samplers are fitted on: the encoder means E[z|x] (a deterministic encoder's
    codes), [N, kappa]; for a two-stage model, its first stage's."""
    from zoo.metrics._batching import posterior_moments

    return posterior_moments(model, images, batch_size)[0]


def decode_samples(model, sampler, num_samples, seed=0):
    """Images in [0, 1]: `model.decode` of `sampler`'s codes (for a two-stage model or VAE+,
    the first stage's decoder, whose codes `latent_codes` gives), in `zoo.experiment.sampling`'s
    chunks and seed scheme."""
    from zoo.experiment import sampling

    return sampling.draw(lambda m, s: model.decode(sampler.sample(m, seed=s)), num_samples, seed)
