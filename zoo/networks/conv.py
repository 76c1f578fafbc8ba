"""Small convolutional encoder/decoder for 28 x 28 and 32 x 32 images.

The VAE-OOD paper's network (after Binkowski et al. 2018): encoder 3 convs 64/128/256 with stride
2 -> flatten -> Dense(output_dim); decoder Dense(4 x 4 x 256) -> reshape -> transposed convs
128/64/C with stride 2. `width` is the paper's capacity multiplier alpha, applied to every
channel count except the encoder's final dense layer. The decoder works at 4 -> 8 -> 16 -> 32 and
center-crops to the image size (28 x 28 for MNIST-like data).
"""

import keras

from zoo.networks._dtypes import OUTPUT_DTYPE


def _scaled(filters, width):
    return [max(1, int(round(f * width))) for f in filters]


def conv_encoder(input_shape, output_dim, filters=(64, 128, 256), width=1.0, kernel_size=4,
                 name="conv_encoder"):
    """x [N, H, W, C] -> [N, output_dim]."""
    inputs = keras.Input(shape=tuple(input_shape), name="x")
    h = inputs
    for i, f in enumerate(_scaled(filters, width)):
        h = keras.layers.Conv2D(f, kernel_size, strides=2, padding="same", activation="relu",
                                name=f"conv_{i}")(h)
    h = keras.layers.Flatten()(h)
    outputs = keras.layers.Dense(output_dim, name="head", dtype=OUTPUT_DTYPE)(h)
    return keras.Model(inputs, outputs, name=name)


def conv_decoder(latent_dim, output_shape, filters=(256, 128, 64), width=1.0, kernel_size=4,
                 output_activation="sigmoid", name="conv_decoder"):
    """z [N, latent_dim] -> images [N, H, W, C], H and W at most 4 * 2^len(filters[1:]) * 2."""
    height, width_px, channels = output_shape
    scaled = _scaled(filters, width)
    size = 4 * 2 ** len(scaled[1:]) * 2
    if height > size or width_px > size:
        raise ValueError(f"conv_decoder makes images up to {size} x {size}; asked for "
                         f"{height} x {width_px}. Add filters for more upsampling steps.")
    inputs = keras.Input(shape=(latent_dim,), name="z")
    h = keras.layers.Dense(4 * 4 * scaled[0], activation="relu", name="project")(inputs)
    h = keras.layers.Reshape((4, 4, scaled[0]))(h)
    for i, f in enumerate(scaled[1:]):
        h = keras.layers.Conv2DTranspose(f, kernel_size, strides=2, padding="same",
                                         activation="relu", name=f"deconv_{i}")(h)
    h = keras.layers.Conv2DTranspose(channels, kernel_size, strides=2, padding="same",
                                     activation=output_activation, name="head",
                                     dtype=OUTPUT_DTYPE)(h)
    crop_h, crop_w = size - height, size - width_px
    if crop_h or crop_w:
        h = keras.layers.Cropping2D(((crop_h // 2, crop_h - crop_h // 2),
                                     (crop_w // 2, crop_w - crop_w // 2)),
                                    name="crop", dtype=OUTPUT_DTYPE)(h)
    return keras.Model(inputs, h, name=name)
