"""Data for every recipe, through one spec string (`--data=...`).

    ds = zoo.data.load("idx:../shared/data/mnist", "train", batch_size=128, shuffle=True)
    x_test, y_test = zoo.data.load_numpy("sklearn:digits", "test")
    zoo.data.info("tfds:cifar10").scaling  # Scaling(levels=256, divisor=255.0, dequantized=False)

Sources: 'tfds:NAME' (TensorFlow Datasets), 'idx:FOLDER' (MNIST / Fashion-MNIST IDX files),
'folder:PATH' (image files, CelebA crops), 'npz:PATH' (NumPy arrays), 'sklearn:digits'
(bundled 8 x 8 digits, works offline). `zoo.data.locations` owns the default local folders
(`$ZOO_MNIST_DIR`, else `../shared/data/mnist`). Images are float32 NHWC in [0, 1]; see
`zoo.data.scaling` for the 255 / 256 conventions and bits per dimension.
"""

from zoo.data import locations
from zoo.data.loading import (SOURCES, DataInfo, check_available, held_out_split, info, is_spec,
                              load, load_numpy)
from zoo.data.scaling import Scaling, nll_to_bits_per_dim
from zoo.data.spec import argument_of, source_of, with_option
from zoo.data.tfds_source import DatasetNotPreparedError

__all__ = ["SOURCES", "DataInfo", "DatasetNotPreparedError", "Scaling", "argument_of",
           "check_available", "held_out_split", "info", "is_spec", "load", "load_numpy",
           "locations", "nll_to_bits_per_dim", "source_of", "with_option"]
