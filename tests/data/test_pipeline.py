"""Shuffling, batching, labels, dequantization and bits per dimension."""

import math

import numpy as np
import pytest
import tensorflow as tf

import zoo.data
from zoo.data import pipeline
from zoo.data.scaling import Scaling, scaling_for


def _order(spec, seed, **kwargs):
    ds = zoo.data.load(spec, "train", shuffle=True, seed=seed, with_labels=True, batch_size=500,
                       **kwargs)
    return np.concatenate([y.numpy() for _, y in ds]), ds


def test_same_seed_same_order_different_seed_differs():
    first, ds = _order("sklearn:digits", seed=3)
    second, _ = _order("sklearn:digits", seed=3)
    other, _ = _order("sklearn:digits", seed=4)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)
    unshuffled = zoo.data.load_numpy("sklearn:digits", "train")[1]
    np.testing.assert_array_equal(np.sort(first), np.sort(unshuffled))


def test_reshuffles_every_epoch_deterministically():
    def two_epochs(seed):
        ds = zoo.data.load("sklearn:digits", "train", shuffle=True, seed=seed, with_labels=True,
                           batch_size=1500)
        return [next(iter(ds))[1].numpy() for _ in range(2)]

    a1, a2 = two_epochs(5)
    b1, b2 = two_epochs(5)
    assert not np.array_equal(a1, a2)
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)


def test_repeat_reshuffles_and_is_deterministic():
    def stream(seed):
        ds = zoo.data.load("sklearn:digits", "test", shuffle=True, seed=seed, with_labels=True,
                           batch_size=297, repeat=True)
        it = iter(ds)
        return [next(it)[1].numpy() for _ in range(2)]

    a, b = stream(1), stream(1)
    assert not np.array_equal(a[0], a[1])
    np.testing.assert_array_equal(a, b)


def test_images_stay_paired_with_labels():
    images, labels = zoo.data.load_numpy("sklearn:digits", "train")
    lookup = {img.tobytes(): lab for img, lab in zip(images, labels)}
    for x, y in zoo.data.load("sklearn:digits", "train", shuffle=True, batch_size=256,
                              with_labels=True):
        assert [lookup[img.tobytes()] for img in x.numpy()] == list(y.numpy())


def test_batching_and_drop_remainder():
    shapes = [x.shape[0] for x in zoo.data.load("sklearn:digits", "test", batch_size=100)]
    assert shapes == [100, 100, 97]
    shapes = [x.shape[0] for x in zoo.data.load("sklearn:digits", "test", batch_size=100,
                                                 drop_remainder=True)]
    assert shapes == [100, 100]
    single = next(iter(zoo.data.load("sklearn:digits", "test")))
    assert single.shape == (8, 8, 1) and single.dtype == tf.float32


def test_streamed_shuffle_determinism(tmp_path):
    from PIL import Image

    for i in range(20):
        Image.new("L", (2, 2), color=i).save(tmp_path / f"{i:02d}.png")
    for cache in (True, False):
        def order(seed):
            ds = zoo.data.load(f"folder:{tmp_path}", shuffle=True, seed=seed, batch_size=20,
                               cache=cache)
            return [np.round(next(iter(ds)).numpy()[:, 0, 0, 0] * 255) for _ in range(2)]

        a, b, c = order(0), order(0), order(1)
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a[0], c[0]) and not np.array_equal(a[0], a[1])
        np.testing.assert_array_equal(np.sort(a[0]), np.arange(20))


@pytest.fixture
def full_range_npz(tmp_path):
    raw = np.tile(np.arange(256, dtype=np.uint8), 8).reshape(32, 8, 8)
    path = tmp_path / "full.npz"
    np.savez(path, x_train=raw)
    return f"npz:{path}", raw[..., np.newaxis].astype(np.float64)


def test_dequantization_bins_tf(full_range_npz):
    spec, raw = full_range_npz
    ds = zoo.data.load(spec, batch_size=32, dequantize=True, seed=2)
    values = next(iter(ds)).numpy().astype(np.float64)
    assert np.all(values >= raw / 256) and np.all(values < (raw + 1) / 256)
    # Noise was added: float32 rounds (x + u) / 256 back to x / 256 only for u below about
    # 256 ulp(x / 256) (up to 8e-6 near x = 255), so a few equal values are expected.
    assert np.mean(values != raw / 256) > 0.99
    again = next(iter(zoo.data.load(spec, batch_size=32, dequantize=True, seed=2))).numpy()
    np.testing.assert_array_equal(values, again)
    assert zoo.data.info(spec, dequantize=True).scaling == Scaling(256, 256.0, True)


def test_dequantization_bins_numpy(full_range_npz):
    spec, raw = full_range_npz
    values, _ = zoo.data.load_numpy(spec, dequantize=True, seed=0)
    values = values.astype(np.float64)
    assert np.all(values >= raw / 256) and np.all(values < (raw + 1) / 256)
    np.testing.assert_array_equal(values, zoo.data.load_numpy(spec, dequantize=True, seed=0)[0])
    assert not np.array_equal(values, zoo.data.load_numpy(spec, dequantize=True, seed=1)[0])


def test_dequantization_clamps_to_bin(monkeypatch):
    """u just below 1 can round (255 + u) / 256 up to 1.0 in float32; it is kept in the bin."""
    almost_one = np.nextafter(np.float32(1), np.float32(0))
    x = np.full((3,), 255, np.uint8)
    scaling = scaling_for(256, dequantize=True)
    monkeypatch.setattr(tf.random, "stateless_uniform",
                        lambda shape, seed, dtype: tf.fill(shape, tf.constant(almost_one)))
    out = pipeline.scale_tensor(tf.constant(x), scaling, tf.constant([0, 0], tf.int64)).numpy()
    assert np.all(out < 1.0) and np.all(out >= 255 / 256)

    class AlmostOne:
        def random(self, shape, dtype):
            return np.full(shape, almost_one, dtype)

    monkeypatch.setattr(np.random, "default_rng", lambda seed: AlmostOne())
    out = pipeline.scale_array(x, scaling)
    assert np.all(out < 1.0) and np.all(out >= 255 / 256)


def test_nll_to_bits_per_dim_by_hand():
    d = 784
    dequantized = Scaling(levels=256, divisor=256.0, dequantized=True)
    assert zoo.data.nll_to_bits_per_dim(0.0, d, dequantized) == pytest.approx(8.0)
    # nll = D ln 2 nats is one bit per dimension, plus log2(256) = 8.
    assert zoo.data.nll_to_bits_per_dim(d * math.log(2), d, dequantized) == pytest.approx(9.0)
    plain = scaling_for(256, dequantize=False)
    assert plain.divisor == 255.0
    assert zoo.data.nll_to_bits_per_dim(-1000.0, d, plain) == pytest.approx(
        (-1000.0 + d * math.log(255)) / (d * math.log(2)))
    continuous = scaling_for(None, dequantize=False)
    np.testing.assert_allclose(
        zoo.data.nll_to_bits_per_dim(np.array([d * math.log(2), 0.0]), d, continuous), [1.0, 0.0])
    with pytest.raises(ValueError, match="num_dims"):
        zoo.data.nll_to_bits_per_dim(1.0, 0, plain)


def test_cache_option_validated():
    assert pipeline.should_cache(10, True) and not pipeline.should_cache(10, False)
    with pytest.raises(ValueError, match="cache must be"):
        pipeline.should_cache(10, "yes")
