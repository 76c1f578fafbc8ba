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
    """Dense(x @ (kernel * mask) + bias) with MADE's mask: input i (degree `in_degrees[i]`)
    reaches output j (degree `out_degrees[j]`) where out >= in, or out > in if `strict`.

    The mask is computed in the graph from the two degree vectors, so an export holds
    len(in) + len(out) integers, not the [in, out] matrix in every traced function."""

    def __init__(self, in_degrees, out_degrees, strict=False, activation=None, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.in_degrees = np.asarray(in_degrees, dtype=np.int32)
        self.out_degrees = np.asarray(out_degrees, dtype=np.int32)
        self.strict = bool(strict)
        self.activation = keras.activations.get(activation)
        self.seed = seed

    def build(self, input_shape):
        shape = (len(self.in_degrees), len(self.out_degrees))
        self.kernel = self.add_weight(shape=shape, name="kernel",
                                      initializer=keras.initializers.GlorotUniform(self.seed))
        self.bias = self.add_weight(shape=shape[1:], name="bias", initializer="zeros")

    @property
    def mask(self):
        """The [in, out] 0/1 mask (float, the kernel's dtype)."""
        compare = keras.ops.greater if self.strict else keras.ops.greater_equal
        allowed = compare(self.out_degrees[None, :], self.in_degrees[:, None])
        return keras.ops.cast(allowed, self.kernel.dtype)

    def call(self, x):
        return self.activation(keras.ops.matmul(x, self.kernel * self.mask) + self.bias)

    def get_config(self):
        return {**super().get_config(), "in_degrees": self.in_degrees.tolist(),
                "out_degrees": self.out_degrees.tolist(), "strict": self.strict,
                "activation": keras.activations.serialize(self.activation), "seed": self.seed}


def made_degrees(dim, hidden_units):
    """MADE's degrees: inputs 1..dim, hidden layers cycling 1..dim-1, and 2 * dim outputs
    (shift, log scale) of degrees 1..dim each. Hidden units see inputs of degree <= theirs,
    outputs only inputs of degree < theirs (the last layer's mask is strict)."""
    degrees = [np.arange(1, dim + 1)]
    for units in hidden_units:
        degrees.append(np.arange(units) % max(1, dim - 1) + 1)
    return degrees + [np.tile(np.arange(1, dim + 1), 2)]


class MADE(keras.layers.Layer):
    """x [N, dim] -> (shift, log scale) [N, dim] each, output i a function of x_<i only."""

    def __init__(self, dim, hidden_units=(256, 256), seed=0, **kwargs):
        super().__init__(**kwargs)
        self.dim, self.hidden_units, self.seed = dim, tuple(hidden_units), seed
        degrees = made_degrees(dim, self.hidden_units)
        last = len(degrees) - 2
        self.dense = [MaskedDense(d_in, d_out, strict=i == last,
                                  activation=None if i == last else "relu", seed=seed + i)
                      for i, (d_in, d_out) in enumerate(zip(degrees, degrees[1:]))]

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
