"""The entry points: `load` (tf.data), `load_numpy` (arrays) and `info`, for every data source."""

import dataclasses
import math

from zoo.data import folder, idx, npz, pipeline, sklearn_digits, tfds_source
from zoo.data.scaling import Scaling, scaling_for
from zoo.data.spec import as_bool, parse_spec, source_of
from zoo.data.splits import parse_split

SOURCES = {
    "tfds": tfds_source,
    "idx": idx,
    "folder": folder,
    "npz": npz,
    "sklearn": sklearn_digits,
}


@dataclasses.dataclass(frozen=True)
class DataInfo:
    """What a data spec holds.

    Attributes:
      spec: the spec string.
      image_shape: (H, W, C) of the images `load` yields (after any crop / resize).
      splits: {split name: number of examples} (TFDS: the published split sizes).
      has_labels: whether `with_labels=True` is possible.
      scaling: the `Scaling` convention of the [0, 1] images (depends on `dequantize`), for
        `nll_to_bits_per_dim`.
    """

    spec: str
    image_shape: tuple
    splits: dict
    has_labels: bool
    scaling: Scaling

    @property
    def num_dims(self):
        """D = H * W * C, the dimension count for bits per dimension."""
        return math.prod(self.image_shape)


def _resolve(spec, options):
    parsed = parse_spec(spec, {name: module.OPTIONS for name, module in SOURCES.items()}, options)
    return SOURCES[parsed.source], parsed


def info(spec, *, data_dir=None, dequantize=False, **options):
    """Describe `spec` (shape, split sizes, labels, scaling) without building a pipeline.

    Options are those of `load` that the source accepts (e.g. crop='celeba64').
    """
    module, parsed = _resolve(spec, options)
    described = module.describe(parsed.arg, data_dir, **parsed.options)
    return DataInfo(spec=spec, image_shape=tuple(described.image_shape),
                    splits=dict(described.splits), has_labels=described.has_labels,
                    scaling=scaling_for(described.levels, dequantize))


def held_out_split(spec):
    """The split a recipe evaluates on: 'test' where the source has one, else 'train' (an image
    folder, say). The one place that rule is written; recipes say in their reports which split
    they measured."""
    return "test" if "test" in info(spec).splits else "train"


def is_spec(value):
    """Whether `value` is a `zoo.data` spec string (a known source prefix); recipes may hold
    their own strings beside them (e.g. "synthetic:...", "transform:...")."""
    return source_of(value) in SOURCES


def check_available(spec, *, data_dir=None, **options):
    """Return if the data of `spec` can be read now; else raise FileNotFoundError naming what is
    missing and how to get it. Cheap: reads file headers at most, and for TFDS checks that the
    data set is prepared or its download hosts reachable (`DatasetNotPreparedError`, in seconds)
    without downloading anything."""
    module, parsed = _resolve(spec, options)
    module.describe(parsed.arg, data_dir, **parsed.options)
    if module is tfds_source:
        download = as_bool(parsed.options.get("download", True), "download")
        tfds_source.ensure_available(parsed.arg, data_dir, download)


def _read(spec, split, data_dir, with_labels, options):
    module, parsed = _resolve(spec, options)
    part = module.read(parsed.arg, parse_split(split), data_dir, **parsed.options)
    if with_labels and not part.has_labels:
        raise ValueError(f"data spec {spec!r} has no labels; call with with_labels=False")
    return part


def load(spec, split="train", *, batch_size=None, shuffle=False, seed=0, with_labels=False,
         data_dir=None, dequantize=False, repeat=False, drop_remainder=False, cache="auto",
         **options):
    """A `tf.data.Dataset` of float32 NHWC images in [0, 1] (or (image, int64 label) pairs).

    Args:
      spec: 'source:arg', e.g. 'tfds:mnist', 'idx:../shared/data/mnist',
        'folder:/data/img_align_celeba?crop=celeba64', 'npz:/data/x.npz', 'sklearn:digits'.
      split: a split name with an optional python slice: 'train', 'test', 'train[:50000]',
        'train[50000:]'.
      batch_size: batch the examples (None: single examples).
      shuffle: shuffle with `seed`; a new, seed-determined order every epoch.
      seed: shuffle and dequantization seed.
      with_labels: yield (image, label) pairs (ValueError if the source has no labels).
      data_dir: TFDS data directory; for path sources, the directory relative paths are in.
      dequantize: y = (x + u) / levels, u ~ U[0, 1) (seeded), instead of x / (levels - 1).
      repeat: repeat indefinitely.
      drop_remainder: drop the last incomplete batch (implied by `repeat`, whose stream has
        none: the batch dimension is then static).
      cache: for streamed sources (image folders, tfds:celeb_a): 'auto' caches the decoded
        split when it takes under half the available memory; True / False force it.
      **options: source options (also accepted as '?key=value' in the spec): crop, size,
        split_rule (folder:), crop, size, download (tfds:), verify (idx:).

    Returns:
      A prefetched `tf.data.Dataset`.
    """
    part = _read(spec, split, data_dir, with_labels, options)
    scaling = scaling_for(part.levels, dequantize)
    return pipeline.build_dataset(part, scaling, batch_size=batch_size, shuffle=shuffle, seed=seed,
                                  with_labels=with_labels, repeat=repeat,
                                  drop_remainder=drop_remainder, cache=cache)


def load_numpy(spec, split="train", *, data_dir=None, dequantize=False, seed=0, **options):
    """(images float32 [N, H, W, C] in [0, 1], labels int64 [N] or None), in storage order.

    Same spec, split, options and scaling as `load`; dequantization noise comes from
    numpy.random.default_rng(seed).
    """
    part = _read(spec, split, data_dir, False, options)
    return pipeline.build_arrays(part, scaling_for(part.levels, dequantize), seed)
