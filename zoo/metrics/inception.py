"""The original 2015-12-05 Inception graph (TTUR's FID network), for users who have the file.

`zoo.metrics.fid` runs the same network rebuilt in Keras (`zoo.metrics.fid_network`); given
`inception_path=` or $ZOO_INCEPTION_GRAPH it runs the frozen graph itself through this module.
No other network is ever substituted: Keras' InceptionV3 'imagenet' weights are a different
network whose numbers are not FID.
"""

import functools
import os

import numpy as np
import tensorflow as tf

ENV_VAR = "ZOO_INCEPTION_GRAPH"
GRAPH_FILE = "classify_image_graph_def.pb"
INPUT_TENSOR = "ExpandDims:0"
FEATURE_TENSOR = "pool_3:0"


def inception_graph_path(path=None):
    """The Inception GraphDef path: the argument, else $ZOO_INCEPTION_GRAPH; checked to exist."""
    path = path or os.environ.get(ENV_VAR)
    if not path or not os.path.isfile(path):
        where = f"'{path}' does not exist" if path else "no path given"
        raise FileNotFoundError(
            f"FID needs the 2015-12-05 Inception graph {GRAPH_FILE} (from "
            f"inception-2015-12-05.tgz, the file TTUR uses); {where}. Pass it as inception_path=... or set the environment "
            f"variable {ENV_VAR} to its path. No other network is substituted: numbers from "
            "another network (e.g. Keras' InceptionV3) are not FID.")
    return path


@functools.lru_cache(maxsize=2)
def load_inception_features(path):
    """A function images [B, H, W, 3] float32 in [0, 255] -> pool_3 features [B, 2048].

    The frozen TF1 GraphDef is imported into a `tf.compat.v1.wrap_function` with the images
    mapped onto the graph's `ExpandDims:0` (the tensor TTUR feeds); the graph itself resizes
    bilinearly to 299 x 299 and normalises, as in TTUR. The batch dimension is left free.
    """
    graph_def = tf.compat.v1.GraphDef()
    with tf.io.gfile.GFile(path, "rb") as f:
        graph_def.ParseFromString(f.read())
    names = {node.name for node in graph_def.node}
    for tensor in (INPUT_TENSOR, FEATURE_TENSOR):
        if tensor.split(":")[0] not in names:
            raise ValueError(f"{path} has no tensor {tensor}: not the Inception graph of FID")

    def import_graph(images):
        (pool3,) = tf.compat.v1.import_graph_def(
            graph_def, input_map={INPUT_TENSOR: images}, return_elements=[FEATURE_TENSOR],
            name="FID_Inception_Net")
        return pool3

    wrapped = tf.compat.v1.wrap_function(
        import_graph, [tf.TensorSpec([None, None, None, 3], tf.float32)])
    features = wrapped.prune(feeds=wrapped.inputs, fetches=wrapped.outputs)

    def feature_fn(images):
        out = features(tf.convert_to_tensor(images, tf.float32))
        out = out[0] if isinstance(out, (list, tuple)) else out
        return tf.reshape(out, [tf.shape(out)[0], -1])

    return feature_fn


def to_inception_input(images):
    """[N, H, W, C] images -> float32 [0, 255] with 3 channels (grayscale tiled), TTUR's input.

    Float images are taken to be in [0, 1] (the zoo's convention) and multiplied by 255;
    integer images are taken as 0..255.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"need NHWC images with 1 or 3 channels, got shape {images.shape}")
    if np.issubdtype(images.dtype, np.integer):
        images = images.astype(np.float32)
    else:
        if images.min() < -1e-3 or images.max() > 1.0 + 1e-3:
            raise ValueError("float images must be in [0, 1] (they are multiplied by 255)")
        images = images.astype(np.float32) * 255.0
    if images.shape[-1] == 1:
        images = np.tile(images, [1, 1, 1, 3])
    return images
