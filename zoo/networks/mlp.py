"""Fully connected networks: the reg-balance MNIST MLP and a plain deep MLP.

The MNIST MLP of the regularization-balance paper (section 5, Table 1): an encoder of 6 dense
layers and a decoder of 3 residual blocks of 2 dense layers, all with 200 tanh units.
"""

import math

import keras

from zoo.networks._dtypes import OUTPUT_DTYPE


def mlp_encoder(input_shape, output_dim, units=200, depth=6, activation="tanh",
                name="mlp_encoder"):
    """x -> flatten -> `depth` x Dense(units, activation) -> Dense(output_dim) (linear)."""
    inputs = keras.Input(shape=tuple(input_shape), name="x")
    h = keras.layers.Flatten()(inputs)
    for i in range(depth):
        h = keras.layers.Dense(units, activation=activation, name=f"dense_{i}")(h)
    outputs = keras.layers.Dense(output_dim, name="head", dtype=OUTPUT_DTYPE)(h)
    return keras.Model(inputs, outputs, name=name)


def residual_mlp_decoder(latent_dim, output_shape, units=200, blocks=3, activation="tanh",
                         output_activation="sigmoid", name="residual_mlp_decoder"):
    """z -> Dense(units) -> `blocks` x [h + Dense(Dense(h))] -> Dense(prod(output_shape)).

    Each residual block holds two dense layers with `activation`; the output is reshaped to
    `output_shape`.
    """
    inputs = keras.Input(shape=(latent_dim,), name="z")
    h = keras.layers.Dense(units, activation=activation, name="project")(inputs)
    for i in range(blocks):
        r = keras.layers.Dense(units, activation=activation, name=f"block_{i}_a")(h)
        r = keras.layers.Dense(units, activation=activation, name=f"block_{i}_b")(r)
        h = keras.layers.Add(name=f"block_{i}_add")([h, r])
    out = keras.layers.Dense(math.prod(output_shape), activation=output_activation,
                             name="head", dtype=OUTPUT_DTYPE)(h)
    outputs = keras.layers.Reshape(tuple(output_shape), name="to_output_shape",
                                   dtype=OUTPUT_DTYPE)(out)
    return keras.Model(inputs, outputs, name=name)


def mlp_decoder(latent_dim, output_shape, units=512, depth=1, activation="relu",
                output_activation="sigmoid", name="mlp_decoder"):
    """z -> `depth` x Dense(units, activation) -> Dense(prod(output_shape)) -> reshape.

    The fully connected family of the usual-suspects paper (Figure 1) uses ReLU and 512 units.
    """
    inputs = keras.Input(shape=(latent_dim,), name="z")
    h = inputs
    for i in range(depth):
        h = keras.layers.Dense(units, activation=activation, name=f"dense_{i}")(h)
    out = keras.layers.Dense(math.prod(output_shape), activation=output_activation,
                             name="head", dtype=OUTPUT_DTYPE)(h)
    outputs = keras.layers.Reshape(tuple(output_shape), name="to_output_shape",
                                   dtype=OUTPUT_DTYPE)(out)
    return keras.Model(inputs, outputs, name=name)
