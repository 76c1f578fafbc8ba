"""A masked autoregressive flow over latent codes (Papamakarios et al. 2017, "Masked
Autoregressive Flow for Density Estimation"), on MADE networks (Germain et al. 2015) in Keras 3.

```none
z = mean + std * f_L(... f_1(eps)),  eps ~ N(0, I)
f_l(x)_i = x_i exp(a_i(y_<i)) + m_i(y_<i)      (y = f_l(x); a, m: one MADE's outputs)
log p(z) = log N(eps; 0, I) - sum_l log |det df_l/dx| - sum_i log std_i
```
Layers alternate with a reversal of the dimensions. The density (the inverse direction) is one
pass of every MADE, sampling `latent_dim` passes (`tfp.bijectors.MaskedAutoregressiveFlow`).
`a` is kept in (-3, 3) (3 tanh(a / 3)) so no layer scales by more than e^3. Fitted by Adam on
the mean negative log-likelihood of the codes, standardised first (`mean`, `std`).
"""

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

import keras

from zoo.samplers.base import LatentSampler, check_codes

tfb, tfd = tfp.bijectors, tfp.distributions
LOG_SCALE_BOUND = 3.0


class MaskedDense(keras.layers.Layer):
    """Dense(x @ (kernel * mask) + bias): a layer whose input i reaches output j only where
    mask[i, j] is 1 (MADE's autoregressive masks)."""

    def __init__(self, mask, activation=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.mask = np.asarray(mask, dtype=np.float32)
        self.activation = keras.activations.get(activation)
        self.seed = seed

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=self.mask.shape, name="kernel",
                                      initializer=keras.initializers.GlorotUniform(self.seed))
        self.bias = self.add_weight(shape=(self.mask.shape[1],), name="bias",
                                    initializer="zeros")

    def call(self, x):
        return self.activation(keras.ops.matmul(x, self.kernel * self.mask) + self.bias)

    def get_config(self):
        return {**super().get_config(), "mask": self.mask.tolist(),
                "activation": keras.activations.serialize(self.activation), "seed": self.seed}


def made_masks(dim, hidden_units):
    """MADE's masks for inputs of degrees 1..dim, hidden layers of degrees cycling 1..dim-1,
    and 2 * dim outputs (shift, log scale) of degrees 1..dim each: hidden units see inputs of
    degree <= theirs, outputs only inputs of degree < theirs."""
    degrees = [np.arange(1, dim + 1)]
    for units in hidden_units:
        degrees.append(np.arange(units) % max(1, dim - 1) + 1)
    masks = [(d_out[None, :] >= d_in[:, None]) for d_in, d_out in zip(degrees, degrees[1:])]
    outputs = np.tile(np.arange(1, dim + 1), 2)
    return masks + [outputs[None, :] > degrees[-1][:, None]]


class MADE(keras.layers.Layer):
    """x [N, dim] -> (shift, log scale) [N, dim] each, output i a function of x_<i only."""

    def __init__(self, dim, hidden_units=(256, 256), seed=0, **kwargs):
        super().__init__(**kwargs)
        self.dim, self.hidden_units, self.seed = dim, tuple(hidden_units), seed
        masks = made_masks(dim, self.hidden_units)
        self.dense = [MaskedDense(mask, activation="relu" if i < len(masks) - 1 else None,
                                  seed=seed + i) for i, mask in enumerate(masks)]

    def call(self, x):
        for layer in self.dense:
            x = layer(x)
        shift, log_scale = x[..., :self.dim], x[..., self.dim:]
        return shift, LOG_SCALE_BOUND * keras.ops.tanh(log_scale / LOG_SCALE_BOUND)

    def get_config(self):
        return {**super().get_config(), "dim": self.dim, "hidden_units": list(self.hidden_units),
                "seed": self.seed}


class MaskedAutoregressiveFlow(LatentSampler):
    """A `layers`-layer MAF fitted to the codes (module docstring).

    Args:
      layers: MAF layers (each one MADE).
      hidden_units: the hidden layer widths of every MADE.
      epochs, batch_size, learning_rate: Adam on the mean NLL of the codes.
    """

    name = "flow"

    def __init__(self, layers=4, hidden_units=(256, 256), epochs=30, batch_size=256,
                 learning_rate=1e-3):
        self.layers, self.hidden_units = int(layers), tuple(hidden_units)
        self.epochs, self.batch_size, self.learning_rate = epochs, batch_size, learning_rate
        self.history = []

    def _build(self, dim, seed):
        self.networks = [MADE(dim, self.hidden_units, seed=seed + 100 * i)
                         for i in range(self.layers)]
        for network in self.networks:
            network(tf.zeros([1, dim]))
        bijectors = [tfb.Shift(self.mean), tfb.Scale(self.std)]
        for i, network in enumerate(reversed(self.networks)):
            if i:
                bijectors.append(tfb.Permute(list(range(dim))[::-1]))
            bijectors.append(tfb.MaskedAutoregressiveFlow(shift_and_log_scale_fn=network))
        self.distribution = tfd.TransformedDistribution(
            tfd.MultivariateNormalDiag(loc=tf.zeros([dim])), tfb.Chain(bijectors))

    def fit(self, codes, seed=0):
        codes = check_codes(codes)
        self.mean = codes.mean(axis=0)
        self.std = np.maximum(codes.std(axis=0), 1e-6).astype(np.float32)
        self._build(codes.shape[1], seed)
        variables = [v for network in self.networks for v in network.trainable_variables]
        optimizer = keras.optimizers.Adam(self.learning_rate)

        @tf.function
        def step(batch):
            with tf.GradientTape() as tape:
                loss = -tf.reduce_mean(self.distribution.log_prob(batch))
            optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
            return loss

        batches = (tf.data.Dataset.from_tensor_slices(codes)
                   .shuffle(len(codes), seed=seed, reshuffle_each_iteration=True)
                   .batch(self.batch_size))
        for _ in range(self.epochs):
            losses = [float(step(batch)) for batch in batches]
            self.history.append(float(np.mean(losses)))
        return self
