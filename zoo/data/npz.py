"""`npz:PATH` — images (and labels) stored in a NumPy .npz file.

Accepted layouts:

- keys `x_<split>` with optional `y_<split>`, e.g. x_train / y_train / x_test / y_test: one
  split per `x_` key;
- keys `images` with optional `labels`: one split, 'train'.

Images are NHW (one channel is added) or NHWC with 1 to 4 channels, either integers 0..255
(stored as uint8) or floats in [0, 1]. Floats that are all multiples of 1/255 are taken as 8-bit
data (so they can be dequantized); other floats are continuous data (scaling divisor 1, no
dequantization). Labels, when present, are integers, one per image.

Every member's .npy header is read before any array is loaded (`check_members`): a member that
is not a NumPy array, an array of Python objects, or a declared size larger than the bytes the
member stores (or than deflate can expand its compressed bytes to) is refused naming the file
and the member, before memory is allocated for it. Pickles are never loaded.
"""

import functools
import math
import os
import zipfile

import numpy as np
from numpy.lib import format as npy_format

from zoo.data.base import DEFLATE_MAX_RATIO, InMemory, SourceInfo, source_path
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


_HEADER_READERS = {(1, 0): npy_format.read_array_header_1_0,
                   (2, 0): npy_format.read_array_header_2_0}


def member_header(archive, info, path):
    """(shape, dtype, header bytes) of the .npy member `info` of the zip `archive`.

    Raises:
      ValueError: naming `path` and the member, if it is no .npy array or its header is corrupt.
    """
    with archive.open(info) as member:
        try:
            version = npy_format.read_magic(member)
        except ValueError:
            raise ValueError(f"{path}: member {info.filename!r} is not a NumPy array (.npy); an "
                             f".npz holds only arrays saved with np.savez") from None
        if version not in _HEADER_READERS:
            raise ValueError(f"{path}: member {info.filename!r} has .npy format version "
                             f"{version}; expected 1.0 or 2.0 (save it with np.savez)")
        try:
            shape, _, dtype = _HEADER_READERS[version](member)
        except ValueError as error:
            raise ValueError(f"{path}: member {info.filename!r} has a corrupt .npy header "
                             f"({error})") from None
        return shape, dtype, member.tell()


def check_member(archive, info, path):
    """ValueError naming `path` and the member unless it is a .npy array of numbers whose
    declared size fits in the bytes it stores."""
    shape, dtype, header = member_header(archive, info, path)
    name = info.filename
    if dtype.hasobject:
        raise ValueError(f"{path}: member {name!r} holds Python objects (dtype {dtype}), which "
                         f"would need unpickling; expected an array of numbers")
    declared = math.prod(shape) * dtype.itemsize
    stored = info.file_size - header
    if declared > stored:
        raise ValueError(f"{path}: member {name!r} declares shape {shape} of {dtype} ({declared} "
                         f"bytes) but stores {stored} bytes (truncated or crafted)")
    if info.file_size > DEFLATE_MAX_RATIO * info.compress_size + header:
        raise ValueError(f"{path}: member {name!r} claims {info.file_size} bytes from "
                         f"{info.compress_size} compressed bytes, beyond deflate's largest "
                         f"ratio ({DEFLATE_MAX_RATIO}); the archive is corrupt or crafted")


def check_members(path):
    """Check every member of the .npz `path` by its header (`check_member`), loading none."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            check_member(archive, info, path)


def _open(path):
    """`np.load(path)` of an .npz whose members passed `check_members`, never unpickling."""
    with open(path, "rb") as f:
        start = f.read(len(npy_format.MAGIC_PREFIX))
    if start == npy_format.MAGIC_PREFIX:
        raise ValueError(f"{path}: a single NumPy array (.npy), not an .npz archive; save the "
                         "images with np.savez(path, images=...) (or x_train=..., x_test=...)")
    if not start.startswith(b"PK"):  # a zip's first record (a damaged zip fails in ZipFile)
        hint = " (it starts like a Python pickle)" if start[:1] == b"\x80" else ""
        raise ValueError(f"{path}: not an .npz archive (a zip of .npy arrays){hint}; pickles "
                         f"are not loaded: save the images with np.savez(path, images=...)")
    check_members(path)
    return np.load(path, allow_pickle=False)


@functools.lru_cache(maxsize=4)
def _load_cached(path, stamp):
    """{split: (images, labels or None)} and the levels shared by all splits of one file."""
    del stamp
    with _open(path) as npz:
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
