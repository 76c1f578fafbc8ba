"""`npz:PATH` — images (and labels) stored in a NumPy .npz file.

Accepted layouts:

- keys `x_<split>` with optional `y_<split>`, e.g. x_train / y_train / x_test / y_test: one
  split per `x_` key;
- keys `images` with optional `labels`: one split, 'train'.

Images are NHW (one channel is added) or NHWC with 1 to 4 channels, either integers 0..255
(stored as uint8) or floats in [0, 1]. Floats that are all multiples of 1/255 are taken as 8-bit
data (so they can be dequantized); other floats are continuous data (scaling divisor 1, no
dequantization). Labels, when present, are integers, one per image.
"""

import functools
import os
import zipfile

import numpy as np

from zoo.data.base import InMemory, SourceInfo, source_path
from zoo.data.splits import check_split_name

OPTIONS = ()


def _as_images(array, path, key):
    """Validate one image array: uint8 NHWC or float32 NHWC in [0, 1], and its levels."""
    if array.ndim == 3:
        array = array[..., np.newaxis]
    if array.ndim != 4 or not 1 <= array.shape[-1] <= 4 or len(array) == 0:
        raise ValueError(
            f"{path}: {key!r} has shape {array.shape}; expected non-empty images NHW or NHWC "
            "with 1 to 4 channels")
    if np.issubdtype(array.dtype, np.integer):
        low, high = array.min(), array.max()
        if low < 0 or high > 255:
            raise ValueError(f"{path}: integer images {key!r} must be in 0..255, got {low}..{high}")
        return array.astype(np.uint8, copy=False), 256
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"{path}: {key!r} has dtype {array.dtype}; expected uint8 or float")
    if not np.all(np.isfinite(array)):
        bad = int(np.sum(~np.isfinite(array)))
        raise ValueError(f"{path}: float images {key!r} hold {bad} NaN or Inf value(s); "
                         "expected floats in [0, 1]")
    low, high = float(array.min()), float(array.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(
            f"{path}: float images {key!r} must be in [0, 1], got [{low}, {high}]; store 0..255 "
            "data as uint8")
    scaled = array * np.float32(255.0)
    if np.allclose(scaled, np.round(scaled), rtol=0.0, atol=1e-3):
        return np.round(scaled).astype(np.uint8), 256
    return array.astype(np.float32, copy=False), None


@functools.lru_cache(maxsize=4)
def _load_cached(path, stamp):
    """{split: (images, labels or None)} and the levels shared by all splits of one file."""
    del stamp
    npz = np.load(path, allow_pickle=False)
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise ValueError(f"{path}: a single NumPy array (.npy), not an .npz archive; save the "
                         "images with np.savez(path, images=...) (or x_train=..., x_test=...)")
    with npz:
        keys = list(npz.files)
        if any(k.startswith("x_") for k in keys):
            names = {k[2:]: (k, "y_" + k[2:]) for k in keys if k.startswith("x_")}
        elif "images" in keys:
            names = {"train": ("images", "labels")}
        else:
            raise ValueError(
                f"{path}: no image arrays; expected keys x_train / x_test (and y_train / y_test) "
                f"or images (and labels), found {', '.join(keys) or 'none'}")
        splits, levels = {}, set()
        for split, (x_key, y_key) in names.items():
            images, split_levels = _as_images(npz[x_key], path, x_key)
            labels = None
            if y_key in keys:
                labels = np.asarray(npz[y_key]).reshape(-1)
                if len(labels) != len(images) or not np.issubdtype(labels.dtype, np.integer):
                    raise ValueError(
                        f"{path}: {y_key!r} must hold one integer label per image ({len(images)}),"
                        f" got {labels.dtype} of shape {npz[y_key].shape}")
                labels = labels.astype(np.int64)
            splits[split] = (images, labels)
            levels.add(split_levels)
    if len(levels) > 1:
        raise ValueError(f"{path}: splits mix integer (0..255) and continuous float images")
    shapes = {images.shape[1:] for images, _ in splits.values()}
    if len(shapes) > 1:
        raise ValueError(f"{path}: splits have different image shapes {sorted(shapes)}")
    return splits, levels.pop()


def _load(arg, data_dir):
    path = source_path(arg, data_dir)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"npz file not found: {path!r}")
    stat = os.stat(path)
    try:
        return _load_cached(path, (stat.st_mtime_ns, stat.st_size))
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise ValueError(f"{path}: not a readable .npz file (truncated or corrupt?): "
                         f"{error}") from error


def describe(arg, data_dir=None):
    """Shape, split sizes, levels and label presence of an .npz file (loads it)."""
    splits, levels = _load(arg, data_dir)
    first_images = next(iter(splits.values()))[0]
    return SourceInfo(
        image_shape=first_images.shape[1:],
        splits={name: len(images) for name, (images, _) in splits.items()},
        levels=levels,
        has_labels=all(labels is not None for _, labels in splits.values()))


def read(arg, selection, data_dir=None):
    """The selected examples of an .npz file."""
    splits, levels = _load(arg, data_dir)
    check_split_name(selection, tuple(splits), f"npz:{arg}")
    images, labels = splits[selection.name]
    start, stop = selection.bounds(len(images))
    return InMemory(images[start:stop], None if labels is None else labels[start:stop], levels)
