"""`tfds:NAME` — TensorFlow Datasets: mnist, fashion_mnist, cifar10, cifar100, svhn_cropped,
celeb_a.

`data_dir` is passed to TFDS (None: TFDS's default, `~/tensorflow_datasets` or $TFDS_DATA_DIR).
Splits are TFDS's ('train', 'test'; svhn_cropped also 'extra'; celeb_a 'train', 'validation'
(alias 'valid'), 'test'), each with an optional slice. The five small data sets are read into
memory; celeb_a is streamed (its shuffle is TFDS's file shuffle plus a 10,000-image buffer) and
takes the `crop` / `size` options of `folder:` (see `zoo.data.crops`).

Offline, `tfds.load` of a data set that is not prepared retries its download for minutes. So
before loading, the builder is asked whether the data set is prepared in `data_dir`; if not, the
download hosts are probed (a TCP connect with a 2.5 s timeout, through the configured proxy if
any), and `DatasetNotPreparedError` is raised at once when they cannot be reached or with
option `download=false`. The error explains the local alternatives (`idx:`, `folder:`, `npz:`,
`sklearn:`).
"""

import dataclasses
import socket
import threading
import urllib.parse
import urllib.request

import numpy as np
import tensorflow as tf
from PIL import Image

from zoo.data import crops
from zoo.data.base import InMemory, SourceInfo, Streamed
from zoo.data.spec import as_bool, as_size
from zoo.data.splits import check_split_name

OPTIONS = ("crop", "size", "download")
PROBE_TIMEOUT_S = 2.5
CELEBA_SHUFFLE_BUFFER = 10_000
TFDS_GCS = "https://storage.googleapis.com/tfds-data"  # probed when a builder lists no URLs


@dataclasses.dataclass(frozen=True)
class _Dataset:
    image_shape: tuple
    splits: dict
    has_labels: bool = True


DATASETS = {
    "mnist": _Dataset((28, 28, 1), {"train": 60_000, "test": 10_000}),
    "fashion_mnist": _Dataset((28, 28, 1), {"train": 60_000, "test": 10_000}),
    "cifar10": _Dataset((32, 32, 3), {"train": 50_000, "test": 10_000}),
    "cifar100": _Dataset((32, 32, 3), {"train": 50_000, "test": 10_000}),
    "svhn_cropped": _Dataset((32, 32, 3), {"train": 73_257, "test": 26_032, "extra": 531_131}),
    "celeb_a": _Dataset((218, 178, 3), {"train": 162_770, "validation": 19_867, "test": 19_962},
                        has_labels=False),
}
STREAMED = ("celeb_a",)
_LOCAL_SOURCES = (
    "Use a local source instead: --data=idx:/path/to/mnist (the four MNIST / Fashion-MNIST IDX "
    "files), --data=folder:/path/to/img_align_celeba (a folder of images), "
    "--data=npz:/path/to/arrays.npz (x_train / x_test arrays), or --data=sklearn:digits (bundled "
    "with scikit-learn).")


class DatasetNotPreparedError(FileNotFoundError):
    """A TFDS data set is not prepared locally and cannot be downloaded now."""


def _check_name(name):
    if name not in DATASETS:
        raise ValueError(
            f"unknown TFDS data set {name!r}; valid: {', '.join(DATASETS)} (e.g. 'tfds:mnist')")


def _options(name, crop, size):
    if name not in STREAMED and (crop is not None or size is not None):
        raise ValueError(f"options crop / size apply to tfds:{', tfds:'.join(STREAMED)} only")
    crops.check_crop(crop)
    return crop, None if size is None else as_size(size, "size")


def can_connect(host, port, timeout=PROBE_TIMEOUT_S):
    """Whether a TCP connection to host:port opens within `timeout` seconds (DNS included)."""
    result = []

    def probe():
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(result and result[0])


def _endpoints(urls):
    """The (host, port) pairs a download of `urls` connects to first (the proxy, if one is set)."""
    proxies = urllib.request.getproxies()
    endpoints = set()
    for url in urls:
        parsed = urllib.parse.urlsplit(url)
        proxy = proxies.get(parsed.scheme)
        if proxy and not urllib.request.proxy_bypass(parsed.hostname):
            parsed = urllib.parse.urlsplit(proxy if "://" in proxy else "http://" + proxy)
        endpoints.add((parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 80)))
    return sorted(endpoints)


def ensure_available(name, data_dir=None, download=True):
    """Return if `tfds.load(name)` can work now; else raise DatasetNotPreparedError in seconds."""
    import tensorflow_datasets as tfds

    builder = tfds.builder(name, data_dir=data_dir)
    if builder.is_prepared():
        return
    where = f"TFDS data set {name!r} is not prepared in {builder.data_dir!r}"
    prepare = (f"Prepare it on a machine with network access (tfds.load({name!r}, "
               "data_dir=...)) and pass that directory as data_dir or $TFDS_DATA_DIR. ")
    if not download:
        raise DatasetNotPreparedError(f"{where} and download=false. {prepare}{_LOCAL_SOURCES}")
    urls = list(builder.url_infos or ()) or [TFDS_GCS]
    unreachable = [f"{host}:{port}" for host, port in _endpoints(urls)
                   if not can_connect(host, port)]
    if unreachable:
        raise DatasetNotPreparedError(
            f"{where} and its download hosts ({', '.join(unreachable)}) cannot be reached (no "
            "network?); stopping now instead of letting tfds.load retry for minutes. "
            f"{prepare}{_LOCAL_SOURCES}")


def _tfds_split(name, selection):
    """(TFDS split string with the slice resolved to explicit bounds, number of examples)."""
    if name == "celeb_a" and selection.name == "valid":
        selection = dataclasses.replace(selection, name="validation")
    check_split_name(selection, tuple(DATASETS[name].splits), f"tfds:{name}")
    start, stop = selection.bounds(DATASETS[name].splits[selection.name])
    if selection.start is None and selection.stop is None:
        return selection.name, stop - start
    return f"{selection.name}[{start}:{stop}]", stop - start


def describe(arg, data_dir=None, crop=None, size=None, download=True):
    """Shape and split sizes of a supported TFDS data set (from the table above; no download)."""
    del data_dir, download
    _check_name(arg)
    crop, size = _options(arg, crop, size)
    dataset = DATASETS[arg]
    hw = crops.output_hw(crop, size, dataset.image_shape[:2])
    return SourceInfo(image_shape=tuple(hw) + dataset.image_shape[2:], splits=dict(dataset.splits),
                      levels=256, has_labels=dataset.has_labels)


def read(arg, selection, data_dir=None, crop=None, size=None, download=True):
    """The selected examples: arrays for the small data sets, a stream for celeb_a."""
    import tensorflow_datasets as tfds

    _check_name(arg)
    crop, size = _options(arg, crop, size)
    split, num_examples = _tfds_split(arg, selection)
    download = as_bool(download, "download")
    ensure_available(arg, data_dir, download)
    if arg not in STREAMED:
        ds = tfds.load(arg, split=split, data_dir=data_dir, as_supervised=True, download=download)
        batches = list(tfds.as_numpy(ds.batch(10_000)))
        images = np.concatenate([x for x, _ in batches]).astype(np.uint8, copy=False)
        labels = np.concatenate([y for _, y in batches]).astype(np.int64)
        return InMemory(images, labels, levels=256)
    return _celeb_a(split, num_examples, data_dir, crop, size, download)


def _celeb_a(split, num_examples, data_dir, crop, size, download):
    """celeb_a as a stream of (uint8 image, -1), cropped / resized like `folder:`."""
    import tensorflow_datasets as tfds

    hw = crops.output_hw(crop, size, DATASETS["celeb_a"].image_shape[:2])
    shape = tuple(hw) + (3,)

    def preprocess(image):
        return crops.preprocess(Image.fromarray(image), crop, size)

    @tf.autograph.experimental.do_not_convert
    def to_element(example):
        image = example["image"]
        if crop is not None or size is not None:
            image = tf.numpy_function(preprocess, [image], tf.uint8, stateful=False)
            image.set_shape(shape)
        return image, tf.constant(-1, tf.int64)

    def dataset(shuffle_seed):
        ds = tfds.load("celeb_a", split=split, data_dir=data_dir, download=download,
                       shuffle_files=shuffle_seed is not None,
                       read_config=tfds.ReadConfig(shuffle_seed=shuffle_seed))
        if shuffle_seed is not None:
            ds = ds.shuffle(CELEBA_SHUFFLE_BUFFER, seed=shuffle_seed, reshuffle_each_iteration=True)
        return ds.map(to_element, num_parallel_calls=tf.data.AUTOTUNE)

    def arrays():
        batches = [x for x, _ in tfds.as_numpy(dataset(None).batch(1024))]
        return np.concatenate(batches), None

    return Streamed(num_examples=num_examples, image_shape=shape, has_labels=False,
                    dataset=dataset, arrays=arrays)
