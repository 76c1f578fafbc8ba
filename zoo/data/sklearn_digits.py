"""`sklearn:digits` — scikit-learn's bundled 8 x 8 handwritten digits (1,797 images), offline.

Pixel values are integers 0..16 (17 levels): scaled by /16 to [0, 1], or dequantized as
(x + u) / 17. Images are [N, 8, 8, 1], labels the digit 0..9.

Split (fixed, deterministic): the 1,797 examples are permuted with
`numpy.random.RandomState(0).permutation(1797)`; 'train' is the first 1,500 of that order and
'test' the remaining 297.
"""

import functools

import numpy as np

from zoo.data.base import InMemory, SourceInfo
from zoo.data.splits import check_split_name

OPTIONS = ()
DATASETS = ("digits",)
NUM_TRAIN = 1500
LEVELS = 17
_SIZES = {"train": NUM_TRAIN, "test": 1797 - NUM_TRAIN}


def _check_name(arg):
    if arg not in DATASETS:
        raise ValueError(
            f"unknown scikit-learn data set {arg!r}; valid: {', '.join(DATASETS)} "
            "(e.g. 'sklearn:digits')")


@functools.lru_cache(maxsize=1)
def _splits():
    """{split: (images uint8 [N, 8, 8, 1], labels int64 [N])}."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.astype(np.uint8)[..., np.newaxis]
    labels = digits.target.astype(np.int64)
    order = np.random.RandomState(0).permutation(len(images))
    train, test = order[:NUM_TRAIN], order[NUM_TRAIN:]
    return {"train": (images[train], labels[train]), "test": (images[test], labels[test])}


def describe(arg, data_dir=None):
    """Shape (8, 8, 1), split sizes 1500 / 297, 17 levels, labelled."""
    del data_dir
    _check_name(arg)
    return SourceInfo(image_shape=(8, 8, 1), splits=dict(_SIZES), levels=LEVELS, has_labels=True)


def read(arg, selection, data_dir=None):
    """The selected examples of the digits data."""
    del data_dir
    _check_name(arg)
    check_split_name(selection, tuple(_SIZES), f"sklearn:{arg}")
    images, labels = _splits()[selection.name]
    start, stop = selection.bounds(len(images))
    return InMemory(images[start:stop], labels[start:stop], levels=LEVELS)
