"""Image-set metrics by name, the one measurement of generated (or reconstructed) images that
every recipe and `recipes.evaluate` use.

    reference = measures.image_reference(spec, settings, count=1000)
    measures.measure_images(samples, reference, settings)
    # {"fid": ..., "fd_mnist": ..., "ndb_100": ..., "ndb_100_held_out_real": ...}

`IMAGE_METRICS` maps a name to f(images, reference, settings) -> {key: value}; a metric that
does not apply to the reference (FID without Inception statistics, FD-MNIST on images that are
not MNIST digits) returns {}:

- fid: FID of the images against the Inception statistics of `settings.fid_train` training
  images (`fid_reference="train"`) or of as many shuffled test images (`"test"`, the two-stage
  VAE reference code's protocol, which also min-max normalises each generated image:
  `normalize_samples`) (`zoo.metrics.fid_to_statistics`; `settings.fid_samples` images);
  `fid_bias_images` are real images to measure the same way, FID's bias at that count;
- fd_mnist: the Frechet distance in the project's MNIST classifier's features
  (`zoo.metrics.fd_mnist_classifier`, not FID), `settings.fid_images` images against as many
  held-out real ones;
- ndb: NDB / K (`zoo.metrics.ndb`, Richardson & Weiss) for every K of `settings.ndb_bins`,
  K-means on the reference's training images, `settings.ndb_queries` images against as many
  held-out real ones (`ndb_K_held_out_real`: the held-out images' own NDB / K).
"""

import dataclasses
import os

import numpy as np


# FID's reference statistics: of training images, or of held-out (test) images.
FID_REFERENCES = ("train", "test")


@dataclasses.dataclass(frozen=True)
class ImageSettings:
    """How image sets are measured. None counts: all images given."""

    fid_samples: int = 0
    fid_images: int | None = None
    ndb_bins: tuple = (100,)
    ndb_queries: int | None = None
    ndb_n_init: int = 10
    ndb_standardize: bool = False
    ndb_train: int = 50000
    fid_train: int = 0
    fid_reference: str = "train"
    normalize_samples: bool = False
    inception_graph: str | None = None
    seed: int = 0

    def __post_init__(self):
        if self.fid_reference not in FID_REFERENCES:
            raise ValueError(f"fid_reference must be one of {FID_REFERENCES}; got "
                             f"{self.fid_reference!r}")

    @classmethod
    def from_config(cls, config, seed=None):
        """The settings of a recipe config's keys (fid_samples, fid_images, ndb_bins, ...)."""
        return cls(fid_samples=config["fid_samples"], fid_images=config["fid_images"],
                   ndb_bins=tuple(config["ndb_bins"]), ndb_queries=config["ndb_queries"],
                   ndb_n_init=config["ndb_n_init"],
                   ndb_standardize=config.get("ndb_standardize", False),
                   ndb_train=config["ndb_train"], fid_train=config["fid_train"],
                   fid_reference=config.get("fid_reference", "train"),
                   normalize_samples=config.get("normalize_samples", False),
                   inception_graph=inception_graph(config.get("inception_graph", "")),
                   seed=config["seed"] if seed is None else seed)


@dataclasses.dataclass
class ImageReference:
    """What image sets are measured against.

    spec: the data's `zoo.data` spec. split: the held-out split's name (`zoo.data.held_out_split`).
    test: every image of that split. real: a seeded random subset of it (`held_out`).
    train: NDB's training images. fid_statistics: Inception (mu, sigma) of training images, or
    None (no FID). digits: whether FD-MNIST applies (`has_digit_images`).
    """

    spec: str
    split: str
    test: np.ndarray
    real: np.ndarray
    train: np.ndarray
    fid_statistics: tuple | None
    digits: bool


def held_out(images, count, seed=0):
    """`count` images drawn at random without replacement (seeded), in random order, so that
    any prefix of the result is a random subset too (all images, shuffled, if fewer).

    Evaluate on a random subset, never on the first images: MNIST's test set, for one, is
    ordered (its first 5,000 digits come from a different population of writers than the
    rest; NDB of test[:5000] against training bins is 0.68 at K = 100, of a random 5,000 0.19).
    """
    return images[np.random.RandomState(seed).permutation(len(images))[:count]]


def image_reference(spec, settings, count):
    """The reference of `spec`: its held-out split, `count` random images of it, its first
    `settings.ndb_train` training images and, when `settings.fid_samples`, the Inception
    statistics of `settings.fid_train` training images or, with `settings.fid_reference`
    "test", of as many seeded random held-out images (all of them for 0)."""
    from zoo import data

    split = data.held_out_split(spec)
    test, _ = data.load_numpy(spec, split)
    n_train = min(settings.ndb_train, data.info(spec).splits["train"])
    train, _ = data.load_numpy(spec, f"train[:{n_train}]")
    statistics = None
    if settings.fid_samples:
        statistics = fid_reference(spec, settings.fid_train, settings.inception_graph,
                                   fid_split(spec, settings.fid_reference))
    return ImageReference(spec, split, test, held_out(test, count), train, statistics,
                          has_digit_images(spec, test.shape[1:]))


def fid_split(spec, reference):
    """The split behind FID's statistics under `fid_reference` `reference`: the training
    split, or `spec`'s held-out split for "test"."""
    from zoo import data

    return "train" if reference == "train" else data.held_out_split(spec)


def fid(images, reference, settings):
    if reference.fid_statistics is None:
        return {}
    from zoo import metrics

    if settings.normalize_samples:
        images = min_max_normalized(images)
    return {"fid": metrics.fid_to_statistics(images, reference.fid_statistics,
                                             num_images=settings.fid_samples or len(images),
                                             inception_path=settings.inception_graph)}


def fd_mnist(images, reference, settings):
    if not reference.digits:
        return {}
    from zoo import metrics

    n = settings.fid_images
    return {"fd_mnist": metrics.fd_mnist_classifier(reference.real[:n], images[:n])}


def ndb(images, reference, settings, controls=None):
    """NDB / K of `images` and of the held-out real images for every K of `settings`; the
    K-means bins are fitted once per K (`zoo.metrics.fit_bins`), so `controls` ({name: image
    set}) are compared against the same bins, as `ndb_K_<name>`."""
    from zoo import metrics

    q, result = settings.ndb_queries, {}
    for k in settings.ndb_bins:
        bins = metrics.fit_bins(reference.train, num_bins=k, standardize=settings.ndb_standardize,
                                n_init=settings.ndb_n_init, seed=settings.seed)
        result[f"ndb_{k}"] = bins.compare(images[:q])["ndb_over_k"]
        result[f"ndb_{k}_held_out_real"] = bins.compare(reference.real[:q])["ndb_over_k"]
        for name, control in (controls or {}).items():
            result[f"ndb_{k}_{name}"] = bins.compare(control[:q])["ndb_over_k"]
    return result


def min_max_normalized(images):
    """Each image rescaled to span [0, 1] (x - min) / (max - min), as the two-stage VAE
    reference code does to its generated images before FID (a constant image stays 0)."""
    images = np.asarray(images, np.float32)
    low = images.min(axis=tuple(range(1, images.ndim)), keepdims=True)
    span = images.max(axis=tuple(range(1, images.ndim)), keepdims=True) - low
    return (images - low) / np.where(span > 0, span, 1.0)


def fid_bias_images(reference, settings, count):
    """`count` real images outside FID's reference set, for FID's bias at `count`: held-out
    images against training statistics, training images (NDB's) against test statistics."""
    images = reference.real if settings.fid_reference == "train" else reference.train
    if len(images) < count:
        raise ValueError(f"FID's bias row needs {count} real images outside the reference; "
                         f"only {len(images)} are loaded")
    return images[:count]


IMAGE_METRICS = {"fid": fid, "fd_mnist": fd_mnist, "ndb": ndb}


def measure_images(images, reference, settings, names=tuple(IMAGE_METRICS)):
    """{key: value} of the metrics `names` of `images` against `reference`."""
    unknown = sorted(set(names) - set(IMAGE_METRICS))
    if unknown:
        raise ValueError(f"unknown image metrics {unknown}; choose from {list(IMAGE_METRICS)}")
    result = {}
    for name in names:
        result.update(IMAGE_METRICS[name](images, reference, settings))
    return result


def num_images(settings):
    """Images to draw so that every metric of `settings` has its count."""
    return max(settings.fid_samples, settings.fid_images or 0, settings.ndb_queries or 0)


def inception_graph(path=""):
    """The user's frozen 2015 Inception graph (`path`, else $ZOO_INCEPTION_GRAPH), or None: FID
    then uses the Keras port (`zoo.metrics.fid`)."""
    return path or os.environ.get("ZOO_INCEPTION_GRAPH") or None


def has_digit_images(data_spec, image_shape):
    """Whether FD-MNIST (`zoo.metrics.fd_mnist_classifier`, the features of an MNIST digit
    classifier) says something about `data_spec`'s images: 28 x 28 x 1 and not Fashion-MNIST
    (`tfds:fashion_mnist`, or an `idx:` folder recognised as it by its checksums)."""
    from zoo import data
    from zoo.data import idx

    if tuple(image_shape) != (28, 28, 1):
        return False
    return not ((data.source_of(data_spec) == "tfds"
                 and data.argument_of(data_spec).startswith("fashion_mnist"))
                or idx.identify_spec(data_spec) == "fashion_mnist")


def fid_reference(data_spec, count=0, inception_path=None, split="train"):
    """FID's reference in the recipes: the Inception (mu, sigma) of `count` seeded random
    images of `split` (0: all; `split_fid_statistics`, cached), or None when FID cannot be
    computed here (no graph, and neither the Keras port's converted weights nor the `fid` extra
    to convert them)."""
    from zoo.metrics import fid_weights

    if not inception_path and not fid_weights.available():
        return None
    return split_fid_statistics(data_spec, count, 0, inception_path, split)[0]


def split_fid_statistics(data_spec, count=0, seed=0, inception_path=None, split="train"):
    """Inception (mu, sigma) of `split` (a seeded random `count` of it; 0: all) and the number
    of images, cached by `zoo.metrics.cached_statistics`."""
    from zoo import data, metrics

    images, _ = data.load_numpy(data_spec, split)
    if count:
        images = held_out(images, count, seed)
    return metrics.cached_statistics(images, inception_path=inception_path), len(images)
