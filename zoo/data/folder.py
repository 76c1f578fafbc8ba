"""`folder:PATH` — a folder of image files (.jpg, .jpeg, .png, .bmp, .gif), e.g. CelebA.

Files are taken in sorted file-name order (not recursive; other files are ignored). Images are
decoded with PIL: grayscale folders (judged by the first image) give 1 channel, everything else
RGB (alpha dropped). Options:

- `crop`: 'celeba128', 'celeba64' or 'celeba140' (see `zoo.data.crops`), for the aligned CelebA
  images of 178 x 218; default none.
- `size`: N or 'HxW', resize to this size (after the crop, if any). Without crop or size all
  images must have the size of the first one.
- `split_rule`: 'celeba' gives CelebA's standard split by sorted file name: 'train' = the first
  162,770 files, 'valid' (alias 'validation') = the next 19,867, 'test' = the rest (19,962);
  'none' gives one split, 'train', holding every file; 'auto' (default) is 'celeba' when the
  folder has exactly CelebA's 202,599 images, else 'none'. Slices apply within a split.

Images of more than 8 bits per channel (16-bit PNGs) are refused, naming the file: they would be
clipped to 8 bits. An unreadable image raises a ValueError naming the file (when the pipeline
reaches it; through tf.data it surfaces as a tf.errors.InvalidArgumentError carrying the same
message).
"""

import concurrent.futures
import dataclasses
import os

import numpy as np
import tensorflow as tf
from PIL import Image

from zoo.data import crops
from zoo.data.base import SourceInfo, Streamed, source_path
from zoo.data.spec import as_size
from zoo.data.splits import check_split_name

OPTIONS = ("crop", "size", "split_rule")
EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif")
CELEBA_NUM_FILES = 202_599
CELEBA_TRAIN, CELEBA_VALID = 162_770, 19_867
SPLIT_RULES = ("auto", "celeba", "none")
_GRAY_MODES = ("1", "L", "LA")
_DEEP_MODES = ("I", "F")  # and "I;16", "I;16B", ...: more than 8 bits per pixel


def check_depth(image):
    """ValueError if the PIL `image` has more than 8 bits per channel (a 16-bit PNG opens as
    mode I;16 or I): converting it to 8 bits would clip 0..65535 to 0..255 (0, 1000, 30000
    read as 0, 1, 1 in [0, 1]). The callers name the file."""
    if image.mode.split(";")[0] in _DEEP_MODES:
        raise ValueError(f"its mode {image.mode} has more than 8 bits per channel, and "
                         f"folder: reads 8-bit images only: convert the folder to "
                         f"8 bits (e.g. value * 255 // 65535 for 16 bits) or store the images "
                         f"as floats in [0, 1] in an .npz file")


def list_images(folder):
    """Paths of the image files in `folder`, sorted by file name.

    Raises:
      FileNotFoundError: the folder does not exist.
      ValueError: it holds no image files.
    """
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"image folder not found: {folder!r}")
    names = sorted(e.name for e in os.scandir(folder)
                   if e.is_file() and e.name.lower().endswith(EXTENSIONS))
    if not names:
        raise ValueError(f"no image files ({', '.join(EXTENSIONS)}) in folder {folder!r}")
    return [os.path.join(folder, name) for name in names]


def split_ranges(num_files, split_rule="auto"):
    """{split name: (start, stop)} over the sorted files, by `split_rule` (see module doc)."""
    if split_rule not in SPLIT_RULES:
        raise ValueError(f"unknown split_rule {split_rule!r}; valid: {', '.join(SPLIT_RULES)}")
    if split_rule == "celeba" or (split_rule == "auto" and num_files == CELEBA_NUM_FILES):
        valid_start = min(CELEBA_TRAIN, num_files)
        test_start = min(CELEBA_TRAIN + CELEBA_VALID, num_files)
        return {"train": (0, valid_start), "valid": (valid_start, test_start),
                "test": (test_start, num_files)}
    return {"train": (0, num_files)}


def load_image(path, mode, crop, size, expected_hw):
    """Decode one image file into a uint8 array [H, W, C].

    Raises:
      ValueError: naming the file, if it cannot be decoded or has an unexpected size.
    """
    try:
        with Image.open(path) as image:
            check_depth(image)
            array = crops.preprocess(image.convert(mode), crop, size)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
        raise ValueError(f"cannot read image file {path!r}: {e}") from e
    if array.shape[:2] != tuple(expected_hw):
        raise ValueError(
            f"image file {path!r} is {array.shape[0]}x{array.shape[1]} (height x width), but the "
            f"folder's first image is {expected_hw[0]}x{expected_hw[1]}; pass size=... to resize "
            "every image")
    return array


def _first_image(path):
    """(PIL mode to convert to, (height, width)) of the first image of a folder."""
    try:
        with Image.open(path) as image:
            check_depth(image)
            return ("L" if image.mode in _GRAY_MODES else "RGB"), (image.height, image.width)
    except (OSError, ValueError, SyntaxError) as e:
        raise ValueError(f"cannot read image file {path!r}: {e}") from e


def _options(crop, size):
    crops.check_crop(crop)
    return crop, None if size is None else as_size(size, "size")


def describe(arg, data_dir=None, crop=None, size=None, split_rule="auto"):
    """Image shape (from the first file) and split sizes of an image folder."""
    crop, size = _options(crop, size)
    files = list_images(source_path(arg, data_dir))
    mode, native_hw = _first_image(files[0])
    ranges = split_ranges(len(files), split_rule)
    return SourceInfo(
        image_shape=crops.output_hw(crop, size, native_hw) + (1 if mode == "L" else 3,),
        splits={name: stop - start for name, (start, stop) in ranges.items()},
        levels=256, has_labels=False)


def read(arg, selection, data_dir=None, crop=None, size=None, split_rule="auto"):
    """The selected files of an image folder, decoded as the pipeline iterates."""
    crop, size = _options(crop, size)
    folder = source_path(arg, data_dir)
    files = list_images(folder)
    ranges = split_ranges(len(files), split_rule)
    if selection.name == "validation" and "valid" in ranges:
        selection = dataclasses.replace(selection, name="valid")
    check_split_name(selection, tuple(ranges), f"folder:{arg}")
    first, last = ranges[selection.name]
    start, stop = selection.bounds(last - first)
    paths = files[first + start:first + stop]
    mode, native_hw = _first_image(files[0])
    out_hw = crops.output_hw(crop, size, native_hw)
    shape = out_hw + (1 if mode == "L" else 3,)

    def decode(path):
        return load_image(path.decode() if isinstance(path, bytes) else path, mode, crop, size,
                          out_hw)

    @tf.autograph.experimental.do_not_convert
    def decode_element(path):
        image = tf.numpy_function(decode, [path], tf.uint8, stateful=False)
        image.set_shape(shape)
        return image, tf.constant(-1, tf.int64)

    def dataset(shuffle_seed):
        ds = tf.data.Dataset.from_tensor_slices(paths)
        if shuffle_seed is not None:
            ds = ds.shuffle(len(paths), seed=shuffle_seed, reshuffle_each_iteration=True)
        return ds.map(decode_element, num_parallel_calls=tf.data.AUTOTUNE)

    def arrays():
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            images = list(pool.map(decode, paths))
        return np.stack(images), None

    return Streamed(num_examples=len(paths), image_shape=shape, has_labels=False,
                    dataset=dataset, arrays=arrays)
