"""What a data source hands to the pipeline: a description, and the examples of one split.

Every source module (`idx`, `folder`, `npz`, `sklearn_digits`, `tfds_source`) provides

- `OPTIONS`: the names of the options it accepts,
- `describe(arg, data_dir, **options) -> SourceInfo`,
- `read(arg, selection, data_dir, **options) -> InMemory | Streamed` for a `SplitSelection`.

Images are raw values: integers 0..levels-1 (uint8) for integer-valued data, float32 in [0, 1]
for continuous data, always NHWC. Scaling to [0, 1] happens in `zoo.data.pipeline`.
"""

import dataclasses
import os
from collections.abc import Callable

import numpy as np

DEFLATE_MAX_RATIO = 1032  # deflate's largest expansion (258 bytes from ~2 bits): .gz and .npz


@dataclasses.dataclass(frozen=True)
class SourceInfo:
    """Image shape (H, W, C), examples per split, integer levels (None: continuous), labels."""

    image_shape: tuple
    splits: dict
    levels: int | None
    has_labels: bool


@dataclasses.dataclass(frozen=True)
class InMemory:
    """A split held as arrays: images [N, H, W, C], labels [N] (int64) or None, integer levels."""

    images: np.ndarray
    labels: np.ndarray | None
    levels: int | None

    @property
    def has_labels(self):
        return self.labels is not None


@dataclasses.dataclass(frozen=True)
class Streamed:
    """A split read from storage as it is iterated (too large, or too slow, to hold up front).

    Attributes:
      num_examples: number of examples.
      image_shape: (H, W, C) of every decoded image.
      has_labels: whether the labels are real (otherwise they are -1).
      dataset: shuffle_seed -> `tf.data.Dataset` of (uint8 image [H, W, C], int64 label), in
        storage order when shuffle_seed is None, else shuffled before decoding (a new,
        seed-determined order on every iteration).
      arrays: () -> (images uint8 [N, H, W, C], labels int64 [N] or None), everything decoded.
      levels: integer levels of the decoded images (256).
    """

    num_examples: int
    image_shape: tuple
    has_labels: bool
    dataset: Callable
    arrays: Callable
    levels: int = 256



def source_path(arg, data_dir):
    """The path a spec argument names: relative paths are taken inside `data_dir` when given."""
    return os.path.join(data_dir, arg) if data_dir else arg
