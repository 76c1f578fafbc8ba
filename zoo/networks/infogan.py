"""The InfoGAN-style network of the two-stage VAE paper (Dai & Wipf 2019; reference code's
`Infogan` first stage), for images whose side is divisible by 4 (28, 32, 64; 8 x 8 digits).

```none
encoder: Conv 4x4 stride 2, 64, LeakyReLU(0.2)
         Conv 4x4 stride 2, 128, BatchNorm, LeakyReLU(0.2)
         flatten -> Dense(1024), BatchNorm, LeakyReLU(0.2) -> Dense(output_dim)
decoder: Dense(1024), BatchNorm, ReLU -> Dense(128 * H/4 * W/4), BatchNorm, ReLU
         -> reshape H/4 x W/4 x 128 -> ConvTranspose 4x4 stride 2, 64, BatchNorm, ReLU
         -> ConvTranspose 4x4 stride 2, C, sigmoid
```
Differences from the reference code: no spectral normalisation of the encoder's weights. The
reference takes sigma_z = softplus(.) + 1e-6 from the encoder's second half: build the
GaussianVAE with `posterior_scale="softplus"` (with the default `exp`, BatchNorm's training-mode
spikes in that head reach log sigma_z ~ 10 and the KL ~ 1e9; recipes.two_stage does so).
`width` scales every channel and unit count (1: the paper).
"""

import keras

from zoo.networks._dtypes import OUTPUT_DTYPE


def _n(count, width):
    return max(1, int(round(count * width)))


def _check_side(shape):
    height, width_px = shape[:2]
    if height % 4 or width_px % 4:
        raise ValueError(f"the InfoGAN network needs sides divisible by 4, got {height} x "
                         f"{width_px}")


def infogan_encoder(input_shape, output_dim, width=1.0, name="infogan_encoder"):
    """x [N, H, W, C] -> [N, output_dim] (2 * latent_dim for a Gaussian VAE)."""
    _check_side(input_shape)
    inputs = keras.Input(shape=tuple(input_shape), name="x")
    h = keras.layers.Conv2D(_n(64, width), 4, strides=2, padding="same", name="conv_1")(inputs)
    h = keras.layers.LeakyReLU(0.2, name="lrelu_1")(h)
    h = keras.layers.Conv2D(_n(128, width), 4, strides=2, padding="same", name="conv_2")(h)
    h = keras.layers.BatchNormalization(name="bn_2")(h)
    h = keras.layers.LeakyReLU(0.2, name="lrelu_2")(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(_n(1024, width), name="fc_3")(h)
    h = keras.layers.BatchNormalization(name="bn_3")(h)
    h = keras.layers.LeakyReLU(0.2, name="lrelu_3")(h)
    outputs = keras.layers.Dense(output_dim, name="head", dtype=OUTPUT_DTYPE)(h)
    return keras.Model(inputs, outputs, name=name)


def infogan_decoder(latent_dim, output_shape, width=1.0, name="infogan_decoder"):
    """z [N, latent_dim] -> images [N, H, W, C] in [0, 1]."""
    _check_side(output_shape)
    height, width_px, channels = output_shape
    inputs = keras.Input(shape=(latent_dim,), name="z")
    h = keras.layers.Dense(_n(1024, width), name="fc_1")(inputs)
    h = keras.layers.ReLU()(keras.layers.BatchNormalization(name="bn_1")(h))
    small = _n(128, width)
    h = keras.layers.Dense(small * (height // 4) * (width_px // 4), name="fc_2")(h)
    h = keras.layers.ReLU()(keras.layers.BatchNormalization(name="bn_2")(h))
    h = keras.layers.Reshape((height // 4, width_px // 4, small))(h)
    h = keras.layers.Conv2DTranspose(_n(64, width), 4, strides=2, padding="same",
                                     name="deconv_3")(h)
    h = keras.layers.ReLU()(keras.layers.BatchNormalization(name="bn_3")(h))
    outputs = keras.layers.Conv2DTranspose(channels, 4, strides=2, padding="same",
                                           activation="sigmoid", name="head",
                                           dtype=OUTPUT_DTYPE)(h)
    return keras.Model(inputs, outputs, name=name)
