"""From a source's raw examples to float32 images in [0, 1]: tf.data pipelines and NumPy arrays.

tf.data order of operations:

- in-memory splits: shuffle example indices (buffer = the whole split), repeat, batch the
  indices; the batch is gathered from the arrays (held as one tensor) in the final map;
- streamed splits (image folders, tfds:celeb_a): when the decoded split fits in memory (see
  `cache`), decode -> cache -> shuffle over the whole split (so the first epoch decodes
  everything before its first batch); otherwise shuffle the file list, then decode; then
  repeat, batch;
- then one sequential map per batch: gather (in-memory splits) and scale (or dequantize) to
  [0, 1]; then prefetch.

Shuffling uses `seed` with `reshuffle_each_iteration=True`: the same seed gives the same sequence
of epoch orders (each epoch, or each new iteration of the dataset, gets a new order). That holds
when no TensorFlow global seed is set (`tf.random.set_seed` enters the shuffle seed too).
Dequantization noise is drawn with stateless ops from `seed` and a per-batch random stream that
is also re-drawn on every iteration.
"""

import math
import os

import numpy as np
import tensorflow as tf

from zoo.data.base import InMemory

CACHE_MODES = ("auto", True, False)


def available_memory_bytes():
    """Available physical memory (MemAvailable on Linux), or None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def should_cache(num_bytes, cache):
    """Whether to cache a decoded split of `num_bytes`: 'auto' = if it takes under half the
    available memory; True / False force it."""
    if cache not in CACHE_MODES:
        raise ValueError(f"cache must be 'auto', True or False, got {cache!r}")
    if cache != "auto":
        return cache
    available = available_memory_bytes()
    return available is not None and num_bytes < available // 2


def scale_tensor(images, scaling, noise_seed=None):
    """Raw images (uint8 or float32) -> float32 in [0, 1] under `scaling`.

    With `scaling.dequantized`, y = (x + u) / divisor with u ~ U[0, 1) drawn statelessly from
    `noise_seed` (shape [2] int), clamped below (x + 1) / divisor so y stays in its bin.
    """
    x = tf.cast(images, tf.float32)
    if scaling.levels is None:
        return x
    if not scaling.dequantized:
        return x / scaling.divisor
    u = tf.random.stateless_uniform(tf.shape(x), seed=noise_seed, dtype=tf.float32)
    upper = tf.math.nextafter((x + 1.0) / scaling.divisor, tf.zeros_like(x))
    return tf.minimum((x + u) / scaling.divisor, upper)


def scale_array(images, scaling, seed=0):
    """NumPy version of `scale_tensor`; the noise comes from numpy.random.default_rng(seed)."""
    x = images.astype(np.float32)
    if scaling.levels is None:
        return x
    divisor = np.float32(scaling.divisor)
    if not scaling.dequantized:
        return x / divisor
    u = np.random.default_rng(seed).random(x.shape, dtype=np.float32)
    upper = np.nextafter((x + 1.0) / divisor, np.float32(0.0))
    return np.minimum((x + u) / divisor, upper)


def _in_memory_dataset(part, shuffle, seed, repeat, batch_size, drop_remainder):
    """(dataset of shuffled, batched indices, function index(es) -> (raw image(s), label(s)))."""
    num_examples = len(part.images)
    labels = part.labels if part.labels is not None else np.full(num_examples, -1, np.int64)
    images_t, labels_t = tf.constant(part.images), tf.constant(labels)
    ds = tf.data.Dataset.range(num_examples)
    if shuffle:
        ds = ds.shuffle(num_examples, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    if batch_size:
        # A repeated stream has no remainder: say so, for a static batch dimension.
        ds = ds.batch(batch_size, drop_remainder=drop_remainder or repeat)
    return ds, lambda i: (tf.gather(images_t, i), tf.gather(labels_t, i))


def _streamed_dataset(part, shuffle, seed, repeat, batch_size, drop_remainder, cache):
    """(raw image(s), label(s)) decoded from storage, cached when it fits."""
    cached = should_cache(part.num_examples * math.prod(part.image_shape), cache)
    ds = part.dataset(seed if shuffle and not cached else None)
    if cached:
        ds = ds.cache()
        if shuffle:
            ds = ds.shuffle(part.num_examples, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    if batch_size:
        # A repeated stream has no remainder: say so, for a static batch dimension.
        ds = ds.batch(batch_size, drop_remainder=drop_remainder or repeat)
    return ds


def build_dataset(part, scaling, *, batch_size=None, shuffle=False, seed=0, with_labels=False,
                  repeat=False, drop_remainder=False, cache="auto"):
    """The tf.data pipeline of one split (`InMemory` or `Streamed`); see the module doc."""
    if batch_size is not None and batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    if isinstance(part, InMemory):
        ds, read = _in_memory_dataset(part, shuffle, seed, repeat, batch_size, drop_remainder)
    else:
        ds = _streamed_dataset(part, shuffle, seed, repeat, batch_size, drop_remainder, cache)
        read = None

    def finish(example, noise_seed=None):
        """Scaled images (and labels) of a batch of indices or of (images, labels)."""
        images, labels = read(example) if read is not None else example
        images = scale_tensor(images, scaling, noise_seed)
        return (images, labels) if with_labels else images

    # One sequential map per batch (gather, scale): cheap whole-batch ops, overlapped with
    # training by the prefetch; a parallel map's thread hand-offs cost more CPU than they save
    # and take it from the training step (docs/performance.md).
    if scaling.dequantized:
        seed_t = tf.constant(seed, tf.int64)
        noise = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
        ds = tf.data.Dataset.zip((ds, noise)).map(
            lambda example, r: finish(example, noise_seed=tf.stack([seed_t, r])))
    else:
        ds = ds.map(lambda *example: finish(example[0] if len(example) == 1 else example))
    return ds.prefetch(tf.data.AUTOTUNE)


def build_arrays(part, scaling, seed=0):
    """(images float32 [N, H, W, C] in [0, 1], labels int64 [N] or None) of one split."""
    if isinstance(part, InMemory):
        images, labels = part.images, part.labels
    else:
        images, labels = part.arrays()
    return scale_array(images, scaling, seed), labels
