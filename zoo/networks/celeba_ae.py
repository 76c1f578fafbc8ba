"""The CelebA autoencoder of the regularization-balance supplement (Figure 2).

Encoder (128 x 128 x 3): 5 convolutions with stride 2 (64, 128, 256, 512, 1024 channels) ->
4 x 4 x 1024, then a 1 x 1 convolution to 4 x 4 x 4, flattened to a 64-dim code. For 64 x 64
images the last stride-2 layer is dropped (4 x 4 x 512 before the 1 x 1 convolution). The decoder
flips the structure: 1 x 1 convolution back to 1024 (512) channels, then stride-2 transposed
convolutions up to the image.
"""

import keras

from zoo.networks._dtypes import OUTPUT_DTYPE

_CHANNELS = {128: (64, 128, 256, 512, 1024), 64: (64, 128, 256, 512)}


def _channels(resolution):
    if resolution not in _CHANNELS:
        raise ValueError(f"resolution must be 64 or 128, got {resolution!r}")
    return _CHANNELS[resolution]


def celeba_ae_encoder(resolution=128, code_channels=4, kernel_size=4, name="celeba_ae_encoder"):
    """x [N, r, r, 3] -> code [N, 4 * 4 * code_channels]."""
    inputs = keras.Input(shape=(resolution, resolution, 3), name="x")
    h = inputs
    for i, f in enumerate(_channels(resolution)):
        h = keras.layers.Conv2D(f, kernel_size, strides=2, padding="same", activation="relu",
                                name=f"conv_{i}")(h)
    h = keras.layers.Conv2D(code_channels, 1, name="to_code", dtype=OUTPUT_DTYPE)(h)
    outputs = keras.layers.Flatten(name="flatten", dtype=OUTPUT_DTYPE)(h)
    return keras.Model(inputs, outputs, name=name)


def celeba_ae_decoder(resolution=128, code_channels=4, kernel_size=4,
                      output_activation="sigmoid", name="celeba_ae_decoder"):
    """code [N, 4 * 4 * code_channels] -> images [N, r, r, 3]."""
    channels = _channels(resolution)
    inputs = keras.Input(shape=(4 * 4 * code_channels,), name="code")
    h = keras.layers.Reshape((4, 4, code_channels))(inputs)
    h = keras.layers.Conv2D(channels[-1], 1, activation="relu", name="from_code")(h)
    for i, f in enumerate(reversed(channels[:-1])):
        h = keras.layers.Conv2DTranspose(f, kernel_size, strides=2, padding="same",
                                         activation="relu", name=f"deconv_{i}")(h)
    outputs = keras.layers.Conv2DTranspose(3, kernel_size, strides=2, padding="same",
                                           activation=output_activation, name="head",
                                           dtype=OUTPUT_DTYPE)(h)
    return keras.Model(inputs, outputs, name=name)
