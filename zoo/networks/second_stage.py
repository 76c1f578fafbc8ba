"""The second-stage VAE network of the two-stage VAE (Dai & Wipf 2019, reference code).

Encoder: 3 x Dense(1024, ReLU) on z, then concat [z, h] -> Dense(output_dim) (mu_u, log sigma_u).
Decoder: 3 x Dense(1024, ReLU) on u, then concat [u, h] -> Dense(output_dim) (the mean of z).
The concatenation is the skip connection from the input to the output layer.
"""

import keras

from zoo.networks._dtypes import OUTPUT_DTYPE


def _skip_mlp(input_dim, output_dim, units, depth, name):
    inputs = keras.Input(shape=(input_dim,), name="inputs")
    h = inputs
    for i in range(depth):
        h = keras.layers.Dense(units, activation="relu", name=f"dense_{i}")(h)
    h = keras.layers.Concatenate(name="skip")([inputs, h])
    outputs = keras.layers.Dense(output_dim, name="head", dtype=OUTPUT_DTYPE)(h)
    return keras.Model(inputs, outputs, name=name)


def second_stage_encoder(input_dim, output_dim, units=1024, depth=3,
                         name="second_stage_encoder"):
    """z [N, input_dim] -> [N, output_dim]; output_dim = 2 * latent_dim for a VAE."""
    return _skip_mlp(input_dim, output_dim, units, depth, name)


def second_stage_decoder(latent_dim, output_dim, units=1024, depth=3,
                         name="second_stage_decoder"):
    """u [N, latent_dim] -> mean of z [N, output_dim] (linear output)."""
    return _skip_mlp(latent_dim, output_dim, units, depth, name)
