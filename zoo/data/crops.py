"""CelebA crops and generic resizing, on PIL images (used by `folder:` and `tfds:celeb_a`).

Presets, for the aligned CelebA images (`img_align_celeba`, 178 wide x 218 high):

- 'celeba128': rows 45:173, columns 25:153 -> 128 x 128 (the two-stage VAE / VAE+ crop).
- 'celeba64': that 128 x 128 crop resized to 64 x 64, bilinear (the two-stage VAE reference code
  resizes with scipy.misc.imresize, i.e. PIL bilinear).
- 'celeba140': the centre 140 x 140 crop (rows 39:179, columns 19:159) resized to 64 x 64 with
  PIL's Lanczos filter (ANTIALIAS), as in the WAE reference code.

A `size` (height, width) overrides a preset's output size; without a preset it resizes the whole
image (bilinear).
"""

import dataclasses

import numpy as np
from PIL import Image

CELEBA_ALIGNED = (178, 218)  # PIL size: (width, height)


@dataclasses.dataclass(frozen=True)
class Crop:
    """A fixed crop box (left, upper, right, lower) and the size (height, width) to resize to."""

    box: tuple
    size: tuple | None
    resample: int


CROPS = {
    "celeba128": Crop(box=(25, 45, 153, 173), size=None, resample=Image.Resampling.BILINEAR),
    "celeba64": Crop(box=(25, 45, 153, 173), size=(64, 64), resample=Image.Resampling.BILINEAR),
    "celeba140": Crop(box=(19, 39, 159, 179), size=(64, 64), resample=Image.Resampling.LANCZOS),
}


def check_crop(crop):
    """Raise ValueError unless `crop` is None or a preset name."""
    if crop is not None and crop not in CROPS:
        raise ValueError(f"unknown crop {crop!r}; valid crops: {', '.join(CROPS)} (or none)")


def output_hw(crop, size, native_hw):
    """(height, width) after `preprocess`, for images of `native_hw` (height, width)."""
    if size is not None:
        return tuple(size)
    if crop is not None:
        preset = CROPS[crop]
        left, upper, right, lower = preset.box
        return preset.size or (lower - upper, right - left)
    return tuple(native_hw)


def preprocess(image, crop, size):
    """Crop and/or resize a PIL image; returns a uint8 array [H, W, C].

    Raises:
      ValueError: a CelebA crop applied to an image that is not 178 x 218.
    """
    resample = Image.Resampling.BILINEAR
    if crop is not None:
        preset = CROPS[crop]
        if image.size != CELEBA_ALIGNED:
            raise ValueError(
                f"crop {crop!r} expects aligned CelebA images of 178x218 (width x height), got "
                f"{image.size[0]}x{image.size[1]}")
        image = image.crop(preset.box)
        size = size or preset.size
        resample = preset.resample
    if size is not None and image.size != (size[1], size[0]):
        image = image.resize((size[1], size[0]), resample)
    array = np.asarray(image, dtype=np.uint8)
    return array[..., np.newaxis] if array.ndim == 2 else array
