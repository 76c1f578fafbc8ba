"""`tfds:` source: mocked loading, and the fast offline error (never tfds.load's long retry)."""

import time

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

import zoo.data
from zoo.data import tfds_source


@pytest.fixture
def online(monkeypatch):
    """Pretend the download hosts are reachable (TFDS is mocked, so nothing is downloaded)."""
    monkeypatch.setattr(tfds_source, "can_connect", lambda host, port: True)


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setattr(tfds_source, "can_connect", lambda host, port: False)


@pytest.mark.parametrize("name, shape", [("mnist", (28, 28, 1)), ("cifar10", (32, 32, 3))])
def test_mocked_load(online, tmp_path, name, shape):
    with tfds.testing.mock_data(num_examples=12):
        ds = zoo.data.load(f"tfds:{name}", "train", batch_size=5, shuffle=True,
                           with_labels=True, data_dir=str(tmp_path))
        batches = list(ds)
        images, labels = zoo.data.load_numpy(f"tfds:{name}", "test", data_dir=str(tmp_path))
    assert [x.shape[0] for x, _ in batches] == [5, 5, 2]
    x, y = batches[0]
    assert x.shape == (5,) + shape and x.dtype == tf.float32 and y.dtype == tf.int64
    assert images.shape == (12,) + shape and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0 and labels.shape == (12,)


def test_mocked_celeb_a_crop(online, tmp_path):
    with tfds.testing.mock_data(num_examples=3):
        ds = zoo.data.load("tfds:celeb_a?crop=celeba64", "valid", batch_size=3,
                           data_dir=str(tmp_path))
        batch = next(iter(ds))
    assert batch.shape == (3, 64, 64, 3) and batch.dtype == tf.float32
    assert 0.0 <= float(tf.reduce_min(batch)) and float(tf.reduce_max(batch)) <= 1.0
    assert zoo.data.info("tfds:celeb_a", crop="celeba128").image_shape == (128, 128, 3)


def test_not_prepared_offline_fails_fast(offline, tmp_path):
    start = time.monotonic()
    with pytest.raises(zoo.data.DatasetNotPreparedError) as error:
        zoo.data.load("tfds:mnist", "train", data_dir=str(tmp_path))
    assert time.monotonic() - start < 15
    message = str(error.value)
    assert "'mnist' is not prepared" in message and "cannot be reached" in message
    assert "idx:" in message and "folder:" in message and "npz:" in message
    assert isinstance(error.value, FileNotFoundError)


def test_download_false_fails_without_probing(monkeypatch, tmp_path):
    monkeypatch.setattr(tfds_source, "can_connect", lambda host, port: pytest.fail("probed"))
    with pytest.raises(zoo.data.DatasetNotPreparedError, match="not prepared .* download=false"):
        zoo.data.load_numpy("tfds:cifar10?download=false", "test", data_dir=str(tmp_path))


def test_connectivity_probe_is_bounded():
    start = time.monotonic()
    assert not tfds_source.can_connect("192.0.2.1", 9, timeout=1.0)  # TEST-NET-1: unroutable
    assert time.monotonic() - start < 5


def test_bad_names_and_options():
    with pytest.raises(ValueError, match="unknown TFDS data set 'imagenet'; valid: mnist, "):
        zoo.data.load("tfds:imagenet")
    with pytest.raises(ValueError, match="crop / size apply to tfds:celeb_a only"):
        zoo.data.info("tfds:mnist?crop=celeba64")
    with pytest.raises(ValueError, match="unknown split 'extra' for tfds:mnist"):
        zoo.data.load("tfds:mnist", "extra")
