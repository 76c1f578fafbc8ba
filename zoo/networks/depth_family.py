"""The usual-suspects paper's convolutional and residual families of growing depth (Appendix A).

Convolutional family, `t` = `convs_per_scale`:

```none
encoder: per spatial scale s (S, S/2, ..., 4): t x [Conv 3x3, ReLU], then MaxPool 2x2 (not
         after 4 x 4); channels c(s) = base_channels * 32 / s (64 at 32 x 32 ... 512 at 4 x 4);
         at 4 x 4 global average pooling -> Dense(output_dim)
decoder: Dense(4 * c(2)) -> reshape 2 x 2 x c(2) (4096 -> 2 x 2 x 1024 for base 64);
         per scale s (4, 8, ..., S): ConvTranspose 3x3 stride 2 to c(s), ReLU, then
         (t - 1) x [Conv 3x3, ReLU]; finally Conv 3x3 to the image channels (sigmoid)
```
Residual family: each convolution above is replaced by a residual block of `block_depth`
convolutions (`blocks_per_scale` blocks per scale; the paper tries 1, 2, 4 blocks of 2-5
convolutions): h <- ReLU(h + f(h)), f = `block_depth` x Conv 3x3 with ReLU between. The encoder
starts with a 3x3 stem convolution to c(S) and changes channels after each max-pool with a
linear 1x1 convolution; the decoder changes them with its transposed convolution.

Images whose side is not 4 * 2^k (28 x 28 MNIST) are zero-padded to the next such size S in the
encoder and the decoder's output is center-cropped back.
"""

import math

import keras

from zoo.networks._dtypes import OUTPUT_DTYPE


def padded_size(height, width):
    """S = 4 * 2^k, the smallest such size >= max(height, width)."""
    side = max(height, width, 4)
    return 4 * 2 ** math.ceil(math.log2(side / 4))


def channels_at(scale, base_channels):
    """c(s) = base_channels * 32 / s: the paper's plan (64 at 32 x 32, doubling per halving)."""
    return max(1, int(round(base_channels * 32 / scale)))


def _scales(size):
    scales = []
    while size >= 4:
        scales.append(size)
        size //= 2
    return scales  # S, S/2, ..., 4


def _pad(h, input_shape, size):
    height, width = input_shape[:2]
    dh, dw = size - height, size - width
    if dh or dw:
        h = keras.layers.ZeroPadding2D(((dh // 2, dh - dh // 2), (dw // 2, dw - dw // 2)),
                                       name="pad")(h)
    return h


def _crop(h, output_shape, size):
    height, width = output_shape[:2]
    dh, dw = size - height, size - width
    if dh or dw:
        h = keras.layers.Cropping2D(((dh // 2, dh - dh // 2), (dw // 2, dw - dw // 2)),
                                    name="crop", dtype=OUTPUT_DTYPE)(h)
    return h


def _residual_block(h, filters, depth, name):
    r = h
    for i in range(depth):
        r = keras.layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv_{i}")(r)
        if i < depth - 1:
            r = keras.layers.ReLU(name=f"{name}_relu_{i}")(r)
    h = keras.layers.Add(name=f"{name}_add")([h, r])
    return keras.layers.ReLU(name=f"{name}_out")(h)


def _stack(h, filters, convs_per_scale, blocks_per_scale, block_depth, name, skip_first=0):
    """t plain convolutions, or residual blocks when `blocks_per_scale` is set."""
    if blocks_per_scale:
        for b in range(blocks_per_scale):
            h = _residual_block(h, filters, block_depth, f"{name}_block_{b}")
        return h
    for i in range(skip_first, convs_per_scale):
        h = keras.layers.Conv2D(filters, 3, padding="same", activation="relu",
                                name=f"{name}_conv_{i}")(h)
    return h


def _encoder(input_shape, output_dim, convs_per_scale, blocks_per_scale, block_depth,
             base_channels, name):
    inputs = keras.Input(shape=tuple(input_shape), name="x")
    size = padded_size(*input_shape[:2])
    h = _pad(inputs, input_shape, size)
    scales = _scales(size)
    if blocks_per_scale:
        h = keras.layers.Conv2D(channels_at(size, base_channels), 3, padding="same",
                                activation="relu", name="stem")(h)
    for i, scale in enumerate(scales):
        filters = channels_at(scale, base_channels)
        if i and blocks_per_scale:
            h = keras.layers.Conv2D(filters, 1, name=f"scale_{scale}_project")(h)
        h = _stack(h, filters, convs_per_scale, blocks_per_scale, block_depth, f"scale_{scale}")
        if scale > 4:
            h = keras.layers.MaxPooling2D(2, name=f"scale_{scale}_pool")(h)
    h = keras.layers.GlobalAveragePooling2D(name="average_pool")(h)
    outputs = keras.layers.Dense(output_dim, name="head", dtype=OUTPUT_DTYPE)(h)
    return keras.Model(inputs, outputs, name=name)


def _decoder(latent_dim, output_shape, convs_per_scale, blocks_per_scale, block_depth,
             base_channels, name):
    size = padded_size(*output_shape[:2])
    inputs = keras.Input(shape=(latent_dim,), name="z")
    start = channels_at(2, base_channels)
    h = keras.layers.Dense(4 * start, activation="relu", name="project")(inputs)
    h = keras.layers.Reshape((2, 2, start))(h)
    for scale in reversed(_scales(size)):
        filters = channels_at(scale, base_channels)
        h = keras.layers.Conv2DTranspose(filters, 3, strides=2, padding="same",
                                         activation="relu", name=f"scale_{scale}_up")(h)
        h = _stack(h, filters, convs_per_scale, blocks_per_scale, block_depth, f"scale_{scale}",
                   skip_first=1)
    h = keras.layers.Conv2D(output_shape[-1], 3, padding="same", activation="sigmoid",
                            name="head", dtype=OUTPUT_DTYPE)(h)
    return keras.Model(inputs, _crop(h, output_shape, size), name=name)


def _check(count, what):
    if not (isinstance(count, int) and count >= 1):
        raise ValueError(f"{what} must be a positive integer, got {count!r}")


def depth_conv_encoder(input_shape, output_dim, convs_per_scale=2, base_channels=64,
                       name="depth_conv_encoder"):
    """x [N, H, W, C] -> [N, output_dim] with `convs_per_scale` (t) 3x3 convs per scale."""
    _check(convs_per_scale, "convs_per_scale")
    return _encoder(input_shape, output_dim, convs_per_scale, 0, 0, base_channels, name)


def depth_conv_decoder(latent_dim, output_shape, convs_per_scale=2, base_channels=64,
                       name="depth_conv_decoder"):
    """z -> images: per scale one transposed conv and t - 1 convs (module docstring)."""
    _check(convs_per_scale, "convs_per_scale")
    return _decoder(latent_dim, output_shape, convs_per_scale, 0, 0, base_channels, name)


def depth_residual_encoder(input_shape, output_dim, blocks_per_scale=1, block_depth=2,
                           base_channels=64, name="depth_residual_encoder"):
    """The residual variant: `blocks_per_scale` blocks of `block_depth` convs per scale."""
    _check(blocks_per_scale, "blocks_per_scale")
    _check(block_depth, "block_depth")
    return _encoder(input_shape, output_dim, 0, blocks_per_scale, block_depth, base_channels,
                    name)


def depth_residual_decoder(latent_dim, output_shape, blocks_per_scale=1, block_depth=2,
                           base_channels=64, name="depth_residual_decoder"):
    """The residual variant of `depth_conv_decoder`."""
    _check(blocks_per_scale, "blocks_per_scale")
    _check(block_depth, "block_depth")
    return _decoder(latent_dim, output_shape, 0, blocks_per_scale, block_depth, base_channels,
                    name)
